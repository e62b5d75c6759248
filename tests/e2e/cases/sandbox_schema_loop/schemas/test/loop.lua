-- test/loop: a schema file that never returns.
while true do end
