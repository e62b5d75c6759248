-- clash.lua: an output path that names the parent directory.
return {
  params = { path = {} },
  inputs = { people = {} },
  outputs = { out = { path = params.path or "..", columns = { "id" } } },
}
