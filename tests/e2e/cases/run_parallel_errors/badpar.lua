return {
  name = "parallel_bad",
  inputs = { people = { main = true } },
  steps = { { parallel = "yes", fn = function(r) end } },
  outputs = { out = { path = "out.csv", columns = { "id" } } },
}
