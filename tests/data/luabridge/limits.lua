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
}
