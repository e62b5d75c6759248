-- tests/db/recipes/rows_to_csv.lua: any id,name,n input to rows.csv
-- unchanged (tests/db/run.sh reads tables back through it).
return {
  name = "rows_to_csv",
  inputs = { rows = {} },
  steps = {},
  outputs = { rows = { path = "rows.csv", columns = { "id", "name", "n" } } },
}
