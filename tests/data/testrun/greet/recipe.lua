-- greet/recipe.lua: a fixture of 'crosswalk test': a recipe folder, its
-- cases in greet/cases/.  People without a name are filtered out.
return {
  inputs = { people = {} },
  steps = {
    { filter = { column = "name", present = true } },
    { map = { { "greeting", fn = function(r) return "Hello, " .. r.name end } } },
  },
  outputs = {
    greetings = { path = "greetings.csv", columns = { "greeting" } },
  },
}
