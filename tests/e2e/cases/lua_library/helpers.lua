-- helpers.lua: every module of lua/crosswalk/ in the recipe sandbox.
local text = require("crosswalk.text")
local boolean = require("crosswalk.boolean")
local zip = require("crosswalk.zip")
local P = require("crosswalk.params")

local labels = P.list("labels", "new; old")
local shout = P.flag("shout")
local mode = P.choice("mode", { "keep", "drop" })

return {
  params = {
    labels = "';'-separated labels (default new;old)",
    shout = "true: names in upper case (default false)",
    mode = "keep (default) or drop: what becomes of inactive people",
  },
  inputs = { people = {} },
  steps = {
    { fn = function(r)
        if mode == "drop" and not boolean.is_true(r.active) then return false end
        local name = text.trim(r.name)
        r.name = shout and name:upper() or name
        r.city = text.nonblank(r.city) or "(none)"
        r.active = boolean.format(boolean.parse(r.active))
        r.label = labels[tonumber(r.id) % #labels + 1]
        r.first = text.first_of("nick", "name")(r)
      end },
    { fn = zip.fixer({ from = "zip", state = "state" }) },
  },
  outputs = {
    out = { path = "people.csv",
            columns = { "id", "name", "city", "zip", "active", "label", "first" } },
  },
}
