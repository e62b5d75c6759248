-- An enum column without its values.
return {
  name = "test/noenum",
  columns = { { name = "Kind", type = "enum" } },
}
