-- hoard.lua: keeps 1 MB per record across calls, so the default 64 MiB
-- memory limit is reached after about 60 records.
local keep = {}
return {
  inputs = { people = {} },
  steps = {
    { fn = function(r) keep[#keep + 1] = ("x"):rep(1000000) .. r.id end },
  },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
}
