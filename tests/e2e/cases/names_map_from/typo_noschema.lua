-- A map entry copying a misspelt column: refused before any record is read.
-- The input has no schema: only 'run' can tell, from the header.
return {
  inputs = { messages = {} },
  steps = {
    { map = { { "when", from = "sent_att" } } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "when" } } },
}
