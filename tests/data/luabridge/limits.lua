-- Recipes that must hit a sandbox limit; each runs in a fresh state.
return {
  spin = function() while true do end end,
  pcall_spin = function()
    while true do pcall(function() while true do end end) end
  end,
  co_spin = function()
    local co = coroutine.create(function() while true do end end)
    while true do pcall(coroutine.resume, co) end
  end,
  co_caught = function()
    local co = coroutine.create(function() while true do end end)
    local ok, err = coroutine.resume(co)
    return "caught: " .. tostring(ok) .. " " .. tostring(err)
  end,
  grow = function()
    local t = {}
    for i = 1, 1e9 do t[i] = i end
  end,
  grow_caught = function()
    pcall(function()
      local t = {}
      for i = 1, 1e9 do t[i] = i end
    end)
    return "survived"
  end,
  upper_loop = function()
    local s = ("x"):rep(2 ^ 24)
    while true do local _ = s:upper() end
  end,
  write_loop = function(r)
    local s = ("x"):rep(2 ^ 20)
    for _ = 1, 1e6 do r.big = s end
  end,
  xpcall_spin = function()
    xpcall(function() while true do end end, function() while true do end end)
    return "escaped"
  end,
  -- About 300k instructions: under a 1M limit each time it is called.
  partial = function()
    local s = 0
    for i = 1, 100000 do s = s + i end
    return s
  end,
  fine = function() return "ok" end,

  -- Long work in C or in the VM that only the deadline stops (the tests
  -- give them an instruction limit too large to matter).
  utf8_loop = function()
    local s = ("x"):rep(2 ^ 24)
    while true do utf8.len(s) end
  end,
  eq_loop = function()
    local a = ("y"):rep(2 ^ 23)
    local b = ("y"):rep(2 ^ 22) .. ("y"):rep(2 ^ 22)
    local n = 0
    while true do if a == b then n = n + 1 end end
  end,
  lt_loop = function()
    local a = ("y"):rep(2 ^ 23)
    local b = ("y"):rep(2 ^ 22) .. ("y"):rep(2 ^ 22)
    local n = 0
    while true do if a < b then n = n + 1 end end
  end,
  sort_loop = function()
    local t = {}
    for i = 1, 1e6 do t[i] = (i * 7919) % 1000003 end
    while true do table.sort(t) end
  end,
  concat_loop = function()
    local t = {}
    for i = 1, 2 ^ 20 do t[i] = "" end
    while true do table.concat(t) end
  end,
  rep_loop = function()
    while true do local _ = ("x"):rep(2 ^ 24) end
  end,
  find_loop = function()
    local s = ("a"):rep(30000)
    while true do s:find(".-b") end
  end,
  gsub_loop = function()
    local s = ("a"):rep(2 ^ 20)
    while true do s:gsub("a", "b") end
  end,
  format_loop = function()
    local s = ("a"):rep(2 ^ 23)
    while true do local _ = string.format("%s", s) end
  end,
  tonumber_loop = function()
    local s = ("1"):rep(2 ^ 24)
    while true do tonumber(s) end
  end,
}
