-- steps.lua: a function step rejects Ben with a reason, a filter drops
-- Cleo, and a function adds a column.
return {
  inputs = { people = {} },
  steps = {
    { fn = function(r)
        if r.name == "Ben" then return nil, "Ben asked not to be contacted" end
        r.initial = r.name:sub(1, 1)
      end },
    { filter = function(r) return r.name ~= "Cleo" end },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "name", "initial" } } },
}
