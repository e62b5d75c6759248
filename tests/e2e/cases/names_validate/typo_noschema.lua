-- A validate step on a misspelt column: refused before any record is read.
-- The input has no schema: only 'run' can tell, from the header.
return {
  inputs = { messages = {} },
  steps = {
    { validate = { column = "recevier_id", rule = "nonblank" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "receiver_id" } } },
}
