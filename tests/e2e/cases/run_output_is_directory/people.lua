-- people.lua: people.csv -> a table of the run's database and a CSV file
-- (tests/e2e run_output_is_directory: the file cannot be committed, so
-- neither is the table).
return {
  inputs = { people = {} },
  steps = {},
  outputs = {
    db = { table = "people", columns = { "id", "name" } },
    out = { path = "people.csv", columns = { "id", "name" } },
  },
}
