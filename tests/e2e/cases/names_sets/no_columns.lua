-- An output with a schema and no 'columns' after an fn step without
-- 'sets': which of the schema's columns the recipe sets is unknown.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { fn = function(r)
        r["Profile ID"] = r.receiver_id
        r["Effort Name"] = r.activity_title
        r["Date/Time"] = r.sent_at
      end },
  },
  outputs = { text = { path = "text.csv", schema = "organizer/text_interactions" } },
}
