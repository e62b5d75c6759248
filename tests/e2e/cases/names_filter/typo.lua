-- A filter on a misspelt column: refused before any record is read.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { filter = { column = "mesage_type", equals = "TwilioMessage" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "body" } } },
}
