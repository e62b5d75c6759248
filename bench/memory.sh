#!/usr/bin/env bash
# bench/memory.sh: crosswalk's peak memory against input size on every
# path: the declarative and the Lua-function map, a load into SQLite, a
# load and an upsert into PostgreSQL (issue goal 7: at most 16 MB at any
# input size).
#
# Usage: bench/memory.sh    (environment: bench/lib.sh; BENCH_SIZES,
#                            default "100000 1000000 4000000")
#
# Narrow records too, where the parser's batches hold the most fields
# and records per byte: 3,000,000 records of one short number, and
# 3,000,000 of ten empty fields, converted to NDJSON and loaded into
# SQLite.
#
# A size above 1,000,000 rows is the 1M-row file's records repeated (ids
# repeat too, which no path here minds except the upsert, which is left
# out at those sizes).  The data holds bare quotes (bench/gen.py), so the
# loads read with --stray-quotes keep, as the map recipes declare.  Peak RSS from /usr/bin/time -f %M, the largest of
# BENCH_PASSES runs, in MB of 2^20 bytes.  Prints a Markdown report and
# writes it to bench/out/memory.md.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

SIZES=${BENCH_SIZES:-100000 1000000 4000000}
BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDIR=$(mktemp -d /tmp/cw-bench-pg.XXXXXX)
CLEANUPS+=("scripts/pg.sh stop '$PGDIR' >/dev/null 2>&1")
DB=$(scripts/pg.sh start "$PGDIR" 2>"$TMP/pg.log" | tail -n 1) || {
    cat "$TMP/pg.log" >&2
    die "the server did not start"
}
COLS="id campaign_id activity_id activity_title message_type sender_type
receiver_type sender_name phone profile_id opted_out sent_at script_type body"
DDL=$(for c in $COLS; do printf '%s text, ' "$c"; done)
"$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB" -c "CREATE TABLE plain (${DDL%, })" \
    -c "CREATE TABLE keyed (${DDL%, }, PRIMARY KEY (id))"

# data_for N: a file of N records (see above).
data_for() {
    local n=$1 big
    if [ "$n" -le 1000000 ]; then
        ensure_data "$n"
        return
    fi
    [ $((n % 1000000)) = 0 ] || die "sizes above 1000000 must be whole millions"
    big=$SRC/bench/data/messages-v$GEN_VERSION-$((n / 1000000))m-repeated.csv
    if [ ! -f "$big" ]; then
        local one
        one=$(ensure_data 1000000)
        echo "bench: making $big" >&2
        {
            cat "$one"
            for ((k = 1; k < n / 1000000; k++)); do tail -n +2 "$one"; done
        } >"$big.tmp"
        mv "$big.tmp" "$big"
    fi
    echo "$big"
}

MACHINE=$(machine)
W=$TMP/w
NARROW=("one column:$TMP/narrow-one.csv" "ten empty fields:$TMP/narrow-ten.csv")
awk 'BEGIN { print "n"; for (i = 1; i <= 3000000; i++) print i }' >"$TMP/narrow-one.csv"
awk 'BEGIN { print "a,b,c,d,e,f,g,h,i,j"; for (i = 1; i <= 3000000; i++) print ",,,,,,,,," }' >"$TMP/narrow-ten.csv"
for ((p = 1; p <= PASSES; p++)); do
    echo "bench: narrow records, pass $p of $PASSES (load $(load_now))" >&2
    for nf in "${NARROW[@]}"; do
        rm -rf "$W"
        mkdir -p "$W"
        run "narrow ${nf%%:*}, convert" "$CW" convert "${nf#*:}" "$W/x.ndjson"
        run "narrow ${nf%%:*}, load, SQLite" "$CW" load "${nf#*:}" --into "sqlite:$W/x.db#narrow" --schema none --mode create
    done
done
for n in $SIZES; do
    DATA=$(data_for "$n")
    cat "$DATA" >/dev/null
    for ((p = 1; p <= PASSES; p++)); do
        echo "bench: $n rows, pass $p of $PASSES (load $(load_now))" >&2
        rm -rf "$W"
        run "$n map, declarative" "$CW" run bench/recipes/declarative.lua --input "$DATA" --out-dir "$W/d"
        run "$n map, Lua function" "$CW" run bench/recipes/luafn.lua --input "$DATA" --out-dir "$W/l"
        run "$n map, Lua function, parallel" "$CW" run bench/recipes/luafn_parallel.lua --input "$DATA" --out-dir "$W/p"
        rm -rf "$W"
        mkdir -p "$W"
        run "$n load, SQLite" "$CW" load "$DATA" --into "sqlite:$W/x.db#messages" --schema none --mode create --stray-quotes keep
        rm -f "$W/x.db"
        "$BIN/psql" -X -q "$DB" -c "TRUNCATE plain" -c "TRUNCATE keyed"
        run "$n load, PostgreSQL" "$CW" load "$DATA" --into "postgres:$DB#plain" --schema none --mode append --stray-quotes keep
        if [ "$n" -le 1000000 ]; then
            run "$n upsert, PostgreSQL" "$CW" load "$DATA" --into "postgres:$DB#keyed" --schema none --key id --mode upsert --stray-quotes keep
        fi
    done
done

{
    echo "## Peak memory against input size (\`bench/memory.sh\`)"
    echo
    echo "$MACHINE"
    echo "Load average at the end: $(load_now). Largest peak RSS of $PASSES runs, MB (2^20 bytes)."
    echo
    printf '| path |'
    for n in $SIZES; do printf ' %s rows |' "$n"; done
    echo
    printf '| --- |'
    for n in $SIZES; do printf ' ---: |'; done
    echo
    worst=0
    for path in "map, declarative" "map, Lua function" \
        "map, Lua function, parallel" "load, SQLite" \
        "load, PostgreSQL" "upsert, PostgreSQL"; do
        printf '| %s |' "$path"
        for n in $SIZES; do
            if [ -f "$TMP/times/$(printf '%s' "$n $path" | tr -c 'A-Za-z0-9' _)" ]; then
                m=$(max_rss_mb "$n $path")
                worst=$(printf '%s\n%s\n' "$worst" "$m" | sort -g | tail -n 1)
                printf ' %s |' "$m"
            else
                printf ' n/a |'
            fi
        done
        echo
    done
    echo
    echo "Narrow records, 3,000,000 of them:"
    echo
    echo "| records | convert to NDJSON | load, SQLite |"
    echo "| --- | ---: | ---: |"
    for nf in "${NARROW[@]}"; do
        printf '| %s |' "${nf%%:*}"
        for what in convert "load, SQLite"; do
            m=$(max_rss_mb "narrow ${nf%%:*}, $what")
            worst=$(printf '%s\n%s\n' "$worst" "$m" | sort -g | tail -n 1)
            printf ' %s |' "$m"
        done
        echo
    done
    echo
    echo "Largest: $worst MB (goal 16 MB: $(verdict "$worst" "<=" 16))."
} >"$TMP/report.md"
cp "$TMP/report.md" "$OUT/memory.md"
cat "$OUT/memory.md"
