-- A prefix key misspelled: 'prefx' for 'prefix'.
return {
  name = "test/typo_prefix",
  columns = { { name = "Profile ID", type = "id" } },
  prefixes = { { prefx = "KQ: ", type = "text" } },
}
