-- errors.lua -- a fn step that raises or loops forever on request
-- (test_plan.c).
return {
  steps = {
    { fn = function(r)
        if r.kind == "boom" then error("kaboom") end
        if r.kind == "loop" then
          while true do end
        end
        r.full = r.first
      end },
  },
}
