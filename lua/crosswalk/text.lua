-- crosswalk.text: trimming, splitting and blank tests for the values a
-- recipe reads (docs/lua-library.md).  A field arrives as a string, a
-- blank cell as "" (not nil), and a null field (a lookup that found
-- nothing, a column set to nil) as nil.  White space is what Lua's %s
-- matches: space, tab, newline, carriage return, vertical tab, form feed.
--
--   local text = require("crosswalk.text")
--   text.trim("  a b ")            --> "a b"
--   text.split(" a; ;b ")          --> { "a", "b" }
--   text.present(r.phone)          --> false for nil, "" and "  "
--   text.nonblank(r.state) or "DC" --> "DC" when state is nil or blank

local M = {}

-- 1 when byte 'b' is white space.
local function space(b)
  return b == 32 or (b >= 9 and b <= 13)
end

-- 's' without white space at either end; nil stays nil.  (Written with
-- a loop rather than a pattern such as "^%s*(.-)%s*$", which the sandbox
-- refuses as too complex on long values.)
function M.trim(s)
  if s == nil then return nil end
  local i = s:find("%S")
  if i == nil then return "" end
  local j = #s
  while space(s:byte(j)) do j = j - 1 end
  return s:sub(i, j)
end

-- true when 'v' holds something other than white space; false for nil,
-- "" and "   ".
function M.present(v)
  return v ~= nil and v:find("%S") ~= nil
end

-- The opposite of present: true for nil, "" and white space only.
function M.blank(v)
  return not M.present(v)
end

-- 'v' when it is present, else nil: `text.nonblank(r.x) or default`
-- gives the default for a blank cell too, where `r.x or default` keeps
-- the "".
function M.nonblank(v)
  if M.present(v) then return v end
  return nil
end

-- The parts of 's' between the separator 'sep' (plain text, default
-- ";"), each trimmed, blank parts left out.  nil or "" gives {}.
function M.split(s, sep)
  sep = sep or ";"
  if sep == "" then error("text.split: the separator is empty", 2) end
  local out, i = {}, 1
  if s == nil then return out end
  while true do
    local a, b = s:find(sep, i, true)
    local part = M.trim(s:sub(i, a and a - 1 or #s))
    if part ~= "" then out[#out + 1] = part end
    if a == nil then return out end
    i = b + 1
  end
end

-- A map or fn function giving the first of the columns 'names' that is
-- present in the record, or nil when none is:
--   { "occurred_at", fn = text.first_of("sent_at", "created_at") }
function M.first_of(...)
  local names = { ... }
  return function(r)
    for _, name in ipairs(names) do
      local v = r[name]
      if M.present(v) then return v end
    end
    return nil
  end
end

return M
