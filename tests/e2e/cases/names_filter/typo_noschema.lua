-- A filter on a misspelt column: refused before any record is read.
-- The input has no schema: only 'run' can tell, from the header.
return {
  inputs = { messages = {} },
  steps = {
    { filter = { column = "mesage_type", equals = "TwilioMessage" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "body" } } },
}
