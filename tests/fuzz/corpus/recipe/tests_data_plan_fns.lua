-- fns.lua -- function steps: fn with keep / drop / reject, a filter
-- function, a map fn, a group, and a fn after the group (test_plan.c).
return {
  steps = {
    { fn = function(r)
        if r.kind == "drop" then return false end
        if r.last == nil then return nil, "no last name for " .. r.first end
        r.full = r.first .. " " .. r.last
      end },
    { filter = function(r) return r.kind ~= "skip" end },
    { map = {
        { "initials", fn = function(r)
            return r.first:sub(1, 1) .. r.last:sub(1, 1)
          end },
    } },
    { group = {
        by = { "full" },
        aggregate = {
          { "kind", "first", "kind" },
          { "n", "count" },
          { "initials", "first", "initials" },
        },
    } },
    { fn = function(r) r.shout = string.upper(r.full) .. "!" end },
  },
}
