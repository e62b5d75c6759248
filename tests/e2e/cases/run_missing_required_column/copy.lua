-- Copies Organizer text interactions: the input's schema requires Profile
-- ID, which the header misspells.
return {
  inputs = { texts = { schema = "organizer/text_interactions" } },
  outputs = {
    text = { path = "text_interactions.csv", schema = "organizer/text_interactions",
             columns = { "Profile ID", "Effort Name", "Date/Time", "Message" } },
  },
}
