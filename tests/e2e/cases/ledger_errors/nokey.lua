-- nokey.lua: an output without a key or a schema (tests/e2e
-- ledger_errors: a ledger has nothing to track).
return {
  inputs = { people = {} },
  steps = {},
  outputs = { out = { path = "people.csv", columns = { "id", "name" } } },
}
