-- evil.lua: tries to read a file while the recipe loads.
local f = io.open("/etc/passwd")
return {
  inputs = { people = {} },
  steps = {},
  outputs = { out = { path = "people.csv", columns = { "id", "name" } } },
}
