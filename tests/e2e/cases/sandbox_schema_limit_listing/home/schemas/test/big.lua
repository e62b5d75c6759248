local s = string.rep("x", 1<<25) return { name = "test/big", title = "t", columns = {{name="a"}} }
