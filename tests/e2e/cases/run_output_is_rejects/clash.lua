-- clash.lua: an output named like the default rejects file.
return {
  inputs = { people = {} },
  outputs = { out = { path = "rejects.csv", columns = { "id", "name", "phone" } } },
}
