-- texts.lua: texts.csv -> an Organizer text-interaction file, formulas = "warn".
return {
  inputs = { texts = {} },
  steps = {
    { map = { { "Profile ID", from = "id" }, { "Effort Name", from = "effort" },
              { "Date/Time", from = "sent" } } },
  },
  outputs = {
    text = { path = "text_interactions.csv", schema = "organizer/text_interactions",
             columns = { "Profile ID", "Effort Name", "Date/Time", "Message", "Sender" },
             formulas = "warn" },
  },
}
