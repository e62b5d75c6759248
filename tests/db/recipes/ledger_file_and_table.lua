-- tests/db/recipes/ledger_file_and_table.lua: an id,name,n file into a
-- file the ledger tracks (keyed by id) and a table of the run's database
-- (tests/db/ledger_cases.sh: a table that fails at COMMIT, after the
-- ledger recorded the run, must leave the ledger as it was).
return {
  name = "ledger_file_and_table",
  inputs = { rows = {} },
  steps = {},
  outputs = {
    file = { path = "rows.csv", columns = { "id", "name", "n" }, key = { "id" } },
    tab = { table = "ledger_tab", mode = "append", columns = { "id", "name", "n" } },
  },
}
