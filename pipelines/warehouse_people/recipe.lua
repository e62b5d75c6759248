-- warehouse_people/recipe.lua
--
-- Rally and Impactive people -> one tidy `people` table for analysis
-- (Rally documents no import of any kind, so the tools meet in a
-- warehouse, joined on normalised phone or email).
--
-- Input (one per run, chosen by `source`):
--   people  (main)  rally/mobilizers, rally/contacts, impactive/contacts or
--                   impactive/users
--
-- Output: people.csv, one row per person record of the source, columns:
--   person_key        "<source>:<source_id>", unique across sources; the
--                     key warehouse_interactions writes in person_key
--   source            rally_mobilizer | rally_contact | impactive_contact |
--                     impactive_user
--   source_id         the export's key (rally__user_campaign_membership_id,
--                     rally__campaign_target_id, contacts.id, users.id)
--   person_id         rally__person_id (Rally's person across campaigns)
--   campaign_id       the Rally or Impactive campaign
--   first_name, last_name, preferred_name   as entered in the tool
--   voter_first_name, voter_last_name       from the voter file
--   email             trimmed, lower-cased
--   phone             E.164
--   city, state, zip  as entered (state upper-cased; zip repaired, below)
--   canonical_voter_id, state_file_id, van_id, voterbase_id
--   match_status      Rally's voter-file match status
--   created_at        joined / added to the campaign / created (ISO 8601,
--                     YYYY-MM-DDTHH:MM:SS, in tz)
--   last_activity_at  Rally last_activity_at, Impactive users last_active_at
-- Append the four sources' files (same header) to build the table, or load
-- them with `crosswalk load`.
--
-- Parameters: `crosswalk recipe info warehouse_people` lists them, from
-- the params table at the end of this file.
--
-- Policy on the edge cases:
--   * Phones are normalised to E.164 so Impactive users and Rally
--     mobilizers join on phone; a phone that cannot be normalised (Excel
--     "4.12556E+09", 7 digits, an extension) is rejected (E_PHONE), never
--     guessed.  A blank phone or email stays blank.
--   * Emails are trimmed and lower-cased so they join; Rally's are checked
--     by the input schema (E_EMAIL).
--   * IDs stay text: leading zeros of state_file_id are kept; Excel-damaged
--     IDs ("1.23457E+11") are rejected by the input schemas (E_EXCEL), and
--     so is a row without its key (E_REQUIRED) or with a value outside a
--     schema's list, e.g. an unknown match_status (E_ENUM).
--   * canonical_voter_id is kept as exported, beside match_status: it is
--     reliable only when CONFIRMED, and Impactive's voterbase_id is a
--     different ID system, so the two are never merged.
--   * Zips stay text; a 4-digit zip in a state whose zips start with 0
--     (New England, NJ, PR, VI) gets its zero back ("2134" -> "02134"),
--     any other zip that is not 5 digits or ZIP+4 is rejected (E_RECIPE).
--   * Timestamps: Rally ISO 8601 with Z, an offset or fractional seconds,
--     Impactive naive timestamps in input_tz; all written in tz without
--     offset (the tz parameter says which).  A naive time that daylight
--     saving skipped in input_tz is rejected (E_DATE_GAP); one that occurs
--     twice is read as its first (daylight-time) occurrence.  Unreadable
--     ones (two-digit years) are rejected by the input schema (E_DATE);
--     blanks stay blank.
--   * The same person in two Rally campaigns is two rows (one per
--     membership), linked by person_id; nothing is deduplicated.
--   * Names, quotes and accents are kept as entered; RFC 4180 quoting.
--   * A UTF-8 BOM and CRLF line endings are accepted; the output is UTF-8
--     without BOM, LF.

local text = require("crosswalk.text")
local zip = require("crosswalk.zip")
local P = require("crosswalk.params")

local source = P.choice("source",
  { "rally_mobilizers", "rally_contacts", "impactive_contacts", "impactive_users" })
local tz = params.tz or "UTC"
local input_tz = params.input_tz or "UTC"

local col = text.first_of -- col(name): the column's value, nil when blank

local SOURCES = {
  rally_mobilizers = {
    schema = "rally/mobilizers", tag = "rally_mobilizer", naive_tz = "UTC",
    cols = {
      source_id = "rally__user_campaign_membership_id", person_id = "rally__person_id",
      campaign_id = "rally__campaign_id", first_name = "mobilizer_provided_first_name",
      last_name = "mobilizer_provided_last_name",
      preferred_name = "mobilizer_provided_preferred_name",
      voter_first_name = "voterfile_provided_first_name",
      voter_last_name = "voterfile_provided_last_name",
      email = "mobilizer_email", phone = "mobilizer_phone", city = "mobilizer_provided_city",
      state = "mobilizer_provided_state", zip = "mobilizer_provided_zip",
      canonical_voter_id = "canonical_voter_id", state_file_id = "state_file_id",
      match_status = "match_status", created_at = "joined_campaign_at",
      last_activity_at = "last_activity_at",
    },
  },
  rally_contacts = {
    schema = "rally/contacts", tag = "rally_contact", naive_tz = "UTC",
    cols = {
      source_id = "rally__campaign_target_id", person_id = "rally__person_id",
      campaign_id = "rally__campaign_id", first_name = "mobilizer_provided_first_name",
      last_name = "mobilizer_provided_last_name",
      voter_first_name = "voterfile_provided_first_name",
      voter_last_name = "voterfile_provided_last_name",
      city = "mobilizer_provided_city", state = "mobilizer_provided_state",
      canonical_voter_id = "canonical_voter_id", state_file_id = "state_file_id",
      match_status = "match_status", created_at = "added_to_campaign_at",
      last_activity_at = "last_activity_at",
    },
  },
  impactive_contacts = {
    schema = "impactive/contacts", tag = "impactive_contact", naive_tz = input_tz,
    cols = {
      source_id = "id", campaign_id = "campaign_id", first_name = "first_name",
      last_name = "last_name", voter_first_name = "voter_first_name",
      voter_last_name = "voter_last_name", email = "email", phone = "phone", city = "city",
      state = "state_abbrev", zip = "zip_code", van_id = "van_id",
      voterbase_id = "selected_voterbase_id", created_at = "created_at",
    },
  },
  impactive_users = {
    schema = "impactive/users", tag = "impactive_user", naive_tz = input_tz,
    cols = {
      source_id = "id", campaign_id = "campaign_id", first_name = "first_name",
      last_name = "last_name", email = "email", phone = "phone", city = "city",
      state = "supplied_state_abbrev", zip = "supplied_zip_code", van_id = "van_id",
      voterbase_id = "selected_voterbase_id", created_at = "created_at",
      last_activity_at = "last_active_at",
    },
  },
}
local S = SOURCES[source]

local COLUMNS = {
  "person_key", "source", "source_id", "person_id", "campaign_id", "first_name", "last_name",
  "preferred_name", "voter_first_name", "voter_last_name", "email", "phone", "city", "state",
  "zip", "canonical_voter_id", "state_file_id", "van_id", "voterbase_id", "match_status",
  "created_at", "last_activity_at",
}

-- Plain copies (blank where the source has no such column), then the
-- columns that need a rule.
local copies, special = {}, { email = 1, phone = 1, state = 1, zip = 1, created_at = 1,
                              last_activity_at = 1 }
for _, c in ipairs(COLUMNS) do
  local from = S.cols[c]
  if not special[c] then copies[#copies + 1] = from and { c, fn = col(from) } or { c, const = "" } end
end
local function when(c) return S.cols[c] and col(S.cols[c]) or function() end end
local date_args = { tz = tz, input_tz = S.naive_tz, format = "iso_full" }

return {
  name = "warehouse_people",
  description = "Rally and Impactive people to one tidy people table",
  params = {
    source = "rally_mobilizers (default), rally_contacts, impactive_contacts or "
      .. "impactive_users: the export the main input is",
    tz = "zone the timestamps are written in (default UTC), without offset",
    input_tz = "zone of Impactive's naive timestamps (default UTC; the zone is not "
      .. "documented); Rally's carry Z or an offset (naive ones read as UTC)",
  },
  inputs = {
    people = { schema = S.schema },
  },
  steps = {
    { map = copies },
    { map = {
        { "source", const = S.tag },
        { "person_key", fn = function(r) return S.tag .. ":" .. r[S.cols.source_id] end },
        { "email", fn = when("email"), rule = "lower" },
        { "phone", fn = when("phone"), rule = "phone" },
        { "state", fn = when("state"), rule = "upper" },
        { "zip", fn = when("zip") },
        { "created_at", fn = when("created_at"), rule = "date", args = date_args },
        { "last_activity_at", fn = when("last_activity_at"), rule = "date", args = date_args },
      } },
    { map = { { "email", from = "email", rule = "trim" } } },
    -- Zips that lost their leading zeros in a spreadsheet (crosswalk.zip).
    { fn = zip.fixer({ from = "zip", state = "state" }), sets = { "zip" } },
  },
  outputs = {
    people = { path = "people.csv", columns = COLUMNS },
  },
}
