-- A group keyed on a misspelt column: refused before any record is read.
-- The input has no schema: 'check' sees only that the output reads a
-- column the group does not give; 'run' finds the key in the header.
return {
  inputs = { messages = {} },
  steps = {
    { group = { by = { "activty_title" }, aggregate = { { "messages", "count" } } } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "activity_title", "messages" } } },
}
