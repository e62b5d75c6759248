#!/usr/bin/env bash
# bench/load_pg.sh: loading the generated file into PostgreSQL, crosswalk
# against 'psql \copy' and pgloader, and upserts: crosswalk's against its
# plain load and against the staging-table script a user would write
# with psql (issue goals 5 and 7).
#
# Usage: bench/load_pg.sh    (environment: bench/lib.sh; PG_BINDIR
#                             picks the server, default the newest)
#
# Starts its own throwaway server with scripts/pg.sh (Unix socket in a
# temp directory, fsync off) and stops it at the end.  Per pass, in this
# order, each into an all-text table emptied (TRUNCATE) and checkpointed
# before it: 'psql \copy'; 'crosswalk load --schema none'; pgloader; the
# psql upsert script (\copy into a staging table, then INSERT ... ON
# CONFLICT) into an empty keyed table; 'crosswalk load --key id --mode
# upsert' into the empty keyed table, then the same again (every row an
# update).  Every load's table is checked against the first one's (row
# count and an order-free hash of every row; an empty field counts as
# NULL).  Client CPU is the user + system time of the client process
# (psql, crosswalk, pgloader), not the server's.  Prints a Markdown report
# and writes it to bench/out/load-pg.md.
# Every tool reads the variant of the data without bare quotes (gen.py
# --no-bare-quotes: the same values, each field holding a quote quoted):
# PostgreSQL's COPY takes a quote anywhere in a field as opening a quoted
# section, so it would read a bare quote otherwise than Python does.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

if [ -n "${PG_BINDIR:-}" ]; then
    BIN=$PG_BINDIR
else
    BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
[ -x "$BIN/psql" ] || die "no psql in $BIN (run bench/setup.sh)"
command -v pgloader >/dev/null || die "pgloader missing (run bench/setup.sh)"
DATA=$(ensure_data "$ROWS" nobare)
BYTES=$(stat -L -c %s "$DATA")

PGDIR=$(mktemp -d /tmp/cw-bench-pg.XXXXXX)
CLEANUPS+=("scripts/pg.sh stop '$PGDIR' >/dev/null 2>&1")
DB=$(scripts/pg.sh start "$PGDIR" 2>"$TMP/pg.log" | tail -n 1) || {
    cat "$TMP/pg.log" >&2
    die "the server did not start"
}
PORT=$(echo "$DB" | sed 's/.*port=\([0-9]*\).*/\1/')
DBNAME=$(echo "$DB" | sed 's/.*dbname=\([^ ]*\).*/\1/')

psql_q() {
    "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$DB" "$@"
}

COLS="id campaign_id activity_id activity_title message_type sender_type
receiver_type sender_name phone profile_id opted_out sent_at script_type body"
DDL=$(for c in $COLS; do printf '%s text, ' "$c"; done)
DDL=${DDL%, }
SET_LIST=$(for c in $COLS; do [ "$c" = id ] || printf '%s = EXCLUDED.%s, ' "$c" "$c"; done)
SET_LIST=${SET_LIST%, }
psql_q -c "CREATE TABLE plain ($DDL)" -c "CREATE TABLE keyed ($DDL, PRIMARY KEY (id))"

cat >"$TMP/upsert.sql" <<EOS
BEGIN;
CREATE TEMP TABLE staging (LIKE keyed) ON COMMIT DROP;
\\copy staging FROM '$DATA' WITH (FORMAT csv, HEADER true)
INSERT INTO keyed SELECT * FROM staging
  ON CONFLICT (id) DO UPDATE SET $SET_LIST;
COMMIT;
EOS

# pgloader: the same file into the plain table, every column as text.
PGL_COLS=$(for c in $COLS; do printf '%s, ' "$c"; done)
cat >"$TMP/load.pgl" <<EOS
LOAD CSV
  FROM '$DATA' (${PGL_COLS%, })
  INTO postgresql://postgres@unix:$PGDIR:$PORT/$DBNAME?tablename=plain
  WITH skip header = 1, keep unquoted blanks,
       fields optionally enclosed by '"',
       fields escaped by double-quote,
       fields terminated by ',';
EOS

# fingerprint TABLE: row count and an order-free hash of every row.
ROWTEXT=$(for c in $COLS; do printf "coalesce(%s, ''), " "$c"; done)
ROWTEXT="concat_ws(chr(31), ${ROWTEXT%, })"
fingerprint() {
    psql_q -c "SELECT count(*) || ' ' || sum(hashtextextended($ROWTEXT, 0)) FROM $1"
}

REF=""
# loaded LABEL TABLE: check TABLE against the first load's fingerprint.
loaded() {
    local fp
    fp=$(fingerprint "$2")
    REF=${REF:-$fp}
    [ "$fp" = "$REF" ] || die "$1 left other rows in $2: $fp, expected $REF"
}
prep() {
    [ "${2:-}" = keep ] || psql_q -c "TRUNCATE $1"
    psql_q -c "CHECKPOINT"
}

echo "bench: warming the page cache" >&2
cat "$DATA" >/dev/null
IN_ROWS=$(count_records "$DATA")
MACHINE=$(machine)
SERVER=$(psql_q -c 'SHOW server_version')

for ((p = 1; p <= PASSES; p++)); do
    echo "bench: pass $p of $PASSES (load $(load_now))" >&2
    prep plain
    run "psql \\copy" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB" \
        -c "\\copy plain FROM '$DATA' WITH (FORMAT csv, HEADER true)"
    loaded "psql \\copy" plain
    prep plain
    run "crosswalk load" "$CW" load "$DATA" --into "postgres:$DB#plain" --schema none --mode append
    loaded "crosswalk load" plain
    prep plain
    run "pgloader" pgloader --quiet "$TMP/load.pgl"
    loaded "pgloader" plain
    prep keyed
    run "psql upsert script, empty table" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB" -f "$TMP/upsert.sql"
    loaded "psql upsert script" keyed
    prep keyed
    run "crosswalk upsert, empty table" "$CW" load "$DATA" --into "postgres:$DB#keyed" --schema none --key id --mode upsert
    loaded "crosswalk upsert" keyed
    prep keyed keep
    run "crosswalk upsert, same rows again" "$CW" load "$DATA" --into "postgres:$DB#keyed" --schema none --key id --mode upsert
    loaded "crosswalk upsert again" keyed
done
LOAD_END=$(load_now)

{
    echo "## Loading into PostgreSQL (\`bench/load_pg.sh\`)"
    echo
    echo "$MACHINE"
    echo "Load average at the end: $LOAD_END. Versions: PostgreSQL $SERVER (throwaway server," \
        "Unix socket, fsync off), $("$BIN/psql" --version), $(pgloader --version | head -n 1)."
    echo "Input: \`$(basename "$DATA")\`, $IN_ROWS records, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB;" \
        "$PASSES interleaved passes; every load checked to leave the same rows (${REF%% *} rows)."
    echo
    echo "| comparison (paired, per pass) | median [range] | goal |"
    echo "| --- | ---: | --- |"
    ratio_row "psql \\copy / crosswalk load (wall)" "psql \\copy" "crosswalk load" ">=" 1.2
    RATIO_COLUMN=2 ratio_row "crosswalk load / psql \\copy (client CPU)" "crosswalk load" "psql \\copy" "<=" 1.0
    ratio_row "pgloader / crosswalk load (wall)" "pgloader" "crosswalk load"
    ratio_row "crosswalk upsert into an empty table / crosswalk load" "crosswalk upsert, empty table" "crosswalk load" "<=" 1.6
    ratio_row "crosswalk upsert, every row again / crosswalk load" "crosswalk upsert, same rows again" "crosswalk load"
    ratio_row "psql upsert script / crosswalk upsert, empty table" "psql upsert script, empty table" "crosswalk upsert, empty table"
    echo
    echo "| what | wall s, median [range] | client CPU s | peak RSS MB |"
    echo "| --- | ---: | ---: | ---: |"
    for t in "psql \\copy" "crosswalk load" "pgloader" \
        "psql upsert script, empty table" "crosswalk upsert, empty table" \
        "crosswalk upsert, same rows again"; do
        tool_row "$t"
    done
    m=0
    for t in "crosswalk load" "crosswalk upsert, empty table" "crosswalk upsert, same rows again"; do
        m=$(printf '%s\n%s\n' "$m" "$(max_rss_mb "$t")" | sort -g | tail -n 1)
    done
    echo
    echo "Largest crosswalk peak RSS: $m MB (goal 16 MB: $(verdict "$m" "<=" 16))."
} >"$TMP/report.md"
cp "$TMP/report.md" "$OUT/load-pg.md"
cat "$OUT/load-pg.md"
