-- call_list.lua: a phone-bank call list from an Organizer community
-- export: each person's name, phone number (E.164), city and state.
local steps = {
  { filter = { column = "Phone Number", present = true } },
  { map = {
      { "name", fn = function(r)
          if r["First Name"] == "" then return r["Last Name"] end
          return r["First Name"] .. " " .. r["Last Name"]
        end },
      { "phone", from = "Phone Number", rule = "phone" },
  } },
}
if params.state then -- --set state=IL: only the people in Illinois
  table.insert(steps, 1, { filter = { column = "State", equals = params.state } })
end

return {
  description = "a phone-bank call list from an Organizer community export",
  params = { state = "keep only the people in this state (two letters)" },
  inputs = { people = { schema = "organizer/community_export" } },
  steps = steps,
  outputs = {
    calls = { path = "calls.csv", columns = { "name", "phone", "City", "State" } },
  },
}
