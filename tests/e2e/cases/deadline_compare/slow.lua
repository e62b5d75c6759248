-- slow.lua: '==' and '<' on two distinct but equal 8 MiB strings, in a
-- loop (the comparisons run in the VM, not in a library function): while
-- loading when params.at is "load", else in a function step.
local function work()
  local a, b, n = ("y"):rep(2 ^ 23), ("y"):rep(2 ^ 22) .. ("y"):rep(2 ^ 22), 0 while true do if a == b or a < b then n = n + 1 end end
end
if params.at == "load" then work() end
return {
  params = { at = "load: loop while loading" },
  inputs = { people = {} },
  steps = { { fn = function(r) work() end } },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
}
