-- group_reject.lua -- a step after a group rejects a grouped record; the
-- rejects file must show the group's first original row
-- (test_pipeline.c).
return {
  inputs = { rows = {} },
  steps = {
    { group = { by = { "k" },
                aggregate = { { "n", "count" }, { "id", "first", "id" } } } },
    { fn = function(r)
        if r.n ~= "1" then return nil, "key " .. r.k .. " is shared" end
      end },
  },
  outputs = { out = { path = "out.csv", columns = { "k", "id", "n" } } },
}
