-- by_lua.lua: phones read by crosswalk.phone in the sandbox.
local phone = require("crosswalk.phone")
return {
  inputs = { phones = {} },
  steps = {
    { fn = function(r)
        local v, why = phone.e164(r.phone)
        if v == nil then return nil, why end
        r.e164 = v
      end },
  },
  outputs = { out = { path = "e164.csv", columns = { "phone", "e164" } } },
}
