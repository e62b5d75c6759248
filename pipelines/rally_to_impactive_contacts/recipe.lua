-- rally_to_impactive_contacts/recipe.lua
--
-- Rally mobilizers -> Impactive contact-list import, e.g. to text
-- mobilizers an Impactive join link.
--
-- Input:
--   mobilizers  (main)  rally/mobilizers: one row per mobilizer in a campaign
--
-- Output: contacts.csv (impactive/contact_import), one row per E.164 phone:
-- first_name, last_name, phone, state_abbrev.
--
-- Parameters: `crosswalk recipe info rally_to_impactive_contacts` lists
-- them, from the params table at the end of this file.
--
-- Policy on the edge cases:
--   * A mobilizer without a phone did not agree to share contact details
--     with the campaign; phone is required by Impactive, so the row is
--     rejected (E_REQUIRED on mobilizer_phone).
--   * Phones are normalised to E.164 (rule "phone"): "(412) 555-0131",
--     "4125550131", "+1 617 555 0134" and "4125550131.0" all work.  The
--     phone format Rally writes is not documented, so every form the rule
--     knows is accepted; Excel's "4.12556E+09", 7-digit numbers and
--     extensions are rejected (E_PHONE) by the input schema.
--   * Duplicate phones (a mobilizer in several campaigns, a shared family
--     phone): Impactive keeps one contact per phone, so the list has
--     one row per phone (group by phone).  With shared_phone = first the
--     row takes the first mobilizer's values in file order; with reject
--     the phone is rejected (E_RECIPE) when two or more mobilizers with
--     different names share it (the same person twice is still one
--     contact).
--   * A blank first name (after the preferred-name choice) or last name is
--     rejected (E_REQUIRED): Impactive would drop the row.  Names
--     are trimmed and inner runs of spaces collapsed.
--   * state_abbrev: voterfile_provided_state when match_status is
--     CONFIRMED, else mobilizer_provided_state; upper-cased; more than 2
--     characters is rejected (E_MAXLEN) before the phones are grouped.
--   * Email and zip are not sent: impactive/contact_import has no email or
--     zip_code column (see docs/recipes.md), so Excel-damaged zips do not
--     matter here.  Rally IDs do not travel either, for the same reason.
--   * Rally's timestamp and boolean spellings (not documented) are not
--     used.
--   * A UTF-8 BOM and CRLF line endings are accepted; the output is UTF-8
--     without BOM, LF.

local text = require("crosswalk.text")
local P = require("crosswalk.params")

local preferred = P.flag("preferred_name")
local shared = P.choice("shared_phone", { "first", "reject" })

local steps = {
  { validate = { column = "mobilizer_phone", rule = "nonblank" } },
  { map = {
      { "phone", from = "mobilizer_phone", rule = "phone" },
      { "first_name", rule = "collapse_spaces", fn = function(r)
          local p = r.mobilizer_provided_preferred_name
          if preferred and text.present(p) then return p end
          return r.mobilizer_provided_first_name
        end },
      { "last_name", from = "mobilizer_provided_last_name", rule = "collapse_spaces" },
      { "state_abbrev", rule = "upper", fn = function(r)
          local v = r.voterfile_provided_state
          if r.match_status == "CONFIRMED" and text.present(v) then return v end
          return r.mobilizer_provided_state
        end },
    } },
  { validate = { column = "first_name", rule = "nonblank" } },
  { validate = { column = "last_name", rule = "nonblank" } },
  { validate = { column = "state_abbrev", rule = "max_length", args = { n = 2 } } },
  { map = { { "person", fn = function(r) return r.first_name .. "\t" .. r.last_name end } } },
  { group = {
      by = { "phone" },
      aggregate = {
        { "first_name", "first", "first_name" },
        { "last_name", "first", "last_name" },
        { "state_abbrev", "first", "state_abbrev" },
        { "names", "concat", "person", sep = "; " },
      },
    } },
}
if shared == "reject" then
  steps[#steps + 1] = { fn = function(r)
      if r.names:find("; ", 1, true) then
        return nil, "phone " .. r.phone .. " is shared by several mobilizers ("
          .. r.names:gsub("\t", " ") .. "); shared_phone=reject"
      end
    end, sets = {} }
end

return {
  name = "rally_to_impactive_contacts",
  description = "Rally mobilizers to an Impactive contact list, one row per phone",
  params = {
    preferred_name = "true: send mobilizer_provided_preferred_name as first_name when "
      .. "there is one (default false: the first name as entered)",
    shared_phone = "what one phone shared by several mobilizers becomes: first (default) "
      .. "one contact named after the first mobilizer in file order; reject no contact "
      .. "at all when their names differ",
  },
  inputs = {
    mobilizers = { schema = "rally/mobilizers" },
  },
  steps = steps,
  outputs = {
    contacts = {
      path = "contacts.csv",
      schema = "impactive/contact_import",
      columns = { "first_name", "last_name", "phone", "state_abbrev" },
    },
  },
}
