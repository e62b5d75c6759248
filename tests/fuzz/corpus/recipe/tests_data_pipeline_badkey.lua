-- badkey.lua -- 'output' misspelt for 'outputs' (test_pipeline.c).
return {
  inputs = { messages = {} },
  output = { text = { path = "out.csv", columns = { "id" } } },
}
