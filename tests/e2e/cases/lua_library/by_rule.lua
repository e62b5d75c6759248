-- by_rule.lua: the same phones read by the phone rule.
return {
  inputs = { phones = {} },
  steps = { { map = { { "e164", from = "phone", rule = "phone" } } } },
  outputs = { out = { path = "e164.csv", columns = { "phone", "e164" } } },
}
