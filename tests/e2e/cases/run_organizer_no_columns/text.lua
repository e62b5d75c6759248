-- A first recipe: Impactive messages to Organizer text interactions. The
-- output names a schema and no 'columns': it writes the schema's required
-- columns and those the recipe sets, and demands no value in the others
-- (Service, Replied, ...), which nothing sets.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { filter = { column = "message_type", equals = "TwilioMessage" } },
    { filter = { column = "sender_type", equals = "user" } },
    { map = {
        { "Profile ID", from = "receiver_id" },
        { "Effort Name", from = "activity_title" },
        { "Date/Time", from = "sent_at", rule = "date", args = { format = "iso" } },
        { "Message", from = "body" },
    } },
  },
  outputs = {
    text = { path = "text_interactions.csv", schema = "organizer/text_interactions" },
  },
}
