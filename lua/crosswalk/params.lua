-- crosswalk.params: reading a recipe's parameters (--set KEY=VALUE) with
-- their defaults, and stopping the recipe before any row is read when
-- one is malformed (docs/lua-library.md).  Describe each parameter in the
-- recipe's own `params` table; `crosswalk recipe info` prints them.
--
--   local P = require("crosswalk.params")
--   local shared = P.choice("shared_phone", { "first", "reject" })  -- default first
--   local preferred = P.flag("preferred_name")                      -- default false
--   local tasks = P.list("tasks")                                   -- "a; b" -> { "a", "b" }

local text = require("crosswalk.text")
local boolean = require("crosswalk.boolean")

local M = {}

-- "'a', 'b' or 'c'".
local function alternatives(choices)
  local q = {}
  for i, c in ipairs(choices) do q[i] = "'" .. c .. "'" end
  if #q == 1 then return q[1] end
  return table.concat(q, ", ", 1, #q - 1) .. " or " .. q[#q]
end

-- The parameter 'name': one of 'choices', the first being the default.
function M.choice(name, choices)
  local v = params[name]
  if v == nil then return choices[1] end
  for _, c in ipairs(choices) do
    if v == c then return v end
  end
  error(name .. " must be " .. alternatives(choices) .. ", not '" .. v .. "'", 2)
end

-- The parameter 'name' as a Lua boolean: a boolean spelling (true/false,
-- yes/no, 1/0, ...), or 'default' (false when not given) when it is not
-- set.
function M.flag(name, default)
  local v = params[name]
  if v == nil then return default == true end
  local b = boolean.parse(v)
  if b == nil then
    error(name .. " must be true or false, not '" .. v .. "'", 2)
  end
  return b
end

-- The parameter 'name' as a list: its 'sep'-separated parts (default
-- ";"), trimmed, blank ones left out; 'default' when it is not set (a
-- string, split the same way; none: {}).
function M.list(name, default, sep)
  return text.split(params[name] or default, sep)
end

return M
