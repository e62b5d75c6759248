return { steps = { {}, {}, { map = { [true] = "x" } } } }
