-- Groups before and after the parallel steps: the records a group holds
-- back reach the parallel steps at the end of the input, and every one
-- the workers had reaches the later group first.
local par = params.par == "1"
return {
  name = "parallel_group",
  params = { par = "1: the fn step is parallel" },
  inputs = { people = { main = true } },
  steps = {
    { group = { by = { "state", "opt" },
                aggregate = { { "n", "count" }, { "first_id", "min", "id" } } } },
    {
      parallel = par,
      sets = { "kind" },
      fn = function(r)
        if r.state == "drop" then return false end
        r.kind = tonumber(r.n) > 20 and "many" or "few"
      end,
    },
    { group = { by = { "kind" },
                aggregate = { { "groups", "count" }, { "states", "concat", "state", sep = " " } } } },
  },
  outputs = { out = { path = "out.csv", columns = { "kind", "groups", "states" } } },
}
