-- slow.lua: utf8.len over a 16 MiB string, in a loop: while loading when
-- params.at is "load", else in a function step.
local function work()
  local s = ("x"):rep(2 ^ 24) while true do utf8.len(s) end
end
if params.at == "load" then work() end
return {
  params = { at = "load: loop while loading" },
  inputs = { people = {} },
  steps = { { fn = function(r) work() end } },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
}
