-- A module for require("crosswalk.helper") in the tests.
local M = {}

function M.greet(name)
  return "hello " .. name
end

return M
