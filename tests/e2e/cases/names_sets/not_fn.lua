-- Only an fn step has 'sets'.
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { map = { { "direction", const = "out" } }, sets = { "direction" } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "direction" } } },
}
