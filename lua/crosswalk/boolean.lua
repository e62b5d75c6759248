-- crosswalk.boolean: the boolean rule's spellings, read in Lua
-- (docs/lua-library.md): true, yes, y, t, 1 and false, no, n, f, 0, in
-- any case, white space around ignored.  The same spellings as
-- rule = "boolean" and the filter test { boolean = true }.
--
--   local boolean = require("crosswalk.boolean")
--   boolean.parse(" Yes ")   --> true
--   boolean.parse("maybe")   --> nil, "not a boolean: 'maybe' (...)"
--   boolean.is_true("T")     --> true
--   boolean.format(false)    --> "false"

local text = require("crosswalk.text")

local M = {}

local SPELLINGS = {
  ["true"] = true, yes = true, y = true, t = true, ["1"] = true,
  ["false"] = false, no = false, n = false, f = false, ["0"] = false,
}

-- true or false for a boolean spelling; otherwise nil and the reason
-- (nil, blank and other text alike).
function M.parse(s)
  local v = SPELLINGS[(text.trim(s) or ""):lower()]
  if v == nil then
    return nil, "not a boolean: '" .. tostring(s)
      .. "' (use true/false, yes/no, y/n, t/f or 1/0, in any case)"
  end
  return v
end

-- true when 's' is a true spelling (a false, blank or other value: false).
function M.is_true(s)
  return M.parse(s) == true
end

-- true when 's' is a false spelling (a true, blank or other value: false).
function M.is_false(s)
  return M.parse(s) == false
end

-- "true" or "false" for a Lua value: 'b' as Lua tests it (nil and false
-- are false).  Assigning a boolean to a field stores the same text.
function M.format(b)
  return b and "true" or "false"
end

return M
