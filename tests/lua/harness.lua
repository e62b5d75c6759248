-- tests/lua/harness.lua: what the Lua test files share, loaded with
-- dofile() from beside them: test() runs one test and counts it, eq() and
-- eqlist() compare, done() prints "LABEL: N passed, N failed" and exits
-- 0 only when every test passed.
local H = { passed = 0, failed = 0 }

function H.test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    H.passed = H.passed + 1
    print("PASS " .. name)
  else
    H.failed = H.failed + 1
    print("FAIL " .. name .. "\n  " .. tostring(err))
  end
end

function H.show(v)
  return type(v) == "string" and ("%q"):format(v) or tostring(v)
end

function H.eq(got, want, what)
  if got ~= want then
    error(("%s: got %s, want %s"):format(what, H.show(got), H.show(want)), 2)
  end
end

-- The list 'got' holds exactly the values of 'want', in order.
function H.eqlist(got, want, what)
  H.eq(type(got), "table", what)
  for i = 1, math.max(#got, #want) do
    H.eq(got[i], want[i], ("%s[%d]"):format(what, i))
  end
end

function H.done(label)
  print(("%s: %d passed, %d failed"):format(label, H.passed, H.failed))
  os.exit(H.failed == 0 and 0 or 1)
end

return H
