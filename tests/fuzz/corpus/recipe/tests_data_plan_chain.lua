-- chain.lua -- declarative steps only: filter, map (rule, constant,
-- default, swap), validate, map, lookup and group (test_plan.c).
return {
  steps = {
    { filter = { column = "type", one_of = { "a", "b" } } },
    { map = {
        { "ph", from = "phone", rule = "phone" },
        { "src", const = "const" },
        { "amt", from = "amount", default = "0" },
        { "x", from = "y" },
        { "y", from = "x" },
    } },
    { validate = { column = "flag", rule = "boolean" } },
    { map = { { "flag", from = "flag", rule = "boolean" } } },
    { lookup = { input = "people", key = "phone", on = "ph",
                 key_rule = "phone", columns = { name = "pname" },
                 where = { column = "value", equals = "true" } } },
    { group = {
        by = { "pname" },
        aggregate = {
          { "n", "count" },
          { "total", "max", "amt" },
          { "ids", "concat", "id" },
          { "src", "first", "src" },
          { "any_f", "any", "flag" },
          { "first_x", "first", "x" },
        },
    } },
  },
}
