-- demo/calls: a small schema for the inspect tests.
return {
  name = "demo/calls",
  title = "Demo calls",
  columns = {
    { name = "id", type = "id", required = true },
    { name = "when", type = "datetime", required = true },
    { name = "result", type = "enum", values = { "answered", "busy" } },
  },
}
