-- plain.lua: a recipe file with no name, description or parameters.
return {
  inputs = { people = {} },
  outputs = { out = { path = "out.csv", columns = { "id" } } },
}
