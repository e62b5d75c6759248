-- The same without an input schema: the output's required Profile ID is
-- not in the header, one error before any record is read.
return {
  inputs = { texts = {} },
  outputs = {
    text = { path = "text_interactions.csv", schema = "organizer/text_interactions",
             columns = { "Profile ID", "Effort Name", "Date/Time", "Message" } },
  },
}
