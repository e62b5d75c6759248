-- nocases.lua: a fixture of 'crosswalk test': a recipe without cases,
-- which 'crosswalk test DIR' reports and does not count as a case.
return {
  inputs = { people = {} },
  outputs = { people = { path = "people.csv", columns = { "name" } } },
}
