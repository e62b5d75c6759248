-- bench/recipes/luafn_parallel.lua: luafn.lua with its fn step marked
-- parallel = true, so that it runs in one Lua state per core at once (the
-- function keeps nothing between rows). The same mapping as
-- declarative.lua, done by one Lua function per row; unknown boolean
-- values are left unchanged, as the Python and Miller peers do. The input
-- keeps quotes inside unquoted fields as data (stray_quotes), as the
-- peers do.
local BOOL = {
  ["true"] = "true", t = "true", yes = "true", y = "true", ["1"] = "true",
  ["false"] = "false", f = "false", no = "false", n = "false",
  ["0"] = "false",
}

return {
  name = "bench_luafn_parallel",
  inputs = { messages = { main = true, stray_quotes = "keep" } },
  steps = {
    {
      parallel = true,
      fn = function(r)
        r.message_id = r.id
        r.campaign = r.campaign_id
        r.effort = r.activity_title
        r.phone_number = r.phone
        r.contact_id = r.profile_id
        local v = r.opted_out
        r.opted_out = BOOL[string.lower(v)] or v
      end,
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
