#!/usr/bin/env bash
# bench/run.sh: time crosswalk against the tools a user would otherwise pick
# (Miller, Python's csv module) and the cat/wc floors, on one generated
# Impactive messages export, and check that every tool wrote the same rows.
#
# Usage: bench/run.sh
# Environment: BENCH_ROWS (default 1000000), BENCH_RUNS (default 3),
#              CROSSWALK (default build/crosswalk).
# Prints a Markdown table and writes it to bench/out/latest.md. Exits 1 when
# a peer fails or two outputs that should be identical differ.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-3}
CW=${CROSSWALK:-build/crosswalk}
if [ "$ROWS" = 1000000 ]; then
    DATA=bench/data/messages-1m.csv
else
    DATA=bench/data/messages-$ROWS.csv
fi
OUT=bench/out
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
mkdir -p bench/data "$OUT"

die() {
    echo "bench: $*" >&2
    exit 1
}

command -v python3 >/dev/null || die "python3 missing (run scripts/setup.sh)"
command -v mlr >/dev/null || die "mlr (Miller) missing (run scripts/setup.sh)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (run scripts/setup.sh)"

if [ ! -f "$DATA" ]; then
    echo "bench: generating $DATA ($ROWS rows)"
    start=$(date +%s.%N)
    python3 bench/gen.py "$ROWS" "$DATA"
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "bench: generated in %.1f s\n", e - s }'
fi
BYTES=$(stat -c %s "$DATA")

# count_rows FILE: print the number of CSV records after the header (not
# lines: bodies hold embedded newlines).
count_rows() {
    python3 -c '
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    print(sum(1 for _ in csv.reader(f)) - 1)' "$1"
}

# digest FILE: sha256 of the file with CR removed (line endings normalised).
digest() {
    tr -d '\r' <"$1" | sha256sum | cut -d' ' -f1
}

echo "bench: warming the page cache and counting input rows"
cat "$DATA" >/dev/null
IN_ROWS=$(count_rows "$DATA")
echo "bench: $DATA: $IN_ROWS rows, $BYTES bytes; $RUNS runs per tool"

# The Miller version of the mapping: five renames, then the boolean rule.
# shellcheck disable=SC2016 # Miller's own $field syntax, not the shell's.
MLR_PUT='v = tolower($opted_out);
if (v == "true" || v == "t" || v == "yes" || v == "y" || v == "1") {
  $opted_out = "true";
} elif (v == "false" || v == "f" || v == "no" || v == "n" || v == "0") {
  $opted_out = "false";
}'
MLR_RENAMES=id,message_id,campaign_id,campaign,activity_title,effort
MLR_RENAMES=$MLR_RENAMES,phone,phone_number,profile_id,contact_id

# Results, one entry per tool, in table order.
NAMES=()
declare -A WALL CPU RSS FAIL OUTFILE

median() {
    sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# measure KEY STDOUT OUTFILE CMD...: run CMD $RUNS times under
# /usr/bin/time with stdout sent to STDOUT; keep the median wall time
# (date, in ns, around the command), CPU time and peak RSS (/usr/bin/time).
# On failure, record the reason in FAIL[KEY] instead.
measure() {
    local key=$1 sink=$2 outfile=$3
    shift 3
    NAMES+=("$key")
    OUTFILE[$key]=$outfile
    local i rc t0 t1 u s m w walls=() cpus=() rsss=()
    for ((i = 1; i <= RUNS; i++)); do
        rc=0
        t0=$(date +%s%N)
        /usr/bin/time -o "$TMP/time" -f '%U %S %M' "$@" \
            >"$sink" 2>"$TMP/stderr" || rc=$?
        t1=$(date +%s%N)
        if [ "$rc" -ne 0 ]; then
            local why
            why=$(grep -v '^Command exited' "$TMP/stderr" | head -n 1 | cut -c1-80)
            FAIL[$key]="exit $rc${why:+: $why}"
            echo "bench: $key: not available (${FAIL[$key]})"
            return 0
        fi
        if [ -n "$outfile" ] && [ ! -s "$outfile" ]; then
            FAIL[$key]="exit 0 but no output file $outfile"
            echo "bench: $key: not available (${FAIL[$key]})"
            return 0
        fi
        read -r u s m <"$TMP/time"
        w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        walls+=("$w")
        cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
        rsss+=("$m")
        echo "bench: $key run $i: ${w}s, ${m} KB"
    done
    WALL[$key]=$(printf '%s\n' "${walls[@]}" | median)
    CPU[$key]=$(printf '%s\n' "${cpus[@]}" | median)
    RSS[$key]=$(printf '%s\n' "${rsss[@]}" | median)
}

# Crosswalk, when it is built; otherwise say why not and go on.
cw_reason=""
if [ ! -x "$CW" ]; then
    cw_reason="$CW not built; run scripts/build.sh"
fi
for variant in declarative luafn; do
    key="crosswalk $variant"
    dir=$OUT/$variant
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ -n "$cw_reason" ]; then
        NAMES+=("$key")
        FAIL[$key]=$cw_reason
        echo "bench: $key: not available ($cw_reason)"
        continue
    fi
    measure "$key" "$TMP/cw.log" "$dir/mapped.csv" \
        "$CW" run "bench/recipes/$variant.lua" --input "$DATA" --out-dir "$dir"
done

measure "Miller 6" "$OUT/miller.csv" "$OUT/miller.csv" \
    mlr -S --icsv --ocsv rename "$MLR_RENAMES" "then" put "$MLR_PUT" "$DATA"
measure "Python csv" /dev/null "$OUT/python.csv" \
    python3 bench/peer_python.py "$DATA" "$OUT/python.csv"
measure "cat (floor)" /dev/null "" cat "$DATA"
measure "wc -l (floor)" /dev/null "" wc -l "$DATA"

# Check the outputs: the same record count everywhere, and byte-identical
# files (after normalising line endings) for tools doing the same mapping.
status=0
declare -A CHECK
ref=""
ref_digest=""
if [ -z "${FAIL[Python csv]:-}" ]; then
    ref="Python csv"
    ref_digest=$(digest "${OUTFILE[$ref]}")
fi
declare -A SEEN
for key in "${NAMES[@]}"; do
    f=${OUTFILE[$key]:-}
    [ -n "$f" ] || { CHECK[$key]="floor"; continue; }
    [ -z "${FAIL[$key]:-}" ] || { CHECK[$key]="n/a"; continue; }
    d=$(digest "$f")
    if [ -n "${SEEN[$d]:-}" ]; then
        n=${SEEN[$d]}
    else
        n=$(count_rows "$f")
        SEEN[$d]=$n
    fi
    if [ "$n" != "$IN_ROWS" ]; then
        CHECK[$key]="$n rows, expected $IN_ROWS"
        status=1
    elif [ -z "$ref" ] || [ "$key" = "$ref" ]; then
        CHECK[$key]="$n rows"
    elif [ "$d" = "$ref_digest" ]; then
        CHECK[$key]="$n rows, identical to Python"
    else
        CHECK[$key]="$n rows, DIFFERS from Python"
        status=1
    fi
done
[ -z "${FAIL[Miller 6]:-}" ] || status=1
[ -z "${FAIL[Python csv]:-}" ] || status=1

# The table. Ratios are tool time / crosswalk time: above 1 means
# crosswalk is faster.
base_decl=${WALL[crosswalk declarative]:-}
base_lua=${WALL[crosswalk luafn]:-}
ratio() {
    if [ -z "$2" ] || [ -z "$1" ]; then
        echo "n/a"
    else
        awk -v a="$1" -v b="$2" 'BEGIN {
            if (b <= 0) print "n/a"; else printf "%.2fx\n", a / b }'
    fi
}
{
    echo "# crosswalk benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ); $(nproc) cores;" \
        "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //');" \
        "$(mlr --version); Python $(python3 -c 'import platform; print(platform.python_version())')"
    echo
    echo "Input: \`$DATA\`, $IN_ROWS rows, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB." \
        "Median of $RUNS runs; warm page cache."
    echo
    echo "| tool | wall s | cpu s | rows/s | MB/s | peak RSS MB | vs crosswalk declarative | vs crosswalk luafn | output check |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for key in "${NAMES[@]}"; do
        if [ -n "${FAIL[$key]:-}" ]; then
            echo "| $key | not available (${FAIL[$key]}) | | | | | | | |"
            continue
        fi
        w=${WALL[$key]}
        awk -v k="$key" -v w="$w" -v c="${CPU[$key]}" -v m="${RSS[$key]}" \
            -v r="$IN_ROWS" -v b="$BYTES" -v r1="$(ratio "$w" "$base_decl")" \
            -v r2="$(ratio "$w" "$base_lua")" -v chk="${CHECK[$key]}" 'BEGIN {
            rps = (w > 0) ? sprintf("%.0f", r / w) : "inf"
            mbs = (w > 0) ? sprintf("%.1f", b / 1e6 / w) : "inf"
            printf "| %s | %.3f | %.2f | %s | %s | %.1f | %s | %s | %s |\n",
                k, w, c, rps, mbs, m / 1024, r1, r2, chk }'
    done
    echo
    echo "Ratios are tool wall time / crosswalk wall time: 2.00x means the"
    echo "tool took twice as long as crosswalk. Floors are not real work."
} >"$TMP/latest.md"
cp "$TMP/latest.md" "$OUT/latest.md"
echo
cat "$OUT/latest.md"
echo
echo "bench: wrote $OUT/latest.md"
if [ "$status" -ne 0 ]; then
    echo "bench: FAILED: a peer failed or outputs disagree (see 'output check')" >&2
fi
exit "$status"
