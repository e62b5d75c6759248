-- clash.lua: an output named like the first part of a split output.
return {
  inputs = { people = {} },
  outputs = {
    all = { path = "people.csv", columns = { "id", "name", "phone" },
            split = { max_bytes = 40 } },
    first = { path = "people-001.csv", columns = { "id" } },
  },
}
