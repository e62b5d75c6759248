# shellcheck shell=bash disable=SC2034,SC2001 # variables used by the scripts that source this; sed on purpose
# bench/lib.sh: shared by the bench scripts (sourced, not run).
#
# Every script runs its commands in passes, interleaved: one pass runs
# each command once, in a fixed order alternating crosswalk and its
# peers, and the next pass does it again.  A figure is a paired ratio:
# for each pass, the peer's wall time over crosswalk's in that same pass;
# the scripts print the median of those ratios and their range (lowest
# to highest) over the passes, so that a minute when the shared machine
# was slow weighs on both sides of a ratio and shows in its range.
#
# Environment, for every script:
#   CROSSWALK     the binary to time (default build/crosswalk); use a
#                 Release build (see bench/README.md)
#   BENCH_ROWS    data rows (default 1000000)
#   BENCH_PASSES  interleaved passes (default 3; at least 3)

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD

ROWS=${BENCH_ROWS:-1000000}
PASSES=${BENCH_PASSES:-3}
CW=${CROSSWALK:-build/crosswalk}
case $CW in
/*) ;;
*) CW=$SRC/$CW ;;
esac
GEN_VERSION=3
OUT=$SRC/bench/out
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cw-bench.XXXXXX")
CLEANUPS=()
bench_cleanup() {
    local c
    for c in "${CLEANUPS[@]}"; do eval "$c" || true; done
    rm -rf "$TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$SRC/bench/data" "$OUT" "$TMP/times"
export CROSSWALK_HOME=$SRC

die() {
    echo "bench: $*" >&2
    exit 1
}

[ "$PASSES" -ge 3 ] 2>/dev/null || die "BENCH_PASSES must be 3 or more"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (run bench/setup.sh)"
[ -x "$CW" ] || die "$CW is not built; see bench/README.md (CROSSWALK=...)"

# data_path ROWS [nobare]: the generated file for ROWS rows, named after
# the generator's version so that a file made by an older gen.py is not
# used; with "nobare", the variant without bare quotes (gen.py
# --no-bare-quotes: the same values, every field holding a quote quoted),
# for readers that take a quote anywhere as opening a quoted section
# (PostgreSQL's COPY).
data_path() {
    local n=$1 tag=$1
    [ "$n" = 1000000 ] && tag=1m
    echo "$SRC/bench/data/messages-v$GEN_VERSION-$tag${2:+-$2}.csv"
}

# ensure_data ROWS [nobare]: generate the file when it is missing; print
# its path.
ensure_data() {
    local f
    f=$(data_path "$1" "${2:-}")
    if [ ! -f "$f" ]; then
        echo "bench: generating $f ($1 rows${2:+, $2})" >&2
        if [ "${2:-}" = nobare ]; then
            python3 "$SRC/bench/gen.py" --no-bare-quotes "$1" "$f"
        else
            python3 "$SRC/bench/gen.py" "$1" "$f"
        fi
    fi
    echo "$f"
}

# count_records FILE: CSV records after the header (not lines).
count_records() {
    python3 -c '
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    print(sum(1 for _ in csv.reader(f)) - 1)' "$1"
}

load_now() {
    uptime | sed 's/.*load average: //'
}

# build_type: the CMAKE_BUILD_TYPE of the crosswalk binary's build tree,
# when it has one beside it.
build_type() {
    local c
    c=$(dirname "$CW")/CMakeCache.txt
    if [ -f "$c" ]; then
        sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$c"
    else
        echo "unknown"
    fi
}

# busy: the other processes that used at least 5% of a core over one
# second (top's second sample), "none" when there were none.
busy() {
    local b
    b=$(top -b -n 2 -d 1 -w 200 2>/dev/null | awk '
        /^top -/ { f++ }
        f == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 5 && $12 != "top" {
            printf "%s%s %s%%", sep, $12, $9; sep = ", " }')
    echo "${b:-none}"
}

# machine: one paragraph on the machine, its load and the crosswalk build.
machine() {
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ); $(nproc) cores" \
        "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'));" \
        "$(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo);" \
        "load average (1, 5, 15 min) at start: $(load_now);" \
        "other processes busy at start (CPU over 1 s): $(busy)."
    echo "crosswalk: \`$CW\`, $("$CW" --version 2>&1 | head -n 1)," \
        "$(build_type) build, commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')" \
        "$(git -C "$SRC" diff --quiet HEAD 2>/dev/null || echo '(with uncommitted changes)')."
}

# run LABEL CMD...: run CMD once under /usr/bin/time; append "wall cpu
# rss_kb" to $TMP/times/LABEL; die when it fails.  Standard output goes
# to $TMP/stdout (or where BENCH_STDOUT says).
run() {
    local label=$1 f
    shift
    f=$TMP/times/$(printf '%s' "$label" | tr -c 'A-Za-z0-9' _)
    if ! /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$@" \
        >"${BENCH_STDOUT:-$TMP/stdout}" 2>"$TMP/stderr"; then
        tail -n 5 "$TMP/stderr" >&2
        die "$label failed: $*"
    fi
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$TMP/time" >>"$f"
    awk -v l="$label" '{ printf "bench:   %-44s %6.2f s  cpu %6.2f s  %7.1f MB\n", l, $1, $2 + $3, $4 / 1024 }' "$TMP/time" >&2
}

# times LABEL COLUMN: the column (1 wall, 2 cpu, 3 rss KB) of every pass.
times() {
    local f
    f=$TMP/times/$(printf '%s' "$1" | tr -c 'A-Za-z0-9' _)
    awk -v c="$2" '{ print $c }' "$f"
}

# stat_of: "median [min-max]" of the numbers on stdin, 2 decimals.
stat_of() {
    sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f [%.2f-%.2f]\n", m, v[1], v[NR] }'
}

# ratios NUM DEN [COLUMN]: per pass, NUM's wall time (or COLUMN: 2 for
# CPU time) over DEN's; "median [range]".
ratios() {
    paste <(times "$1" "${3:-1}") <(times "$2" "${3:-1}") |
        awk '{ if ($2 > 0) print $1 / $2 }' | stat_of
}

# median_of: the median alone of "median [min-max]".
median_of() {
    cut -d' ' -f1
}

# verdict VALUE OP GOAL: "met" or "NOT met" for VALUE OP GOAL (>= or <=).
verdict() {
    if awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN {
        exit !((op == ">=") ? (v >= g) : (v <= g)) }'; then
        echo "met"
    else
        echo "**not met**"
    fi
}

# ratio_row TEXT NUM DEN [OP GOAL]: a Markdown row for a paired ratio of
# wall times (of CPU times when RATIO_COLUMN=2), with its goal when one
# is given.  Its range is judged too: "met" when the median meets the
# goal, "(every pass)" when the worst pass does.
ratio_row() {
    local text=$1 num=$2 den=$3 op=${4:-} goal=${5:-} r med lo hi v=""
    r=$(ratios "$num" "$den" "${RATIO_COLUMN:-1}")
    med=$(echo "$r" | median_of)
    lo=$(echo "$r" | sed 's/.*\[\(.*\)-.*/\1/')
    hi=$(echo "$r" | sed 's/.*-\(.*\)\]/\1/')
    if [ -n "$op" ]; then
        v=$(verdict "$med" "$op" "$goal")
        if [ "$v" = met ]; then
            if [ "$op" = ">=" ]; then
                [ "$(verdict "$lo" "$op" "$goal")" = met ] && v="met (every pass)"
            else
                [ "$(verdict "$hi" "$op" "$goal")" = met ] && v="met (every pass)"
            fi
        fi
        v="$op $goal: $v"
    fi
    echo "| $text | $r | $v |"
}

# tool_row LABEL: a Markdown row of a command's wall, CPU and peak RSS.
tool_row() {
    echo "| $1 | $(times "$1" 1 | stat_of) | $(times "$1" 2 | stat_of) |" \
        "$(times "$1" 3 | awk '{ print $1 / 1024 }' | stat_of) |"
}

# max_rss_mb LABEL: the largest peak RSS of the passes, MB.
max_rss_mb() {
    times "$1" 3 | sort -g | tail -n 1 | awk '{ printf "%.1f\n", $1 / 1024 }'
}
