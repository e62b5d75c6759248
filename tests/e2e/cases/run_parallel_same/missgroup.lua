-- A parallel function after a group: it runs on what the group emits at
-- the end of the input, and reads names no record has, by id (n0 for ids
-- under 150, then n1, n2, n3, n4).  The warnings come in that order
-- whichever states ran which batches of the group's records.
return {
  name = "parallel_miss_group",
  inputs = { people = { main = true } },
  steps = {
    { group = { by = { "id" }, aggregate = { { "n", "count" } } } },
    {
      parallel = true,
      fn = function(r)
        local _ = r["n" .. math.floor(tonumber(r.id) / 150)]
      end,
    },
  },
  outputs = { out = { path = "out.csv", columns = { "id", "n" } } },
}
