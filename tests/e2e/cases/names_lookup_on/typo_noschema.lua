-- A lookup keyed on a misspelt record column: refused before any record is
-- read.
-- The input has no schema: only 'run' can tell, from the header.
return {
  inputs = { messages = { main = true },
             contacts = { schema = "impactive/contacts" } },
  steps = {
    { lookup = { input = "contacts", key = "id", on = "recevier_id", columns = { phone = "phone" } } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "phone" } } },
}
