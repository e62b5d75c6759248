#!/usr/bin/env bash
# bench/map.sh: the CSV-to-CSV map, crosswalk against DuckDB, Miller and
# Python's csv module (issue goals 1, 2, 3 and 7).
#
# Usage: bench/map.sh      (after bench/setup.sh; environment: bench/lib.sh)
#
# Every tool does the same mapping of the generated messages export
# (bench/gen.py): five renames, opted_out to lowercase true/false, the
# other columns as they are.  The data holds bare quotes (quotes inside
# unquoted fields, bench/gen.py): every tool reads them as data, Python
# and DuckDB by default, Miller with --lazy-quotes, crosswalk because the
# recipes' input declares stray_quotes = "keep".  Before any timing, each tool's output is
# compared with Python's csv writer's (bench/peer_python.py) byte for
# byte; the script fails when a crosswalk output differs, and reports a
# peer that differs.  Then BENCH_PASSES interleaved passes, each running,
# in this order: crosswalk declarative, DuckDB (2 threads), crosswalk Lua
# function (one Lua state), the same function marked parallel (one state
# per core), Miller, crosswalk declarative pinned to one core (taskset),
# DuckDB (1 thread, pinned to the same core), Python.
# Prints a Markdown report and writes it to bench/out/map.md.
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

command -v mlr >/dev/null || die "mlr missing (run bench/setup.sh)"
command -v node >/dev/null || die "node missing (run bench/setup.sh)"
command -v taskset >/dev/null || die "taskset missing (run bench/setup.sh)"
[ -d bench/node/node_modules/@duckdb/node-api ] ||
    die "DuckDB's Node.js client missing (run bench/setup.sh)"

DATA=$(ensure_data "$ROWS")
BYTES=$(stat -L -c %s "$DATA")

# shellcheck disable=SC2016 # Miller's own $field syntax, not the shell's.
MLR_PUT='v = tolower($opted_out);
if (v == "true" || v == "t" || v == "yes" || v == "y" || v == "1") {
  $opted_out = "true";
} elif (v == "false" || v == "f" || v == "no" || v == "n" || v == "0") {
  $opted_out = "false";
}'
MLR_RENAMES=id,message_id,campaign_id,campaign,activity_title,effort
MLR_RENAMES=$MLR_RENAMES,phone,phone_number,profile_id,contact_id

W=$TMP/w
mkdir -p "$W"
CW_DECL=("$CW" run bench/recipes/declarative.lua --input "$DATA" --out-dir "$W/decl")
CW_LUA=("$CW" run bench/recipes/luafn.lua --input "$DATA" --out-dir "$W/lua")
CW_LUAP=("$CW" run bench/recipes/luafn_parallel.lua --input "$DATA" --out-dir "$W/luap")
CW_DECL1=(taskset -c 0 "$CW" run bench/recipes/declarative.lua --input "$DATA" --out-dir "$W/decl1")
DUCK2=(node bench/peer_duckdb.mjs "$DATA" "$W/duck2.csv" 2)
DUCK1=(taskset -c 0 node bench/peer_duckdb.mjs "$DATA" "$W/duck1.csv" 1)
MILLER=(mlr --icsv --ocsv --lazy-quotes rename "$MLR_RENAMES" "then" put "$MLR_PUT" "$DATA")
PYTHON=(python3 bench/peer_python.py "$DATA" "$W/python.csv")

echo "bench: warming the page cache; checking outputs against Python's" >&2
cat "$DATA" >/dev/null
IN_ROWS=$(count_records "$DATA")
"${PYTHON[@]}"
"${CW_DECL[@]}" >/dev/null 2>&1 || die "crosswalk declarative failed"
"${CW_LUA[@]}" >/dev/null 2>&1 || die "crosswalk luafn failed"
"${CW_LUAP[@]}" >/dev/null 2>&1 || die "crosswalk luafn_parallel failed"
"${DUCK2[@]}"
"${MILLER[@]}" >"$W/miller.csv"
n=$(count_records "$W/python.csv")
[ "$n" = "$IN_ROWS" ] || die "Python wrote $n records of $IN_ROWS"

# check NAME FILE: "identical" or how it differs from Python's output.
check() {
    if cmp -s "$2" "$W/python.csv"; then
        echo "identical"
    else
        echo "differs: $(cmp "$2" "$W/python.csv" 2>&1 | head -n 1 | sed "s|$W/||g")"
    fi
}
declare -A CHECK
CHECK[decl]=$(check decl "$W/decl/mapped.csv")
CHECK[lua]=$(check lua "$W/lua/mapped.csv")
CHECK[luap]=$(check luap "$W/luap/mapped.csv")
CHECK[duck]=$(check duck "$W/duck2.csv")
CHECK[miller]=$(check miller "$W/miller.csv")
# What makes Miller's output differ, counted on records.
MILLER_WHY=""
if [ "${CHECK[miller]}" != identical ]; then
    MILLER_WHY=$(python3 - "$W/miller.csv" "$W/python.csv" <<'PY'
import csv, sys
def rows(p):
    with open(p, newline="", encoding="utf-8") as f:
        yield from csv.reader(f)
diff = crlf = 0
for a, b in zip(rows(sys.argv[1]), rows(sys.argv[2])):
    if a != b:
        diff += 1
        if [x.replace("\r\n", "\n") for x in b] == a:
            crlf += 1
print("%d records differ; in %d of them only because a CRLF inside a "
      "quoted field was written as LF" % (diff, crlf))
PY
    )
fi
for k in decl lua luap; do
    [ "${CHECK[$k]}" = identical ] ||
        die "crosswalk $k output is not byte-identical to Python's: ${CHECK[$k]}"
done
rm -rf "${W:?}"/*
MACHINE=$(machine)

for ((p = 1; p <= PASSES; p++)); do
    echo "bench: pass $p of $PASSES (load $(load_now))" >&2
    run "crosswalk declarative" "${CW_DECL[@]}"
    run "DuckDB, 2 threads" "${DUCK2[@]}"
    run "crosswalk Lua function" "${CW_LUA[@]}"
    run "crosswalk Lua function, parallel" "${CW_LUAP[@]}"
    BENCH_STDOUT=$W/miller.csv run "Miller 6" "${MILLER[@]}"
    run "crosswalk declarative, 1 core" "${CW_DECL1[@]}"
    run "DuckDB, 1 thread, 1 core" "${DUCK1[@]}"
    run "Python csv" "${PYTHON[@]}"
    rm -rf "${W:?}"/*
done
LOAD_END=$(load_now)

LUA_RSS=$(max_rss_mb "crosswalk Lua function")
LUAP_RSS=$(max_rss_mb "crosswalk Lua function, parallel")
DECL_RSS=$(max_rss_mb "crosswalk declarative")
{
    echo "## CSV to CSV map (\`bench/map.sh\`)"
    echo
    echo "$MACHINE"
    echo "Load average at the end: $LOAD_END."
    echo "Versions: DuckDB $(node -p 'require("./bench/node/node_modules/@duckdb/node-api/package.json").version')" \
        "(@duckdb/node-api), $(mlr --version), Python $(python3 -c 'import platform; print(platform.python_version())')," \
        "node $(node --version)."
    echo "Input: \`$(basename "$DATA")\`, $IN_ROWS records, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB;" \
        "$PASSES interleaved passes; warm page cache."
    echo
    echo "| comparison (paired, per pass) | median [range] | goal |"
    echo "| --- | ---: | --- |"
    ratio_row "DuckDB 2 threads / crosswalk declarative" "DuckDB, 2 threads" "crosswalk declarative" ">=" 2.5
    ratio_row "DuckDB 2 threads / crosswalk Lua function, parallel" "DuckDB, 2 threads" "crosswalk Lua function, parallel" ">=" 1.3
    ratio_row "crosswalk Lua function, parallel / declarative" "crosswalk Lua function, parallel" "crosswalk declarative" "<=" 1.6
    ratio_row "DuckDB 2 threads / crosswalk Lua function, one state" "DuckDB, 2 threads" "crosswalk Lua function"
    ratio_row "crosswalk Lua function, one state / declarative" "crosswalk Lua function" "crosswalk declarative"
    ratio_row "crosswalk Lua function, one state / parallel" "crosswalk Lua function" "crosswalk Lua function, parallel"
    ratio_row "crosswalk declarative, 1 core / 2 cores" "crosswalk declarative, 1 core" "crosswalk declarative" ">=" 1.8
    ratio_row "DuckDB 1 thread / crosswalk declarative, both on 1 core" "DuckDB, 1 thread, 1 core" "crosswalk declarative, 1 core"
    ratio_row "Miller / crosswalk declarative" "Miller 6" "crosswalk declarative"
    ratio_row "Miller / crosswalk Lua function" "Miller 6" "crosswalk Lua function"
    ratio_row "Python / crosswalk declarative" "Python csv" "crosswalk declarative"
    ratio_row "Python / crosswalk Lua function" "Python csv" "crosswalk Lua function"
    echo
    echo "Ratios are peer time / crosswalk time (above 1: crosswalk is faster)," \
        "except Lua / declarative and 1 core / 2 cores, which are crosswalk's own."
    echo
    echo "| tool | wall s, median [range] | CPU s | peak RSS MB |"
    echo "| --- | ---: | ---: | ---: |"
    for t in "crosswalk declarative" "crosswalk Lua function" \
        "crosswalk Lua function, parallel" \
        "crosswalk declarative, 1 core" "DuckDB, 2 threads" \
        "DuckDB, 1 thread, 1 core" "Miller 6" "Python csv"; do
        tool_row "$t"
    done
    echo
    echo "Peak memory, largest of the passes: crosswalk declarative $DECL_RSS MB," \
        "Lua function $LUA_RSS MB, parallel $LUAP_RSS MB (goal 16 MB: $(verdict "$(printf '%s\n%s\n%s\n' "$DECL_RSS" "$LUA_RSS" "$LUAP_RSS" | sort -g | tail -n 1)" "<=" 16))."
    echo
    echo "Outputs against Python's csv writer (\`cmp\`, before timing):" \
        "crosswalk declarative ${CHECK[decl]}; crosswalk Lua function ${CHECK[lua]};" \
        "crosswalk Lua function, parallel ${CHECK[luap]};" \
        "DuckDB ${CHECK[duck]}; Miller ${CHECK[miller]}${MILLER_WHY:+ ($MILLER_WHY)}."
    echo "Crosswalk fsyncs its output before renaming it into place (a syncer thread" \
        "fdatasyncs it every 32 MB while it is written); the peers do not." \
        "\"parallel\": the fn step is marked parallel = true and runs in one Lua" \
        "state per core ($(nproc) here), the run's thread among them."
} >"$TMP/report.md"
cp "$TMP/report.md" "$OUT/map.md"
cat "$OUT/map.md"
