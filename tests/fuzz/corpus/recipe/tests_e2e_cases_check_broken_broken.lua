-- broken.lua: line 5 has a syntax error.
return {
  inputs = { people = {} },
  steps = {
    { map = { { "name" from = "name" } } },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "name" } } },
}
