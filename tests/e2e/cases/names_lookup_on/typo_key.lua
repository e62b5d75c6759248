-- A lookup whose key is misspelt: 'check' finds it in the lookup input's
-- schema, 'run' in its header.
return {
  inputs = { messages = { schema = "impactive/messages", main = true },
             contacts = { schema = "impactive/contacts" } },
  steps = {
    { lookup = { input = "contacts", key = "idd", on = "receiver_id", columns = { phone = "phone" } } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "phone" } } },
}
