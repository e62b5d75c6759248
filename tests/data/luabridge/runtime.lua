local t = nil
return { x = t.field }
