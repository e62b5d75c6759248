-- A well-formed schema with a rule that takes arguments.
return {
  name = "test/good",
  key = { "Code" },
  columns = {
    { name = "Code", type = "id", required = true },
    { name = "Label", rules = { { rule = "max_length", args = { n = 8 } } } },
  },
}
