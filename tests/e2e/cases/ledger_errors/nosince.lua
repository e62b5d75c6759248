-- nosince.lua: a watermark column the input does not have (tests/e2e
-- ledger_errors).
return {
  inputs = { people = { since = "updated_at" } },
  steps = {},
  outputs = { out = { path = "people.csv", columns = { "id" }, key = { "id" } } },
}
