-- items.lua: items.csv -> items.csv, quotes inside unquoted fields kept.
return {
  inputs = { items = { stray_quotes = "keep" } },
  steps = { { map = { { "title", from = "title", rule = "trim" } } } },
  outputs = {
    out = { path = "items.csv", columns = { "id", "title", "note" } },
  },
}
