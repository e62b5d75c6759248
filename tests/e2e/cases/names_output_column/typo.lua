-- An output column no step sets and the input lacks: refused.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { filter = { column = "message_type", equals = "TwilioMessage" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "bdy" } } },
}
