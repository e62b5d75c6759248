-- evil.lua: tries to run a command from a function step, once data flows.
return {
  inputs = { people = {} },
  steps = {
    { fn = function(r) os.execute("touch pwned") end },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "name" } } },
}
