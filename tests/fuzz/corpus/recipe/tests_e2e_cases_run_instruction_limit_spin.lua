-- spin.lua: a function step that never returns.
return {
  inputs = { people = {} },
  steps = {
    { fn = function(r) while true do end end },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "name" } } },
}
