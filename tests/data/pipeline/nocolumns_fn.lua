-- nocolumns_fn.lua -- an output with a schema and no 'columns' after an
-- fn step without 'sets' (test_pipeline.c): which columns the recipe
-- sets is not known, so the recipe is refused.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { fn = function(r) r["Profile ID"] = r.receiver_id end },
  },
  outputs = {
    text = { path = "out.csv", schema = "organizer/text_interactions" },
  },
}
