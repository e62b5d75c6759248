-- A name close to a column of the schema is taken for a misspelling.
return {
  inputs = { community = { schema = "organizer/community_export" } },
  steps = {
    { validate = { column = "Phone Numbr", rule = "phone" } },
  },
  outputs = { phones = { path = "phones.csv", columns = { "Profile ID", "Phone Number" } } },
}
