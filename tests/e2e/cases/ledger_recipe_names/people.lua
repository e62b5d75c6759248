-- people.lua: a recipe naming its own ledger (tests/e2e
-- ledger_recipe_names: --ledger replaces it, --ledger none drops it).
return {
  inputs = { people = {} },
  steps = {},
  outputs = {
    out = { path = "people.csv", columns = { "id", "name" }, key = { "id" } },
  },
  ledger = "sqlite:recipe.db",
}
