-- people.lua -- contacts into a SQLite table, upserted on the schema's key
-- (test_sqlite.c: two runs leave the same rows).
return {
  inputs = { people = { schema = "impactive/contacts" } },
  steps = {},
  outputs = {
    t = { table = "people", schema = "impactive/contacts", mode = "upsert",
          columns = { "id", "first_name", "last_name", "needs_attention",
                      "created_at" } },
  },
}
