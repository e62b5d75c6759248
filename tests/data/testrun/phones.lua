-- phones.lua: a fixture of 'crosswalk test' (tests/e2e/cases/test_*):
-- a file recipe whose cases are in phones/cases/.  Phone numbers are
-- written in E.164; a number the phone rule cannot read is rejected.
return {
  params = { country = "the value of the 'country' column (default US)" },
  inputs = { people = {} },
  steps = {
    { map = {
        { "phone", from = "phone", rule = "phone" },
        { "country", const = params.country or "US" },
    } },
  },
  outputs = {
    phones = { path = "phones.csv", columns = { "name", "phone", "country" } },
  },
}
