-- A map, two adjacent fn steps that may run in parallel (when
-- params.par is "1"), and a filter after them.  Run with and without
-- parallel, the outputs must be the same, byte for byte.
local par = params.par == "1"
local BOOL = { yes = "true", ["true"] = "true", no = "false", ["0"] = "false" }

return {
  name = "parallel_same",
  params = { par = "1: the fn steps are parallel" },
  inputs = { people = { main = true } },
  steps = {
    { map = { { "person_id", from = "id" }, { "name", from = "name" },
              { "state", from = "state" }, { "opt", from = "opt" } } },
    {
      parallel = par,
      sets = { "opted_out", "region" },
      fn = function(r)
        if r.state == "drop" then return false end
        if r.state == "bad" then return nil, "state 'bad' in row " .. r.person_id end
        r.opted_out = BOOL[string.lower(r.opt)]
        r.region = (r.state == "NY") and "east" or "west"
      end,
    },
    {
      parallel = par,
      fn = function(r)
        if r.opted_out == nil then return nil, "opt '" .. r.opt .. "' is not a boolean" end
        r.name = string.upper(r.name)
      end,
    },
    { filter = { column = "region", not_one_of = { "east" } } },
  },
  outputs = {
    out = { path = "out.csv",
            columns = { "person_id", "name", "state", "region", "opted_out" } },
  },
}
