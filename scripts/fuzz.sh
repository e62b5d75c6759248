#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS [TARGET...]]: build the libFuzzer targets of
# tests/fuzz (clang, -DCW_FUZZ=ON, in build-fuzz/ or $CW_FUZZ_BUILD) and
# run each for SECONDS (default 60), all of them or the TARGETs named
# (csv rules tz recipe schema ndjson). Each starts from a temporary copy
# of its committed corpus (tests/fuzz/corpus/TARGET) and regression
# inputs (tests/fuzz/regress/TARGET), which stay untouched; crashes,
# leaks, timeouts and out-of-memory inputs are written to a temporary
# directory. Prints each target's executions and coverage; exits 1
# naming the target and the file of every input that failed, 2 on a
# usage or build error. tests/fuzz/README.md says what to do with a
# finding.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(csv rules tz recipe schema ndjson)

usage() {
    echo "usage: scripts/fuzz.sh [SECONDS [TARGET...]]  (targets: ${ALL[*]})" >&2
    exit 2
}

# maxlen TARGET: the largest input libFuzzer makes for TARGET.
maxlen() {
    case "$1" in
    rules) echo 256 ;;
    csv | ndjson) echo 4096 ;;
    tz) echo 8192 ;;
    *) echo 16384 ;;
    esac
}

# dict TARGET: its libFuzzer dictionary in tests/fuzz/dict, or nothing.
dict() {
    case "$1" in
    recipe | schema) echo tests/fuzz/dict/lua.dict ;;
    ndjson) echo tests/fuzz/dict/json.dict ;;
    csv | rules) echo "tests/fuzz/dict/$1.dict" ;;
    esac
}

# treefiles TARGET: the files of the tree that seed TARGET (tests/fuzz/treefiles/).
treefiles() {
    local pat
    [ -f tests/fuzz/treefiles/"$1" ] || return 0
    while read -r pat; do
        case "$pat" in '' | '#'*) continue ;; esac
        compgen -G "$pat" || true
    done <tests/fuzz/treefiles/"$1"
}

seconds=${1:-60}
[ "$#" -eq 0 ] || shift
case "$seconds" in
-h | --help) usage ;;
'' | *[!0-9]*) usage ;;
esac
[ "$seconds" -gt 0 ] || usage
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${ALL[@]}")
for t in "${targets[@]}"; do
    [[ " ${ALL[*]} " == *" $t "* ]] || usage
done

command -v clang >/dev/null 2>&1 || {
    echo "fuzz: ERROR: clang not found; run scripts/setup.sh" >&2
    exit 2
}
build=${CW_FUZZ_BUILD:-build-fuzz}
echo "fuzz: building ${targets[*]} in $build/"
if ! { CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCW_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null &&
    cmake --build "$build" --parallel "$(nproc 2>/dev/null || echo 2)" \
        --target "${targets[@]/#/fuzz_}" >/dev/null; }; then
    echo "fuzz: ERROR: the build failed" >&2
    exit 2
fi
bin=$(cd "$build" && pwd)/tests/fuzz

out=$(mktemp -d "${TMPDIR:-/tmp}/cwfuzz-run.XXXXXX")
failed=()
for t in "${targets[@]}"; do
    work=$out/$t
    mkdir -p "$work/corpus" "$work/found" "$work/tmp"
    find tests/fuzz/corpus/"$t" -maxdepth 1 -type f ! -name '.*' \
        -exec cp {} "$work/corpus/" \;
    for f in $(treefiles "$t"); do
        cp "$f" "$work/corpus/seed_${f//\//_}"
    done
    find tests/fuzz/regress/"$t" -maxdepth 1 -type f ! -name '.*' \
        -exec cp {} "$work/corpus/" \;
    args=(-max_total_time="$seconds" -max_len="$(maxlen "$t")" -timeout=20
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/found/")
    d=$(dict "$t")
    [ -z "$d" ] || args+=(-dict="$PWD/$d")
    echo
    echo "==> fuzz_$t for ${seconds}s (max_len $(maxlen "$t"))"
    rc=0
    (cd "$work" && TMPDIR=$work/tmp "$bin/fuzz_$t" \
        "${args[@]}" corpus >log 2>&1) || rc=$?
    # The final stats: executions, their rate, coverage and features.
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
    cov=$({ grep -E '^#[0-9]+' "$work/log" || true; } | tail -n 1 |
        sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov: \1 ft: \2/p')
    echo "fuzz_$t: ${runs:-?} executions, ${rate:-?} exec/s, ${cov:-no coverage line}"
    found=()
    mapfile -t found < <(find "$work/found" -type f ! -name 'slow-unit-*' | sort)
    if [ "$rc" -ne 0 ] || [ "${#found[@]}" -ne 0 ]; then
        grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_)' "$work/log" | head -n 5 || true
        echo "fuzz_$t: FAILED (libFuzzer exit status $rc); log: $work/log"
        for f in "${found[@]}"; do
            echo "fuzz_$t: input: $f"
            failed+=("$t: $f")
        done
        [ "${#found[@]}" -ne 0 ] || failed+=("$t: exit status $rc, no input saved")
    else
        rm -rf "${work:?}/corpus" "$work/tmp"
    fi
done

echo
if [ "${#failed[@]}" -ne 0 ]; then
    echo "fuzz: FAILED: ${#failed[@]} finding(s):" >&2
    printf '  %s\n' "${failed[@]}" >&2
    echo "fuzz: logs and inputs kept in $out" >&2
    echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
    exit 1
fi
rm -rf "$out"
echo "fuzz: ${#targets[@]} passed, 0 failed"
