-- A column with a type that does not exist.
return {
  name = "test/badtype",
  columns = {
    { name = "Profile ID", type = "id" },
    { name = "Count", type = "int" },
  },
}
