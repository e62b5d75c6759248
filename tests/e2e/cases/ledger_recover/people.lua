-- people.lua: people.csv -> people.csv, one row per id (tests/e2e
-- ledger_*: the ledger keeps what went out, keyed by id).
return {
  inputs = { people = {} },
  steps = {},
  outputs = {
    out = { path = "people.csv", columns = { "id", "name", "city" }, key = { "id" } },
  },
}
