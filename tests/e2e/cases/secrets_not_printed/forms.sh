# forms.sh: every form of a database target that holds the password
# s3cr3tpw, given to run --db, run --input, load --into, load's input and
# convert's output.  For each: the exit code and whether the password
# shows on stderr or in the summary JSON; stderr itself when its text
# does not come from libpq (a failed connection is only named).  No
# server: the sockets do not exist.
S=/nonexistent-cw-socket
SOCK=%2Fnonexistent-cw-socket
forms=(
    "host=$S password=s3cr3tpw"
    "host=$S password='s3cr3tpw and more'"
    "postgresql://u:s3cr3tpw@$SOCK/db"
    "postgres://u:s3cr3tpw@$SOCK/db"
    "postgresql://u@$SOCK/db?password=s3cr3tpw"
    "postgres:host=$S password=s3cr3tpw"
    "postgres:host=$S password='s3cr3tpw and more'"
    "postgres:postgresql://u:s3cr3tpw@$SOCK/db"
    "mysql://u:s3cr3tpw@h/db"
)

# check LABEL: report the last command ($rc, $OUT/err, $OUT/s.json).
check() {
    local shown=no
    if grep -q s3cr3tpw "$OUT/err" || { [ -f "$OUT/s.json" ] && grep -q s3cr3tpw "$OUT/s.json"; }; then
        shown=YES
    fi
    echo "$1: exit $rc, password shown: $shown"
    if grep -q 'cannot connect' "$OUT/err"; then
        echo "    (cannot connect: taken as a PostgreSQL database)"
    else
        sed 's/^/    /' "$OUT/err"
    fi
    rm -f "$OUT/err" "$OUT/s.json"
}

for f in "${forms[@]}"; do
    echo "== $f"
    rc=0; "$CROSSWALK" run to_table.lua --input rows.csv --out-dir "$OUT/o" --db "$f" --summary-json "$OUT/s.json" 2>"$OUT/err" || rc=$?
    check "run --db"
    rc=0; "$CROSSWALK" run to_table.lua --input "rows=$f#people" --out-dir "$OUT/o" --summary-json "$OUT/s.json" 2>"$OUT/err" || rc=$?
    check "run --input"
    rc=0; "$CROSSWALK" load rows.csv --into "$f#people" --rejects "$OUT/r.csv" 2>"$OUT/err" || rc=$?
    check "load --into"
    rc=0; "$CROSSWALK" load "$f#people" --into "sqlite:$OUT/x.db" --rejects "$OUT/r.csv" 2>"$OUT/err" || rc=$?
    check "load FILE"
    rc=0; "$CROSSWALK" convert rows.csv "$f#people" 2>"$OUT/err" || rc=$?
    check "convert OUT"
done
rm -rf "$OUT/o" "$OUT/x.db"
