-- demo/people: the greeter recipe's own input format.
return {
  name = "demo/people",
  title = "People to greet",
  columns = {
    { name = "id", type = "id", required = true },
    { name = "name", type = "text", required = true, nonblank = true,
      aliases = { "Name", "first_name" } },
  },
}
