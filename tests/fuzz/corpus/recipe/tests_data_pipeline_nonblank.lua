-- nonblank.lua -- an input schema with a nonblank text column
-- (test_pipeline.c, home tests/data/pipeline).
return {
  inputs = { rows = { schema = "test/nonblank" } },
  outputs = { out = { path = "out.csv", columns = { "id", "note" } } },
}
