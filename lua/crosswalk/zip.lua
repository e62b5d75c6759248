-- crosswalk.zip: US zip codes damaged by spreadsheets, repaired where the
-- state says how (docs/lua-library.md).
--
-- A zip is kept as text.  Five digits, or ZIP+4 (12345-6789), are good
-- as they are.  A spreadsheet that read the column as numbers dropped
-- the leading zeros of the states whose zips start with 0 (New England
-- and New Jersey: one zero; Puerto Rico and the Virgin Islands: two), so
-- "2134" in MA is "02134" and "901" in PR is "00901".  Any other value is
-- refused, never guessed.
--
-- The state rule: the state is read trimmed and in any case ("ma", " MA"
-- and "Ma" are MA); the zip is read trimmed; a blank or nil zip has
-- nothing to repair.
--
--   local zip = require("crosswalk.zip")
--   zip.fix("2134", "ma")      --> "02134"
--   zip.fix("12", "TX")        --> nil, "zip '12' is not 5 digits (state TX)"
--   { fn = zip.fixer({ from = "zip_raw", to = "Zip Code", state = "State" }) }

local text = require("crosswalk.text")

local M = {}

-- The states whose zips start with zeros, and how many.
M.leading_zeros = { CT = 1, MA = 1, ME = 1, NH = 1, NJ = 1, RI = 1, VT = 1,
                    PR = 2, VI = 2 }

-- The zip 'z' repaired for 'state': the zip (trimmed), or nil for a
-- blank one, or nil and the reason when it is not a zip.
function M.fix(z, state)
  z = text.trim(z)
  if z == nil or z == "" then return nil end
  local st = (text.trim(state) or ""):upper()
  if z:find("^%d%d%d%d%d$") or z:find("^%d%d%d%d%d%-%d%d%d%d$") then
    return z
  end
  local zeros = M.leading_zeros[st] or 0
  if zeros > 0 and #z == 5 - zeros and z:find("^%d+$") then
    return string.rep("0", zeros) .. z
  end
  return nil, "zip '" .. z .. "' is not 5 digits (state " .. st .. ")"
end

-- An fn step that repairs column 'from' with the state in column 'state'
-- into column 'to' (default 'from'), and rejects the record (E_RECIPE)
-- with the reason when the zip cannot be repaired.
function M.fixer(opts)
  local from, to, state = opts.from, opts.to or opts.from, opts.state
  if from == nil or state == nil then
    error("zip.fixer needs { from = COLUMN, state = COLUMN [, to = COLUMN] }", 2)
  end
  return function(r)
    local z, why = M.fix(r[from], r[state])
    if why ~= nil then return nil, why end
    r[to] = z
  end
end

return M
