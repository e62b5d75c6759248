-- clash.lua: a CSV output named like the default database of the table.
return {
  inputs = { people = {} },
  outputs = {
    t = { table = "people", columns = { "id", "name" } },
    out = { path = "crosswalk.db", columns = { "id", "name", "phone" } },
  },
}
