-- A schema file with a syntax error on line 4.
return {
  name = "test/syntax",
  columns = { { name = "x" }
}
