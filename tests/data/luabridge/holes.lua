return { list = { 1, 2, [5] = 5 } }
