-- badkey.lua: a key column the output does not write (tests/e2e
-- ledger_errors).
return {
  inputs = { people = {} },
  steps = {},
  outputs = { out = { path = "people.csv", columns = { "id", "name" }, key = { "city" } } },
}
