-- tests/lua/test_module.lua: the crosswalk module under the stock lua5.4:
-- argument errors, runs that succeed and fail, validate's problem list
-- and inspect's findings.  tests/lua/run.sh api runs it with LUA_CPATH
-- naming the built module, CW_SOURCE_DIR (the source tree, also the
-- home), CW_TMP (an empty temp dir) and CW_VERSION (the project's).
-- Prints PASS or FAIL per test and "lua: N passed, N failed".
local crosswalk = require("crosswalk")

local SRC = assert(os.getenv("CW_SOURCE_DIR"), "CW_SOURCE_DIR not set")
local TMP = assert(os.getenv("CW_TMP"), "CW_TMP not set")
local SAMPLES = SRC .. "/pipelines/samples/impactive/"
local CASES = SRC .. "/tests/e2e/cases/"
local H = dofile((arg[0]:match("^(.*/)") or "./") .. "harness.lua")
local test, show, eq, eqlist = H.test, H.show, H.eq, H.eqlist

-- Calling fn() raises an error whose message is exactly 'want' after the
-- position of the call in this file ("test_module.lua:LINE: ").
local function raises(want, fn)
  local ok, err = pcall(fn)
  eq(ok, false, "raised")
  local where, msg = tostring(err):match("^(.-test_module%.lua:%d+: )(.*)$")
  eq(where ~= nil, true, "position in " .. show(err))
  eq(msg, want, "message")
end

local function readfile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function writefile(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- The demo's run (scripts/demo.sh), with 'extra' keys added.
local function demo(out, extra)
  local args = {
    recipe = SRC .. "/pipelines/impactive_to_organizer_text",
    inputs = {
      SAMPLES .. "messages.csv",
      contacts = SAMPLES .. "contacts.csv",
      taggings = SAMPLES .. "taggings.csv",
      profiles = SAMPLES .. "profiles.csv",
    },
    params = { tz = "America/New_York" },
    out_dir = out,
    home = SRC,
  }
  for k, v in pairs(extra or {}) do args[k] = v end
  return crosswalk.run(args)
end

test("version", function()
  eq(crosswalk.version(), os.getenv("CW_VERSION"), "version")
end)

test("the module holds run, validate, inspect and version only", function()
  local names = {}
  for k in pairs(crosswalk) do names[#names + 1] = k end
  table.sort(names)
  eqlist(names, { "inspect", "run", "validate", "version" }, "names")
end)

test("run: argument errors are Lua errors", function()
  local keys = "recipe, inputs, out_dir, params, rejects, db, home, " ..
      "dry_run, strict, max_seconds, workers, ledger, full"
  raises("bad argument #1 to 'run' (table expected, got no value)",
    function() crosswalk.run() end)
  raises("bad argument #1 to 'run' (table expected, got string)",
    function() crosswalk.run("recipe.lua") end)
  raises("crosswalk.run: unknown key 'recipes' (valid keys: " .. keys .. ")",
    function() crosswalk.run({ recipes = "r.lua" }) end)
  raises("crosswalk.run: unknown key '1' (valid keys: " .. keys .. ")",
    function() crosswalk.run({ "r.lua" }) end)
  raises("crosswalk.run: 'recipe' is required", function() crosswalk.run({}) end)
  raises("crosswalk.run: 'recipe' must be a string (got number)",
    function() crosswalk.run({ recipe = 5 }) end)
  raises("crosswalk.run: 'out_dir' must be a string (got boolean)",
    function() crosswalk.run({ recipe = "r.lua", out_dir = true }) end)
  raises("crosswalk.run: 'rejects' must be a string (got table)",
    function() crosswalk.run({ recipe = "r.lua", rejects = {} }) end)
  raises("crosswalk.run: 'db' must be a string (got number)",
    function() crosswalk.run({ recipe = "r.lua", db = 1 }) end)
  raises("crosswalk.run: 'home' must be a string (got boolean)",
    function() crosswalk.run({ recipe = "r.lua", home = false }) end)
  raises("crosswalk.run: 'dry_run' must be a boolean (got string)",
    function() crosswalk.run({ recipe = "r.lua", dry_run = "yes" }) end)
  raises("crosswalk.run: 'strict' must be a boolean (got number)",
    function() crosswalk.run({ recipe = "r.lua", strict = 1 }) end)
  raises("crosswalk.run: 'max_seconds' must be a number (got string)",
    function() crosswalk.run({ recipe = "r.lua", max_seconds = "5" }) end)
  raises("crosswalk.run: 'ledger' must be a string (got boolean)",
    function() crosswalk.run({ recipe = "r.lua", ledger = true }) end)
  raises("crosswalk.run: 'full' must be a boolean (got string)",
    function() crosswalk.run({ recipe = "r.lua", full = "yes" }) end)
  raises("crosswalk.run: 'workers' must be a number (got string)",
    function() crosswalk.run({ recipe = "r.lua", workers = "2" }) end)
  raises("crosswalk.run: 'inputs' must be a table (got string)",
    function() crosswalk.run({ recipe = "r.lua", inputs = "in.csv" }) end)
  raises("crosswalk.run: 'params' must be a table (got string)",
    function() crosswalk.run({ recipe = "r.lua", params = "tz=UTC" }) end)
  raises("crosswalk.run: each input must be a path string (got number)",
    function() crosswalk.run({ recipe = "r.lua", inputs = { 7 } }) end)
  raises("crosswalk.run: 'inputs' holds the main input at [1] and the " ..
    "others as NAME = PATH (got key 2)",
    function() crosswalk.run({ recipe = "r.lua", inputs = { "a.csv", "b.csv" } }) end)
  raises("crosswalk.run: 'params' keys must be strings (got number)",
    function() crosswalk.run({ recipe = "r.lua", params = { "UTC" } }) end)
  raises("crosswalk.run: parameter 'tz' must be a string or a number " ..
    "(got table)", function() crosswalk.run({ recipe = "r.lua", params = { tz = {} } }) end)
end)

test("run: the demo's summary", function()
  local out = TMP .. "/demo"
  local s, msg = demo(out)
  eq(msg, nil, "message")
  eq(s.read, 18, "read")
  eq(s.written, 11, "written")
  eq(s.rejected, 1, "rejected")
  eq(s.filtered, 1, "filtered")
  eq(s.merged, 5, "merged")
  eq(s.unprocessed, 0, "unprocessed")
  eq(s.warnings, 0, "warnings")
  eq(#s.outputs, 1, "#outputs")
  eq(s.outputs[1].path, out .. "/text_interactions.csv", "outputs[1].path")
  eq(s.outputs[1].rows, 11, "outputs[1].rows")
  eq(s.rejects, out .. "/rejects.csv", "rejects")
  eq(s.stopped_at, nil, "stopped_at")
  eq(readfile(s.outputs[1].path):match("^[^\n]*"),
    "Profile ID,Effort Name,Date/Time,Service,Replied,Opted Out,Bounced," ..
    "Message,Sender", "the output's header")
  eq(readfile(s.rejects):find("E_LOOKUP_AMBIGUOUS", 1, true) ~= nil, true,
    "the rejects file names the reason")
end)

test("run: dry_run commits nothing, rejects goes where asked", function()
  local out = TMP .. "/dry"
  local s = demo(out, { dry_run = true, rejects = TMP .. "/dry-rejects.csv" })
  eq(s.written, 11, "written")
  eq(s.rejects, TMP .. "/dry-rejects.csv", "rejects")
  eq(exists(out .. "/text_interactions.csv"), false, "output written")
  eq(exists(TMP .. "/dry-rejects.csv"), false, "rejects written")
end)

test("run: params as numbers, tables to db, a clean run has no rejects",
  function()
    writefile(TMP .. "/param.lua", [[
local n = tonumber(params.n)
return {
  params = { n = "how many times", tag = "a word" },
  inputs = { rows = {} },
  steps = { { fn = function(r) r.v = r.v:rep(n) .. params.tag end } },
  outputs = {
    out = { path = "out.csv", columns = { "v" } },
    tab = { table = "tab", columns = { "v" } },
  },
}
]])
    writefile(TMP .. "/param.csv", "v\nab\n")
    local s, msg = crosswalk.run {
      recipe = TMP .. "/param.lua",
      inputs = { TMP .. "/param.csv" },
      params = { n = 3, tag = "!" },
      out_dir = TMP .. "/param",
      db = "sqlite:" .. TMP .. "/param.db",
      home = SRC,
      strict = true,
      max_seconds = 2.5,
    }
    eq(msg, nil, "message")
    eq(s.written, 1, "written")
    eq(s.rejects, nil, "rejects")
    eq(readfile(TMP .. "/param/out.csv"), "v\nababab!\n", "out.csv")
    eq(exists(TMP .. "/param.db"), true, "the database exists")
  end)

test("run: a failed run returns nil, message, status name and number",
  function()
    local r, msg, name, num = crosswalk.run {
      recipe = TMP .. "/no-such-recipe.lua", home = SRC }
    eq(r, nil, "result")
    eq(msg, TMP .. "/no-such-recipe.lua: cannot open: No such file or directory",
      "message")
    eq(name, "EIO", "status name")
    eq(num, -2, "status number")

    r, msg, name, num = crosswalk.run {
      recipe = SRC .. "/pipelines/impactive_to_organizer_text",
      params = { nope = "1" }, home = SRC }
    eq(r, nil, "result")
    eq(msg:find("nope", 1, true) ~= nil, true, "message names the param")
    eq(name, "EUSAGE", "status name")
    eq(num, -7, "status number")

    r, msg, name, num = demo(TMP .. "/missing", { inputs = {
      SAMPLES .. "messages.csv", contacts = SAMPLES .. "contacts.csv",
      taggings = SAMPLES .. "taggings.csv" } })
    eq(r, nil, "result")
    eq(msg, "input 'profiles' is not given (use --input profiles=PATH)",
      "message")
    eq(name, "EUSAGE", "status name")
    eq(num, -7, "status number")

    local s
    r, msg, name, num, s = demo(TMP .. "/missing", { inputs = {
      TMP .. "/no-such-file.csv", contacts = SAMPLES .. "contacts.csv",
      taggings = SAMPLES .. "taggings.csv",
      profiles = SAMPLES .. "profiles.csv" } })
    eq(r, nil, "result")
    eq(msg, TMP .. "/no-such-file.csv: No such file or directory", "message")
    eq(name, "EIO", "status name")
    eq(num, -2, "status number")
    eq(s.read, 0, "read")
    eq(exists(TMP .. "/missing/text_interactions.csv"), false,
      "output written")
  end)

test("run: a recipe's error aborts the run, with the summary of it",
  function()
    local case = CASES .. "run_lua_runtime_error/"
    local r, msg, name, num, s = crosswalk.run {
      recipe = case .. "oops.lua",
      inputs = { case .. "people.csv" },
      out_dir = TMP .. "/oops",
      home = SRC,
    }
    eq(r, nil, "result")
    eq(msg:match("^[^\n]*"), "oops.lua:6: no rule for Cleo",
      "first line of the message")
    eq(name, "ELUA", "status name")
    eq(num, -5, "status number")
    eq(s.read, 3, "read")
    eq(s.written, 2, "written")
    eq(s.unprocessed, 1, "unprocessed")
    eq(s.stopped_at, case .. "people.csv:4", "stopped_at")
    eq(s.commit_unknown, false, "commit_unknown")
    eq(#s.outputs, 0, "#outputs")
    eq(exists(TMP .. "/oops/people.csv"), false, "output written")
  end)

test("run: parallel fn steps in 3 Lua states, the same as in one",
  function()
    local case = CASES .. "run_parallel_same/"
    local function run(out, par, workers)
      return crosswalk.run {
        recipe = case .. "par.lua",
        inputs = { case .. "people.csv" },
        params = { par = par },
        out_dir = TMP .. "/" .. out,
        workers = workers,
        home = SRC,
      }
    end
    local a = assert(run("par3", "1", 3))
    local b = assert(run("seq", "0", nil))
    eq(a.read, 600, "read")
    eq(a.written, b.written, "written")
    eq(a.rejected, b.rejected, "rejected")
    eq(a.filtered, b.filtered, "filtered")
    eq(readfile(TMP .. "/par3/out.csv"), readfile(TMP .. "/seq/out.csv"),
      "out.csv")
    eq(readfile(TMP .. "/par3/rejects.csv"),
      readfile(TMP .. "/seq/rejects.csv"), "rejects.csv")
    local r, msg, name = run("par0", "1", 0)
    eq(r, nil, "workers = 0")
    eq(msg, "workers must be a whole number from 1 to 64", "message")
    eq(name, "EUSAGE", "status name")
  end)

test("run: a ledger, as --ledger: a second run sends nothing again",
  function()
    local case = CASES .. "ledger_rerun_clean/"
    local function run(out, extra)
      local args = {
        recipe = case .. "people.lua",
        inputs = { case .. "people.csv" },
        out_dir = TMP .. "/" .. out,
        ledger = "sqlite:" .. TMP .. "/ledger.db",
        home = SRC,
      }
      for k, v in pairs(extra or {}) do args[k] = v end
      return crosswalk.run(args)
    end
    local first = assert(run("l1"))
    eq(first.sent_before, 0, "first run: sent_before")
    eq(first.written > 0, true, "first run: written")
    local second = assert(run("l2"))
    eq(second.written, 0, "second run: written")
    eq(second.sent_before, first.written, "second run: sent_before")
    local third = assert(run("l3", { full = true }))
    eq(third.written, 0, "full run: written")
    eq(third.read, first.read, "full run: read")
    local plain = assert(crosswalk.run {
      recipe = case .. "people.lua", inputs = { case .. "people.csv" },
      out_dir = TMP .. "/l4", home = SRC,
    })
    eq(plain.sent_before, nil, "no ledger: no sent_before")
  end)

test("run: the recipe's Lua is not the caller's", function()
  writefile(TMP .. "/probe.lua", [[
local function seen()
  local ok, v = pcall(function() return caller_marker end)
  return ok and tostring(v) or "an error"
end
return {
  inputs = { rows = {} },
  steps = { { fn = function(r) r.v = seen() end } },
  outputs = { out = { path = "out.csv", columns = { "v" } } },
}
]])
  writefile(TMP .. "/probe.csv", "v\nx\n")
  caller_marker = "caller"
  local s, msg = crosswalk.run {
    recipe = TMP .. "/probe.lua",
    inputs = { TMP .. "/probe.csv" },
    out_dir = TMP .. "/probe",
    home = SRC,
  }
  eq(msg, nil, "message")
  eq(s.written, 1, "written")
  local v = readfile(TMP .. "/probe/out.csv"):match("^v\n(.*)\n$")
  eq(v == "nil" or v == "an error", true, "the caller's global seen as " ..
    show(v))
end)

test("validate: the problems, as the command prints them", function()
  local case = CASES .. "validate_invalid/"
  local file = case .. "text_interactions.csv"
  local ok, problems = crosswalk.validate("organizer/text_interactions", file,
    SRC)
  eq(ok, false, "ok")
  local want = {}
  for line in readfile(case .. "stdout"):gmatch("[^\n]+") do
    if line:find("^text_interactions%.csv:%d") then
      want[#want + 1] = case .. line
    end
  end
  local got = {}
  for i, p in ipairs(problems) do
    got[i] = ("%s:%d:%d: %s: %s"):format(p.file, p.line, p.col, p.code,
      p.message)
  end
  eqlist(got, want, "problems")
  local p = problems[5]
  eq(p.column, "Replied", "problems[5].column")
  eq(p.code, "E_BOOLEAN", "problems[5].code")
  eq(p.warning, false, "problems[5].warning")
end)

test("validate: a valid file and a warning", function()
  local ok, problems = crosswalk.validate("organizer/text_interactions",
    CASES .. "validate_valid/text_interactions.csv", SRC)
  eq(ok, true, "ok")
  eq(#problems, 0, "#problems")
  ok, problems = crosswalk.validate("organizer/text_interactions",
    CASES .. "validate_formula/text_interactions.csv", SRC)
  eq(ok, true, "ok with warnings")
  local formulas = 0
  for i, p in ipairs(problems) do
    eq(p.warning, true, ("problems[%d].warning"):format(i))
    if p.code == "W_FORMULA" then formulas = formulas + 1 end
  end
  eq(formulas > 0, true, "W_FORMULA warnings reported")
end)

test("validate: failures and argument errors", function()
  local r, msg, name, num = crosswalk.validate("organizer/nope",
    SAMPLES .. "messages.csv", SRC)
  eq(r, nil, "result")
  eq(msg:find("unknown schema 'organizer/nope'", 1, true) ~= nil, true,
    "message " .. show(msg))
  eq(name, "EUSAGE", "status name")
  eq(num, -7, "status number")
  r, msg, name, num = crosswalk.validate("organizer/text_interactions",
    TMP .. "/none.csv", SRC)
  eq(r, nil, "result")
  eq(name, "EIO", "status name")
  raises("bad argument #1 to 'validate' (string expected, got number)",
    function() crosswalk.validate(1, "a.csv") end)
  raises("bad argument #2 to 'validate' (string expected, got no value)",
    function() crosswalk.validate("organizer/text_interactions") end)
  raises("bad argument #3 to 'validate' (string expected, got table)",
    function() crosswalk.validate("organizer/text_interactions", "a.csv", {}) end)
end)

test("inspect: a sample export", function()
  local file = SAMPLES .. "messages.csv"
  local x = crosswalk.inspect(file, SRC)
  eq(x.file, file, "file")
  eq(x.delimiter, ",", "delimiter")
  eq(x.quote, '"', "quote")
  eq(x.encoding, "UTF-8", "encoding")
  eq(x.bad_utf8_line, nil, "bad_utf8_line")
  eq(x.bom, false, "bom")
  eq(x.line_endings, "LF", "line_endings")
  eq(x.rows, 18, "rows")
  eq(x.bad_rows, 0, "bad_rows")
  eq(x.first_problem, nil, "first_problem")
  eq(#x.columns, 18, "#columns")
  eq(x.columns[1], "id", "columns[1]")
  eq(x.columns[18], "created_at", "columns[18]")
  eq(x.schema, "impactive/messages", "schema")
  eq(x.title, "Impactive export DB: messages (messages_export)", "title")
  eq(x.closest, "impactive/messages", "closest")
  eq(x.exact, false, "exact")
  eq(#x.missing, 15, "#missing")
  eq(x.missing[1], "activity_script_id", "missing[1]")
  eqlist(x.missing_required, {}, "missing_required")
  eqlist(x.unexpected, {}, "unexpected")
  eq(#x.candidates, 3, "#candidates")
  local c = x.candidates[1]
  eq(c.schema, "impactive/messages", "candidates[1].schema")
  eq(c.matches, true, "candidates[1].matches")
  eq(c.recognised, 18, "candidates[1].recognised")
  eq(c.missing, 15, "candidates[1].missing")
  eq(c.missing_required, 0, "candidates[1].missing_required")
  eq(c.unexpected, 0, "candidates[1].unexpected")
  eq(c.score, 1.0, "candidates[1].score")
  eq(x.candidates[2].matches, false, "candidates[2].matches")
end)

test("inspect: dialect, BOM, line ends, bad UTF-8, no match", function()
  local file = TMP .. "/odd.csv"
  writefile(file, "\xEF\xBB\xBFalpha;beta\r\n1;2\r\n3;\xFF\r\n")
  local x = crosswalk.inspect(file, SRC)
  eq(x.delimiter, ";", "delimiter")
  eq(x.bom, true, "bom")
  eq(x.encoding, "invalid UTF-8 with BOM", "encoding")
  eq(x.bad_utf8_line, 3, "bad_utf8_line")
  eq(x.line_endings, "CRLF", "line_endings")
  eq(x.rows, 2, "rows")
  eqlist(x.columns, { "alpha", "beta" }, "columns")
  eq(x.schema, nil, "schema")
  eq(type(x.closest), "string", "closest")
  eq(x.candidates[1].schema, x.closest, "candidates[1].schema")
  eqlist(x.unexpected, { "alpha", "beta" }, "unexpected")
end)

test("inspect: failures and argument errors", function()
  local r, msg, name, num = crosswalk.inspect(TMP .. "/none.csv", SRC)
  eq(r, nil, "result")
  eq(msg, TMP .. "/none.csv: No such file or directory", "message")
  eq(name, "EIO", "status name")
  eq(num, -2, "status number")
  r, msg, name, num = crosswalk.inspect(SAMPLES .. "messages.csv",
    TMP .. "/no-home")
  eq(r, nil, "result")
  eq(name, "EUSAGE", "status name")
  eq(num, -7, "status number")
  raises("bad argument #1 to 'inspect' (string expected, got no value)",
    function() crosswalk.inspect() end)
  raises("bad argument #2 to 'inspect' (string expected, got number)",
    function() crosswalk.inspect("a.csv", 1) end)
end)

H.done("lua")
