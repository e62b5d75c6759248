-- tagger: a folder recipe for 'crosswalk recipe info'; its parameters are
-- documented once, in params.
local mode = params.mode or "file"

local outputs = { tags = { path = "tags.csv", columns = { "id", "tag" } } }
if mode == "db" then
  outputs.tagged = { table = "tagged", columns = { "id", "tag" } }
end

return {
  name = "tagger",
  description = "Tags each row of any CSV file with a label chosen by a "
    .. "parameter, to show how recipe info wraps a long description",
  params = {
    label = "the tag written in every row (default 'seen'); any text, "
      .. "spaces included, kept as given without trimming or case changes",
    mode = "file (default) or db: db adds an output table 'tagged'",
    a_very_long_parameter_name = "shows the description on its own line",
    undocumented = true,
  },
  inputs = {
    rows = { main = true },
    extra = { schema = "organizer/profiles" },
  },
  steps = {
    { map = { { "tag", const = params.label or "seen" } } },
  },
  outputs = outputs,
}
