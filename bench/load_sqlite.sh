#!/usr/bin/env bash
# bench/load_sqlite.sh: loading the generated file into SQLite, crosswalk
# against 'sqlite3 .import' and sqlite-utils, and crosswalk's upsert
# against its plain load (issue goals 6 and 7).
#
# Usage: bench/load_sqlite.sh    (environment: bench/lib.sh)
#
# Per pass, each into a new database file: 'sqlite3 .import --csv';
# 'crosswalk load --schema none --mode create' (the same work: every
# column TEXT, no checks); 'sqlite-utils insert --csv' (all TEXT);
# 'crosswalk load --schema none --key id' into an empty file (an upsert
# keyed on id), then the same again (every row an update); 'crosswalk
# load' with the schema it recognises (impactive/messages: typed,
# checked, keyed).  After the first pass the tables of the first four are
# compared row for row (EXCEPT both ways) and the script fails when they
# differ (sqlite-utils' table apart from its CRLFs, see below).
# The data holds bare quotes (quotes inside unquoted fields, see
# bench/gen.py): .import and sqlite-utils read them as data, and
# crosswalk with --stray-quotes keep.  Set
# BENCH_NO_SQLITE_UTILS=1 to leave sqlite-utils out: on a slow disk it
# takes minutes a pass.  Prints a Markdown report and writes it to bench/out/load-sqlite.md.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || die "sqlite3 missing (run bench/setup.sh)"
command -v sqlite-utils >/dev/null || die "sqlite-utils missing (run bench/setup.sh)"
DATA=$(ensure_data "$ROWS")
BYTES=$(stat -L -c %s "$DATA")
D=$TMP/db
mkdir -p "$D"

# same_rows A B: 1 when the messages tables of the two files hold the
# same rows (as text), in both directions.
same_rows() {
    sqlite3 "$1" "ATTACH '$2' AS o" \
        "SELECT (SELECT count(*) FROM (SELECT * FROM messages EXCEPT
                 SELECT * FROM o.messages))
              + (SELECT count(*) FROM (SELECT * FROM o.messages EXCEPT
                 SELECT * FROM messages)) = 0"
}

echo "bench: warming the page cache" >&2
cat "$DATA" >/dev/null
IN_ROWS=$(count_records "$DATA")
MACHINE=$(machine)
LOAD=("$CW" load "$DATA" --stray-quotes keep --into)

for ((p = 1; p <= PASSES; p++)); do
    echo "bench: pass $p of $PASSES (load $(load_now))" >&2
    rm -f "$D"/*.db
    run "sqlite3 .import --csv" sqlite3 "$D/imp.db" ".import --csv $DATA messages"
    run "crosswalk load --schema none" "${LOAD[@]}" "sqlite:$D/cw.db#messages" --schema none --mode create
    [ -n "${BENCH_NO_SQLITE_UTILS:-}" ] ||
        run "sqlite-utils insert --csv" sqlite-utils insert "$D/su.db" messages "$DATA" --csv
    run "crosswalk upsert, empty table" "${LOAD[@]}" "sqlite:$D/up.db#messages" --schema none --key id
    run "crosswalk upsert, same rows again" "${LOAD[@]}" "sqlite:$D/up.db#messages" --schema none --key id
    run "crosswalk load, recognised schema" "${LOAD[@]}" "sqlite:$D/typed.db#messages"
    if [ "$p" = 1 ]; then
        echo "bench: comparing the tables" >&2
        n=$(sqlite3 "$D/imp.db" 'SELECT count(*) FROM messages')
        [ "$n" = "$IN_ROWS" ] || die ".import loaded $n rows of $IN_ROWS"
        for f in cw up; do
            [ "$(same_rows "$D/imp.db" "$D/$f.db")" = 1 ] ||
                die "$f.db holds other rows than .import's table"
        done
        # sqlite-utils reads the file with universal newlines: a CRLF
        # inside a quoted field arrives as LF.  Count the rows that differ,
        # and those that still differ once .import's CRLFs are LFs.
        [ -n "${BENCH_NO_SQLITE_UTILS:-}" ] || SU_DIFF=$(sqlite3 "$D/su.db" "ATTACH '$D/imp.db' AS o" \
            "SELECT count(*) FROM (SELECT * FROM o.messages EXCEPT SELECT * FROM messages)")
        [ -n "${BENCH_NO_SQLITE_UTILS:-}" ] || SU_REAL=$(sqlite3 "$D/su.db" "ATTACH '$D/imp.db' AS o" \
            "SELECT count(*) FROM (SELECT id, campaign_id, activity_id, activity_title,
               message_type, sender_type, receiver_type, sender_name, phone,
               profile_id, opted_out, sent_at, script_type,
               replace(body, char(13) || char(10), char(10)) FROM o.messages
             EXCEPT SELECT * FROM messages)")
        [ "${SU_REAL:-0}" = 0 ] || die "sqlite-utils' table differs in $SU_REAL rows"
    fi
done
LOAD_END=$(load_now)

{
    echo "## Loading into SQLite (\`bench/load_sqlite.sh\`)"
    echo
    echo "$MACHINE"
    echo "Load average at the end: $LOAD_END. Versions: SQLite $(sqlite3 --version | cut -d' ' -f1)," \
        "$(sqlite-utils --version)."
    echo "Input: \`$(basename "$DATA")\`, $IN_ROWS records, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB;" \
        "$PASSES interleaved passes; every table checked equal to .import's (all text) after the first pass."
    echo
    echo "| comparison (paired, per pass) | median [range] | goal |"
    echo "| --- | ---: | --- |"
    ratio_row "sqlite3 .import / crosswalk load" "sqlite3 .import --csv" "crosswalk load --schema none" ">=" 2.5
    [ -n "${BENCH_NO_SQLITE_UTILS:-}" ] || ratio_row "sqlite-utils insert / crosswalk load" "sqlite-utils insert --csv" "crosswalk load --schema none"
    ratio_row "crosswalk upsert into an empty table / crosswalk load" "crosswalk upsert, empty table" "crosswalk load --schema none" "<=" 1.3
    ratio_row "crosswalk upsert, every row again / crosswalk load" "crosswalk upsert, same rows again" "crosswalk load --schema none" "<=" 1.3
    ratio_row "crosswalk load with the recognised schema / plain" "crosswalk load, recognised schema" "crosswalk load --schema none"
    echo
    echo "| what | wall s, median [range] | CPU s | peak RSS MB |"
    echo "| --- | ---: | ---: | ---: |"
    for t in "sqlite3 .import --csv" "crosswalk load --schema none" \
        "sqlite-utils insert --csv" "crosswalk upsert, empty table" \
        "crosswalk upsert, same rows again" "crosswalk load, recognised schema"; do
        [ "$t" = "sqlite-utils insert --csv" ] && [ -n "${BENCH_NO_SQLITE_UTILS:-}" ] && continue
        tool_row "$t"
    done
    m=0
    for t in "crosswalk load --schema none" "crosswalk upsert, empty table" \
        "crosswalk upsert, same rows again" "crosswalk load, recognised schema"; do
        m=$(printf '%s\n%s\n' "$m" "$(max_rss_mb "$t")" | sort -g | tail -n 1)
    done
    echo
    echo "Largest crosswalk peak RSS: $m MB (goal 16 MB: $(verdict "$m" "<=" 16))."
    [ -n "${BENCH_NO_SQLITE_UTILS:-}" ] || echo "sqlite-utils' table: $SU_DIFF rows differ from .import's, all only because a CRLF inside a quoted field was stored as LF."
    [ -n "${BENCH_NO_SQLITE_UTILS:-}" ] || echo "sqlite-utils commits each INSERT statement (71 rows of 14 columns), each with its fsyncs: its wall time is mostly waiting on the disk."
} >"$TMP/report.md"
cp "$TMP/report.md" "$OUT/load-sqlite.md"
cat "$OUT/load-sqlite.md"
