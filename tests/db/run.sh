#!/usr/bin/env bash
# tests/db/run.sh: database tests of crosswalk against a real PostgreSQL
# server.  Every case prints PASS or FAIL with the reason; the exit status
# is 1 when any case failed (0 otherwise).  Nothing is ever skipped: when
# no server can be had, that is a failure.
#
# usage: tests/db/run.sh [CASE...]     (default: every case; names below)
#        tests/db/run.sh --list       print the case names, one a line
#
# Environment:
#   CW_PG_CONNINFO  a key=value connection string for a server to use
#                   (e.g. the last line of 'scripts/pg.sh start DIR').  The
#                   tests make their own database on it (cw_dbtest_PID) and
#                   drop it at the end.  When unset, a throwaway server is
#                   started with scripts/pg.sh in a temp directory and
#                   stopped on exit (ctest -L db: one per case).
#   CROSSWALK       the binary (default: build/crosswalk of this tree).
#   PG_BINDIR       the PostgreSQL binaries (default: the newest
#                   /usr/lib/postgresql/N/bin, as scripts/pg.sh finds it).
# The kill-the-server case (kill_mid_copy) always starts a server of its
# own with scripts/pg.sh, so it never stops a shared one.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
CROSSWALK=${CROSSWALK:-$SRC/build/crosswalk}
case $CROSSWALK in
/*) ;;
*) CROSSWALK=$(pwd)/$CROSSWALK ;;
esac
export CROSSWALK_HOME=$SRC LC_ALL=C
RECIPES=$HERE/recipes
SAMPLES=$SRC/pipelines/samples/impactive
ALL_CASES=(same_answer upsert_twice create_twice append_duplicate
    check_violation two_tables roundtrip source_nulls_and_queries load_into
    secrets kill_mid_copy sigint sqlite_sigint commit_lost upsert_repeated_key
    upsert_direct upsert_direct_long upsert_direct_fails copy_formats two_upserts)
# The delivery ledger's cases (they add themselves to ALL_CASES).
. "$HERE/ledger_cases.sh"
if [ "${1:-}" = --list ]; then
    printf '%s\n' "${ALL_CASES[@]}"
    exit 0
fi

# ---- Setup ----

die() {
    echo "db: FAIL: $*" >&2
    exit 1
}

[ -x "$CROSSWALK" ] || die "$CROSSWALK is not an executable; build first"

find_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        echo "$PG_BINDIR"
        return
    fi
    local d best=""
    while IFS= read -r d; do
        [ -x "$d/pg_ctl" ] && best=$d
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    [ -n "$best" ] || return 1
    echo "$best"
}
BIN=$(find_bindir) || die "no PostgreSQL binaries in /usr/lib/postgresql/*/bin (run scripts/setup.sh)"
[ -x "$BIN/psql" ] || die "no psql in $BIN"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cw-db.XXXXXX")
SERVERS=() # directories of servers we started (stopped on exit)
ADMIN=""   # connection string of the server, maintenance database
DB=""      # connection string of our test database
DBNAME=cw_dbtest_$$

cleanup() {
    local d
    if [ -n "$ADMIN" ]; then
        "$BIN/psql" -X -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DBNAME" \
            >/dev/null 2>&1 || true
    fi
    for d in "${SERVERS[@]+"${SERVERS[@]}"}"; do
        "$SRC/scripts/pg.sh" stop "$d" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# new_server_dir: a directory for a throwaway server, under /tmp (the
# server's user must reach it), stopped and removed on exit.
new_server_dir() {
    SERVER_DIR=$(mktemp -d /tmp/cw-dbpg.XXXXXX)
    SERVERS+=("$SERVER_DIR")
}

# start_server DIR: start a throwaway server in DIR; print its connection
# string.
start_server() {
    local out
    out=$("$SRC/scripts/pg.sh" start "$1" 2>"$WORK/pg-start.log") || {
        cat "$WORK/pg-start.log" >&2
        return 1
    }
    printf '%s\n' "$out" | tail -n 1
}

if [ -n "${CW_PG_CONNINFO:-}" ]; then
    ADMIN=$CW_PG_CONNINFO
else
    new_server_dir
    ADMIN=$(start_server "$SERVER_DIR") ||
        die "could not start a PostgreSQL server with scripts/pg.sh (see above)"
fi
"$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$ADMIN" -c "DROP DATABASE IF EXISTS $DBNAME" \
    -c "CREATE DATABASE $DBNAME" >"$WORK/createdb.log" 2>&1 ||
    die "cannot create database $DBNAME: $(cat "$WORK/createdb.log")"
DB="$ADMIN dbname=$DBNAME" # a later keyword wins in a connection string
echo "db: PostgreSQL $("$BIN/psql" -X -At "$DB" -c 'SHOW server_version'), database $DBNAME"
echo "db: crosswalk $CROSSWALK"

# ---- Helpers ----

# q SQL...: run statements on the test database, print rows unaligned.
q() {
    local a args=()
    for a in "$@"; do
        args+=(-c "$a")
    done
    "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$DB" "${args[@]}"
}

# rows_md5 TABLE [CONDITION]: an md5 of the rows of TABLE (those meeting
# CONDITION) in the order of their column id.
rows_md5() {
    q "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM $1 t ${2:+WHERE $2}"
}

# state TABLE: "rows|md5 of every row in order": what a table holds.
state() {
    q "SELECT count(*) || '|' || coalesce(md5(string_agg(t::text, E'\\n'
        ORDER BY t::text)), '-') FROM $1 t"
}

# cw ARGS...: run crosswalk; its exit code in RC, stderr in $WORK/err.
cw() {
    RC=0
    "$CROSSWALK" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || RC=$?
}

WHY=""
# expect_rc N: the last cw ran with exit code N.
expect_rc() {
    if [ "$RC" -ne "$1" ]; then
        WHY="exit $RC, expected $1; stderr: $(head -c 600 "$WORK/err")"
        return 1
    fi
}

# expect_err TEXT: the last cw's stderr contains TEXT.
expect_err() {
    if ! grep -qF -- "$1" "$WORK/err"; then
        WHY="stderr lacks '$1': $(head -c 600 "$WORK/err")"
        return 1
    fi
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    if [ "$2" != "$3" ]; then
        WHY="$1: expected [$2], got [$3]"
        return 1
    fi
}

# feed FILE N GATE: print the first N lines of FILE, create GATE.paused,
# wait (at most 120 s) for GATE to exist, then print the rest.
feed() {
    local i
    head -n "$2" "$1"
    : >"$3.paused"
    for ((i = 0; i < 2400; i++)); do
        [ -e "$3" ] && break
        sleep 0.05
    done
    tail -n +"$(($2 + 1))" "$1"
}

# wait_copy CONNINFO GATE: wait until the feeder paused and a COPY is
# running on the server (at most 60 s).
wait_copy() {
    local i n
    for ((i = 0; i < 600; i++)); do
        if [ -e "$2.paused" ]; then
            n=$("$BIN/psql" -X -At "$1" -c "SELECT count(*) FROM
                pg_stat_activity WHERE state = 'active' AND
                query LIKE 'COPY %FROM STDIN%'" 2>/dev/null || echo 0)
            [ "$n" = 1 ] && return 0
        fi
        sleep 0.1
    done
    WHY="no COPY was seen running on the server"
    return 1
}

# bigfile PATH ROWS: a CSV id,name,n with ROWS rows.
bigfile() {
    awk -v n="$2" 'BEGIN { print "id,name,n"
        for (i = 1; i <= n; i++) printf "%d,name number %d,%d\n", i, i, i * 7 }' >"$1"
}

# ---- Cases ----

# a. The main recipe gives the same Organizer files from the CSV dumps and
# from the export database.
case_same_answer() {
    (cd "$SRC" && "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB" \
        -f tests/data/pg/impactive_export.sql) >"$WORK/fixture.log" 2>&1 || {
        WHY="loading the fixture: $(cat "$WORK/fixture.log")"
        return 1
    }
    expect_eq "messages in the database" 18 "$(q 'SELECT count(*) FROM messages')" || return 1
    cw run "$SRC/pipelines/impactive_to_organizer_text" \
        --input "$SAMPLES/messages.csv" --input "contacts=$SAMPLES/contacts.csv" \
        --input "taggings=$SAMPLES/taggings.csv" \
        --input "profiles=$SAMPLES/profiles.csv" --out-dir "$WORK/a-csv"
    expect_rc 1 || return 1 # the samples hold one ambiguous phone
    grep '^read ' "$WORK/err" >"$WORK/a-csv.summary"
    cw run "$SRC/pipelines/impactive_to_organizer_text" \
        --input "postgres:$DB#SELECT * FROM messages ORDER BY id" \
        --input "contacts=postgres:$DB#contacts" \
        --input "taggings=postgres:$DB#taggings" \
        --input "profiles=postgres:$DB#profiles" --out-dir "$WORK/a-pg"
    expect_rc 1 || return 1
    grep '^read ' "$WORK/err" >"$WORK/a-pg.summary"
    expect_eq "summary" "$(cat "$WORK/a-csv.summary")" "$(cat "$WORK/a-pg.summary")" || return 1
    expect_eq "summary" "read 18 = written 11 + rejected 1 + filtered 1 + merged 5" \
        "$(cat "$WORK/a-pg.summary")" || return 1
    local f n=0
    for f in "$WORK"/a-csv/text_interactions*.csv; do
        [ -e "$f" ] || break
        n=$((n + 1))
        if ! cmp -s "$f" "$WORK/a-pg/$(basename "$f")"; then
            WHY="$(basename "$f") differs: $(diff "$f" "$WORK/a-pg/$(basename "$f")" | head -n 10)"
            return 1
        fi
    done
    expect_eq "Organizer files from the CSV run" 1 "$n" || return 1
    expect_eq "Organizer files from the database run" "$(cd "$WORK/a-csv" && ls text_interactions*.csv)" \
        "$(cd "$WORK/a-pg" && ls text_interactions*.csv)" || return 1
    expect_err "wrote $WORK/a-pg/text_interactions.csv (11 rows)"
}

TAGS_EXPECTED='8100001|77|Opt Out (P2P)|7000103|t|2024-10-28 21:07:15.4
8100002|77|Volunteer Prospect|7000105|t|2024-10-12 14:35:00
8100003|77|Wrong Number|7000104|t|2024-10-29 10:00:00
8100004|77|Opt Out (Broadcast)|7000111|t|2024-11-01 13:05:00
8100005|77|Do Not Text|7000106|t|2024-10-13 09:00:00'

# b. Upsert twice: the same rows; a changed input updates in place.
case_upsert_twice() {
    local i
    for i in 1 2; do
        cw run "$RECIPES/taggings_to_table.lua" --input "$SAMPLES/taggings.csv" \
            --out-dir "$WORK/b" --db "postgres:$DB" --set table=tags_up
        expect_rc 0 || return 1
        expect_eq "run $i: rows" "$TAGS_EXPECTED" "$(q 'SELECT * FROM tags_up ORDER BY id')" || return 1
    done
    expect_eq "column types" "id text|value boolean|created_at timestamp without time zone" \
        "$(q "SELECT string_agg(column_name || ' ' || data_type, '|' ORDER BY
            ordinal_position) FROM information_schema.columns WHERE table_name
            = 'tags_up' AND column_name IN ('id', 'value', 'created_at')")" || return 1
    expect_eq "primary key" "tags_up_pkey" \
        "$(q "SELECT conname FROM pg_constraint WHERE conrelid = 'tags_up'::regclass
            AND contype = 'p'")" || return 1
    # One value changed, one row added, one key twice (the last one wins).
    sed -e 's/^\(8100002,.*\),true,/\1,false,/' "$SAMPLES/taggings.csv" >"$WORK/b.csv"
    printf '%s\n' '8100006,77,3,Opt Out,opt-out,Contact,7000107,yes,+13125550117,10/31/2024 08:00' \
        '8100006,77,3,Opt Out,opt-out,Contact,7000107,no,+13125550117,2024-10-31T09:00:00-04:00' \
        >>"$WORK/b.csv"
    cw run "$RECIPES/taggings_to_table.lua" --input "$WORK/b.csv" \
        --out-dir "$WORK/b" --db "postgres:$DB" --set table=tags_up
    expect_rc 0 || return 1
    expect_eq "after the changed input" "${TAGS_EXPECTED/8100002|77|Volunteer Prospect|7000105|t/8100002|77|Volunteer Prospect|7000105|f}
8100006|77|Opt Out|7000107|f|2024-10-31 13:00:00" "$(q 'SELECT * FROM tags_up ORDER BY id')"
}

# b. Create twice: the second run fails before reading anything (exit 2,
# as for SQLite: "usage or recipe error; nothing was read") and the table
# is unchanged.
case_create_twice() {
    local before
    cw run "$RECIPES/taggings_to_table.lua" --input "$SAMPLES/taggings.csv" \
        --out-dir "$WORK/b2" --db "postgres:$DB" --set table=tags_cr --set mode=create
    expect_rc 0 || return 1
    before=$(state tags_cr)
    expect_eq "first run" "$TAGS_EXPECTED" "$(q 'SELECT * FROM tags_cr ORDER BY id')" || return 1
    cw run "$RECIPES/taggings_to_table.lua" --input "$SAMPLES/taggings.csv" \
        --out-dir "$WORK/b2" --db "postgres:$DB" --set table=tags_cr --set mode=create
    expect_rc 2 || return 1
    expect_err 'table "tags_cr" already exists (mode create' || return 1
    expect_eq "table after the second run" "$before" "$(state tags_cr)" || return 1
    # replace starts over with the rows of this run only.
    head -n 3 "$SAMPLES/taggings.csv" >"$WORK/b2.csv"
    cw run "$RECIPES/taggings_to_table.lua" --input "$WORK/b2.csv" \
        --out-dir "$WORK/b2" --db "postgres:$DB" --set table=tags_cr --set mode=replace
    expect_rc 0 || return 1
    expect_eq "after replace" "$(printf '%s\n' "$TAGS_EXPECTED" | head -n 2)" \
        "$(q 'SELECT * FROM tags_cr ORDER BY id')"
}

# Append twice into a keyed table: the server's unique violation names the
# input row and its key; nothing of the second run is kept.
case_append_duplicate() {
    local before
    cw run "$RECIPES/taggings_to_table.lua" --input "$SAMPLES/taggings.csv" \
        --out-dir "$WORK/b3" --db "postgres:$DB" --set table=tags_ap --set mode=append
    expect_rc 0 || return 1
    before=$(state tags_ap)
    cw run "$RECIPES/taggings_to_table.lua" --input "$SAMPLES/taggings.csv" \
        --out-dir "$WORK/b3" --db "postgres:$DB" --set table=tags_ap --set mode=append
    expect_rc 3 || return 1
    expect_err "$SAMPLES/taggings.csv:2: postgres:$DBNAME: table \"tags_ap\": duplicate key value violates unique constraint \"tags_ap_pkey\" Key (id)=(8100001) already exists." || return 1
    expect_eq "table after the failed run" "$before" "$(state tags_ap)"
}

# c. A row that breaks a CHECK constraint, in the third COPY batch and
# after a record spanning two lines: exit 3, the message names the file
# line of that row, the table is unchanged.
case_check_violation() {
    local before
    awk 'BEGIN { print "id,name,n"
        for (i = 1; i <= 130000; i++) {
            if (i == 5) printf "%d,\"two\nlines\",%d\n", i, i
            else if (i == 123456) printf "%d,bad,%d\n", i, i
            else printf "%d,name %d,%d\n", i, i, i
        } }' >"$WORK/c.csv"
    expect_eq "file line of the bad row" "123458:123456,bad,123456" \
        "$(grep -n '^123456,' "$WORK/c.csv")" || return 1
    q "CREATE TABLE checked (id text PRIMARY KEY, name text CHECK (name <> 'bad'), n text)" \
        "INSERT INTO checked VALUES ('0', 'seed', '0')" || {
        WHY="creating the table"
        return 1
    }
    before=$(state checked)
    cw run "$RECIPES/bulk_to_table.lua" --input "$WORK/c.csv" --out-dir "$WORK/c" \
        --db "postgres:$DB" --set table=checked
    expect_rc 3 || return 1
    expect_err "$WORK/c.csv:123458: postgres:$DBNAME: table \"checked\": new row for relation \"checked\" violates check constraint \"checked_name_check\"; nothing of this run was committed" || return 1
    expect_eq "table after the failed run" "$before" "$(state checked)" || return 1
    # The same through crosswalk load.
    cw load "$WORK/c.csv" --into "postgres:$DB#checked" --schema none --mode append
    expect_rc 3 || return 1
    expect_err "$WORK/c.csv:123458: postgres:$DBNAME: table \"checked\": new row" || return 1
    expect_eq "table after the failed load" "$before" "$(state checked)"
}

# Two table outputs of one recipe share one transaction: both get every
# row (their COPY batches take turns on one connection), and when the
# second table refuses its last row, neither keeps anything.
case_two_tables() {
    local a b
    bigfile "$WORK/t.csv" 130000
    cw run "$RECIPES/two_tables.lua" --input "$WORK/t.csv" --out-dir "$WORK/t" --db "postgres:$DB"
    expect_rc 0 || return 1
    expect_eq "first table" "130000|59150455000" "$(q 'SELECT count(*), sum(n::bigint) FROM pair_a')" || return 1
    expect_eq "second table" "130000|8450065000" "$(q 'SELECT count(*), sum(id::bigint) FROM pair_b')" || return 1
    q "TRUNCATE pair_a" "INSERT INTO pair_a VALUES ('x', 'y', 'z')" \
        "TRUNCATE pair_b" "ALTER TABLE pair_b ADD CHECK (id <> '130000')" || {
        WHY="preparing the tables"
        return 1
    }
    a=$(state pair_a)
    b=$(state pair_b)
    cw run "$RECIPES/two_tables.lua" --input "$WORK/t.csv" --out-dir "$WORK/t" --db "postgres:$DB"
    expect_rc 3 || return 1
    expect_err "$WORK/t.csv:130001: postgres:$DBNAME: table \"pair_b\": new row for relation \"pair_b\" violates check constraint" || return 1
    expect_eq "first table after the failed run" "$a" "$(state pair_a)" || return 1
    expect_eq "second table after the failed run" "$b" "$(state pair_b)"
}

# Awkward values survive the trip CSV -> table -> CSV: tabs, newlines,
# carriage returns, backslashes, a literal \N, quotes, UTF-8, spaces.
case_roundtrip() {
    printf 'id,name,n\n1,"tab\there",a\\b\n2,"line\nbreak","cr\rhere"\n3,\\N,"q""uote, comma"\n4,,""\n5,"caf\xc3\xa9 \xf0\x9f\x98\x80",\\\\N\n6," spaced ",x\n7,"abcdefg\\hijklmnopqrs\ttuvwxyz0123456\n789ABCDEFGHIJKLMNOP\rQRS\\\\",x\n' >"$WORK/r.csv"
    cw run "$RECIPES/bulk_to_table.lua" --input "$WORK/r.csv" --out-dir "$WORK/r" \
        --db "postgres:$DB" --set table=tricky --set mode=create
    expect_rc 0 || return 1
    expect_eq "stored values" "$(printf '%s\n' \
        "1|'tab	here'|E'a\\\\b'" "2|'line" "break'|'cr"$'\r'"here'" \
        "3|E'\\\\N'|'q\"uote, comma'" "4|''|''" "5|'café 😀'|E'\\\\\\\\N'" \
        "6|' spaced '|'x'")" \
        "$(q "SELECT id, quote_nullable(name), quote_nullable(n) FROM tricky WHERE id < '7' ORDER BY id")" || return 1
    # A long value with escapes across 8-byte words.
    local long=$'abcdefg\\hijklmnopqrs\ttuvwxyz0123456\n789ABCDEFGHIJKLMNOP\rQRS\\\\'
    expect_eq "long value" "$(printf '%s' "$long" | md5sum | cut -c1-32)" \
        "$(q "SELECT md5(name) FROM tricky WHERE id = '7'")" || return 1
    cw run "$RECIPES/rows_to_csv.lua" --input "postgres:$DB#tricky" --out-dir "$WORK/r2"
    expect_rc 0 || return 1
    printf 'id,name,n\n1,tab\there,a\\b\n2,"line\nbreak","cr\rhere"\n3,\\N,"q""uote, comma"\n4,,\n5,caf\xc3\xa9 \xf0\x9f\x98\x80,\\\\N\n6, spaced ,x\n7,"abcdefg\\hijklmnopqrs\ttuvwxyz0123456\n789ABCDEFGHIJKLMNOP\rQRS\\\\",x\n' >"$WORK/r2.expected"
    if ! cmp -s "$WORK/r2.expected" "$WORK/r2/rows.csv"; then
        WHY="read back: $(diff "$WORK/r2.expected" "$WORK/r2/rows.csv" | cat -A | head -n 10)"
        return 1
    fi
}

# The source: SQL NULL and empty text, a query holding '#', a schema-
# qualified table, an error half way through, and errors before any row
# is read (no such table, a query that would change data).
case_source_nulls_and_queries() {
    q "CREATE SCHEMA crm" \
        "CREATE TABLE crm.people (id int, name text, n text)" \
        "INSERT INTO crm.people VALUES (1, NULL, ''), (2, 'x', NULL), (3, E'a\\\\b\\tc', 'd')" || {
        WHY="creating the table"
        return 1
    }
    cw run "$RECIPES/rows_to_csv.lua" \
        --input "postgres:$DB#SELECT id, name, n FROM crm.people ORDER BY id" --out-dir "$WORK/s1"
    expect_rc 0 || return 1
    expect_eq "rows" "$(printf 'id,name,n\n1,,\n2,x,\n3,a\\b\tc,d')" "$(cat "$WORK/s1/rows.csv")" || return 1
    # A NULL is a null (a recipe sees nil), an empty string is not.
    cat >"$WORK/nulls.lua" <<'EOF'
return {
  inputs = { rows = {} },
  steps = { { fn = function(r)
      r.name = (r.name == nil) and "NULL" or ("[" .. r.name .. "]")
      r.n = (r.n == nil) and "NULL" or ("[" .. r.n .. "]")
    end } },
  outputs = { rows = { path = "rows.csv", columns = { "id", "name", "n" } } },
}
EOF
    cw run "$WORK/nulls.lua" --input "postgres:$DB#crm.people" --out-dir "$WORK/s2"
    expect_rc 0 || return 1
    expect_eq "nulls" "$(printf '1,NULL,[]\n2,[x],NULL\n3,[a\\b\tc],[d]')" \
        "$(tail -n +2 "$WORK/s2/rows.csv" | sort)" || return 1
    # Everything after the first '#' is the query (#>> is an operator).
    cw run "$RECIPES/rows_to_csv.lua" --input "postgres:$DB#SELECT 7 AS id, '{\"a\":{\"b\":\"c#d\"}}'::jsonb #>> '{a,b}' AS name, 8 AS n;" \
        --out-dir "$WORK/s3"
    expect_rc 0 || return 1
    expect_eq "query with #" "$(printf 'id,name,n\n7,c#d,8')" "$(cat "$WORK/s3/rows.csv")" || return 1
    # An error half way through the rows: exit 3, the row named.
    cw run "$RECIPES/rows_to_csv.lua" \
        --input "postgres:$DB#SELECT i AS id, 1 / (5000 - i) AS name, 1 AS n FROM generate_series(1, 10000) i" \
        --out-dir "$WORK/s6"
    expect_rc 3 || return 1
    expect_err "postgres:$DBNAME: row 5000: division by zero" || return 1
    cw run "$RECIPES/rows_to_csv.lua" --input "postgres:$DB#no_such_table" --out-dir "$WORK/s4"
    expect_rc 2 || return 1
    expect_err 'relation "no_such_table" does not exist' || return 1
    # A query cannot change data: it runs in a READ ONLY transaction.
    cw run "$RECIPES/rows_to_csv.lua" \
        --input "postgres:$DB#DELETE FROM crm.people RETURNING id, name, n" --out-dir "$WORK/s5"
    expect_rc 2 || return 1
    expect_eq "rows after a DELETE query" 3 "$(q 'SELECT count(*) FROM crm.people')"
}

# f. crosswalk load FILE --into postgres:CONNINFO#TABLE, twice (upsert on
# the schema's key): typed table, the rows of the file.
case_load_into() {
    local i want
    want=$(tail -n +2 "$SAMPLES/contacts.csv" | tr ',' '|')
    for i in 1 2; do
        cw load "$SAMPLES/contacts.csv" --into "postgres:$DB#contacts_loaded" \
            --schema impactive/contacts
        expect_rc 0 || return 1
        expect_err "wrote table contacts_loaded (12 rows; schema impactive/contacts, upsert" || return 1
        expect_eq "load $i" "$want" \
            "$(q 'SELECT id, campaign_id, phone, first_name, last_name FROM contacts_loaded ORDER BY id')" || return 1
    done
}

# Connection strings are never echoed: a password in one stays secret.
case_secrets() {
    printf 'id,name,n\n1,a,1\n' >"$WORK/secrets.csv"
    cw run "$RECIPES/bulk_to_table.lua" --input "$WORK/secrets.csv" --out-dir "$WORK/x" \
        --db "postgres:host=$WORK/nosuch port=5433 password=sekrit-XYZ"
    expect_rc 2 || return 1
    expect_err "cannot connect" || return 1
    if grep -q sekrit "$WORK/err"; then
        WHY="the password was printed: $(cat "$WORK/err")"
        return 1
    fi
    cw run "$RECIPES/bulk_to_table.lua" --input "$WORK/secrets.csv" --out-dir "$WORK/x" \
        --db "postgres:host=$WORK/nosuch password='sekrit-XYZ"
    expect_rc 2 || return 1
    expect_err "the connection string is malformed" || return 1
    if grep -q sekrit "$WORK/err"; then
        WHY="the password was printed: $(cat "$WORK/err")"
        return 1
    fi
    secrets_uri
}

# A bare postgresql:// URI holding a password is a PostgreSQL target (as
# if "postgres:" were written) for run --db, run --input, load --into and
# load's input; the password shows in no message, summary JSON or rejects
# file.
secrets_uri() {
    local v uri f
    v=$("$BIN/psql" -X -At "$DB" -c '\echo :USER :DBNAME :HOST :PORT')
    read -r -a f <<<"$v"
    uri="postgresql://${f[0]}:s3cr3tpw@/${f[1]}?host=${f[2]}&port=${f[3]}"
    printf 'id,name,n\n1,one,1\n2,two,2\n3,three,3,extra\n' >"$WORK/su.csv"
    cw run "$RECIPES/bulk_to_table.lua" --set table=secret_uri --input "$WORK/su.csv" \
        --out-dir "$WORK/su" --db "$uri" --summary-json "$WORK/su.json"
    expect_rc 1 || return 1
    expect_eq "rows written through the URI" 2 "$(q "SELECT count(*) FROM secret_uri")" || return 1
    cat "$WORK/err" >"$WORK/su.err"
    cw run "$RECIPES/bulk_to_table.lua" --set table=secret_back --input "$uri#secret_uri" \
        --out-dir "$WORK/su2" --db "$uri" --summary-json "$WORK/su2.json"
    expect_rc 0 || return 1
    expect_eq "rows read through the URI" 2 "$(q "SELECT count(*) FROM secret_back")" || return 1
    cat "$WORK/err" >>"$WORK/su.err"
    cw load "$WORK/su.csv" --into "$uri#secret_load" --schema none --rejects "$WORK/su-r.csv"
    expect_rc 1 || return 1
    expect_eq "rows loaded through the URI" 2 "$(q "SELECT count(*) FROM secret_load")" || return 1
    cat "$WORK/err" >>"$WORK/su.err"
    cw load "$uri#secret_load" --into "sqlite:$WORK/su.db#copy" --schema none
    expect_rc 0 || return 1
    cat "$WORK/err" >>"$WORK/su.err"
    if grep -q s3cr3tpw "$WORK/err" "$WORK/su.err" "$WORK/su.json" "$WORK/su2.json" \
        "$WORK/su-r.csv" "$WORK/su/rejects.csv"; then
        WHY="the password was shown: $(grep s3cr3tpw "$WORK/err" "$WORK/su.err" \
            "$WORK/su.json" "$WORK/su2.json" "$WORK/su-r.csv" "$WORK/su/rejects.csv")"
        return 1
    fi
}

# d. Stop the server (immediate) while a COPY is running: exit 3, a
# message about the lost connection; after a restart the table holds
# exactly what it held before.
case_kill_mid_copy() {
    local kdb kdir before pid gate=$WORK/d.gate
    new_server_dir
    kdir=$SERVER_DIR
    kdb=$(start_server "$kdir") || {
        WHY="could not start a server of its own with scripts/pg.sh"
        return 1
    }
    bigfile "$WORK/d.csv" 250000
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$kdb" \
        -c "CREATE TABLE bulk (id text, name text, n text)" \
        -c "INSERT INTO bulk VALUES ('a', 'before', '1'), ('b', 'before', '2')" || {
        WHY="seeding the table"
        return 1
    }
    before=$("$BIN/psql" -X -At "$kdb" -c "SELECT count(*) || '|' || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM bulk t")
    # 231,234 rows in: four batches of 50,000 sent, the fifth one open.
    feed "$WORK/d.csv" 231235 "$gate" | "$CROSSWALK" run "$RECIPES/bulk_to_table.lua" \
        --input - --out-dir "$WORK/d" --db "postgres:$kdb" >/dev/null 2>"$WORK/d.err" &
    pid=$!
    if ! wait_copy "$kdb" "$gate"; then
        : >"$gate"
        wait "$pid" || true
        return 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$BIN/pg_ctl" -D "$kdir/data" -m immediate -w stop >/dev/null
    else
        "$BIN/pg_ctl" -D "$kdir/data" -m immediate -w stop >/dev/null
    fi
    : >"$gate"
    RC=0
    wait "$pid" || RC=$?
    cp "$WORK/d.err" "$WORK/err"
    expect_rc 3 || return 1
    expect_err 'table "bulk": the connection to the server was lost during COPY' || return 1
    expect_err "the transaction was rolled back and nothing of this run was committed" || return 1
    "$SRC/scripts/pg.sh" start "$kdir" >/dev/null 2>&1 || {
        WHY="the server did not restart"
        return 1
    }
    expect_eq "table after the restart" "$before" \
        "$("$BIN/psql" -X -At "$kdb" -c "SELECT count(*) || '|' || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM bulk t")"
}

# e. SIGINT while a COPY is running: exit 130, the table unchanged, and
# the connection gone (no session left idle in a transaction).
case_sigint() {
    local before pid gate=$WORK/e.gate i n
    bigfile "$WORK/e.csv" 150000
    q "CREATE TABLE interrupted (id text, name text, n text)" \
        "INSERT INTO interrupted VALUES ('a', 'before', '1')" || {
        WHY="creating the table"
        return 1
    }
    before=$(state interrupted)
    feed "$WORK/e.csv" 123457 "$gate" | "$CROSSWALK" run "$RECIPES/bulk_to_table.lua" \
        --input - --out-dir "$WORK/e" --db "postgres:$DB" --set table=interrupted \
        >/dev/null 2>"$WORK/e.err" &
    pid=$!
    if ! wait_copy "$DB" "$gate"; then
        : >"$gate"
        wait "$pid" || true
        return 1
    fi
    kill -INT "$pid"
    : >"$gate"
    RC=0
    wait "$pid" || RC=$?
    cp "$WORK/e.err" "$WORK/err"
    expect_rc 130 || return 1
    expect_err "interrupted" || return 1
    expect_eq "table after the interrupted run" "$before" "$(state interrupted)" || return 1
    for ((i = 0; i < 50; i++)); do
        n=$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
            AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        [ "$n" = 0 ] && break
        sleep 0.1
    done
    expect_eq "other sessions left" 0 "$n"
}

# sq_state FILE TABLE: what an id,name,n table of a SQLite file holds.
sq_state() {
    sqlite3 "$1" "SELECT count(*) || '|' || coalesce(group_concat(id || '/' ||
        name || '/' || n, ','), '-') FROM $2"
}

# m. SIGINT in the middle of a SQLite load (rows inserted, transaction
# open, input paused): exit 130, and the file holds what it held before.
case_sqlite_sigint() {
    local db=$WORK/m.db gate=$WORK/m.gate before pid i
    bigfile "$WORK/m.csv" 150000
    sqlite3 "$db" "CREATE TABLE interrupted (id text, name text, n text);
        INSERT INTO interrupted VALUES ('a', 'before', '1');" || {
        WHY="creating the SQLite table"
        return 1
    }
    before=$(sq_state "$db" interrupted)
    feed "$WORK/m.csv" 123457 "$gate" | "$CROSSWALK" run "$RECIPES/bulk_to_table.lua" \
        --input - --out-dir "$WORK/m" --db "sqlite:$db" --set table=interrupted \
        >/dev/null 2>"$WORK/m.err" &
    pid=$!
    # The write transaction is open once the rollback journal exists.
    for ((i = 0; i < 600; i++)); do
        [ -e "$gate.paused" ] && [ -e "$db-journal" ] && break
        sleep 0.1
    done
    if ! [ -e "$db-journal" ]; then
        : >"$gate"
        wait "$pid" || true
        WHY="no open SQLite transaction was seen"
        return 1
    fi
    sleep 0.5 # let the rows before the pause reach the table
    kill -INT "$pid"
    : >"$gate"
    RC=0
    wait "$pid" || RC=$?
    cp "$WORK/m.err" "$WORK/err"
    expect_rc 130 || return 1
    expect_err "interrupted" || return 1
    expect_eq "table after the interrupted load" "$before" \
        "$(sq_state "$db" interrupted)" || return 1
    expect_eq "integrity" ok "$(sqlite3 "$db" "PRAGMA integrity_check")" || return 1
    expect_eq "journal left behind" no "$([ -e "$db-journal" ] && echo yes || echo no)"
}

# n. The connection is lost during COMMIT (a deferred trigger ends its own
# server process): exit 3, and the summary does not claim that nothing
# was committed, for it cannot know; here the server rolled back.
case_commit_lost() {
    q "CREATE TABLE lost (id text, name text, n text)" \
        "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS
         \$\$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END \$\$" \
        "CREATE CONSTRAINT TRIGGER die AFTER INSERT ON lost
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die()" || {
        WHY="creating the table and its trigger"
        return 1
    }
    bigfile "$WORK/n.csv" 1000
    cw load "$WORK/n.csv" --into "postgres:$DB#lost" --schema none --mode append
    expect_rc 3 || return 1
    expect_err "postgres:$DBNAME: table \"lost\": the connection was lost during COMMIT: the outcome is unknown" || return 1
    expect_err "aborted at $WORK/n.csv:1001; whether a database commit went through is unknown (see the message above); nothing else was committed" || return 1
    cw run "$RECIPES/bulk_to_table.lua" --input "$WORK/n.csv" --out-dir "$WORK/n" \
        --db "postgres:$DB" --set table=lost --summary-json "$WORK/n.json"
    expect_rc 3 || return 1
    expect_err "whether a database commit went through is unknown" || return 1
    expect_eq "summary" '"outputs": [], "rejects": null, "stopped_at": "'"$WORK"'/n.csv:1001", "commit_unknown": true' \
        "$(grep -o '"outputs".*"commit_unknown": [a-z]*' "$WORK/n.json")" || return 1
    expect_eq "table after both" 0 "$(q 'SELECT count(*) FROM lost')"
}

# o. A key given more than once in an upsert: the last row wins, within
# one batch (rows 3 and 7) and across batches (row 70,000), as with
# row-by-row upserts; the other rows are there once.
case_upsert_repeated_key() {
    awk 'BEGIN { print "id,name,n"
        for (i = 1; i <= 80000; i++) {
            if (i == 3 || i == 7 || i == 70000) printf "k,take %d,%d\n", i, i
            else printf "%d,name %d,%d\n", i, i, i
        } }' >"$WORK/o.csv"
    cw load "$WORK/o.csv" --into "postgres:$DB#repeated" --schema none --key id --mode upsert
    expect_rc 0 || return 1
    expect_eq "the repeated key" "k|take 70000|70000" \
        "$(q "SELECT id, name, n FROM repeated WHERE id = 'k'")" || return 1
    expect_eq "rows" "79998" "$(q 'SELECT count(*) FROM repeated')" || return 1
    awk 'BEGIN { print "id,name,n"; print "k,first,1"; print "j,other,2"; print "k,second,3" }' >"$WORK/o2.csv"
    cw load "$WORK/o2.csv" --into "postgres:$DB#repeated" --schema none --key id --mode upsert
    expect_rc 0 || return 1
    expect_eq "the repeated key, one batch" "k|second|3" \
        "$(q "SELECT id, name, n FROM repeated WHERE id = 'k'")"
}

# p. An upsert into an empty (here: new) table copies its rows straight
# into it, batch by batch, each in a savepoint, until a key is already
# there (row 140,000 repeats row 2's key): that batch and the rest go
# through the staging table.  The table ends as an upsert through the
# staging table all the way leaves it (a table that held a row when the
# run started), and the repeated key keeps its last row.  Batches start
# at 1 MiB and double (1, 2, then 4 MiB holding row 140,000), what a
# batch holds past 1 MiB going to an unlinked spill file under $TMPDIR:
# the batch sent again is read back from it, and the file is gone after
# the run.  With no spill file (TMPDIR a missing directory), batches
# stay at 1 MiB, more of them, and the table ends the same.
case_upsert_direct() {
    local spill="$WORK/spill" direct_a direct_e
    awk 'BEGIN { print "id,name,n"
        for (i = 1; i <= 150000; i++) {
            if (i == 2 || i == 140000) printf "k,take %d,%d\n", i, i
            else printf "%d,name %d,%d\n", i, i, i
        } }' >"$WORK/p.csv"
    mkdir -p "$spill"
    TMPDIR=$spill cw load "$WORK/p.csv" --into "postgres:$DB#direct_a" --schema none --key id --mode upsert
    expect_rc 0 || return 1
    expect_eq "files left in TMPDIR" "" "$(ls -A "$spill")" || return 1
    TMPDIR=$WORK/missing cw load "$WORK/p.csv" --into "postgres:$DB#direct_e" --schema none --key id --mode upsert
    expect_rc 0 || return 1
    direct_a=$(q "SELECT count(DISTINCT xmin::text) FROM direct_a")
    direct_e=$(q "SELECT count(DISTINCT xmin::text) FROM direct_e")
    expect_eq "batches, spilling" 3 "$direct_a" || return 1
    expect_eq "more batches without a spill file" t "$(q "SELECT $direct_e > $direct_a + 1")" || return 1
    expect_eq "same rows without a spill file" "$(rows_md5 direct_e)" "$(rows_md5 direct_a)" || return 1
    q "CREATE TABLE direct_b (id text PRIMARY KEY, name text, n text)" \
        "INSERT INTO direct_b VALUES ('seed', 'kept', '0')" || {
        WHY="creating the table"
        return 1
    }
    cw load "$WORK/p.csv" --into "postgres:$DB#direct_b" --schema none --key id --mode upsert
    expect_rc 0 || return 1
    expect_eq "the repeated key" "k|take 140000|140000" \
        "$(q "SELECT id, name, n FROM direct_a WHERE id = 'k'")" || return 1
    expect_eq "rows" 149999 "$(q 'SELECT count(*) FROM direct_a')" || return 1
    expect_eq "same rows both ways" "$(rows_md5 direct_b "id <> 'seed'")" "$(rows_md5 direct_a)" || return 1
    # Rows copied straight in carry the ids of their savepoints (one per
    # batch); rows merged from the staging table that of the transaction.
    expect_eq "direct batches" t \
        "$(q "SELECT count(DISTINCT xmin::text) >= 3 FROM direct_a")" || return 1
    expect_eq "staging only" 1 \
        "$(q "SELECT count(DISTINCT xmin::text) FROM direct_b WHERE id <> 'seed'")"
}

# p2. Rows longer than what a direct batch keeps in memory (1.2 MB each,
# the 1 MiB kept): batches of one row and more, then row 25 repeats row
# 2's key in a batch mostly in its spill file, read back for the staging
# table row by row.  The table ends as the staging way leaves it.
case_upsert_direct_long() {
    awk 'BEGIN { print "id,big,n"
        for (i = 1; i <= 30; i++) {
            v = sprintf("%07d", i); while (length(v) < 1200000) v = v v
            printf "%s,%s,%d\n", (i == 2 || i == 25) ? "k" : i, substr(v, 1, 1200000), i
        } }' >"$WORK/long.csv"
    q "CREATE TABLE direct_long_b (id text PRIMARY KEY, big text, n text)" \
        "INSERT INTO direct_long_b VALUES ('seed', 'kept', '0')" || {
        WHY="creating the table"
        return 1
    }
    cw load "$WORK/long.csv" --into "postgres:$DB#direct_long_a" --schema none --key id --mode upsert
    expect_rc 0 || return 1
    cw load "$WORK/long.csv" --into "postgres:$DB#direct_long_b" --schema none --key id --mode upsert
    expect_rc 0 || return 1
    expect_eq "the repeated key" 25 "$(q "SELECT n FROM direct_long_a WHERE id = 'k'")" || return 1
    expect_eq "rows" 29 "$(q 'SELECT count(*) FROM direct_long_a')" || return 1
    expect_eq "direct batches, then the staging table" t \
        "$(q "SELECT count(DISTINCT xmin::text) >= 4 FROM direct_long_a")" || return 1
    expect_eq "same rows both ways" "$(rows_md5 direct_long_b "id <> 'seed'")" "$(rows_md5 direct_long_a)"
}

# q. An upsert into an empty table whose CHECK refuses a row: in a batch
# copied straight in (the COPY names the line), and after a repeated key
# sent the rows through the staging table (the merge names the batch).
# Exit 3 both times, and the table stays empty.
case_upsert_direct_fails() {
    q "CREATE TABLE direct_c (id text PRIMARY KEY, name text CHECK (name <> 'bad'), n text)" || {
        WHY="creating the table"
        return 1
    }
    awk 'BEGIN { print "id,name,n"
        for (i = 1; i <= 120000; i++)
            printf "%d,%s,%d\n", i, i == 100000 ? "bad" : "name " i, i }' >"$WORK/q.csv"
    cw load "$WORK/q.csv" --into "postgres:$DB#direct_c" --schema none --key id --mode upsert
    expect_rc 3 || return 1
    expect_err "$WORK/q.csv:100001: postgres:$DBNAME: table \"direct_c\": new row for relation \"direct_c\" violates check constraint" || return 1
    expect_eq "rows after the failed load" 0 "$(q 'SELECT count(*) FROM direct_c')" || return 1
    awk 'BEGIN { print "id,name,n"
        for (i = 1; i <= 120000; i++)
            printf "%s,%s,%d\n", i == 3 ? 1 : i, i == 100000 ? "bad" : "name " i, i }' >"$WORK/q2.csv"
    cw load "$WORK/q2.csv" --into "postgres:$DB#direct_c" --schema none --key id --mode upsert
    expect_rc 3 || return 1
    expect_err "postgres:$DBNAME: table \"direct_c\": upserting of the rows from $WORK/q2.csv:" || return 1
    expect_err "violates check constraint" || return 1
    expect_eq "rows after the second failed load" 0 "$(q 'SELECT count(*) FROM direct_c')"
}

# r. Values reach the table the same way whichever COPY format the
# columns allow: binary for a new table of text, boolean and bigint
# columns (a schema's integer and boolean types), text for an existing
# table with other column types (numeric, integer, varchar, date).
case_copy_formats() {
    printf 'id,joined,user_first_name,num_contacts\n1,yes,"tab\there",9223372036854775807\n2,no,"line\nbreak",-9223372036854775808\n3,,\\N,\n4,true,back\\slash \\\\N,42\n5,0,,0\n6,1,"caf\xc3\xa9 \xf0\x9f\x98\x80",-7\n' >"$WORK/r.csv"
    local want
    want=$(printf '%s\n' "1|t|'tab	here'|9223372036854775807" "2|f|'line" "break'|-9223372036854775808" \
        "3||E'\\\\N'|" "4|t|E'back\\\\slash \\\\\\\\N'|42" "5|f|''|0" "6|t|'café 😀'|-7")
    cw load "$WORK/r.csv" --into "postgres:$DB#formats_new" --schema impactive/user_campaigns --mode create
    expect_rc 0 || return 1
    expect_eq "column types" "text boolean text bigint" \
        "$(q "SELECT string_agg(data_type, ' ' ORDER BY ordinal_position) FROM
            information_schema.columns WHERE table_name = 'formats_new'")" || return 1
    expect_eq "binary COPY" "$want" "$(q "SELECT id, joined, quote_nullable(user_first_name),
        num_contacts FROM formats_new ORDER BY id")" || return 1
    q "CREATE TABLE formats_old (id text PRIMARY KEY, joined boolean,
        user_first_name varchar(40), num_contacts numeric)" || {
        WHY="creating the table"
        return 1
    }
    cw load "$WORK/r.csv" --into "postgres:$DB#formats_old" --schema impactive/user_campaigns --mode append
    expect_rc 0 || return 1
    expect_eq "text COPY" "$want" "$(q "SELECT id, joined, quote_nullable(user_first_name),
        num_contacts FROM formats_old ORDER BY id")" || return 1
    # Text values into a bigint and a date column: the server reads them.
    q "CREATE TABLE formats_typed (id bigint, d date, t text)" || {
        WHY="creating the table"
        return 1
    }
    printf 'id,d,t\n 12 ,2024-10-28,x\n-3,2024-01-02,\n' >"$WORK/r2.csv"
    cw load "$WORK/r2.csv" --into "postgres:$DB#formats_typed" --schema none --mode append
    expect_rc 0 || return 1
    expect_eq "text into typed columns" "$(printf '%s\n' "-3|2024-01-02|''" "12|2024-10-28|'x'")" \
        "$(q "SELECT id, d, quote_nullable(t) FROM formats_typed ORDER BY id")"
}

# s. Two upserts into new tables on one connection (text COPY for the
# one with a timestamp, binary for the other): their batches take turns,
# a key repeated at row 150,000 sends both to their staging tables, and a
# second run leaves the same rows.
case_two_upserts() {
    local i a b
    awk 'BEGIN { print "id,campaign_id,tag_id,tag_name,tag_slug,taggable_type,taggable_id,value,phone,created_at"
        for (i = 1; i <= 200000; i++)
            printf "%d,77,1,Tag %d,tag,Contact,%d,%s,+12025550113,2024-10-28 21:07:15.4\n",
                i == 150000 ? 5 : i, i, 7000000 + i, i % 2 ? "true" : "false" }' >"$WORK/s.csv"
    for i in 1 2; do
        cw run "$RECIPES/two_upserts.lua" --input "$WORK/s.csv" --out-dir "$WORK/s" --db "postgres:$DB"
        expect_rc 0 || return 1
        expect_eq "run $i: first table" "199999|5|77|Tag 150000|7150000|f|2024-10-28 21:07:15.4" \
            "$(q "SELECT count(*) FROM tu_a" | tr '\n' '|')$(q "SELECT * FROM tu_a WHERE id = '5'")" || return 1
        expect_eq "run $i: second table" "199999|5|Tag 150000|f" \
            "$(q "SELECT count(*) FROM tu_b" | tr '\n' '|')$(q "SELECT * FROM tu_b WHERE id = '5'")" || return 1
        a=$(q "SELECT md5(string_agg(id || name, ',' ORDER BY id)) FROM
            (SELECT id, tag_name || value AS name FROM tu_a) t")
        b=$(q "SELECT md5(string_agg(id || name, ',' ORDER BY id)) FROM
            (SELECT id, tag_name || value AS name FROM tu_b) t")
        expect_eq "run $i: both tables" "$a" "$b" || return 1
    done
}

# ---- Run ----

cases=("$@")
[ "${#cases[@]}" -gt 0 ] || cases=("${ALL_CASES[@]}")
failed=0
passed=0
for c in "${cases[@]}"; do
    if ! declare -F "case_$c" >/dev/null; then
        echo "FAIL $c: no such case (cases: ${ALL_CASES[*]})"
        failed=$((failed + 1))
        continue
    fi
    WHY=""
    if "case_$c"; then
        echo "PASS $c"
        passed=$((passed + 1))
    else
        echo "FAIL $c: ${WHY:-a command failed}"
        failed=$((failed + 1))
    fi
done
echo "db: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
