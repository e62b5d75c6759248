-- A map entry copying a misspelt column: refused before any record is read.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { map = { { "when", from = "sent_att" } } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "when" } } },
}
