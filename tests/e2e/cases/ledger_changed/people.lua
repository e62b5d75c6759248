-- people.lua: people.csv -> people.csv keyed by id, with the policy for a
-- key that went out with other values as a parameter (tests/e2e
-- ledger_changed).
return {
  params = { changed = "reject (default), warn or send" },
  inputs = { people = {} },
  steps = {},
  outputs = {
    out = { path = "people.csv", columns = { "id", "name", "city" }, key = { "id" },
            changed = params.changed or "reject" },
  },
}
