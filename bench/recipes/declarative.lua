-- bench/recipes/declarative.lua: the benchmark mapping written only with
-- declarative steps, so the engine can compile it to C and never enter Lua.
-- Renames five fields, normalises opted_out with the boolean rule (lowercase
-- true/false) and keeps the other columns as they are, in input order. The
-- output must be byte-identical to bench/peer_python.py and the Miller peer.
-- The input keeps quotes inside unquoted fields as data (stray_quotes), as
-- the peers read them.
return {
  name = "bench_declarative",
  inputs = { messages = { main = true, stray_quotes = "keep" } },
  steps = {
    {
      map = {
        { "message_id", from = "id" },
        { "campaign", from = "campaign_id" },
        { "activity_id", from = "activity_id" },
        { "effort", from = "activity_title" },
        { "message_type", from = "message_type" },
        { "sender_type", from = "sender_type" },
        { "receiver_type", from = "receiver_type" },
        { "sender_name", from = "sender_name" },
        { "phone_number", from = "phone" },
        { "contact_id", from = "profile_id" },
        { "opted_out", from = "opted_out", rule = "boolean" },
        { "sent_at", from = "sent_at" },
        { "script_type", from = "script_type" },
        { "body", from = "body" },
      },
    },
  },
  outputs = {
    out = {
      path = "mapped.csv",
      columns = {
        "message_id", "campaign", "activity_id", "effort", "message_type",
        "sender_type", "receiver_type", "sender_name", "phone_number",
        "contact_id", "opted_out", "sent_at", "script_type", "body",
      },
    },
  },
}
