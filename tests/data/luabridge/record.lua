-- Functions that read and write the lent record.
local saved

return {
  get_first = function(r) return r.first end,
  get_empty = function(r) return r.empty end,
  get_missing = function(r) return r.nosuch end,
  get_number_key = function(r) return r[1] end,
  set_fields = function(r)
    r.first = "Bob"
    r.count = 42
    r.ratio = 0.5
    r.whole = 3.0
    r.flag = true
    r.off = false
    r.last = nil
    r.ghost = nil
  end,
  set_table = function(r) r.first = {} end,
  keep_none = function() end,
  keep_nil = function() return nil end,
  keep_true = function() return true end,
  drop = function() return false end,
  reject = function(r) return nil, "no email for " .. r.first end,
  bad_number = function() return 42 end,
  bad_reason = function() return nil, 42 end,
  boom = function(r)
    local t = nil
    return t.x
  end,
  save = function(r)
    saved = r
    return true
  end,
  use_saved = function() return saved.first end,
  pairs_fields = function(r)
    local out = {}
    for k, v in pairs(r) do out[#out + 1] = k .. "=" .. v end
    return table.concat(out, ",")
  end,
  tostring_rec = function(r) return tostring(r) end,
  val_int = function() return 7 end,
  val_float = function() return 2.5 end,
  val_whole = function() return 3.0 end,
  val_big = function() return 1e15 end,
  val_neg = function() return -12 end,
  val_true = function() return true end,
  val_false = function() return false end,
  val_nil = function() return nil end,
  val_empty = function() return "" end,
  val_table = function() return {} end,
  bench = function(r)
    local a, b, c, d, e = r.first, r.last, r.email, r.empty, r.nosuch
    r.full = a .. " " .. b
    r.seen = "1"
  end,
  -- A field reads back as it was stored: text, nil for null.
  write_read = function(r)
    r.first = "Zed"
    r.count = 42
    r.last = nil
    r.added = "new"
    return table.concat({ r.first, r.count, type(r.count), tostring(r.last),
      r.added }, ",")
  end,
  write_pairs = function(r)
    r.first = "Zed"
    r.last = nil
    r.added = 5
    local out = {}
    for k, v in pairs(r) do out[#out + 1] = k .. "=" .. v end
    return table.concat(out, ",")
  end,
  -- More names than the proxy's name cache holds, made at run time.
  many_names = function(r)
    for i = 1, 100 do r["c" .. i] = i end
    local sum = 0
    for i = 1, 100 do sum = sum + tonumber(r["c" .. i]) end
    return sum .. ":" .. r.first .. ":" .. r.email
  end,
  -- What an earlier record was given is not this one's.
  mark_seen = function(r)
    local was = r.seen
    r.seen = "yes " .. r.first
    return was
  end,
  set_number_key = function(r) r[1] = "x" end,
  set_table_key = function(r) r[{}] = "x" end,
  get_table_key = function(r) return r[{}] end,
}
