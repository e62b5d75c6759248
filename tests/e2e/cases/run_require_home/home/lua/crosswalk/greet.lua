-- crosswalk.greet: a module of the fixture home, found as
-- HOME/lua/crosswalk/greet.lua.
local shout = require("crosswalk.text.shout")
local M = {}

function M.hello(name)
  return "hello " .. shout(name)
end

return M
