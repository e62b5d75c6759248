-- test/compare: a schema file comparing two distinct but equal 8 MiB
-- strings in a loop; each comparison is one VM instruction, so only the
-- deadline (5 s by default) stops it.
local a = ("y"):rep(2 ^ 23)
local b = ("y"):rep(2 ^ 22) .. ("y"):rep(2 ^ 22)
local n = 0
while true do if a == b then n = n + 1 end end
