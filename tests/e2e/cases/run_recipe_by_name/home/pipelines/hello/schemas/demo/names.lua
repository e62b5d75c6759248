-- demo/names: brought by the hello recipe folder.
return { name = "demo/names", columns = { { name = "name", required = true } } }
