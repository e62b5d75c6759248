-- After an fn step without 'sets' a name cannot be checked before the
-- run: one that no record had is a W_NEVER_SET warning, and so is a
-- column a function reads that no record has (r.mesage_type).
return {
  inputs = { messages = { schema = "impactive/messages" } },
  steps = {
    { fn = function(r)
        r.direction = r.sender_type == "user" and "out" or "in"
        r.kind = r.mesage_type or "unknown"
      end },
    { filter = { column = "directoin", blank = true } },
    -- twilio_status is in the schema but not in this file's header.
    { map = { { "status", from = "twilio_status", default = "none" } } },
  },
  outputs = { texts = { path = "texts.csv", columns = { "id", "direction", "kind", "status" } } },
}
