return { [1.5] = "x" }
