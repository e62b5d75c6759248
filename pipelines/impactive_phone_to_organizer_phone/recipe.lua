-- impactive_phone_to_organizer_phone/recipe.lua
--
-- Impactive phone-bank results -> Organizer phone-interaction import files
-- (the way back of an Organizer community called in Impactive).
--
-- Inputs (CSV dumps of the Impactive export tables, plus our side table):
--   outcomes  (main)  impactive/customizations: custom-field values; the
--                     rows whose custom_field_name is "Call Outcome" are
--                     the reported call results, one per report
--   calls             impactive/voice_calls: the dialer calls; gives the
--                     phone bank (activity_title) a contact was called in
--   contacts          impactive/contacts: gives each contact's phone
--   profiles          phone,profile_id: the phone -> Organizer Profile ID
--                     map written by organizer_to_profile_map
--
-- Output: phone_interactions.csv (organizer/phone_interactions), one row
-- per (Profile ID, Effort Name) with Profile ID, Effort Name, Date/Time,
-- Phone Number Called, Call Result, Service, Caller; split into parts of
-- at most 5 Effort Names and under 500 MB (phone_interactions-001.csv, ...).
--
-- Parameters: `crosswalk recipe info impactive_phone_to_organizer_phone`
-- lists them, from the params table below.
--
-- Policy on the edge cases:
--   * Only customizations rows whose custom_field_name is outcome_field
--     count; other custom fields are filtered.
--   * Call results come from a CLOSED map (RESULTS below).  An outcome
--     that is not in it is rejected (E_RECIPE) and never passed through:
--     in Organizer a Wrong Number, Number Disconnected or Opt Out changes
--     the phone's consent for good.  Values match exactly (case and
--     spaces count); a blank outcome is rejected (E_REQUIRED).
--   * Impactive's own outcomes (Answering Machine, Failed, Dropped) map to
--     No Answer: a dropped or failed call is not a contact and must not
--     change consent.
--   * Several outcomes for one profile in one effort (call-backs) collapse
--     to one row: the result highest in `precedence`, with the Date/Time,
--     phone and Caller of that outcome (the latest one on a tie).  One
--     profile in two efforts is two rows.
--   * Effort Name is the activity_title of the contact's calls.  A contact
--     with no call is rejected (E_LOOKUP_MISSING); one called in phone
--     banks with different titles is rejected (E_LOOKUP_AMBIGUOUS) unless
--     calls_multiple = first (the first call in file order) or activity_id
--     picks the phone bank; with activity_id, outcomes of contacts not
--     called in it are filtered, not rejected: they belong to another run.
--     A blank title leaves no Effort Name: rejected (E_EFFORT).
--   * Profile ID comes from the map by E.164 phone.  A phone not in the map
--     is rejected (E_LOOKUP_MISSING); a phone shared by several profiles is
--     rejected (E_LOOKUP_AMBIGUOUS): nothing is guessed, and Organizer
--     creates nothing for unknown IDs.
--   * Phone Number Called is the contact's phone in E.164; a phone that
--     cannot be normalised (Excel "6.17556E+09", 7 digits) is rejected
--     (E_PHONE).  A contact missing from the contacts table is rejected
--     (E_LOOKUP_MISSING).
--   * Date/Time: when the outcome was recorded (created_at), converted
--     from input_tz to tz (DST-correct) and written YYYY-MM-DD HH:MM; an
--     outcome at 00:30 UTC lands on the previous local day; a naive time
--     that daylight saving skipped in input_tz is rejected (E_DATE_GAP),
--     one it repeats is read as its first occurrence.  A blank
--     created_at is rejected (E_DATE), and so is an ambiguous one such as
--     "10/05/24" (two-digit year) by the input schema.
--   * More than 5 efforts: the output is split, at most 5 per part.
--   * Caller: reported_by_fullname; dialer_caller when blank, because
--     Organizer wants a value in every row.

local text = require("crosswalk.text")
local P = require("crosswalk.params")

local tz = params.tz or "America/New_York"
local input_tz = params.input_tz or "UTC"
local prefix = params.effort_prefix or ""
local service = params.service or "Impactive"
local outcome_field = params.outcome_field or "Call Outcome"
local contact_key = params.contact_key or "reportable_id"
local activity_id = params.activity_id or ""
local calls_multiple = P.choice("calls_multiple", { "reject", "first" })
local dialer_caller = params.dialer_caller or "Impactive dialer"

-- Impactive Call Outcome -> Organizer call result.  Organizer documents
-- only Wrong Number, Number Disconnected and Opt Out; the other values
-- are the usual phone-bank results, not documented.  The values volunteers
-- report in Impactive are not documented either, so only values spelled
-- like Organizer's are mapped to themselves.
local RESULTS = {
  ["Answering Machine"] = "No Answer",
  ["Failed"] = "No Answer",
  ["Dropped"] = "No Answer",
  ["Talked to Correct Person"] = "Talked to Correct Person",
  ["Left Message"] = "Left Message",
  ["No Answer"] = "No Answer",
  ["Busy"] = "Busy",
  ["Refused"] = "Refused",
  ["Wrong Number"] = "Wrong Number",
  ["Number Disconnected"] = "Number Disconnected",
  ["Opt Out"] = "Opt Out",
}

-- Best first.  An opt-out is a consent fact and must never be hidden by
-- another call; then a conversation; then facts about the number; then
-- attempts.
local PRECEDENCE = {
  "Opt Out", "Talked to Correct Person", "Refused", "Wrong Number",
  "Number Disconnected", "Left Message", "Busy", "No Answer",
}

for _, pair in ipairs(P.list("results")) do
  local k, v = pair:match("^(.-)=(.*)$")
  if k == nil then
    error("results: '" .. pair .. "' is not 'Impactive value=Organizer value'")
  end
  k, v = text.trim(k), text.trim(v)
  RESULTS[k] = v ~= "" and v or nil
end
if params.precedence then
  PRECEDENCE = P.list("precedence")
end
local RANK = {}
for i, v in ipairs(PRECEDENCE) do RANK[v] = i end
for k, v in pairs(RESULTS) do
  if RANK[v] == nil then
    error("results: '" .. k .. "' maps to '" .. v .. "', which is not in precedence")
  end
end

local calls_lookup = { input = "calls", key = "contact_id", on = contact_key,
                       multiple = calls_multiple,
                       columns = { activity_title = "activity_title" } }
if activity_id ~= "" then
  calls_lookup.where = { column = "activity_id", equals = activity_id }
  calls_lookup.missing = "filter"
end

return {
  name = "impactive_phone_to_organizer_phone",
  description = "Impactive phone-bank calls to Organizer phone interactions",
  params = {
    tz = "organization's IANA time zone (default America/New_York); the zone Organizer "
      .. "reads dates in is not documented",
    input_tz = "zone of Impactive's naive timestamps (default UTC; the zone is not "
      .. "documented)",
    effort_prefix = "text put before every Effort Name (default none)",
    service = "value of the Service column (default Impactive)",
    results = "changes to the closed call-result map: 'Impactive value=Organizer value' "
      .. "pairs separated by ';'; 'X=' removes X (then X is rejected). Neither tool "
      .. "documents its full list of values, so the map is closed and editable",
    precedence = "Organizer results, best first, ';'-separated: which result a profile's "
      .. "several calls in one effort collapse to (default Opt Out;Talked to Correct "
      .. "Person;Refused;Wrong Number;Number Disconnected;Left Message;Busy;No Answer); "
      .. "every mapped value must be listed",
    outcome_field = "custom_field_name of the outcome (default Call Outcome, the field "
      .. "Impactive fills in)",
    contact_key = "customizations column holding the called contact's id (default "
      .. "reportable_id, the report's subject; which column links a value to a call is "
      .. "not documented)",
    activity_id = "only calls of this phone-bank action give the effort, and outcomes of "
      .. "contacts not called in it are filtered (default: all calls)",
    calls_multiple = "reject (default) or first: a contact called in phone banks with "
      .. "different titles is rejected, or takes the first call in file order",
    dialer_caller = "Caller written when no volunteer reported the outcome, e.g. a "
      .. "Dropped call (default Impactive dialer)",
  },
  inputs = {
    -- With a ledger (crosswalk run --ledger), a run reads only the
    -- outcomes recorded after those of the last confirmed run.
    outcomes = { schema = "impactive/customizations", main = true, since = "created_at" },
    calls = { schema = "impactive/voice_calls" },
    contacts = { schema = "impactive/contacts" },
    profiles = {},
  },
  steps = {
    { filter = { column = "custom_field_name", equals = outcome_field } },
    { validate = { column = "value", rule = "nonblank" } },
    { fn = function(r)
        local result = RESULTS[r.value]
        if result == nil then
          return nil, "call outcome '" .. r.value .. "' is not in the result map"
            .. " (values match exactly; extend the map with --set results=...)"
        end
        r["Call Result"] = result
        r.ord = string.format("%03d|%s", 999 - RANK[result], r.created_at or "")
        r.Caller = text.nonblank(text.trim(r.reported_by_fullname)) or dialer_caller
      end, sets = { "Call Result", "ord", "Caller" } },
    { lookup = calls_lookup },
    { lookup = { input = "contacts", key = "id", on = contact_key,
                 columns = { phone = "contact_phone" } } },
    { map = { { "Phone Number Called", from = "contact_phone", rule = "phone" } } },
    { lookup = { input = "profiles", key = "phone", on = "Phone Number Called",
                 key_rule = "phone", columns = { profile_id = "Profile ID" } } },
    { map = {
        { "Effort Name", fn = function(r) return prefix .. (r.activity_title or "") end,
          rule = "effort_name" },
        { "Date/Time", from = "created_at", rule = "date",
          args = { tz = tz, input_tz = input_tz, format = "iso" } },
      } },
    { group = {
        by = { "Profile ID", "Effort Name" },
        aggregate = {
          { "Call Result", "last", "Call Result", order_by = "ord" },
          { "Date/Time", "last", "Date/Time", order_by = "ord" },
          { "Phone Number Called", "last", "Phone Number Called", order_by = "ord" },
          { "Caller", "last", "Caller", order_by = "ord" },
        },
      } },
    { map = { { "Service", const = service } } },
  },
  outputs = {
    phone = {
      path = "phone_interactions.csv",
      schema = "organizer/phone_interactions",
      columns = { "Profile ID", "Effort Name", "Date/Time", "Phone Number Called",
                  "Call Result", "Service", "Caller" },
      -- One interaction per pair; with a ledger a pair is delivered once,
      -- and a pair sent before with other values is rejected.
      key = { "Profile ID", "Effort Name" },
      changed = "reject",
    },
  },
}
