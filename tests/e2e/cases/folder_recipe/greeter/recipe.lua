-- greeter: a recipe folder with its own schema (schemas/demo/people.lua)
-- and its own module (lua/greeter/words.lua).  Run it from any
-- directory: crosswalk run PATH/greeter --input people.csv --out-dir out/
local words = require("greeter.words")
local style = params.style or "plain"

return {
  name = "greeter",
  description = "Greets each person of a demo/people file",
  params = {
    style = "plain (default) or loud: how the greeting is written",
  },
  inputs = {
    people = { schema = "demo/people" },
  },
  steps = {
    { fn = function(r) r.greeting = words.greet(r.name, style) end },
  },
  outputs = {
    greetings = { path = "greetings.csv", columns = { "id", "greeting" } },
  },
}
