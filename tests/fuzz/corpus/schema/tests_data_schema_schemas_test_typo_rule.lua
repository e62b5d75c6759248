-- A rule argument misspelled: 'm' for 'n'.
return {
  name = "test/typo_rule",
  columns = {
    { name = "Label", rules = { { rule = "max_length", args = { m = 8 } } } },
  },
}
