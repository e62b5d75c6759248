-- slow.lua: table.concat of a million strings, in a loop: while loading
-- when params.at is "load", else in a function step.
local function work()
  local t = {} for i = 1, 2 ^ 20 do t[i] = "ab" end while true do table.concat(t, ",") end
end
if params.at == "load" then work() end
return {
  params = { at = "load: loop while loading" },
  inputs = { people = {} },
  steps = { { fn = function(r) work() end } },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
}
