-- warehouse_interactions/recipe.lua
--
-- Rally and Impactive touchpoints -> one tidy `interactions` table for
-- analysis, keyed to warehouse_people.
--
-- Input (one per run, chosen by `source`):
--   interactions  (main)  rally/notes, rally/action_item_responses,
--                         impactive/messages, impactive/voice_calls or
--                         impactive/customizations
--
-- Output: interactions.csv, one row per source record, columns:
--   interaction_key  "<source>:<source_id>", unique across sources
--   source           rally_note | rally_response | impactive_message |
--                    impactive_call | impactive_custom_field
--   source_id        rally__note_id, rally__action_response_id, messages.id,
--                    voice_calls.id, customizations.id
--   person_key       the people.person_key of the person reached:
--                    "rally_contact:<rally__campaign_target_id>" or
--                    "impactive_contact:<contact id>"
--   campaign_id      the Rally or Impactive campaign
--   occurred_at      ISO 8601 YYYY-MM-DDTHH:MM:SS in tz
--   kind             note | task | multiple_choice | free_response |
--                    text_out | text_in | canvass_report | invite | call |
--                    custom_field
--   subtype          the source's own type (action_item_type,
--                    message_type, voice_calls.type)
--   activity         action item title, Impactive activity_title, or the
--                    custom field name
--   result           task: true/false; multiple choice: the option text;
--                    message: twilio_status; call: twilio_answered_by;
--                    custom field: its value
--   body             note, free response or message text
--   actor            Impactive sender (outbound) or caller or reporter;
--                    Rally exports do not name the mobilizer
-- Append the sources' files (same header) to build the table.
--
-- Parameters: `crosswalk recipe info warehouse_interactions` lists them,
-- from the params table at the end of this file.
--
-- Policy on the edge cases:
--   * Nothing is aggregated: one row per note, response, message, call
--     or custom-field value.  Message kinds are kept apart so analysts can
--     leave CanvasserMessage (a report, not a text) and InviteMessage out
--     of "texts sent" counts.
--   * Message direction: sender_type user is text_out, contact is text_in;
--     the person is the contact side.
--   * Notes, responses and message bodies keep newlines, quotes, commas and
--     emoji (RFC 4180 quoting).  An empty note is filtered: it records
--     nothing.
--   * task_completed is read as a boolean (true/t/yes/1 in any case) and
--     written true/false; other spellings are rejected by the input
--     schema (E_BOOLEAN).  Rally's boolean spelling is not documented.
--   * Timestamps: Rally ISO 8601 with Z, an offset or fractional seconds;
--     Impactive naive timestamps in input_tz (a time skipped by daylight
--     saving is rejected, E_DATE_GAP); written in tz.  Messages use
--     sent_at, else received_at, else created_at; calls answered_at, else
--     created_at.  A record with no time keeps a blank occurred_at.
--   * A record with no person side (no campaign target, no contact id)
--     keeps a blank person_key rather than being dropped.
--   * IDs stay text; Excel-damaged IDs are rejected by the input schemas
--     (E_EXCEL), and so is a row without its key (E_REQUIRED).
--   * A UTF-8 BOM and CRLF line endings are accepted; the output is UTF-8
--     without BOM, LF.

local text = require("crosswalk.text")
local P = require("crosswalk.params")

local source = P.choice("source", { "rally_notes", "rally_responses", "impactive_messages",
  "impactive_calls", "impactive_custom_fields" })
local tz = params.tz or "UTC"
local input_tz = params.input_tz or "UTC"
local contact_key = params.contact_key or "reportable_id"

local present, first_of = text.present, text.first_of
local function key(prefix, colname)
  return function(r) if present(r[colname]) then return prefix .. r[colname] end end
end

local KINDS = { TASK = "task", QUESTION_MULTIPLE_CHOICE = "multiple_choice",
                QUESTION_FREE_RESPONSE = "free_response" }
local MESSAGE_KINDS = { CanvasserMessage = "canvass_report", InviteMessage = "invite" }

local SOURCES = {
  rally_notes = {
    schema = "rally/notes", tag = "rally_note", naive_tz = "UTC",
    pre = { { filter = { column = "note_content", present = true } } },
    map = {
      { "source_id", from = "rally__note_id" },
      { "person_key", fn = key("rally_contact:", "rally__campaign_target_id") },
      { "campaign_id", from = "rally__campaign_id" },
      { "occurred_at", fn = first_of("note_created_at") },
      { "kind", const = "note" },
      { "body", from = "note_content" },
      { "subtype", const = "" }, { "activity", const = "" }, { "result", const = "" },
      { "actor", const = "" }, -- Rally exports do not name the mobilizer
    },
  },
  rally_responses = {
    schema = "rally/action_item_responses", tag = "rally_response", naive_tz = "UTC",
    pre = { { map = { { "task_done", fn = first_of("task_completed"), rule = "boolean" } } } },
    map = {
      { "source_id", from = "rally__action_response_id" },
      { "person_key", fn = key("rally_contact:", "rally__campaign_target_id") },
      { "campaign_id", from = "rally__campaign_id" },
      { "occurred_at", fn = first_of("response_created_at") },
      { "kind", fn = function(r) return KINDS[r.action_item_type] end },
      { "subtype", from = "action_item_type" },
      { "activity", from = "action_item_title" },
      { "result", fn = function(r)
          if r.action_item_type == "TASK" then return r.task_done end
          return first_of("response_multiple_choice_option_text")(r)
        end },
      { "body", fn = first_of("response_text") },
      { "actor", const = "" }, -- Rally exports do not name the mobilizer
    },
  },
  impactive_messages = {
    schema = "impactive/messages", tag = "impactive_message", naive_tz = input_tz,
    map = {
      { "source_id", from = "id" },
      { "person_key", fn = function(r)
          local id = r.sender_type == "contact" and r.sender_id
            or r.receiver_type == "contact" and r.receiver_id or nil
          if present(id) then return "impactive_contact:" .. id end
        end },
      { "campaign_id", from = "campaign_id" },
      { "occurred_at", fn = first_of("sent_at", "received_at", "created_at") },
      { "kind", fn = function(r)
          return MESSAGE_KINDS[r.message_type]
            or (r.sender_type == "contact" and "text_in" or "text_out")
        end },
      { "subtype", from = "message_type" },
      { "activity", from = "activity_title" },
      { "result", from = "twilio_status" },
      { "body", from = "body" },
      { "actor", fn = function(r) if r.sender_type == "user" then return r.sender_name end end },
    },
  },
  impactive_calls = {
    schema = "impactive/voice_calls", tag = "impactive_call", naive_tz = input_tz,
    map = {
      { "source_id", from = "id" },
      { "person_key", fn = key("impactive_contact:", "contact_id") },
      { "campaign_id", from = "campaign_id" },
      { "occurred_at", fn = first_of("answered_at", "created_at") },
      { "kind", const = "call" },
      { "subtype", from = "type" },
      { "activity", from = "activity_title" },
      { "result", from = "twilio_answered_by" },
      { "body", const = "" },
      { "actor", fn = function(r)
          return text.nonblank(text.trim((r.user_first_name or "") .. " "
            .. (r.user_last_name or "")))
        end },
    },
  },
  impactive_custom_fields = {
    schema = "impactive/customizations", tag = "impactive_custom_field", naive_tz = input_tz,
    map = {
      { "source_id", from = "id" },
      { "person_key", fn = key("impactive_contact:", contact_key) },
      { "campaign_id", from = "campaign_id" },
      { "occurred_at", fn = first_of("created_at") },
      { "kind", const = "custom_field" },
      { "activity", from = "custom_field_name" },
      { "result", from = "value" },
      { "subtype", const = "" }, { "body", const = "" },
      { "actor", fn = first_of("reported_by_fullname") },
    },
  },
}
local S = SOURCES[source]

local steps = {}
for _, s in ipairs(S.pre or {}) do steps[#steps + 1] = s end
steps[#steps + 1] = { map = S.map }
steps[#steps + 1] = { map = {
  { "source", const = S.tag },
  { "interaction_key", fn = function(r) return S.tag .. ":" .. r.source_id end },
  { "occurred_at", from = "occurred_at", rule = "date",
    args = { tz = tz, input_tz = S.naive_tz, format = "iso_full" } },
} }
return {
  name = "warehouse_interactions",
  description = "Rally and Impactive touchpoints to one tidy interactions table",
  params = {
    source = "rally_notes (default), rally_responses, impactive_messages, impactive_calls"
      .. " or impactive_custom_fields: the export the main input is",
    tz = "zone occurred_at is written in (default UTC)",
    input_tz = "zone of Impactive's naive timestamps (default UTC; the zone is not "
      .. "documented)",
    contact_key = "impactive_custom_fields: the column holding the contact id (default "
      .. "reportable_id; not documented)",
  },
  inputs = {
    interactions = { schema = S.schema },
  },
  steps = steps,
  outputs = {
    interactions = {
      path = "interactions.csv",
      columns = { "interaction_key", "source", "source_id", "person_key", "campaign_id",
                  "occurred_at", "kind", "subtype", "activity", "result", "body", "actor" },
    },
  },
}
