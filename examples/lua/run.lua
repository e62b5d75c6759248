-- examples/lua/run.lua: the demo's run, from Lua.  Runs the shipped
-- recipe pipelines/impactive_to_organizer_text on the bundled
-- Impactive sample export with the crosswalk module, prints the summary,
-- then checks the output against Organizer's import rules.
--
--   lua5.4 examples/lua/run.lua [OUT_DIR]     (default out/lua-example)
--
-- The module must be on package.cpath: installed (lib/.../lua/5.4/), or
-- from a build with LUA_CPATH='BUILD/lua/?.so;;'.  Schemas and Lua
-- libraries are read from $CROSSWALK_HOME, else from the source tree
-- this script is in.
local crosswalk = require("crosswalk")

local root = (arg[0]:match("^(.*)/") or ".") .. "/../.."
local samples = root .. "/pipelines/samples/impactive/"
local home = os.getenv("CROSSWALK_HOME") or root

local summary, msg, status = crosswalk.run {
  recipe = root .. "/pipelines/impactive_to_organizer_text",
  inputs = {
    samples .. "messages.csv", -- the main input, streamed
    contacts = samples .. "contacts.csv",
    taggings = samples .. "taggings.csv",
    profiles = samples .. "profiles.csv",
  },
  params = { tz = "America/New_York" },
  out_dir = arg[1] or "out/lua-example",
  home = home,
}
if not summary then
  io.stderr:write("run.lua: ", msg, " (", status, ")\n")
  os.exit(1)
end

print(("read %d = written %d + rejected %d + filtered %d + merged %d"):format(
  summary.read, summary.written, summary.rejected, summary.filtered,
  summary.merged))
-- "1 row", "2 rows"
local function count(n, one, many)
  return ("%d %s"):format(n, n == 1 and one or many)
end

for _, out in ipairs(summary.outputs) do
  print(("wrote %s (%s)"):format(out.path, count(out.rows, "row", "rows")))
end
if summary.rejects then
  print(("wrote %s to %s"):format(
    count(summary.rejected, "rejected record", "rejected records"),
    summary.rejects))
end

-- Each output against the schema it is imported with.
for _, out in ipairs(summary.outputs) do
  local ok, problems = crosswalk.validate("organizer/text_interactions",
    out.path, home)
  if ok == nil then
    io.stderr:write("run.lua: ", problems, "\n")
    os.exit(1)
  end
  print(("%s: %s (%s)"):format(out.path, ok and "valid" or "invalid",
    count(#problems, "problem", "problems")))
  for _, p in ipairs(problems) do
    print(("  %s:%d:%d: %s: %s"):format(p.file, p.line, p.col, p.code,
      p.message))
  end
end
