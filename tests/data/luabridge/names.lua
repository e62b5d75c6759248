-- Column names built at run time: each dies after its call, and the
-- garbage made here lets the collector reuse its memory for the next
-- name (the record proxy's name cache must not mistake one for another).
local n = 0

return {
  -- Reads first, last, first, ... on successive calls.
  alternate = function(r)
    n = n + 1
    local name = n % 2 == 1 and ("fir" .. "st") or ("la" .. "st")
    local v = r[name]
    local junk = {}
    for i = 1, 300 do junk[i] = "j" .. i .. "." .. n end
    return v
  end,
}
