-- rally_to_organizer_profiles/recipe.lua
--
-- Rally contacts (or mobilizers) -> Organizer profile import with custom
-- attributes carrying the relational touchpoints (Organizer's outreach
-- imports take only texts and calls, and touchpoints are neither).
--
-- Inputs:
--   rally      (main)  rally/contacts (default) or rally/mobilizers, per
--                      the `source` parameter: one row per person
--   responses          rally/action_item_responses; only when tasks,
--                      choices or answers is set (contacts only)
--   notes              rally/notes; only when notes = true (contacts only)
--
-- Output: profiles.csv, one row per person: First Name, Last Name, City,
-- State (mobilizers also Email, Phone, Zip Code), External ID, then the
-- custom attributes:
--   <prefix>Matched        Tag: match_status is CONFIRMED
--   <prefix>Key Question   Single-Select: key_question_response_text
--                          (contacts only)
--   <prefix>Last Activity  Datetime: last_activity_at as a local date
--   one Tag per `tasks` item, one Single-Select per `choices` item, one
--   Text per `answers` item, and <prefix>Note (Text) with notes = true.
-- The file is split into parts under 500 MB.  It has no output schema:
-- custom attribute columns are not in organizer/profiles, so the recipe
-- enforces Organizer's value rules itself; see docs/recipes.md.
--
-- Parameters: `crosswalk recipe info rally_to_organizer_profiles` lists
-- them, from the params table at the end of this file.
--
-- Policy on the edge cases:
--   * Organizer value rules: Tag values are tag_values; Datetime is
--     YYYY-MM-DD (rule date, format "date") in tz, so
--     2024-10-01T01:00:00Z is 2024-09-30 in New York; Text is at most 200
--     characters and Single-Select at most 50, without surrounding spaces
--     (rule max_length): a longer value rejects the person (E_MAXLEN).
--     Nothing is truncated: the engine has no truncating rule that logs
--     what it cut, and a silent cut loses data.
--   * Single-Select options are case-sensitive in Organizer.  With
--     kq_values or choice_values, a value matching an option but for case
--     is written in the option's spelling ("early in person" -> "Early in
--     person"); one matching no option is rejected (E_ENUM).  Without a
--     list, values are written as Rally has them.
--   * Rally timestamps with Z, an offset or fractional seconds are all
--     read; the format of current exports is not documented.  A blank one
--     leaves the attribute blank.
--   * Names: voter-file names (upper case, as the voter file has them)
--     when CONFIRMED and present, else the mobilizer's; a blank First or
--     Last Name is rejected (E_REQUIRED).  Quotes, accents and emoji are
--     kept (RFC 4180 quoting).
--   * External ID: canonical_voter_id is blank or unreliable unless
--     CONFIRMED, so it is left blank then; whether it has a separator is
--     not documented, so it is never rebuilt from state + state_file_id.
--     IDs stay text, leading zeros kept.
--   * Organizer asks for contact information on every row; Rally
--     contacts carry none, so their rows rely on name, city, state and
--     External ID for matching, and may not match.  Blank cells are
--     left blank, never filled with made-up values.
--   * Mobilizers: Phone in E.164 (bad phones rejected by the input schema,
--     E_PHONE); Zip Code kept as text, a 4-digit zip in a state whose
--     zips start with 0 (New England, NJ, PR, VI) gets its leading zero
--     back (Excel damage, "2134" -> "02134"), any other zip that is not 5
--     digits (or ZIP+4) is rejected (E_RECIPE).
--   * Notes and free responses keep newlines, quotes and commas (RFC 4180
--     quoting).  An empty note or response is skipped, not a value.
--   * A person with no response to an item gets False for a Tag and a
--     blank Single-Select or Text.  Several different responses to one
--     item, or several notes, are rejected (E_LOOKUP_AMBIGUOUS) unless
--     multiple = first (the first in file order): the engine's lookup
--     cannot pick the latest.
--   * Attribute names that collide with each other or with a standard
--     column, ignoring case, stop the recipe before anything is read
--     (Organizer refuses such headers).
--   * A UTF-8 BOM and CRLF line endings are accepted; the output is UTF-8
--     without BOM, LF.

local text = require("crosswalk.text")
local zip = require("crosswalk.zip")
local P = require("crosswalk.params")

local source = P.choice("source", { "contacts", "mobilizers" })
local tz = params.tz or "America/New_York"
local names = P.choice("names", { "voterfile", "mobilizer" })
local preferred = P.flag("preferred_name")
local external_id = params.external_id or "canonical_voter_id"
local prefix = params.prefix or "Rally "
local multiple = P.choice("multiple", { "reject", "first" })
local present = text.present

local tag_true, tag_false = (params.tag_values or "True/False"):match("^([^/]+)/([^/]+)$")
if tag_true == nil then
  error("tag_values must look like True/False")
end
local kq_values = P.list("kq_values", "Definitely Not;Probably Not;Maybe;Probably;Definitely")
local choice_values = P.list("choice_values")

-- Items: { title = ..., column = ... }
local function items(name)
  local out = {}
  for _, s in ipairs(P.list(name)) do
    local title, col = s:match("^(.-)=(.*)$")
    if title == nil then title, col = s, prefix .. s end
    out[#out + 1] = { title = text.trim(title), column = text.trim(col) }
  end
  return out
end
local tasks, choices, answers = items("tasks"), items("choices"), items("answers")
local want_responses = #tasks + #choices + #answers > 0
local want_notes = P.flag("notes")
if source == "mobilizers" and (want_responses or want_notes) then
  error("tasks, choices, answers and notes are about contacts: use source=contacts")
end

local confirmed = function(r) return r.match_status == "CONFIRMED" end
local function pick(vf, mob)
  return function(r)
    if names == "voterfile" and confirmed(r) and present(r[vf]) then return r[vf] end
    return r[mob]
  end
end

local columns = { "First Name", "Last Name" }
local is_mob = source == "mobilizers"
if is_mob then
  columns[#columns + 1] = "Email"
  columns[#columns + 1] = "Phone"
end
columns[#columns + 1] = "City"
columns[#columns + 1] = "State"
if is_mob then columns[#columns + 1] = "Zip Code" end
if external_id ~= "none" then columns[#columns + 1] = "External ID" end
local A_MATCHED = prefix .. "Matched"
local A_KQ = prefix .. "Key Question"
local A_LAST = prefix .. "Last Activity"
columns[#columns + 1] = A_MATCHED
if not is_mob then columns[#columns + 1] = A_KQ end
columns[#columns + 1] = A_LAST

local first_name = is_mob and function(r)
  local p = r.mobilizer_provided_preferred_name
  if preferred and present(p) then return p end
  return pick("voterfile_provided_first_name", "mobilizer_provided_first_name")(r)
end or pick("voterfile_provided_first_name", "mobilizer_provided_first_name")

local steps = {
  { map = {
      { "First Name", fn = first_name, rule = "collapse_spaces" },
      { "Last Name", fn = pick("voterfile_provided_last_name", "mobilizer_provided_last_name"),
        rule = "collapse_spaces" },
      { "City", fn = pick("voterfile_provided_city", "mobilizer_provided_city"), rule = "trim" },
      { "State", fn = pick("voterfile_provided_state", "mobilizer_provided_state"),
        rule = "upper" },
      { A_MATCHED, fn = function(r) return confirmed(r) and tag_true or tag_false end },
      { A_LAST, fn = text.first_of("last_activity_at"), rule = "date",
        args = { tz = tz, input_tz = "UTC", format = "date" } },
    } },
  { validate = { column = "First Name", rule = "nonblank" } },
  { validate = { column = "Last Name", rule = "nonblank" } },
}
local function add(s) steps[#steps + 1] = s end

if external_id ~= "none" then
  local voter_ids = { canonical_voter_id = true, state_file_id = true }
  add({ map = { { "External ID", fn = function(r)
      if voter_ids[external_id] and not confirmed(r) then return nil end
      return r[external_id]
    end } } })
end
if is_mob then
  add({ map = {
    { "Email", from = "mobilizer_email", rule = "trim" },
    { "Phone", fn = text.first_of("mobilizer_phone"), rule = "phone" },
    { "zip_raw", fn = pick("voterfile_provided_zip", "mobilizer_provided_zip") },
  } })
  -- Zips that lost their leading zeros in a spreadsheet (crosswalk.zip).
  add({ fn = zip.fixer({ from = "zip_raw", to = "Zip Code", state = "State" }),
        sets = { "Zip Code" } })
else
  add({ map = { { A_KQ, fn = text.first_of("key_question_response_text"), rule = "trim" } } })
  add({ validate = { column = A_KQ, rule = "max_length", args = { n = 50 } } })
  if #kq_values > 0 then
    add({ map = { { A_KQ, from = A_KQ, rule = "enum",
                    args = { values = kq_values, ignore_case = true } } } })
  end
end

local key = "rally__campaign_target_id"
for i, t in ipairs(tasks) do
  local tmp = "_task" .. i
  add({ lookup = { input = "responses", key = key, on = key, exists = tmp,
                   where = { { column = "action_item_title", equals = t.title },
                             { column = "action_item_type", equals = "TASK" },
                             { column = "task_completed", boolean = true } } } })
  add({ map = { { t.column, fn = function(r)
      return r[tmp] == "true" and tag_true or tag_false
    end } } })
  columns[#columns + 1] = t.column
end
for i, c in ipairs(choices) do
  local tmp = "_choice" .. i
  add({ lookup = { input = "responses", key = key, on = key, missing = "null", multiple = multiple,
                   where = { { column = "action_item_title", equals = c.title },
                             { column = "action_item_type", equals = "QUESTION_MULTIPLE_CHOICE" },
                             { column = "response_multiple_choice_option_text", present = true } },
                   columns = { response_multiple_choice_option_text = tmp } } })
  add({ map = { { c.column, from = tmp, rule = "trim" } } })
  add({ validate = { column = c.column, rule = "max_length", args = { n = 50 } } })
  if #choice_values > 0 then
    add({ map = { { c.column, from = c.column, rule = "enum",
                    args = { values = choice_values, ignore_case = true } } } })
  end
  columns[#columns + 1] = c.column
end
for i, a in ipairs(answers) do
  local tmp = "_answer" .. i
  add({ lookup = { input = "responses", key = key, on = key, missing = "null", multiple = multiple,
                   where = { { column = "action_item_title", equals = a.title },
                             { column = "action_item_type", equals = "QUESTION_FREE_RESPONSE" },
                             { column = "response_text", present = true } },
                   columns = { response_text = tmp } } })
  add({ map = { { a.column, from = tmp } } })
  add({ validate = { column = a.column, rule = "max_length", args = { n = 200 } } })
  columns[#columns + 1] = a.column
end
if want_notes then
  local col = prefix .. "Note"
  add({ lookup = { input = "notes", key = key, on = key, missing = "null", multiple = multiple,
                   where = { column = "note_content", present = true },
                   columns = { note_content = col } } })
  add({ validate = { column = col, rule = "max_length", args = { n = 200 } } })
  columns[#columns + 1] = col
end

-- Organizer refuses headers that repeat, ignoring case.
local seen = {}
for _, c in ipairs(columns) do
  local k = c:lower()
  if seen[k] then
    error("output columns '" .. seen[k] .. "' and '" .. c .. "' are the same ignoring case;"
      .. " Organizer refuses such a file (rename with 'Title=Attribute name' or prefix)")
  end
  seen[k] = c
end

local inputs = { rally = { schema = "rally/" .. source, main = true } }
if want_responses then inputs.responses = { schema = "rally/action_item_responses" } end
if want_notes then inputs.notes = { schema = "rally/notes" } end

return {
  name = "rally_to_organizer_profiles",
  description = "Rally contacts or mobilizers to Organizer profiles with custom attributes",
  params = {
    source = "contacts (default) or mobilizers: which Rally export is the main input",
    tz = "organization's IANA time zone for Datetime attributes (default America/New_York)",
    names = "voterfile (default): the voter-file name, city and state when match_status is "
      .. "CONFIRMED, else what the mobilizer entered; mobilizer: always what was entered",
    preferred_name = "true: mobilizers' preferred name as First Name when they gave one "
      .. "(default false)",
    external_id = "column sent as External ID (default canonical_voter_id); "
      .. "canonical_voter_id and state_file_id are sent only when CONFIRMED; none leaves "
      .. "the column out",
    prefix = "text before each attribute name (default 'Rally ')",
    tag_values = "spelling of Tag values, True/False (default, as Organizer's Custom "
      .. "Attributes article writes them); whether Organizer ignores case is not documented",
    kq_values = "the Key Question labels, ';'-separated (default the campaign-ladder "
      .. "defaults Definitely Not;Probably Not;Maybe;Probably;Definitely); a value matching "
      .. "one but for case takes its spelling, others are rejected (E_ENUM); empty accepts "
      .. "any",
    tasks = "TASK action item titles, ';'-separated, each optionally 'Title=Attribute "
      .. "name': one Tag attribute each, True when a response has task_completed true",
    choices = "multiple-choice action item titles (as tasks): one Single-Select attribute "
      .. "each, the option text",
    answers = "free-response action item titles (as tasks): one Text attribute each, the "
      .. "response text",
    choice_values = "the Single-Select options for choices, ';'-separated (default: any "
      .. "value)",
    notes = "true: the contact's note as <prefix>Note, a Text attribute (default false)",
    multiple = "reject (default) or first: a contact with several different responses to "
      .. "one item, or several notes, is rejected, or takes the first in file order",
  },
  inputs = inputs,
  steps = steps,
  outputs = {
    profiles = {
      path = "profiles.csv",
      columns = columns,
      split = { max_bytes = 450000000 },
    },
  },
}
