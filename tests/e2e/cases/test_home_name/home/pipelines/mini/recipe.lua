-- A recipe in a home's pipelines/: 'crosswalk test mini' finds it there
-- when no file or folder named mini is in the current directory.
return {
  name = "mini",
  inputs = { people = { main = true } },
  steps = {
    { fn = function(r) r.name = string.upper(r.name) end },
  },
  outputs = { out = { path = "out.csv", columns = { "id", "name" } } },
}
