#!/usr/bin/env bash
# bench/db_sqlite.sh: time 'crosswalk load' into SQLite against the sqlite3
# shell's '.import --csv' on the generated messages export, plus the upsert
# path (a first load into an empty keyed table, then the same file again,
# every row an update), and check that the tables hold the same rows.
#
# Usage: bench/db_sqlite.sh
# Environment: BENCH_RUNS (default 3), BENCH_DATA (default
#              bench/data/messages-1m.csv), BENCH_BUILD (default
#              /tmp/cw-bench-sqlite: a Release build made there).
# Prints a Markdown table (median wall and CPU seconds of the runs, the
# largest peak RSS) and writes it to bench/out/db-sqlite.md.  Times come
# from /usr/bin/time -f '%e %U %S %M'.  Exits 1 when a command fails or the
# tables differ.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
DATA=${BENCH_DATA:-bench/data/messages-1m.csv}
BUILD=${BENCH_BUILD:-/tmp/cw-bench-sqlite}
OUT=bench/out
DB=$(mktemp -d "${TMPDIR:-/tmp}/cw-db-sqlite.XXXXXX")
trap 'rm -rf "$DB"' EXIT
trap 'exit 130' INT TERM

die() {
    echo "bench: $*" >&2
    exit 1
}

command -v sqlite3 >/dev/null || die "sqlite3 missing (run scripts/setup.sh)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (run scripts/setup.sh)"
[ -f "$DATA" ] || die "$DATA missing (bench/run.sh generates it)"

echo "bench: Release build in $BUILD" >&2
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j2 --target crosswalk >/dev/null
CW=$BUILD/crosswalk
CROSSWALK_HOME=$PWD
export CROSSWALK_HOME
BYTES=$(stat -c %s "$DATA")
ROWS=$(sqlite3 :memory: ".import --csv $DATA t" 'SELECT count(*) FROM t')

# median: the middle of the numbers on standard input.
median() {
    sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# timeit LABEL PREP CMD...: run PREP (untimed, through eval) then CMD,
# RUNS times; print a table row: median wall s, median CPU s (user +
# system), MB/s and rows/s from the median wall time, largest peak RSS.
timeit() {
    local label=$1 prep=$2 i wall cpu rss
    shift 2
    : >"$DB/times"
    for ((i = 0; i < RUNS; i++)); do
        eval "$prep"
        /usr/bin/time -f '%e %U %S %M' -o "$DB/t" "$@" >/dev/null \
            2>"$DB/err" || {
            cat "$DB/err" >&2
            die "$label failed"
        }
        awk '{ print $1, $2 + $3, $4 }' "$DB/t" >>"$DB/times"
    done
    wall=$(awk '{ print $1 }' "$DB/times" | median)
    cpu=$(awk '{ print $2 }' "$DB/times" | median)
    rss=$(awk '{ print $3 }' "$DB/times" | sort -g | tail -1)
    awk -v l="$label" -v w="$wall" -v c="$cpu" -v m="$rss" -v b="$BYTES" \
        -v r="$ROWS" 'BEGIN {
        printf "| %s | %.2f | %.2f | %.0f | %.0fk | %.1f MB |\n",
            l, w, c, b / w / 1e6, r / w / 1e3, m / 1024 }'
    echo "$wall" >"$DB/last"
}

# same_rows A B: 1 when the messages tables of the two files hold the
# same rows, in both directions.
same_rows() {
    sqlite3 "$1" "ATTACH '$2' AS o" \
        "SELECT (SELECT count(*) FROM (SELECT * FROM messages EXCEPT
                 SELECT * FROM o.messages))
              + (SELECT count(*) FROM (SELECT * FROM o.messages EXCEPT
                 SELECT * FROM messages)) = 0"
}

X=$DB/x.db
Y=$DB/y.db
LOAD=("$CW" load "$DATA" --into "sqlite:$X#messages")

# PREP arguments are evaluated by timeit, hence the single quotes.
# shellcheck disable=SC2016
{
    echo "Data: $DATA, $ROWS rows, $BYTES bytes; $RUNS runs each;"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| what | wall s | CPU s | MB/s | rows/s | peak RSS |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    timeit "sqlite3 .import --csv (fresh table)" 'rm -f "$Y"' \
        sqlite3 "$Y" ".import --csv $DATA messages"
    imp=$(cat "$DB/last")
    timeit "crosswalk load --schema none --mode create" 'rm -f "$X"' \
        "${LOAD[@]}" --schema none --mode create
    raw=$(cat "$DB/last")
    [ "$(same_rows "$X" "$Y")" = 1 ] || die "load and .import tables differ"
    timeit "crosswalk load --mode create (impactive/messages recognised)" \
        'rm -f "$X"' "${LOAD[@]}" --mode create
    typed=$(cat "$DB/last")
    timeit "crosswalk load --schema none --key id, first (upsert into empty)" \
        'rm -f "$X"' "${LOAD[@]}" --schema none --key id
    timeit "crosswalk load --schema none --key id, again (every row updated)" \
        '[ -f "$X" ] || "${LOAD[@]}" --schema none --key id 2>/dev/null' \
        "${LOAD[@]}" --schema none --key id
    [ "$(sqlite3 "$X" 'SELECT count(*) FROM messages')" = "$ROWS" ] ||
        die "upsert: row count is not $ROWS"
    [ "$(same_rows "$X" "$Y")" = 1 ] || die "upserted table differs"
    rm -f "$X"
    timeit "crosswalk load (recognised, upsert on id), first" 'rm -f "$X"' \
        "${LOAD[@]}"
    timeit "crosswalk load (recognised, upsert on id), again" \
        '[ -f "$X" ] || "${LOAD[@]}" 2>/dev/null' "${LOAD[@]}"
    echo
    awk -v i="$imp" -v r="$raw" -v t="$typed" 'BEGIN {
        printf ".import / load --schema none: %.2fx as fast\n", i / r
        printf ".import / load with the recognised schema: %.2fx\n", i / t }'
} | tee "$DB/table"
mkdir -p "$OUT"
cp "$DB/table" "$OUT/db-sqlite.md"
