-- slow.lua: table.sort of a million numbers, in a loop: while loading
-- when params.at is "load", else in a function step.
local function work()
  local t = {} for i = 1, 1e6 do t[i] = (i * 7919) % 1000003 end while true do table.sort(t) end
end
if params.at == "load" then work() end
return {
  params = { at = "load: loop while loading" },
  inputs = { people = {} },
  steps = { { fn = function(r) work() end } },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
}
