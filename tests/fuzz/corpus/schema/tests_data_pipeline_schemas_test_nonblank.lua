-- test/nonblank: a text column that must not be blank when present
-- (test_pipeline.c uses tests/data/pipeline as the run's home).
return {
  name = "test/nonblank",
  title = "nonblank text column",
  columns = {
    { name = "id", type = "id", required = true },
    { name = "note", type = "text", nonblank = true },
  },
}
