-- Names no record has, read at different rows by a parallel function:
-- the warnings come in the order one Lua state would meet them (first
-- the name of row 1, then row 200's, then row 501's), however many
-- states ran the rows.
return {
  name = "parallel_miss",
  inputs = { people = { main = true } },
  steps = {
    {
      parallel = true,
      fn = function(r)
        local n = tonumber(r.id)
        if n <= 64 then local _ = r.first_never end
        if n > 500 then local _ = r.late_never end
        if n % 200 == 0 then local _ = r.mid_never end
      end,
    },
  },
  outputs = { out = { path = "out.csv", columns = { "id", "name" } } },
}
