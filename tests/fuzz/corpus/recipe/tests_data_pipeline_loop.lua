-- loop.lua -- a fn step that never returns (test_pipeline.c).
return {
  inputs = { rows = {} },
  steps = {
    { fn = function(r)
        local n = 0
        while true do n = n + 1 end
      end },
  },
  outputs = { out = { path = "out.csv", columns = { "id" } } },
}
