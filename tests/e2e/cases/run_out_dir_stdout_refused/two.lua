-- two.lua: two file outputs and a table.
return {
  inputs = { people = {} },
  outputs = {
    ids = { path = "ids.csv", columns = { "id" } },
    names = { path = "names.csv", columns = { "name" } },
  },
}
