-- hello: a recipe folder in a home's pipelines/, run by its name.
return {
  name = "hello",
  description = "Says hello to each person",
  inputs = { people = { schema = "demo/names" } },
  steps = { { map = { { "greeting", fn = function(r) return "hello " .. r.name end } } } },
  outputs = { out = { path = "hello.csv", columns = { "greeting" } } },
}
