-- recipe.lua: requires a module that CROSSWALK_HOME's lua/ folder lacks;
-- the error names the path it was looked for at.
local nothere = require("crosswalk.nothere")
return {
  inputs = { people = {} },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
  steps = { { fn = function(r) r.id = nothere(r.id) end } },
}
