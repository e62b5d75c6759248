-- Escape attempts and allowed uses of the sandbox; the test calls each
-- function with cw__lua_call_value.
local function f() return 1 end

return {
  os_execute = function() return os.execute("true") end,
  io_open = function() return io.open("/etc/passwd") end,
  require_os = function() return require("os") end,
  require_io = function() return require("io") end,
  loadlib = function() return package.loadlib("libc.so.6", "system") end,
  debug_getinfo = function() return debug.getinfo(1) end,
  dofile = function() return dofile("/etc/passwd") end,
  loadfile = function() return loadfile("/etc/passwd") end,
  dump = function() return load(string.dump(f)) end,
  load_binary = function() return load("return 1", "x", "b") end,
  load_globals = function() return load("return os")() end,
  strmeta = function() getmetatable("").__index.upper = function() return "pwned" end end,
  setmeta_G = function() setmetatable(_G, nil) end,
  gc_stop = function() collectgarbage("stop") end,
  gc_meta = function() setmetatable({}, { __gc = function() end }) end,
  undefined_read = function() return nosuch end,
  undefined_write = function() nosuch = 1 end,
  params_write = function() params.region = "x" end,
  error_table = function()
    error(setmetatable({}, { __tostring = function() while true do end end }))
  end,
  huge_rep = function() return string.rep("x", 2 ^ 30) end,
  backtrack = function() return ("a"):rep(3000):find(".-.-.-b") end,
  long_subject = function() return ("a"):rep(2 ^ 20 + 1):find("b", 1, true) end,
  long_pattern = function() return ("a"):match(("a"):rep(300)) end,
  move_huge = function() table.move({}, 1, 2 ^ 40, 1) end,
  remove_len = function()
    table.remove(setmetatable({}, { __len = function() return 2 ^ 40 end }), 1)
  end,
  rep_caught_other = function()
    pcall(string.rep, "x", 2 ^ 30)
    error("another error")
  end,
  require_dots = function() return require("crosswalk/../x") end,
  require_builtin = function() return require("string") == string end,
  require_missing = function() return require("crosswalk.nosuch") end,

  -- Allowed.
  upper = function() return ("a"):upper() end,
  load_text = function() return load("return 1 + 1")() end,
  gc_count = function() return type(collectgarbage("count")) end,
  rawset_global = function() rawset(_G, "declared", 41) return declared + 1 end,
  params_read = function() return params.region end,
  random = function() return math.random(1, 1000000) end,
  empty_rep = function() return #string.rep("", 2 ^ 40) end,
  rep_caught = function() return tostring(pcall(string.rep, "x", 2 ^ 30)) end,
  trim = function() return ("  hello world  "):match("^%s*(.-)%s*$") end,
  gsub = function() return (("a,b,,c"):gsub(",", ";")) end,
  gmatch = function()
    local n = 0
    for _ in ("one two three"):gmatch("%a+") do n = n + 1 end
    return n
  end,
  require_ok = function() return require("crosswalk.helper").greet("ann") end,
  require_cached = function()
    return require("crosswalk.helper") == require("crosswalk.helper")
  end,
  coroutine = function()
    local co = coroutine.wrap(function() coroutine.yield(1) return 2 end)
    return co() + co()
  end,
}
