-- simple.lua -- Impactive messages to Organizer text interactions, cut
-- down for test_pipeline.c: a filter, a map with a date rule and a
-- parameter, an input schema and an output schema.
local service = params.service or "Impactive"

return {
  name = "simple",
  description = "messages to text interactions (test)",
  params = {
    service = "value of the Service column",
    other = "accepted but unused",
  },
  inputs = {
    messages = { schema = "impactive/messages" },
  },
  steps = {
    { filter = { column = "message_type", one_of = { "TwilioMessage" } } },
    { map = {
        { "Profile ID", from = "receiver_id" },
        { "Effort Name", from = "activity_title" },
        { "Date/Time", from = "sent_at", rule = "date",
          args = { format = "iso" } },
        { "Service", const = service },
    } },
  },
  outputs = {
    text = { path = "out.csv", schema = "organizer/text_interactions",
             columns = { "Profile ID", "Effort Name", "Date/Time",
                         "Service" } },
  },
}
