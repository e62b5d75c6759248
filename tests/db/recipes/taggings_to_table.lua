-- tests/db/recipes/taggings_to_table.lua: Impactive taggings into a
-- database table (tests/db/run.sh).  --set table=NAME --set mode=MODE.
return {
  name = "taggings_to_table",
  params = {
    table = "table to write (default tags)",
    mode = "create, append, replace or upsert (default upsert)",
  },
  inputs = { taggings = { schema = "impactive/taggings" } },
  steps = {},
  outputs = {
    tags = {
      table = params.table or "tags",
      mode = params.mode or "upsert",
      schema = "impactive/taggings",
      columns = { "id", "campaign_id", "tag_name", "taggable_id", "value",
                  "created_at" },
    },
  },
}
