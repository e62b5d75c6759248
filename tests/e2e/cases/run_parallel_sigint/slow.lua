-- A parallel function that is slow on every row (about 0.15 s): an
-- interruption must end the run after the rows the states are at, not
-- after the batches of 64 rows they hold.
return {
  name = "parallel_slow",
  inputs = { people = { main = true } },
  steps = {
    {
      parallel = true,
      fn = function(r)
        local x = 0
        for i = 1, 15000000 do x = x + i end
        r.name = string.upper(r.name)
      end,
    },
  },
  outputs = { out = { path = "out.csv", columns = { "id", "name" } } },
}
