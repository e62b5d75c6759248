-- huge.lua: every record is rejected with the same reason of 16 MiB,
-- which starts with a terminal escape and a newline; the rejects file
-- stays small.
local reason = "no\27[2J\n" .. string.rep("x", 16 * 1024 * 1024)

return {
  inputs = { people = {} },
  steps = {
    { fn = function(r) return nil, reason end },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "name", "note" } } },
}
