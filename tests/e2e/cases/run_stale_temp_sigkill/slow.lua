-- slow.lua: about 10 microseconds of Lua work per record, so 200,000
-- records take seconds and a SIGINT lands mid-run.
return {
  inputs = { people = {} },
  steps = {
    { fn = function(r) local s = 0 for i = 1, 2000 do s = s + i end end },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "name", "phone" } } },
}
