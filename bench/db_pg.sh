#!/usr/bin/env bash
# bench/db_pg.sh: time loading bench/data/messages-1m.csv into PostgreSQL
# with crosswalk against psql's \copy, and the upsert path against the
# staging-table script a user would write with psql; check that every
# load left the same rows.  Results: bench/DB-PG.md (written by hand from
# this script's output) and bench/out/db-pg-latest.md.
#
# Usage: bench/db_pg.sh
# Environment: BENCH_ROWS (default 1000000), BENCH_RUNS (default 3),
#              CROSSWALK (default build/crosswalk; use a Release build),
#              PG_BINDIR (default the newest /usr/lib/postgresql/N/bin).
# A throwaway server is started with scripts/pg.sh (Unix socket, fsync
# off) and stopped at the end.  Every run starts from the same table state
# (TRUNCATE, then CHECKPOINT, so that no run pays for another's writes).
# Wall time and peak RSS come from /usr/bin/time -f '%e %M'; the table
# shows the median of the runs.  Exits 1 when a load fails or leaves other
# rows than psql's.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)

ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-3}
CW=${CROSSWALK:-build/crosswalk}
case $CW in
/*) ;;
*) CW=$SRC/$CW ;;
esac
if [ "$ROWS" = 1000000 ]; then
    DATA=$SRC/bench/data/messages-1m.csv
else
    DATA=$SRC/bench/data/messages-$ROWS.csv
fi
OUT=$SRC/bench/out
TMP=$(mktemp -d)
PGDIR=""
cleanup() {
    if [ -n "$PGDIR" ]; then
        scripts/pg.sh stop "$PGDIR" >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$SRC/bench/data" "$OUT"

die() {
    echo "bench: $*" >&2
    exit 1
}

[ -x /usr/bin/time ] || die "/usr/bin/time missing (run scripts/setup.sh)"
[ -x "$CW" ] || die "$CW is not built (cmake -DCMAKE_BUILD_TYPE=Release ...)"
if [ -n "${PG_BINDIR:-}" ]; then
    BIN=$PG_BINDIR
else
    BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
[ -x "$BIN/psql" ] || die "no psql in $BIN (run scripts/setup.sh)"

if [ ! -f "$DATA" ]; then
    echo "bench: generating $DATA ($ROWS rows)"
    python3 bench/gen.py "$ROWS" "$DATA"
fi

PGDIR=$(mktemp -d /tmp/cw-bench-pg.XXXXXX)
DB=$(scripts/pg.sh start "$PGDIR" 2>"$TMP/pg.log" | tail -n 1) || {
    cat "$TMP/pg.log" >&2
    die "the server did not start"
}
echo "bench: PostgreSQL $("$BIN/psql" -X -At "$DB" -c 'SHOW server_version') on $PGDIR"
echo "bench: crosswalk $CW"

psql_q() {
    "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$DB" "$@"
}

COLS="id campaign_id activity_id activity_title message_type sender_type
receiver_type sender_name phone profile_id opted_out sent_at script_type body"
DDL=$(for c in $COLS; do printf '%s text, ' "$c"; done)
DDL=${DDL%, }
SET_LIST=$(for c in $COLS; do [ "$c" = id ] || printf '%s = EXCLUDED.%s, ' "$c" "$c"; done)
SET_LIST=${SET_LIST%, }

# The same all-text table for every tool: a plain one for the loads, one
# keyed on id for the upserts.
psql_q -c "CREATE TABLE plain ($DDL)" -c "CREATE TABLE keyed ($DDL, PRIMARY KEY (id))"

# The minimal recipe: every column of the file into the table.
COLS_LUA=$(for c in $COLS; do printf '"%s", ' "$c"; done)
cat >"$TMP/to_table.lua" <<EOF
return {
  name = "bench_to_table",
  inputs = { messages = {} },
  steps = {},
  outputs = { t = { table = "plain", mode = "append", columns = { ${COLS_LUA%, } } } },
}
EOF

# Reading back: every column of the table to a CSV file.
cat >"$TMP/from_table.lua" <<EOF
return {
  name = "bench_from_table",
  inputs = { messages = {} },
  steps = {},
  outputs = { t = { path = "out.csv", columns = { ${COLS_LUA%, } } } },
}
EOF

# The psql upsert a user would write: \copy into a staging table, then one
# INSERT ... ON CONFLICT, in one transaction.
cat >"$TMP/upsert.sql" <<EOF
BEGIN;
CREATE TEMP TABLE staging (LIKE keyed) ON COMMIT DROP;
\\copy staging FROM '$DATA' WITH (FORMAT csv, HEADER true)
INSERT INTO keyed SELECT * FROM staging
  ON CONFLICT (id) DO UPDATE SET $SET_LIST;
COMMIT;
EOF

# fingerprint TABLE: row count and an order-free hash of every row.  An
# empty CSV field is NULL for psql's CSV format and an empty string for
# crosswalk (its CSV reader gives text; only typed columns turn blanks
# into NULL), so both count as empty here.
ROWTEXT=$(for c in $COLS; do printf "coalesce(%s, ''), " "$c"; done)
ROWTEXT="concat_ws(chr(31), ${ROWTEXT%, })"
fingerprint() {
    psql_q -c "SELECT count(*) || ' ' || sum(hashtextextended($ROWTEXT, 0))
               FROM $1"
}

echo "bench: warming the page cache"
cat "$DATA" >/dev/null
LOAD_BEFORE=$(uptime | sed 's/.*load average: //')
echo "bench: load before: $LOAD_BEFORE; $RUNS runs each"

declare -A TIMES MEMS
REF_PLAIN=""
REF_KEYED=""

# timed NAME TABLE PREP CMD...: PREP is "empty" (TRUNCATE first),
# "full" (leave the rows of the previous run) or "read" (TABLE is only
# read); run CMD under /usr/bin/time; record time and peak RSS; check the
# table against the first tool's fingerprint for that table.
timed() {
    local name=$1 table=$2 prep=$3 fp ref t m
    shift 3
    if [ "$prep" = empty ]; then
        psql_q -c "TRUNCATE $table"
    fi
    psql_q -c "CHECKPOINT"
    if ! /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err"; then
        cat "$TMP/err" >&2
        die "$name failed"
    fi
    read -r t m <"$TMP/time"
    TIMES[$name]="${TIMES[$name]:-} $t"
    MEMS[$name]="${MEMS[$name]:-} $m"
    printf 'bench: %-34s %6.2f s %8d KB\n' "$name" "$t" "$m"
    [ "$prep" != read ] || return 0
    fp=$(fingerprint "$table")
    if [ "$table" = plain ]; then
        ref=${REF_PLAIN:=$fp}
    else
        ref=${REF_KEYED:=$fp}
    fi
    [ "$fp" = "$ref" ] || die "$name left other rows in $table: $fp, expected $ref"
}

for ((i = 1; i <= RUNS; i++)); do
    echo "bench: run $i of $RUNS"
    timed "psql \\copy" plain empty \
        "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB" \
        -c "\\copy plain FROM '$DATA' WITH (FORMAT csv, HEADER true)"
    # Read back what psql loaded (empty fields are NULL there, which both
    # write as empty fields).
    timed "psql \\copy TO (read back)" plain read \
        "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB" \
        -c "\\copy (SELECT * FROM plain ORDER BY id) TO '$TMP/psql-out.csv' WITH (FORMAT csv, HEADER true)"
    timed "crosswalk source (read back)" plain read \
        "$CW" run "$TMP/from_table.lua" --input "postgres:$DB#SELECT * FROM plain ORDER BY id" \
        --out-dir "$TMP/read"
    cmp -s "$TMP/psql-out.csv" "$TMP/read/out.csv" ||
        die "crosswalk read back other bytes than psql \\copy TO"
    timed "crosswalk load" plain empty \
        "$CW" load "$DATA" --into "postgres:$DB#plain" --schema none --mode append
    timed "crosswalk run (recipe)" plain empty \
        "$CW" run "$TMP/to_table.lua" --input "$DATA" --out-dir "$TMP/run" \
        --db "postgres:$DB"
    timed "psql upsert, empty table" keyed empty \
        "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB" -f "$TMP/upsert.sql"
    timed "psql upsert, same rows again" keyed full \
        "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB" -f "$TMP/upsert.sql"
    timed "crosswalk upsert, empty table" keyed empty \
        "$CW" load "$DATA" --into "postgres:$DB#keyed" --schema none --key id --mode upsert
    timed "crosswalk upsert, same rows again" keyed full \
        "$CW" load "$DATA" --into "postgres:$DB#keyed" --schema none --key id --mode upsert
done
LOAD_AFTER=$(uptime | sed 's/.*load average: //')

# median LIST: the middle value of a list of numbers.
median() {
    # shellcheck disable=SC2086 # a list of numbers, split on purpose
    printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ROWS_IN=$(fingerprint plain | cut -d' ' -f1)
{
    echo "| what | median s | rows/s | peak RSS MB | vs psql |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for name in "psql \\copy" "crosswalk load" "crosswalk run (recipe)" \
        "psql \\copy TO (read back)" "crosswalk source (read back)" \
        "psql upsert, empty table" "crosswalk upsert, empty table" \
        "psql upsert, same rows again" "crosswalk upsert, same rows again"; do
        t=$(median "${TIMES[$name]}")
        m=$(median "${MEMS[$name]}")
        case $name in
        "crosswalk upsert, empty table") base=$(median "${TIMES["psql upsert, empty table"]}") ;;
        "crosswalk upsert, same rows again") base=$(median "${TIMES["psql upsert, same rows again"]}") ;;
        "crosswalk source (read back)") base=$(median "${TIMES["psql \\copy TO (read back)"]}") ;;
        crosswalk*) base=$(median "${TIMES["psql \\copy"]}") ;;
        *) base=$t ;;
        esac
        awk -v n="$name" -v t="$t" -v m="$m" -v b="$base" -v r="$ROWS_IN" \
            'BEGIN { printf "| %s | %.2f | %.0fk | %.1f | %.2fx |\n", n, t, r / t / 1000, m / 1024, t / b }'
    done
    echo
    echo "Runs (s): $(for n in "${!TIMES[@]}"; do printf '%s:%s; ' "$n" "${TIMES[$n]}"; done)"
    echo
    echo "$ROWS_IN rows of $(basename "$DATA"); $RUNS runs each, interleaved; load average before: $LOAD_BEFORE; after: $LOAD_AFTER."
} | tee "$OUT/db-pg-latest.md"
