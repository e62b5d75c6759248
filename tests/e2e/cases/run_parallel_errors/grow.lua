-- With a parallel step in the recipe, a function cannot add a column
-- its step does not list in 'sets', parallel or not.
return {
  name = "parallel_grow",
  inputs = { people = { main = true } },
  steps = {
    { fn = function(r) r.extra = "x" end },
    { parallel = true, fn = function(r) r.name = string.upper(r.name) end },
  },
  outputs = { out = { path = "out.csv", columns = { "id", "name" } } },
}
