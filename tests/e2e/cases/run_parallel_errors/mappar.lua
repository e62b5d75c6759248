return {
  name = "parallel_map",
  inputs = { people = { main = true } },
  steps = { { parallel = true, map = { { "id", from = "id" } } } },
  outputs = { out = { path = "out.csv", columns = { "id" } } },
}
