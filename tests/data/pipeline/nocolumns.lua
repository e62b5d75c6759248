-- nocolumns.lua -- an output with a schema and no 'columns'
-- (test_pipeline.c): it writes the schema's required columns and those
-- the recipe sets, and demands no value in the others (Service).
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { filter = { column = "message_type", one_of = { "TwilioMessage" } } },
    { map = {
        { "Profile ID", from = "receiver_id" },
        { "Effort Name", from = "activity_title" },
        { "Date/Time", from = "sent_at", rule = "date", args = { format = "iso" } },
        { "Replied", const = "false" },
    } },
  },
  outputs = {
    text = { path = "out.csv", schema = "organizer/text_interactions" },
  },
}
