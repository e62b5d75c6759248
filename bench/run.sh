#!/usr/bin/env bash
# bench/run.sh: time crosswalk against the tools a user would otherwise pick
# (Miller, Python's csv module) and the cat/wc floors, on one generated
# Impactive messages export, and check that every tool wrote the same rows.
#
# Usage: bench/run.sh
# Environment: BENCH_ROWS (default 1000000), BENCH_RUNS (default 3),
#              CROSSWALK (default build/crosswalk), BENCH_RETRIES (default
#              3: how often a disturbed run is redone, per tool).
# The machine may be shared: a run during which the rest of the machine
# used more than 0.3 s + 25% of the run's wall time in CPU (a quiet
# machine shows about 15%) is "disturbed" and is redone after a pause, up
# to BENCH_RETRIES times per tool.
# Prints a Markdown table and writes it to bench/out/latest.md. Wall time
# and peak RSS come from /usr/bin/time -f '%e %M'; the four mapping outputs
# are compared with cmp. Exits 1 when a tool fails or two outputs differ.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-3}
RETRIES=${BENCH_RETRIES:-3}
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

# busy_ticks: CPU ticks spent busy (user, nice, system, irq, softirq,
# steal) on the whole machine since boot, from /proc/stat.
busy_ticks() {
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
HZ=$(getconf CLK_TCK)

# load_now: the 1-, 5- and 15-minute load averages, as uptime prints them.
load_now() {
    uptime | sed 's/.*load average: //'
}

echo "bench: warming the page cache and counting input rows"
cat "$DATA" >/dev/null
IN_ROWS=$(count_rows "$DATA")
echo "bench: $DATA: $IN_ROWS rows, $BYTES bytes; $RUNS runs per tool"
LOAD_BEFORE=$(load_now)
echo "bench: load before: $LOAD_BEFORE"

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
declare -A WALL CPU RSS SPREAD OTHER REDONE LEFT FAIL OUTFILE

median() {
    sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# measure KEY STDOUT OUTFILE CMD...: run CMD $RUNS times under
# /usr/bin/time -f '%e %M %U %S' with stdout sent to STDOUT; keep the median
# wall time, peak RSS and CPU time, and the spread of the wall times
# ((max - min) / median, a sign of disturbance from other load). On
# failure, record the reason in FAIL[KEY] instead. OTHER[KEY] is the most
# CPU time that anything else on the machine used during one of the runs
# (machine-wide busy time minus the tool's own): near 0 means the runs
# were undisturbed. A disturbed run is redone (see RETRIES); REDONE[KEY]
# counts the runs redone and LEFT[KEY] the kept runs still disturbed.
measure() {
    local key=$1 sink=$2 outfile=$3
    shift 3
    NAMES+=("$key")
    OUTFILE[$key]=$outfile
    local i rc w m u s b0 b1 o walls=() cpus=() rsss=() others=()
    local retries=$RETRIES bad
    REDONE[$key]=0
    LEFT[$key]=0
    for ((i = 1; i <= RUNS; i++)); do
        rc=0
        b0=$(busy_ticks)
        /usr/bin/time -o "$TMP/time" -f '%e %M %U %S' "$@" \
            >"$sink" 2>"$TMP/stderr" || rc=$?
        b1=$(busy_ticks)
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
        read -r w m u s <"$TMP/time"
        o=$(awk -v a="$b0" -v b="$b1" -v hz="$HZ" -v u="$u" -v s="$s" \
            'BEGIN { o = (b - a) / hz - u - s; printf "%.2f", (o < 0) ? 0 : o }')
        bad=$(awk -v o="$o" -v w="$w" 'BEGIN { print (o > 0.3 + 0.25 * w) ? 1 : 0 }')
        if [ "$bad" = 1 ] && [ "$retries" -gt 0 ]; then
            echo "bench: $key run $i: ${w} s, other CPU ${o} s: disturbed, redoing in 10 s"
            retries=$((retries - 1))
            REDONE[$key]=$((REDONE[$key] + 1))
            i=$((i - 1))
            sleep 10
            continue
        fi
        [ "$bad" = 0 ] || LEFT[$key]=$((LEFT[$key] + 1))
        walls+=("$w")
        cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
        rsss+=("$m")
        others+=("$o")
        echo "bench: $key run $i: ${w} s, ${m} KB, other CPU ${o} s"
    done
    WALL[$key]=$(printf '%s\n' "${walls[@]}" | median)
    CPU[$key]=$(printf '%s\n' "${cpus[@]}" | median)
    RSS[$key]=$(printf '%s\n' "${rsss[@]}" | median)
    OTHER[$key]=$(printf '%s\n' "${others[@]}" | sort -g | tail -n 1)
    SPREAD[$key]=$(printf '%s\n' "${walls[@]}" | sort -g | awk -v med="${WALL[$key]}" '
        NR == 1 { lo = $1 } { hi = $1 }
        END { if (med > 0) printf "%.0f%%", 100 * (hi - lo) / med; else print "n/a" }')
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

LOAD_AFTER=$(load_now)
echo "bench: load after: $LOAD_AFTER"

# Check the outputs: every mapping output has the input's record count, and
# all of them are byte-identical (cmp, no normalisation) to the Python one.
status=0
declare -A CHECK
ref="Python csv"
CMP_LINES=()
for key in "${NAMES[@]}"; do
    f=${OUTFILE[$key]:-}
    [ -n "$f" ] || { CHECK[$key]="floor"; continue; }
    [ -z "${FAIL[$key]:-}" ] || { CHECK[$key]="n/a"; status=1; continue; }
    if [ "$key" != "$ref" ] && [ -z "${FAIL[$ref]:-}" ]; then
        if cmp -s "$f" "${OUTFILE[$ref]}"; then
            CHECK[$key]="identical to Python (cmp)"
            CMP_LINES+=("cmp $f ${OUTFILE[$ref]}: identical")
            continue
        fi
        CMP_LINES+=("cmp $f ${OUTFILE[$ref]}: $(cmp "$f" "${OUTFILE[$ref]}" 2>&1 | head -n 1)")
        status=1
    fi
    n=$(count_rows "$f")
    if [ "$n" != "$IN_ROWS" ]; then
        CHECK[$key]="$n rows, expected $IN_ROWS"
        status=1
    elif [ "$key" = "$ref" ]; then
        CHECK[$key]="$n rows (reference)"
    else
        CHECK[$key]="$n rows, DIFFERS from Python"
    fi
done

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
# target LABEL RATIO MIN: "met" when RATIO (like 3.10x) is at least MIN.
target() {
    local r=${2%x}
    if [ "$r" = "n/a" ]; then
        echo "$1: n/a"
    elif awk -v r="$r" -v m="$3" 'BEGIN { exit !(r >= m) }'; then
        echo "$1: $2 (target ${3}x): met"
    else
        echo "$1: $2 (target ${3}x): NOT met"
    fi
}
{
    echo "# crosswalk benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ); $(nproc) cores;" \
        "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //');" \
        "$(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo);" \
        "$("$CW" --version 2>/dev/null || echo 'crosswalk n/a');" \
        "$(mlr --version); Python $(python3 -c 'import platform; print(platform.python_version())')"
    echo
    echo "Input: \`$DATA\`, $IN_ROWS rows, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB." \
        "Median of $RUNS runs; warm page cache. Crosswalk binary: \`$CW\`."
    echo "Load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER."
    echo
    echo "| tool | wall s | cpu s | rows/s | MB/s | peak RSS MB | spread | other CPU s | redone, disturbed | vs crosswalk declarative | vs crosswalk luafn | output check |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for key in "${NAMES[@]}"; do
        if [ -n "${FAIL[$key]:-}" ]; then
            echo "| $key | not available (${FAIL[$key]}) | | | | | | | | | | |"
            continue
        fi
        w=${WALL[$key]}
        awk -v k="$key" -v w="$w" -v c="${CPU[$key]}" -v m="${RSS[$key]}" \
            -v r="$IN_ROWS" -v b="$BYTES" -v sp="${SPREAD[$key]}" -v ot="${OTHER[$key]}" \
            -v rd="${REDONE[$key]}, ${LEFT[$key]}" \
            -v r1="$(ratio "$w" "$base_decl")" -v r2="$(ratio "$w" "$base_lua")" \
            -v chk="${CHECK[$key]}" 'BEGIN {
            rps = (w > 0) ? sprintf("%.0f", r / w) : "inf"
            mbs = (w > 0) ? sprintf("%.1f", b / 1e6 / w) : "inf"
            printf "| %s | %.2f | %.2f | %s | %s | %.1f | %s | %s | %s | %s | %s | %s |\n",
                k, w, c, rps, mbs, m / 1024, sp, ot, rd, r1, r2, chk }'
    done
    echo
    echo "Ratios are tool wall time / crosswalk wall time: 2.00x means the"
    echo "tool took twice as long as crosswalk. Spread is (max - min) / median"
    echo "of the wall times; other CPU s is the most CPU time the rest of the"
    echo "machine used during one kept run; a run is disturbed when that is"
    echo "over 0.3 s + 25% of its wall time. Redone: disturbed runs thrown away"
    echo "and run again; disturbed: kept runs still disturbed after $RETRIES retries."
    echo "Floors are not real work."
    echo
    echo "Output check:"
    echo
    for line in "${CMP_LINES[@]}"; do
        echo "- \`${line%%:*}\`:${line#*:}"
    done
    echo
    echo "Ratios and targets:"
    echo
    echo "- Miller / crosswalk declarative: $(ratio "${WALL[Miller 6]:-}" "$base_decl")"
    echo "- Miller / crosswalk luafn: $(ratio "${WALL[Miller 6]:-}" "$base_lua")"
    echo "- Python / crosswalk declarative: $(ratio "${WALL[Python csv]:-}" "$base_decl")"
    echo "- Python / crosswalk luafn: $(ratio "${WALL[Python csv]:-}" "$base_lua")"
    echo "- $(target "declarative vs Miller" "$(ratio "${WALL[Miller 6]:-}" "$base_decl")" 4)"
    echo "- $(target "luafn vs Miller" "$(ratio "${WALL[Miller 6]:-}" "$base_lua")" 2)"
    for key in "${NAMES[@]}"; do
        if [ "${LEFT[$key]:-0}" -gt 0 ]; then
            echo "- WARNING: $key kept ${LEFT[$key]} disturbed run(s); rerun on a quiet machine"
        fi
    done
    for key in "crosswalk declarative" "crosswalk luafn"; do
        if [ -z "${RSS[$key]:-}" ]; then
            echo "- $key peak RSS: n/a"
        else
            awk -v k="$key" -v m="${RSS[$key]}" 'BEGIN {
                printf "- %s peak RSS: %.1f MB (target under 32 MB): %s\n",
                    k, m / 1024, (m / 1024 < 32) ? "met" : "NOT met" }'
        fi
    done
} >"$TMP/latest.md"
cp "$TMP/latest.md" "$OUT/latest.md"
echo
cat "$OUT/latest.md"
echo
echo "bench: wrote $OUT/latest.md"
if [ "$status" -ne 0 ]; then
    echo "bench: FAILED: a tool failed or outputs disagree (see 'output check')" >&2
fi
exit "$status"
