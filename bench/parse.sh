#!/usr/bin/env bash
# bench/parse.sh: parse only, crosswalk's CSV reader against libcsv
# (issue goal 4: at least 1 GB/s).
#
# Usage: bench/parse.sh    (environment: bench/lib.sh)
#
# Builds bench/parse_only.c against the static library beside the
# crosswalk binary (libcrosswalk.a of the same build tree), checks that
# both parsers count the same records, fields and field bytes in the
# generated file, then times, per pass: crosswalk's reader inline (one
# thread), libcsv, crosswalk's reader one batch ahead in a second thread,
# and the floors 'cat' and 'wc -l'.  Prints a Markdown report and writes
# it to bench/out/parse.md.  It reads the data without bare quotes
# (gen.py --no-bare-quotes): libcsv's strict mode, the one that reads the
# rest as crosswalk does, refuses a quote inside an unquoted field.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

LIB=$(dirname "$CW")/libcrosswalk.a
[ -f "$LIB" ] || die "no $LIB beside $CW (a build tree is needed)"
[ -f /usr/include/csv.h ] || die "libcsv-dev missing (run scripts/setup.sh)"
DATA=$(ensure_data "$ROWS" nobare)
BYTES=$(stat -L -c %s "$DATA")

PO=$TMP/parse_only
cc -O2 -std=c11 -D_GNU_SOURCE -I engine -I engine/include \
    bench/parse_only.c "$LIB" -lcsv -llua5.4 -lsqlite3 -lpq -lm -lpthread \
    -ldl -o "$PO" || die "cannot build bench/parse_only.c"

echo "bench: warming the page cache; checking the counts" >&2
cat "$DATA" >/dev/null
a=$("$PO" cw "$DATA") || die "crosswalk's reader failed"
b=$("$PO" libcsv "$DATA") || die "libcsv failed"
c=$("$PO" cw-thread "$DATA") || die "crosswalk's reader (thread) failed"
[ "$a" = "$b" ] && [ "$a" = "$c" ] ||
    die "counts differ: crosswalk $a, libcsv $b, crosswalk thread $c"
MACHINE=$(machine)

for ((p = 1; p <= PASSES; p++)); do
    echo "bench: pass $p of $PASSES (load $(load_now))" >&2
    run "crosswalk reader, inline" "$PO" cw "$DATA"
    run "libcsv" "$PO" libcsv "$DATA"
    run "crosswalk reader, parser thread" "$PO" cw-thread "$DATA"
    BENCH_STDOUT=/dev/null run "cat (floor)" cat "$DATA"
    run "wc -l (floor)" wc -l "$DATA"
done
LOAD_END=$(load_now)

# mbps LABEL: MB/s (10^6 bytes) of each pass, "median [range]".
mbps() {
    times "$1" 1 | awk -v b="$BYTES" '{ if ($1 > 0) print b / 1e6 / $1 }' | stat_of
}
INLINE=$(mbps "crosswalk reader, inline" | median_of)
{
    echo "## Parse only (\`bench/parse.sh\`)"
    echo
    echo "$MACHINE"
    echo "Load average at the end: $LOAD_END. libcsv $(dpkg-query -W -f='${Version}' libcsv3 2>/dev/null || echo '?')."
    echo "Input: \`$(basename "$DATA")\`, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB;" \
        "records, fields, field bytes: $a (the same for every parser); $PASSES interleaved passes."
    echo
    echo "| what | MB/s, median [range] | wall s | CPU s | peak RSS MB |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for t in "crosswalk reader, inline" "crosswalk reader, parser thread" \
        "libcsv" "cat (floor)" "wc -l (floor)"; do
        echo "| $t | $(mbps "$t") | $(times "$t" 1 | stat_of) |" \
            "$(times "$t" 2 | stat_of) | $(times "$t" 3 | awk '{ print $1 / 1024 }' | stat_of) |"
    done
    echo
    echo "| comparison (paired, per pass) | median [range] | goal |"
    echo "| --- | ---: | --- |"
    ratio_row "libcsv / crosswalk reader inline" "libcsv" "crosswalk reader, inline"
    echo "| crosswalk reader inline, MB/s | $(mbps "crosswalk reader, inline") | >= 1000: $(verdict "$INLINE" ">=" 1000) |"
    echo
    echo "The reader's own work: UTF-8 and NUL checks, line counting and field" \
        "views included; records are not copied anywhere."
} >"$TMP/report.md"
cp "$TMP/report.md" "$OUT/parse.md"
cat "$OUT/parse.md"
