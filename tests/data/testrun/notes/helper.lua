-- notes/helper.lua: a fixture of 'crosswalk test': a Lua file in a
-- folder without recipe.lua, which 'crosswalk test DIR' does not take
-- for a recipe.
return {}
