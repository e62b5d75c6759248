-- An Organizer community export carries custom columns beyond its
-- schema: 'check' cannot know them and accepts a name close to none of
-- the schema's; 'run' checks it against the header.
return {
  inputs = { community = { schema = "organizer/community_export" } },
  steps = {
    { validate = { column = "Cell Phone", rule = "phone" } },
  },
  outputs = { phones = { path = "phones.csv", columns = { "Profile ID", "Cell Phone" } } },
}
