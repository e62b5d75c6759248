-- lookupsince.lua: 'since' on a lookup input (tests/e2e ledger_errors).
return {
  inputs = { people = { main = true }, cities = { since = "at" } },
  steps = { { lookup = { input = "cities", key = "name", on = "city",
                         columns = { state = "state" } } } },
  outputs = { out = { path = "people.csv", columns = { "id" }, key = { "id" } } },
}
