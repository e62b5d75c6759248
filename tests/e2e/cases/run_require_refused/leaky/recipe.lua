-- leaky: requires a module whose file is a symbolic link leading out of
-- the folder's lua/; require refuses it before reading it.
local escape = require("escape")
return {
  inputs = { people = {} },
  steps = { { fn = function(r) r.secret = escape.secret end } },
  outputs = { out = { path = "out.csv", columns = { "secret" } } },
}
