-- slow.lua: string functions at the sandbox's limits, in a loop: a
-- 16 MiB string.rep, a gsub over 1 MiB, a find of a backtracking
-- pattern near the step bound (params.work); while loading when
-- params.at is "load", else in a function step.
local work = {
  rep = function() while true do local _ = ("x"):rep(2 ^ 24) end end,
  gsub = function() local s = ("a"):rep(2 ^ 20) while true do s:gsub("a", "bc") end end,
  find = function() local s = ("a"):rep(30000) while true do s:find(".-b") end end,
}
if params.at == "load" then work[params.work]() end
return {
  params = { at = "load: loop while loading", work = "rep, gsub or find" },
  inputs = { people = {} },
  steps = { { fn = function(r) work[params.work]() end } },
  outputs = { out = { path = "people.csv", columns = { "id" } } },
}
