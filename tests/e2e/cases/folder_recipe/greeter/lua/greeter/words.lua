-- greeter.words: the greeter recipe's own module.
local M = {}

function M.greet(name, style)
  local text = "Hello, " .. name
  if style == "loud" then return text:upper() .. "!" end
  return text .. "."
end

return M
