-- renames.lua -- maps of 'from' entries only, which run on a path of
-- their own (test_plan.c): a swap, a column assigned to itself, one set
-- twice, a column read before a later entry sets it.
return {
  steps = {
    { map = {
        { "x", from = "y" },
        { "y", from = "x" },
        { "k", from = "k" },
        { "n", from = "id" },
    } },
    { map = {
        { "a", from = "id" },
        { "a", from = "a" },
        { "b", from = "flag", rule = "boolean" },
    } },
    { map = { { "c", from = "n" }, { "n", from = "x" } } },
  },
}
