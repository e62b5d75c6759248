-- tests/lua/test_library.lua: the recipe helper library lua/crosswalk/
-- (docs/lua-library.md) under the stock lua5.4.  tests/lua/run.sh
-- library runs it with LUA_PATH naming the source tree's lua/.  The
-- phone cases are those of tests/test_rules.c (test_rules_phone), so the
-- Lua helper reads phones as the C rule does; e2e lua_library runs the
-- modules in the recipe sandbox and compares the two on them.  Prints
-- PASS or FAIL per test and "lua library: N passed, N failed".
local text = require("crosswalk.text")
local boolean = require("crosswalk.boolean")
local zip = require("crosswalk.zip")
local phone = require("crosswalk.phone")
local P = require("crosswalk.params")

local H = dofile((arg[0]:match("^(.*/)") or "./") .. "harness.lua")
local test, show, eq, eqlist = H.test, H.show, H.eq, H.eqlist

-- 'fn' raises an error whose message holds 'part'.
local function raises(fn, part, what)
  local ok, err = pcall(fn)
  eq(ok, false, what .. " raised")
  if not tostring(err):find(part, 1, true) then
    error(("%s: error %s lacks %s"):format(what, show(tostring(err)), show(part)), 2)
  end
end

test("text.trim", function()
  eq(text.trim("  a b \t\n"), "a b", "spaces, tab, newline")
  eq(text.trim("a"), "a", "nothing to trim")
  eq(text.trim(""), "", "empty")
  eq(text.trim(" \r\n\v\f\t "), "", "white space only")
  eq(text.trim(nil), nil, "nil")
  eq(text.trim("\194\160x"), "\194\160x", "a no-break space is not ASCII white space")
  -- A long value: no pattern with nested quantifiers, so no refusal.
  local long = (" "):rep(100000) .. "x" .. (" "):rep(100000)
  eq(text.trim(long), "x", "200 kB of spaces")
end)

test("text.present, blank, nonblank", function()
  for _, v in ipairs({ "x", " x ", "0", "false" }) do
    eq(text.present(v), true, "present " .. show(v))
    eq(text.blank(v), false, "blank " .. show(v))
    eq(text.nonblank(v), v, "nonblank " .. show(v))
  end
  for _, v in ipairs({ "", "   ", "\t\n" }) do
    eq(text.present(v), false, "present " .. show(v))
    eq(text.blank(v), true, "blank " .. show(v))
    eq(text.nonblank(v), nil, "nonblank " .. show(v))
  end
  eq(text.present(nil), false, "present nil")
  eq(text.blank(nil), true, "blank nil")
  eq(text.nonblank("") or "DC", "DC", "a default for a blank cell")
end)

test("text.split", function()
  eqlist(text.split("a;b;c"), { "a", "b", "c" }, "plain")
  eqlist(text.split(" a ; ;b ;"), { "a", "b" }, "trimmed, blanks left out")
  eqlist(text.split(""), {}, "empty")
  eqlist(text.split(nil), {}, "nil")
  eqlist(text.split("x"), { "x" }, "one part")
  eqlist(text.split("a.b|c", "|"), { "a.b", "c" }, "another separator")
  eqlist(text.split("a%b", "%"), { "a", "b" }, "a separator is plain text")
  eqlist(text.split("Title=Name;;Other", ";"), { "Title=Name", "Other" }, "pairs")
  raises(function() text.split("a", "") end, "separator is empty", "empty separator")
end)

test("text.first_of", function()
  local f = text.first_of("sent_at", "received_at", "created_at")
  eq(f({ sent_at = "1", created_at = "3" }), "1", "the first")
  eq(f({ sent_at = " ", received_at = "", created_at = "3" }), "3", "blanks skipped")
  eq(f({}), nil, "none")
end)

test("boolean.parse and friends", function()
  for _, v in ipairs({ "true", "TRUE", "True", " yes ", "Y", "t", "1" }) do
    eq(boolean.parse(v), true, "parse " .. show(v))
    eq(boolean.is_true(v), true, "is_true " .. show(v))
    eq(boolean.is_false(v), false, "is_false " .. show(v))
  end
  for _, v in ipairs({ "false", "FALSE", "No", "n", " F", "0" }) do
    eq(boolean.parse(v), false, "parse " .. show(v))
    eq(boolean.is_true(v), false, "is_true " .. show(v))
    eq(boolean.is_false(v), true, "is_false " .. show(v))
  end
  for _, v in ipairs({ "", "  ", "maybe", "2", "yes please" }) do
    local b, why = boolean.parse(v)
    eq(b, nil, "parse " .. show(v))
    eq(why, "not a boolean: '" .. v .. "' (use true/false, yes/no, y/n, t/f or 1/0, in any case)",
      "reason " .. show(v))
    eq(boolean.is_true(v) or boolean.is_false(v), false, "neither " .. show(v))
  end
  eq(boolean.parse(nil), nil, "nil")
  eq(boolean.format(true), "true", "format true")
  eq(boolean.format(false), "false", "format false")
  eq(boolean.format(nil), "false", "format nil")
end)

test("zip.fix", function()
  local cases = {
    { "02134", "MA", "02134" }, { "12345-6789", "TX", "12345-6789" },
    { " 90210 ", "CA", "90210" }, { "2134", "MA", "02134" },
    { "2134", "ma", "02134" }, { "2134", " Ma ", "02134" },
    { "8501", "NJ", "08501" }, { "901", "PR", "00901" }, { "801", "vi", "00801" },
    { "5401", "VT", "05401" }, { "4101", "ME", "04101" }, { "3101", "NH", "03101" },
    { "2901", "RI", "02901" }, { "6101", "CT", "06101" },
  }
  for _, c in ipairs(cases) do
    eq(zip.fix(c[1], c[2]), c[3], ("zip %s in %s"):format(c[1], c[2]))
  end
  local bad = {
    { "2134", "TX", "zip '2134' is not 5 digits (state TX)" },
    { "901", "MA", "zip '901' is not 5 digits (state MA)" },
    { "2134", "PR", "zip '2134' is not 5 digits (state PR)" },
    { "12", "", "zip '12' is not 5 digits (state )" },
    { "123456", "NY", "zip '123456' is not 5 digits (state NY)" },
    { "1234A", "MA", "zip '1234A' is not 5 digits (state MA)" },
    { "2134-5678", "MA", "zip '2134-5678' is not 5 digits (state MA)" },
    { "2134", nil, "zip '2134' is not 5 digits (state )" },
  }
  for _, c in ipairs(bad) do
    local z, why = zip.fix(c[1], c[2])
    eq(z, nil, "zip " .. c[1])
    eq(why, c[3], "reason " .. c[1])
  end
  for _, v in ipairs({ "", "  " }) do
    local z, why = zip.fix(v, "MA")
    eq(z, nil, "blank zip " .. show(v))
    eq(why, nil, "no reason for a blank zip " .. show(v))
  end
  eq(zip.fix(nil, "MA"), nil, "nil zip")
end)

test("zip.fixer", function()
  local f = zip.fixer({ from = "zip_raw", to = "Zip Code", state = "State" })
  local r = { zip_raw = "2134", State = "MA" }
  eq(f(r), nil, "kept")
  eq(r["Zip Code"], "02134", "repaired into 'to'")
  r = { zip_raw = " ", State = "MA", ["Zip Code"] = "old" }
  f(r)
  eq(r["Zip Code"], nil, "a blank zip leaves 'to' null")
  r = { zip_raw = "12", State = "TX" }
  local keep, why = f(r)
  eq(keep, nil, "rejected")
  eq(why, "zip '12' is not 5 digits (state TX)", "the reason")
  local g = zip.fixer({ from = "zip", state = "state" })
  r = { zip = "901", state = "pr" }
  g(r)
  eq(r.zip, "00901", "in place")
  raises(function() zip.fixer({ from = "zip" }) end, "zip.fixer needs", "no state")
end)

test("phone.e164 reads as the phone rule does", function()
  local cases = { -- tests/test_rules.c, test_rules_phone
    { "(202) 555-0123", "+12025550123" }, { "202.555.0124", "+12025550124" },
    { "1-202-555-0125", "+12025550125" }, { "+1 202 555 0143", "+12025550143" },
    { "12025550143", "+12025550143" }, { "2025550143.0", "+12025550143" },
    { "2025550143", "+12025550143" }, { "+12025550111", "+12025550111" },
    { "  202 555 0143 ", "+12025550143" }, { "(312)555-0107", "+13125550107" },
    { "202/555-0143", "+12025550143" }, { "+1 (617) 555-0118", "+16175550118" },
    { "+44 20 7946 0958", "+442079460958" }, { "+33 1 23 45 67 89", "+33123456789" },
    { "+49 30 12345678", "+493012345678" },
    { "2.02556E+09", nil, "Excel scientific notation lost digits" },
    { "5.55E+09", nil, "Excel scientific notation lost digits" },
    { "2.02556e+09", nil, "Excel scientific notation lost digits" },
    { "555-0128", nil, "7 digits" },
    { "202-555-0143 x12", nil, "extensions" },
    { "202-555-0143 ext. 12", nil, "extensions" },
    { "202-555-0143#12", nil, "extensions" },
    { "", nil, "empty" }, { "   ", nil, "empty" },
    { "CALL-NOW", nil, "letters" }, { "1-800-FLOWERS", nil, "letters" },
    { "055-555-0143", nil, "area code 055" }, { "102-555-0143", nil, "area code 102" },
    { "1-102-555-0143", nil, "area code 102" }, { "202-055-0143", nil, "exchange 055" },
    { "202-155-0143", nil, "exchange 155" },
    { "+1 202 555 014", nil, "+1 number needs 10 digits" },
    { "+12", nil, "+1 number needs 10 digits" },
    { "22025550143", nil, "11 digits not starting" },
    { "2025550143.5", nil, "11 digits not starting" },
    { "202555014", nil, "9 digits" },
    { "+44 20", nil, "international number needs 8-15" },
    { "+4420794609581234", nil, "more than 15" },
    { "202_555_0143", nil, "unexpected character" },
    { "++12025550143", nil, "unexpected character" },
    { "202-555-0143+", nil, "unexpected character" },
    { "2025550143.00", nil, "12 digits" },
  }
  for _, c in ipairs(cases) do
    local v, why = phone.e164(c[1])
    if c[2] ~= nil then
      eq(v, c[2], "e164 " .. show(c[1]))
    else
      eq(v, nil, "e164 " .. show(c[1]))
      eq(why:sub(1, 21), "not a phone number: '", "reason starts " .. show(c[1]))
      if not why:find(c[3], 1, true) then
        error(("reason for %s: %s lacks %s"):format(show(c[1]), show(why), show(c[3])))
      end
    end
  end
  eq(select(2, phone.e164("555-0128")),
    "not a phone number: '555-0128' (7 digits; a North American number needs 10 (with the area code))",
    "a whole reason")
  eq(phone.e164(nil), nil, "nil")
end)

test("phone.digits", function()
  eq(phone.digits("+1 (202) 555-0123"), "12025550123", "digits")
  eq(phone.digits("none"), "", "no digits")
  eq(phone.digits(nil), "", "nil")
end)

test("params.choice, flag, list", function()
  params = { shared_phone = "reject", broadcasts = "No", tasks = "a; b;;c",
             bad_choice = "both", bad_flag = "maybe" }
  eq(P.choice("shared_phone", { "first", "reject" }), "reject", "given")
  eq(P.choice("unset", { "first", "reject" }), "first", "default")
  raises(function() P.choice("bad_choice", { "first", "reject" }) end,
    "bad_choice must be 'first' or 'reject', not 'both'", "bad choice")
  raises(function() P.choice("bad_choice", { "a", "b", "c" }) end,
    "bad_choice must be 'a', 'b' or 'c', not 'both'", "three choices")
  eq(P.flag("broadcasts", true), false, "a flag given")
  eq(P.flag("unset"), false, "default false")
  eq(P.flag("unset", true), true, "default true")
  raises(function() P.flag("bad_flag") end,
    "bad_flag must be true or false, not 'maybe'", "bad flag")
  eqlist(P.list("tasks"), { "a", "b", "c" }, "a list")
  eqlist(P.list("unset"), {}, "no list")
  eqlist(P.list("unset", "x;y"), { "x", "y" }, "a default list")
  eqlist(P.list("tasks", nil, ","), { "a; b;;c" }, "another separator")
  params = nil
end)

H.done("lua library")
