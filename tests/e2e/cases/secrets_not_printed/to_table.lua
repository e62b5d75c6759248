-- to_table.lua: rows.csv into a database table, for the target forms.
return {
  inputs = { rows = {} },
  steps = {},
  outputs = { rows = { table = "rows", columns = { "id", "name" } } },
}
