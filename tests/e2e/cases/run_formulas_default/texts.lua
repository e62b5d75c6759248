-- texts.lua: texts.csv -> an Organizer text-interaction file (formula
-- warnings by default) and a plain copy (no schema: not checked).
return {
  inputs = { texts = {} },
  steps = {
    { map = { { "Profile ID", from = "id" }, { "Effort Name", from = "effort" },
              { "Date/Time", from = "sent" } } },
  },
  outputs = {
    text = { path = "text_interactions.csv", schema = "organizer/text_interactions",
             columns = { "Profile ID", "Effort Name", "Date/Time", "Message", "Sender" } },
    plain = { path = "plain.csv", columns = { "id", "Message", "Sender" } },
  },
}
