-- policies.lua -- lookup policies: multiple = "first", missing = "null",
-- where conditions, exists, and finally missing = "filter" with the
-- default multiple = "reject" (test_plan.c).
local people = { input = "people", key = "phone", on = "phone",
                 key_rule = "phone" }

-- A copy of 'people' with the fields of 't' added.
local function with(t)
  local out = {}
  for k, v in pairs(people) do out[k] = v end
  for k, v in pairs(t) do out[k] = v end
  return out
end

return {
  steps = {
    { lookup = with { columns = { name = "n1" }, multiple = "first",
                      missing = "null" } },
    { lookup = with { columns = { name = "n2" }, missing = "null",
                      where = { column = "name",
                                not_one_of = { "Ann", "Ann B" } } } },
    { lookup = with { columns = { name = "n3" }, missing = "null",
                      exists = "opted",
                      where = { { column = "tag", equals = "Opt Out" },
                                { column = "value", equals = "true" } } } },
    { lookup = with { columns = { name = "n4" }, missing = "filter" } },
  },
}
