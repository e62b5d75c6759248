-- recipe.lua: loads crosswalk.greet from CROSSWALK_HOME's lua/ folder.
local greet = require("crosswalk.greet")
return {
  inputs = { people = {} },
  steps = {
    { fn = function(r) r.greeting = greet.hello(r.name) end },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "greeting" } } },
}
