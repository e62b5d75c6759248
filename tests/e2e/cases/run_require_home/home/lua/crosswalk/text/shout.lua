-- crosswalk.text.shout: a nested module, found as
-- HOME/lua/crosswalk/text/shout.lua.
return function(s) return s:upper() end
