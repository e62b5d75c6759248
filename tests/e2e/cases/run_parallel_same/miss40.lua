-- Forty names no record has, one every 15 rows: only the first 32 are
-- warned about, the same 32 in the same order however many states ran
-- the rows.
return {
  name = "parallel_miss40",
  inputs = { people = { main = true } },
  steps = {
    {
      parallel = true,
      fn = function(r)
        local n = tonumber(r.id)
        if n % 15 == 0 then local _ = r["m" .. n] end
      end,
    },
  },
  outputs = { out = { path = "out.csv", columns = { "id" } } },
}
