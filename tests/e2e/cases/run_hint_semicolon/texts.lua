-- texts.lua: Organizer text interactions, checked against their schema.
return {
  inputs = { texts = { schema = "organizer/text_interactions" } },
  outputs = {
    out = { path = "texts.csv", columns = { "Profile ID", "Effort Name" } },
  },
}
