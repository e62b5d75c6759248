-- After an fn step with 'sets', a name neither it nor the input has is
-- refused, with a word about 'sets'.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { fn = function(r)
        r.direction = r.sender_type == "user" and "out" or "in"
      end, sets = { "direction" } },
    { filter = { column = "direcion", equals = "out" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "direction", "body" } } },
}
