-- pad.lua: a parameter sizes a string made while loading.
local width = tonumber(params.width) or 10
local pad = ("-"):rep(width)
return {
  params = { width = "width of the padding (default 10)" },
  inputs = { people = {} },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
}
