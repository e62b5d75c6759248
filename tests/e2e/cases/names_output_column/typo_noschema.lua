-- An output column no step sets and the input lacks: refused.
-- The input has no schema: only 'run' can tell, from the header.
return {
  inputs = { messages = {} },
  steps = {
    { filter = { column = "message_type", equals = "TwilioMessage" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "bdy" } } },
}
