-- lookup.lua -- a main input and a lookup input (test_pipeline.c).
return {
  inputs = {
    rows = { main = true },
    people = {},
  },
  steps = {
    { lookup = { input = "people", key = "id", on = "id",
                 columns = { name = "name" } } },
  },
  outputs = { out = { path = "joined.csv", columns = { "id", "name" } } },
}
