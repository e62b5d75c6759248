-- A key that names no column (the spelling differs in case).
return {
  name = "test/badkey",
  key = { "Profile Id" },
  columns = { { name = "Profile ID", type = "id", required = true } },
}
