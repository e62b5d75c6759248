-- demo/broken: no columns, so it does not load; inspect skips it.
return { name = "demo/broken", title = "Broken" }
