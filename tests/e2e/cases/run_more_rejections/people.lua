-- people.lua: people.csv -> people.csv with a trimmed name and an E.164 phone.
return {
  inputs = { people = {} },
  steps = {
    { map = { { "name", from = "name", rule = "trim" },
              { "phone", from = "phone", rule = "phone" } } },
  },
  outputs = {
    out = { path = "people.csv", columns = { "id", "name", "phone" } },
  },
}
