#!/usr/bin/env bash
# bench/all.sh: run every benchmark script once, one after the other, and
# write bench/RESULTS.md from their reports: a table of every goal with
# its figure and verdict, then each script's report as it printed it.
#
# Usage: bench/all.sh [--report-only] [SCRIPT...]
#                         (after bench/setup.sh; environment: bench/lib.sh)
#
# SCRIPT is a name among map, parse, load_sqlite, load_pg and memory
# (default: all five, in that order).  A script that fails stops the run
# and leaves RESULTS.md as it was.  With --report-only, nothing runs:
# RESULTS.md is written from the reports the scripts last wrote in
# bench/out/.  Run it on a machine doing nothing else: each report names
# the other processes busy when it started.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN=1
if [ "${1:-}" = --report-only ]; then
    RUN=0
    shift
fi
SCRIPTS=("$@")
[ "${#SCRIPTS[@]}" -gt 0 ] || SCRIPTS=(map parse load_sqlite load_pg memory)
for s in "${SCRIPTS[@]}"; do
    [ -f "bench/$s.sh" ] || {
        echo "bench/all.sh: no script bench/$s.sh" >&2
        exit 2
    }
done

# report SCRIPT: the report SCRIPT writes (load_pg.sh: load-pg.md).
report() {
    echo "bench/out/${1//_/-}.md"
}

for s in "${SCRIPTS[@]}"; do
    if [ "$RUN" = 1 ]; then
        echo "bench/all.sh: bench/$s.sh" >&2
        "bench/$s.sh" >/dev/null
    fi
    [ -f "$(report "$s")" ] || {
        echo "bench/all.sh: no report $(report "$s"); run bench/$s.sh" >&2
        exit 1
    }
done

TMP=$(mktemp "${TMPDIR:-/tmp}/cw-results.XXXXXX")
trap 'rm -f "$TMP"' EXIT
{
    echo "# Measured results"
    echo
    echo "Written by \`bench/all.sh\` from one run of each script (each report"
    echo "gives the time it started)."
    echo "Every figure is the **median and range (lowest-highest) of paired"
    echo "ratios** over interleaved passes: in each pass every command runs"
    echo "once, crosswalk and its peers alternating, and a ratio compares two"
    echo "commands of the same pass. Each section below is the script's own"
    echo "report (\`bench/out/NAME.md\`), with the machine, its load average at"
    echo "the start and the end, and the processes that were busy when it"
    echo "started. How to repeat them: [README.md](README.md)."
    echo
    echo "## The goals"
    echo
    echo "| script | comparison | median [range] | goal |"
    echo "| --- | --- | ---: | --- |"
    for s in "${SCRIPTS[@]}"; do
        # A row with a goal ends with ">= N: verdict |" or "<= N: verdict |".
        grep -E '^\| .* \| [<>]= [0-9.]+: .* \|$' "$(report "$s")" |
            sed "s/^| /| $s | /" || true
        grep -E '\(goal [0-9]+ MB: ' "$(report "$s")" |
            sed -E "s/^(.*)\(goal ([0-9]+) MB: ([^)]*)\)\.?$/| $s | \1| | <= \2 MB: \3 |/" || true
        # map.sh stops before timing when a crosswalk output differs.
        grep -q '^Outputs against Python' "$(report "$s")" &&
            echo "| $s | outputs byte-identical to Python's csv writer (\`cmp\`), declarative, Lua function and Lua function parallel | identical | identical: met |"
    done
    for s in "${SCRIPTS[@]}"; do
        echo
        cat "$(report "$s")"
    done
} >"$TMP"
cp "$TMP" bench/RESULTS.md
echo "bench/all.sh: wrote bench/RESULTS.md" >&2
