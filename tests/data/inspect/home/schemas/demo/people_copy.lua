-- demo/people_copy: a small schema for the inspect tests (OOM sweep, ties).
return {
  name = "demo/people_copy",
  title = "Demo people, again",
  key = { "id" },
  columns = {
    { name = "id", type = "id", required = true, doc = "the person" },
    { name = "name", type = "text", aliases = { "full_name" } },
    { name = "email", type = "email", aliases = { "Email Address" } },
  },
}
