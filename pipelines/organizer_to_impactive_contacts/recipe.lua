-- organizer_to_impactive_contacts/recipe.lua
--
-- Organizer community export -> Impactive contact-list import
-- (the first step of texting or calling an Organizer community).
--
-- Input:
--   community  (main)  organizer/community_export: one row per profile
--
-- Output: contacts.csv (impactive/contact_import), one row per E.164
-- phone: first_name, last_name, phone, state_abbrev, organizer_profile_id,
-- plus van_id when van_id_column is set.
--
-- Companion: organizer_to_profile_map writes profiles.csv, the
-- phone -> Profile ID map that impactive_to_organizer_text and
-- impactive_phone_to_organizer_phone read on the way back.  Run both
-- on the same export.  They are two recipes because every output of a run
-- receives the same records: the contact list needs one row per phone and
-- the map one row per profile (see docs/recipes.md).
--
-- Parameters: `crosswalk recipe info organizer_to_impactive_contacts` lists
-- them, from the params table at the end of this file.
--
-- Policy on the edge cases:
--   * Phones are normalised to E.164 (rule "phone": North America,
--     "(202) 555-0111", "202.555.0111", "+1 202 555 0111", "2025550111.0"
--     are all +12025550111).  A blank phone is rejected (E_REQUIRED);
--     Excel's "2.02556E+09", 7-digit numbers and extensions are rejected
--     (E_PHONE) with the reason: digits are never guessed.
--   * A blank (or all-space) first or last name is rejected (E_REQUIRED):
--     Impactive would silently drop the row.  Names are trimmed and
--     inner runs of spaces collapsed.
--   * Duplicate phones: Impactive keeps one contact per phone, so the
--     list has one row per phone (group by phone).  With shared_phone =
--     first, the row takes each column's first value in file order (the
--     first profile's name), and organizer_profile_id lists every Profile
--     ID of the phone joined by ";" so the sharing stays visible.  The map
--     (organizer_to_profile_map) keeps one row per profile, so the
--     return trip sees the phone as ambiguous and rejects it rather than
--     guessing whose result it was.  With shared_phone = reject the phone
--     is rejected (E_RECIPE) naming the profiles.
--   * The same profile listed twice with the same phone is one contact.
--   * state_abbrev is upper-cased; a value longer than 2 characters (e.g.
--     "Massachusetts") is rejected (E_MAXLEN) before the phones are
--     grouped, so it never stands for another profile of the phone.
--   * Profile IDs stay text: leading zeros kept; Excel's "1.00E+08" is
--     rejected (E_EXCEL) and a blank Profile ID is rejected (E_REQUIRED)
--     by the input schema.
--   * A UTF-8 BOM and CRLF line endings in the export are accepted; the
--     output is UTF-8 without BOM, LF.
--   * Input values the community_export schema types (Phone Number,
--     Email Address) are checked even though only the phone is sent: a
--     malformed email rejects the profile (E_EMAIL), never passes silently.
--   * Opt-outs Impactive already holds (Opt Out (P2P) tag) are suppressed
--     by Impactive itself; this recipe cannot see them.

local phone_col = params.phone_column or "Phone Number"
local van_col = params.van_id_column or ""
local state_col = params.state_column
if state_col == nil then state_col = "State" end
local exclude_col = params.exclude_column or ""
local shared = require("crosswalk.params").choice("shared_phone", { "first", "reject" })

local steps = {}
local function add(s) steps[#steps + 1] = s end

if exclude_col ~= "" then
  add({ map = { { exclude_col, from = exclude_col, rule = "boolean", default = "false" } } })
  add({ filter = { column = exclude_col, equals = "false" } })
end
add({ validate = { column = phone_col, rule = "nonblank" } })
add({ validate = { column = phone_col, rule = "phone" } })
add({ validate = { column = "First Name", rule = "nonblank" } })
add({ validate = { column = "Last Name", rule = "nonblank" } })
add({ map = {
  { "phone", from = phone_col, rule = "phone" },
  { "first_name", from = "First Name", rule = "collapse_spaces" },
  { "last_name", from = "Last Name", rule = "collapse_spaces" },
} })
local firsts = {
  { "first_name", "first", "first_name" },
  { "last_name", "first", "last_name" },
  { "organizer_profile_id", "concat", "Profile ID", sep = ";" },
  { "profiles", "count" },
}
if state_col ~= "" then
  add({ map = { { "state_abbrev", from = state_col, rule = "upper" } } })
  add({ validate = { column = "state_abbrev", rule = "max_length", args = { n = 2 } } })
  firsts[#firsts + 1] = { "state_abbrev", "first", "state_abbrev" }
end
if van_col ~= "" then
  firsts[#firsts + 1] = { "van_id", "first", van_col }
end
add({ group = { by = { "phone" }, aggregate = firsts } })
if shared == "reject" then
  add({ fn = function(r)
      if tonumber(r.profiles) > 1 then
        return nil, "phone " .. r.phone .. " is shared by " .. r.profiles
          .. " profiles (" .. r.organizer_profile_id .. "); shared_phone=reject"
      end
    end, sets = {} })
end

local columns = { "first_name", "last_name", "phone" }
if van_col ~= "" then columns[#columns + 1] = "van_id" end
if state_col ~= "" then columns[#columns + 1] = "state_abbrev" end
columns[#columns + 1] = "organizer_profile_id"

return {
  name = "organizer_to_impactive_contacts",
  description = "Organizer community export to an Impactive contact list, one row per phone",
  params = {
    phone_column = "column holding the textable phone (default Phone Number); which phone "
      .. "the export gives, and how a textable one is marked, is not documented",
    van_id_column = "column sent as van_id, e.g. External ID when the organization syncs "
      .. "with VAN (default none: no van_id column)",
    state_column = "column sent as state_abbrev (default State; empty for none)",
    exclude_column = "a boolean column; profiles where it is true (e.g. a phone consent "
      .. "already revoked) are filtered out, a blank counts as false, another value is "
      .. "rejected (default none; the export's consent columns are not documented)",
    shared_phone = "what one phone shared by several profiles becomes: first (default) one "
      .. "contact named after the first profile in file order; reject no contact at all",
  },
  inputs = {
    community = { schema = "organizer/community_export" },
  },
  steps = steps,
  outputs = {
    contacts = {
      path = "contacts.csv",
      schema = "impactive/contact_import",
      columns = columns,
    },
  },
}
