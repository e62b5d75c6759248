-- A validate step on a misspelt column: refused before any record is read.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { validate = { column = "recevier_id", rule = "nonblank" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "receiver_id" } } },
}
