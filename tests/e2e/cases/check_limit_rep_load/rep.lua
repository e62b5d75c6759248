-- rep.lua: a string.rep past the 16 MiB limit at the top level.
local pad = ("x"):rep(2 ^ 25)
return {
  inputs = { people = {} },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
}
