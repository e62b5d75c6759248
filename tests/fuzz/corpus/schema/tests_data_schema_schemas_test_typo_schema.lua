-- A top-level key misspelled: 'max_byte' for 'max_bytes'.
return {
  name = "test/typo_schema",
  max_byte = 1000,
  columns = { { name = "Profile ID", type = "id" } },
}
