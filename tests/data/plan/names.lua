-- names.lua -- step lists whose column names cw__plan_resolve() checks
-- (test_plan.c); each key holds the 'steps' of one recipe.
return {
  -- Every name resolves: the input's, a map's targets, an fn's 'sets', a
  -- lookup's columns and 'exists', a group's keys and aggregates.
  ok = {
    { filter = { column = "message_type", equals = "T" } },
    { map = { { "at", from = "sent_at" } } },
    { validate = { column = "at", rule = "nonblank" } },
    { fn = function(r) r.who = r.receiver_id end, sets = { "who" } },
    { filter = { column = "who", present = true } },
    { lookup = { input = "contacts", key = "id", on = "who",
                 columns = { phone = "phone" }, exists = "known" } },
    { group = { by = { "who" },
                aggregate = { { "n", "count" }, { "first_at", "min", "at", where = "known" },
                              { "phone", "first", "phone", order_by = "at" } } } },
    { validate = { column = "phone", rule = "nonblank" } },
  },
  -- A misspelt filter column.
  typo = { { filter = { column = "mesage_type", equals = "T" } } },
  -- A map computes every value before storing any: its own targets are
  -- not there yet for its sources.
  ownmap = { { map = { { "a2", from = "id" }, { "b2", from = "a2" } } } },
  -- After a group only its keys and aggregates have values.
  aftergroup = {
    { group = { by = { "id" }, aggregate = { { "n", "count" } } } },
    { validate = { column = "body", rule = "nonblank" } },
  },
  -- After an fn step without 'sets' names cannot be checked: they are
  -- watched while the run goes.
  unset = {
    { fn = function(r) r.kind = r.message_type; r.note = r.nottes end },
    { filter = { column = "kinnd", present = true } },
    { filter = { column = "kind", present = true } },
  },
  -- An fn step with 'sets' makes later names checkable again.
  sets = {
    { fn = function(r) r.kind = r.message_type end, sets = { "kind" } },
    { filter = { column = "knd", present = true } },
  },
  -- A column beyond the schema, and one close to one of its columns.
  beyond = { { validate = { column = "Cell Phone", rule = "nonblank" } } },
  close = { { validate = { column = "Phone Numbr", rule = "nonblank" } } },
  -- A name the input's schema knows by another spelling.
  alias = { { validate = { column = "profile_id", rule = "nonblank" } } },
}
