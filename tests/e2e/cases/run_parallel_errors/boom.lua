-- A parallel function that fails on one row: the run stops there, names
-- the row, and commits nothing.
return {
  name = "parallel_boom",
  inputs = { people = { main = true } },
  steps = {
    {
      parallel = true,
      fn = function(r)
        if r.id == "300" then error("no row 300, please") end
        r.name = string.upper(r.name)
      end,
    },
  },
  outputs = { out = { path = "out.csv", columns = { "id", "name" } } },
}
