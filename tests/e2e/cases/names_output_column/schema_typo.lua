-- An output column its schema does not have: refused with the closest.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { map = { { "Profile ID", from = "receiver_id" }, { "Effort Name", from = "activity_title" },
              { "Date/Time", from = "sent_at" } } },
  },
  outputs = {
    text = { path = "text.csv", schema = "organizer/text_interactions",
             columns = { "Profile ID", "Efort Name", "Date/Time" } },
  },
}
