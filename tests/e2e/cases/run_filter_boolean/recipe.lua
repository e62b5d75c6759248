-- recipe.lua: the boolean test of filter conditions and lookup 'where':
-- a value the boolean rule reads as true (true/false, yes/no, 1/0, t/f,
-- y/n in any case, spaces around ignored); blank and other values pass
-- neither boolean = true nor boolean = false.
return {
  inputs = { people = { main = true }, flags = {} },
  steps = {
    { filter = { column = "active", boolean = true } },
    { lookup = { input = "flags", key = "id", on = "id", exists = "opted_out",
                 where = { column = "opt_out", boolean = true } } },
  },
  outputs = { out = { path = "active.csv", columns = { "id", "active", "opted_out" } } },
}
