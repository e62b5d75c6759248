-- impactive_to_organizer_text/recipe.lua
--
-- Impactive texting results -> Organizer text-interaction import files
-- (the way back of an Organizer community texted in Impactive).
--
-- Inputs (CSV dumps of the Impactive export tables, plus our side table):
--   messages  (main)  impactive/messages: one row per message or event
--   contacts          impactive/contacts: gives each contact's phone
--   taggings          impactive/taggings: opt-out tags
--   profiles          phone,profile_id: the phone -> Organizer Profile ID
--                     map written when the contact list was made
--
-- Output: text_interactions.csv (organizer/text_interactions), one row per
-- (Profile ID, Effort Name), split into parts of at most 5 Effort Names
-- and under 500 MB each (text_interactions-001.csv, ...).
--
-- Parameters: `crosswalk recipe info impactive_to_organizer_text` lists
-- them, from the params table below.
--
-- Policy on the edge cases:
--   * Only TwilioMessage and (by default) BroadcastMessage rows count;
--     CanvasserMessage and InviteMessage are filtered, not texts.
--   * A message whose contact has no Profile ID in the map is rejected
--     (E_LOOKUP_MISSING); a phone shared by several profiles is rejected
--     (E_LOOKUP_AMBIGUOUS).  Organizer creates nothing for unknown IDs, so
--     nothing is guessed.  Phones in the map are compared as E.164.
--   * Date/Time: the earliest outbound message of the pair, converted from
--     input_tz to tz (DST-correct), written YYYY-MM-DD HH:MM.  A pair with
--     no outbound message has no date and is rejected (E_REQUIRED).
--   * Replied: an inbound message at or after the first outbound one.  A
--     reply that is only "STOP" counts as a reply; Opted Out carries it.
--   * Opted Out: the contact carries one of the built-in opt-out tags
--     (Opt Out (P2P), Opt Out (Broadcast), Opt Out) with value true, at
--     any time; custom tags such as "Do Not Text" do not opt anyone out.
--   * Bounced: no outbound message was delivered or sent, and at least one
--     failed, was undelivered or carries an error code.
--   * Message and Sender: the earliest outbound "initial" message (or the
--     earliest outbound one when none is marked initial).  Newlines are
--     kept, quoted per RFC 4180.
--   * Clicked is left out: Impactive has no per-contact click data.
--   * Effort names that differ only in case or spacing draw a warning.

local tz = params.tz or "America/New_York"
local input_tz = params.input_tz or "UTC"
local prefix = params.effort_prefix or ""
local service = params.service or "Impactive"
local types = { "TwilioMessage", "BroadcastMessage" }
if not require("crosswalk.params").flag("broadcasts", true) then
  types = { "TwilioMessage" }
end

local OPT_OUT_TAGS = { "Opt Out (P2P)", "Opt Out (Broadcast)", "Opt Out" }

return {
  name = "impactive_to_organizer_text",
  description = "Impactive messages to Organizer text interactions",
  params = {
    tz = "organization's IANA time zone (default America/New_York)",
    input_tz = "zone of Impactive's naive timestamps (default UTC; the zone is not "
      .. "documented)",
    effort_prefix = "text put before every Effort Name (default none)",
    service = "value of the Service column (default Impactive)",
    broadcasts = "true (default): BroadcastMessage rows count as texts too; false: "
      .. "TwilioMessage rows only",
  },
  inputs = {
    -- With a ledger (crosswalk run --ledger), a run reads only the
    -- messages created after those of the last confirmed run.
    messages = { schema = "impactive/messages", main = true, since = "created_at" },
    contacts = { schema = "impactive/contacts" },
    taggings = { schema = "impactive/taggings" },
    profiles = {},
  },
  steps = {
    { filter = { column = "message_type", one_of = types } },
    -- Which side is the contact, and what kind of message this is.
    { fn = function(r)
        local out = r.sender_type == "user"
        r.contact_id = out and r.receiver_id or r.sender_id
        r.is_out = out and "true" or "false"
        r.is_in = r.sender_type == "contact" and "true" or "false"
        r.is_initial = (out and r.script_type == "initial") and "true" or "false"
        local at = out and r.sent_at or r.received_at
        if at == nil or at == "" then at = r.created_at end
        r.at = at
        local st = r.twilio_status or ""
        r.delivered = (out and (st == "delivered" or st == "sent")) and "true" or "false"
        r.failed = (out and (st == "failed" or st == "undelivered"
          or (r.error_code or "") ~= "")) and "true" or "false"
      end, sets = { "contact_id", "is_out", "is_in", "is_initial", "at", "delivered", "failed" } },
    { lookup = { input = "contacts", key = "id", on = "contact_id",
                 columns = { phone = "contact_phone" } } },
    { lookup = { input = "profiles", key = "phone", on = "contact_phone",
                 key_rule = "phone", columns = { profile_id = "Profile ID" } } },
    { lookup = { input = "taggings", key = "taggable_id", on = "contact_id",
                 where = { { column = "tag_name", one_of = OPT_OUT_TAGS },
                           { column = "value", boolean = true } },
                 exists = "opted_out" } },
    { map = { { "Effort Name", fn = function(r) return prefix .. (r.activity_title or "") end,
                rule = "effort_name" } } },
    { group = {
        by = { "Profile ID", "Effort Name" },
        aggregate = {
          { "first_out_at", "min", "at", where = "is_out" },
          { "last_in_at", "max", "at", where = "is_in" },
          { "initial_body", "first", "body", where = "is_initial", order_by = "at" },
          { "initial_sender", "first", "sender_name", where = "is_initial", order_by = "at" },
          { "out_body", "first", "body", where = "is_out", order_by = "at" },
          { "out_sender", "first", "sender_name", where = "is_out", order_by = "at" },
          { "Opted Out", "any", "opted_out" },
          { "any_delivered", "any", "delivered" },
          { "any_failed", "any", "failed" },
        },
      } },
    { fn = function(r)
        local first, reply = r.first_out_at, r.last_in_at
        r.Replied = (first ~= nil and reply ~= nil and reply >= first) and "true" or "false"
        r.Bounced = (r.any_delivered == "false" and r.any_failed == "true") and "true" or "false"
        r.Message = r.initial_body or r.out_body
        r.Sender = r.initial_sender or r.out_sender
      end, sets = { "Replied", "Bounced", "Message", "Sender" } },
    { map = {
        { "Date/Time", from = "first_out_at", rule = "date",
          args = { tz = tz, input_tz = input_tz, format = "iso" } },
        { "Service", const = service },
      } },
  },
  outputs = {
    text = {
      path = "text_interactions.csv",
      schema = "organizer/text_interactions",
      columns = { "Profile ID", "Effort Name", "Date/Time", "Service", "Replied",
                  "Opted Out", "Bounced", "Message", "Sender" },
      -- One interaction per pair; with a ledger a pair is delivered once,
      -- and a pair sent before with other values is rejected.
      key = { "Profile ID", "Effort Name" },
      changed = "reject",
    },
  },
}
