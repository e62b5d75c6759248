-- badpolicy.lua: an unknown 'changed' policy (tests/e2e ledger_errors).
return {
  inputs = { people = {} },
  steps = {},
  outputs = { out = { path = "people.csv", columns = { "id" }, key = { "id" },
                      changed = "overwrite" } },
}
