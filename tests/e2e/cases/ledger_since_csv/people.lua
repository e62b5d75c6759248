-- people.lua: people.csv -> people.csv keyed by id, read past the
-- watermark of 'updated' (tests/e2e ledger_since_csv).
return {
  inputs = { people = { since = "updated" } },
  steps = {},
  outputs = {
    out = { path = "people.csv", columns = { "id", "name", "updated" }, key = { "id" } },
  },
}
