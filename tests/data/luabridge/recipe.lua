-- A recipe-shaped table holding every kind of node.
local prefix = params.prefix or "none"

return {
  name = "demo",
  version = 3,
  ratio = 0.5,
  big = 2 ^ 53,
  enabled = true,
  off = false,
  prefix = prefix,
  region = params.region,
  steps = {
    { kind = "map", map = { ["First Name"] = "first_name", email = "email" } },
    { kind = "filter", fn = function(r) return r.email ~= nil end },
    { kind = "list", items = { "a", "b", 3 } },
  },
  empty = {},
  transform = function(r) return r.first end,
}
