-- items.lua: items.csv -> items.csv.
return {
  inputs = { items = {} },
  steps = { { map = { { "title", from = "title", rule = "trim" } } } },
  outputs = {
    out = { path = "items.csv", columns = { "id", "title", "note" } },
  },
}
