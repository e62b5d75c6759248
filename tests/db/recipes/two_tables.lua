-- tests/db/recipes/two_tables.lua: every row of an id,name,n file into
-- two tables of the same database (tests/db/run.sh): both are written in
-- one transaction, so either both get the rows or neither does.
return {
  name = "two_tables",
  inputs = { rows = {} },
  steps = {},
  outputs = {
    first = { table = "pair_a", mode = "append", columns = { "id", "name", "n" } },
    second = { table = "pair_b", mode = "append", columns = { "n", "id" } },
  },
}
