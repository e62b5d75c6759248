return { r = coroutine.running() }
