-- evil.lua: tries to run a command while the recipe loads.
os.execute("touch pwned")
return {
  inputs = { people = {} },
  steps = {},
  outputs = { out = { path = "people.csv", columns = { "id", "name" } } },
}
