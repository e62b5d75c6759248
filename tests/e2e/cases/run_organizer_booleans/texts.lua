-- texts.lua: texts.csv -> an Organizer text-interaction file.  'Replied'
-- is copied as it is, so the output check takes Organizer's booleans
-- only; 'Opted Out' goes through the boolean rule, which reads y/n too.
return {
  inputs = { texts = {} },
  steps = {
    { map = { { "Profile ID", from = "id" }, { "Effort Name", from = "effort" },
              { "Date/Time", from = "sent" },
              { "Opted Out", from = "opted", rule = "boolean" } } },
  },
  outputs = {
    text = { path = "text_interactions.csv", schema = "organizer/text_interactions",
             columns = { "Profile ID", "Effort Name", "Date/Time", "Replied", "Opted Out" } },
  },
}
