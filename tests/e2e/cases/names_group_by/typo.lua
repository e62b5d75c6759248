-- A group keyed on a misspelt column: refused before any record is read.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { group = { by = { "activty_title" }, aggregate = { { "messages", "count" } } } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "activity_title", "messages" } } },
}
