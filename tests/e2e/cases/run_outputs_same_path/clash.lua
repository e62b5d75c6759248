-- clash.lua: two outputs with one path.
return {
  inputs = { people = {} },
  outputs = {
    ids = { path = "people.csv", columns = { "id" } },
    names = { path = "people.csv", columns = { "name" } },
  },
}
