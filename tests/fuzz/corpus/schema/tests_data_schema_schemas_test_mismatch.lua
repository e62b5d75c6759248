-- A schema whose name does not match its path (test/mismatch).
return {
  name = "test/other",
  columns = { { name = "x" } },
}
