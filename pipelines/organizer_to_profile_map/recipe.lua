-- organizer_to_profile_map/recipe.lua
--
-- Organizer community export -> the phone -> Profile ID side table
-- (kept so that results for a phone shared by several profiles are
-- refused on the way back, not guessed).
--
-- Input:
--   community  (main)  organizer/community_export: one row per profile
--
-- Output: profiles.csv with columns phone,profile_id: one row per
-- (phone, Profile ID).  impactive_to_organizer_text and
-- impactive_phone_to_organizer_phone read it as their `profiles`
-- input to bring Impactive results back to Organizer profiles.
--
-- Companion of organizer_to_impactive_contacts (run both on the same
-- export): that recipe writes one contact per phone, this one one row per
-- profile, and an engine run writes every output at one grain.
--
-- Parameters: `crosswalk recipe info organizer_to_profile_map` lists
-- them, from the params table at the end of this file.
--
-- Policy on the edge cases:
--   * Phones are normalised to E.164 exactly as in the contact list, so
--     the return trip's lookup (key_rule = "phone") matches them.  A blank
--     phone is rejected (E_REQUIRED), a malformed one (Excel "2.02556E+09",
--     7 digits, an extension) is rejected (E_PHONE): such a profile was
--     never texted, so nothing can come back for it.
--   * A phone shared by several profiles keeps one row per profile: the
--     return trip sees several Profile IDs for the phone and rejects its
--     results (E_LOOKUP_AMBIGUOUS) instead of guessing whose they were.
--     This is why the map keeps every profile with a usable phone, even
--     one the contact list rejects for a blank name or a bad state: the
--     phone is still shared, and Impactive's contact still stands for it.
--   * The same profile listed twice with the same phone is one row; a
--     profile listed with two different phones gets both rows.
--   * Profile IDs stay text (leading zeros kept); a blank or Excel-damaged
--     Profile ID is rejected by the input schema (E_REQUIRED, E_EXCEL).
--     The schema also checks the export's other typed columns, so a
--     malformed Email Address rejects the profile (E_EMAIL) here exactly
--     as in the contact list.
--   * A UTF-8 BOM and CRLF line endings are accepted; the map is UTF-8
--     without BOM, LF.

local phone_col = params.phone_column or "Phone Number"

return {
  name = "organizer_to_profile_map",
  description = "Organizer community export to the phone -> Profile ID map",
  params = {
    phone_column = "column holding the textable phone (default Phone Number); use the "
      .. "same value as for the contact list (organizer_to_impactive_contacts)",
  },
  inputs = {
    community = { schema = "organizer/community_export" },
  },
  steps = {
    { validate = { column = phone_col, rule = "nonblank" } },
    { validate = { column = phone_col, rule = "phone" } },
    { map = {
        { "phone", from = phone_col, rule = "phone" },
        { "profile_id", from = "Profile ID" },
      } },
    { group = { by = { "phone", "profile_id" } } },
  },
  outputs = {
    profiles = {
      path = "profiles.csv",
      columns = { "phone", "profile_id" },
    },
  },
}
