-- tests/db/recipes/two_upserts.lua: Impactive taggings upserted into two
-- tables of the same database (tests/db/run.sh): their batches take turns
-- on one connection, each copied straight into its table in a savepoint
-- until a key repeats.
return {
  name = "two_upserts",
  inputs = { taggings = { schema = "impactive/taggings" } },
  steps = {},
  outputs = {
    a = { table = "tu_a", mode = "upsert", schema = "impactive/taggings",
          columns = { "id", "campaign_id", "tag_name", "taggable_id", "value",
                      "created_at" } },
    b = { table = "tu_b", mode = "upsert", schema = "impactive/taggings",
          columns = { "id", "tag_name", "value" } },
  },
}
