-- Make and drop many blocks of every size up to a few KiB: strings,
-- tables that grow past and shrink below the small-block size, string
-- buffers and compiled chunks.  Little stays alive at a time.
return {
  churn = function()
    local keep = {}
    for i = 1, 20000 do
      local s = ("x"):rep(i % 300) .. i
      local t = {}
      for j = 1, i % 40 do t[j] = s end
      for j = 1, i % 40 do t[j] = nil end
      t.k = s
      local f = load("return " .. (i % 97))
      keep[i % 64 + 1] = { s, t, f() }
    end
    local total = 0
    for _, v in ipairs(keep) do total = total + v[3] end
    return total
  end,
}
