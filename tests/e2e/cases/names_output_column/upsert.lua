-- An upsert updates rows on the schema's key: an output that does not
-- write every key column is refused.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { map = { { "Effort Name", from = "activity_title" }, { "Date/Time", from = "sent_at" } } },
  },
  outputs = {
    db = { table = "texts", schema = "organizer/text_interactions", mode = "upsert",
           columns = { "Effort Name", "Date/Time" } },
  },
}
