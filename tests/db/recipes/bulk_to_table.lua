-- tests/db/recipes/bulk_to_table.lua: any id,name,n file into a table,
-- every column text (tests/db/run.sh).  --set table=NAME --set mode=MODE.
return {
  name = "bulk_to_table",
  params = {
    table = "table to write (default bulk)",
    mode = "create, append, replace or upsert (default append)",
  },
  inputs = { rows = {} },
  steps = {},
  outputs = {
    rows = {
      table = params.table or "bulk",
      mode = params.mode or "append",
      columns = { "id", "name", "n" },
    },
  },
}
