-- A column key misspelled: 'requried' for 'required'.
return {
  name = "test/typo_column",
  columns = {
    { name = "Profile ID", type = "id", requried = true },
  },
}
