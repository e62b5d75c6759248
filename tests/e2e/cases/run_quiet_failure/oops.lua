-- oops.lua: the third record makes the function step raise an error.
return {
  inputs = { people = {} },
  steps = {
    { fn = function(r)
        if r.id == "003" then error("no rule for " .. r.name) end
      end },
  },
  outputs = { out = { path = "people.csv", columns = { "id", "name" } } },
}
