-- crosswalk.phone: phone numbers in Lua, read as rule = "phone" reads
-- them (docs/lua-library.md): E.164, North America unless the number
-- starts with + and another country code; spaces, dashes, dots, slashes
-- and parentheses are ignored; Excel's scientific notation, extensions,
-- letters, 7-digit numbers and impossible area codes are refused, never
-- guessed.  Use the rule in map and validate steps; use this in Lua code
-- that needs the number, such as a key built in an fn step.
--
--   local phone = require("crosswalk.phone")
--   phone.e164("(202) 555-0123")  --> "+12025550123"
--   phone.e164("555-0128")        --> nil, "not a phone number: '555-0128' (7 digits; ...)"
--   phone.digits("+1 (202) 555")  --> "1202555"

local text = require("crosswalk.text")

local M = {}

-- The digits of 's', everything else left out ("" for nil).
function M.digits(s)
  return ((s or ""):gsub("%D", ""))
end

-- 1 when 's' looks like a number in scientific notation ("2.02556E+09").
local function scientific(s)
  local e, dig = 0, false
  for i = 1, #s do
    local c = s:sub(i, i)
    if c == "e" or c == "E" then e = e + 1
    elseif c:find("%d") then dig = true
    elseif c ~= "." and c ~= "+" and c ~= "-" then return false
    end
  end
  return e == 1 and dig
end

-- nil when the ten North American digits 'd' are possible, else why not.
local function nanp(d)
  local a, x = d:sub(1, 1), d:sub(4, 4)
  if a == "0" or a == "1" then
    return "area code " .. d:sub(1, 3) .. " cannot start with 0 or 1"
  end
  if x == "0" or x == "1" then
    return "exchange " .. d:sub(4, 6) .. " cannot start with 0 or 1"
  end
end

-- The E.164 form of trimmed 's', or nil and why not.
local function parse(s)
  if s == "" then return nil, "empty" end
  if scientific(s) then
    return nil, "Excel scientific notation lost digits; export the column as text"
  end
  if #s >= 3 and s:sub(-2) == ".0" and s:sub(-3, -3):find("%d") then
    s = s:sub(1, -3) -- a float written out by Excel or pandas
  end
  local d, plus = {}, false
  for i = 1, #s do
    local c = s:sub(i, i)
    if c:find("%d") then
      if #d == 15 then return nil, "more than 15 digits" end
      d[#d + 1] = c
    elseif c == "+" and i == 1 then
      plus = true
    elseif c == "x" or c == "X" or c == "#" or s:sub(i, i + 2):lower() == "ext" then
      return nil, "extensions are not accepted"
    elseif c:find("%a") then
      return nil, "letters are not accepted"
    elseif not (c == " " or c == "-" or c == "." or c == "(" or c == ")" or c == "/") then
      return nil, "unexpected character"
    end
  end
  local n, ds = #d, table.concat(d)
  if plus and n > 0 and d[1] ~= "1" then -- outside North America
    if n < 8 then return nil, "an international number needs 8-15 digits" end
  elseif n == 11 and d[1] == "1" then
    local why = nanp(ds:sub(2))
    if why then return nil, why end
  elseif n == 10 and not plus then
    local why = nanp(ds)
    if why then return nil, why end
    ds = "1" .. ds
  elseif plus then
    return nil, "a +1 number needs 10 digits after the 1"
  elseif n == 11 then
    return nil, "11 digits not starting with the country code 1"
  else
    return nil, n .. " digits; a North American number needs 10 (with the area code)"
  end
  return "+" .. ds
end

-- The number 's' in E.164 ("+12025550123"), or nil and the reason, as
-- the phone rule words it.
function M.e164(s)
  local v, why = parse(text.trim(s or ""))
  if v == nil then
    return nil, "not a phone number: '" .. tostring(s) .. "' (" .. why .. ")"
  end
  return v
end

return M
