-- typo.lua: names a rule that does not exist.
return {
  inputs = { people = {} },
  steps = {
    { map = { { "phone", from = "phone", rule = "fone" } } },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "phone" } } },
}
