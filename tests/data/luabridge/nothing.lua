-- Forgot to return anything.
local t = { a = 1 }
