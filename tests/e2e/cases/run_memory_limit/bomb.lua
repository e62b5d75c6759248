-- bomb.lua: a function step that allocates without bound.
return {
  inputs = { people = {} },
  steps = {
    { fn = function(r) local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(100) .. i end end },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "name" } } },
}
