-- An fn step declares the columns it sets: later steps and outputs may
-- name them, and 'check' checks them.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { fn = function(r)
        r.direction = r.sender_type == "user" and "out" or "in"
      end, sets = { "direction" } },
    { filter = { column = "direction", equals = "out" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "direction", "body" } } },
}
