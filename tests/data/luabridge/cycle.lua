local t = {}
t.self = t
return { a = t }
