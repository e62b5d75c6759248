-- table.lua: one file output and a table.
return {
  inputs = { people = {} },
  outputs = {
    t = { table = "people", columns = { "id", "name" } },
    out = { path = "people.csv", columns = { "id", "name", "phone" } },
  },
}
