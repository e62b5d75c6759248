#!/usr/bin/env bash
# scripts/test.sh: the one command that runs every test. Installs what is
# missing, builds the release (build/) and sanitizer (build-asan/) builds,
# runs every ctest test in build/ (labels unit, recipe, e2e, db, install,
# lua, lint: tests/CMakeLists.txt; fuzz-regress: tests/fuzz/CMakeLists.txt),
# the unit tests and the fuzz regression inputs again in build-asan/
# under ASan and UBSan, the clang-format check, then every fuzz target
# for CW_FUZZ_SECONDS (default 60) seconds with scripts/fuzz.sh (clang
# and libFuzzer, in build-fuzz/). Stops at the first failing stage and
# names it.
#
# The database tests start a throwaway PostgreSQL server each
# (scripts/pg.sh, in a temp directory) and fail when they cannot; with
# CW_PG_CONNINFO set, they use that server instead.
set -euo pipefail
cd "$(dirname "$0")/.."

LABELS=(unit recipe e2e db install lua lint fuzz-regress)
PASSED=0
SUMMARY=()

# fail STAGE MESSAGE: report the failing stage and stop.
fail() {
    echo
    echo "test.sh: FAILED at stage '$1': $2" >&2
    echo "test: $PASSED passed, 1 failed"
    exit 1
}

# stage NAME CMD...: run one stage; stop everything if it fails.
stage() {
    local name=$1 rc=0
    shift
    echo
    echo "==> $name"
    "$@" || rc=$?
    [ "$rc" -eq 0 ] || fail "$name" "exit status $rc"
}

# ctest_stage NAME DIR LABEL... [-- ENV...]: check that DIR has tests with
# each LABEL, run them with ctest, add the passed tests per label (the
# test names start with their label) to the summary.
ctest_stage() {
    local name=$1 dir=$2 rc=0 log l n failed counts
    local labels=() envs=() args=()
    shift 2
    while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
        labels+=("$1")
        shift
    done
    [ "$#" -eq 0 ] || shift
    envs=("$@")
    echo
    echo "==> $name"
    for l in "${labels[@]}"; do
        n=$(cd "$dir" && ctest -N -L "^$l\$" | sed -n 's/^Total Tests: //p')
        [ "${n:-0}" -gt 0 ] || fail "$name" "no ctest tests with label '$l' in $dir"
    done
    if [ "${#labels[@]}" -ne "${#LABELS[@]}" ]; then
        args=(-L "^($(
            IFS='|'
            echo "${labels[*]}"
        ))\$")
    fi
    log=$(mktemp)
    (cd "$dir" && env "${envs[@]+"${envs[@]}"}" \
        ctest --output-on-failure "${args[@]+"${args[@]}"}") 2>&1 |
        tee "$log" || rc=$?
    if [ "$rc" -ne 0 ]; then
        failed=$(sed -n '/^The following tests FAILED:/,$ s/^[[:space:]]*[0-9]* - \([^ ]*\) .*/\1/p' \
            "$log" | paste -sd ' ' -)
        rm -f "$log"
        fail "$name" "ctest exit status $rc; failed: ${failed:-see the output above}"
    fi
    counts=$(sed -n 's/.*Test *#[0-9]*: \([^ .]*\)[^ ]* \.*  *Passed .*/\1/p' \
        "$log" | sort | uniq -c | awk '{ printf "%s%s %d", sep, $2, $1; sep = ", " }')
    n=$(grep -c 'Test *#[0-9]*: .* Passed ' "$log" || true)
    l=$(grep -c 'Not Run (Disabled)' "$log" || true)
    rm -f "$log"
    PASSED=$((PASSED + n))
    [ "$l" -eq 0 ] || counts="$counts; $l disabled"
    SUMMARY+=("$name: $counts")
}

# format_check: clang-format --dry-run --Werror on all C sources.
format_check() {
    local files=()
    mapfile -t files < <(find engine cli tests \
        -path tests/data -prune -o \
        -type f \( -name '*.c' -o -name '*.h' \) -print 2>/dev/null | sort)
    if [ "${#files[@]}" -eq 0 ]; then
        echo "no C files to check"
        SUMMARY+=("format: 0 files")
        return 0
    fi
    local f bad=()
    for f in "${files[@]}"; do
        clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
    done
    if [ "${#bad[@]}" -ne 0 ]; then
        clang-format --dry-run --Werror "${bad[0]}" 2>&1 | head -n 20
        echo "clang-format: ${#bad[@]} of ${#files[@]} files need formatting" \
            "(fix with: clang-format -i FILE):"
        printf '  %s\n' "${bad[@]}"
        return 1
    fi
    echo "clang-format: ${#files[@]} files formatted correctly"
    PASSED=$((PASSED + 1))
    SUMMARY+=("format: ${#files[@]} files")
}

stage "setup (scripts/setup.sh)" scripts/setup.sh
stage "build release (build/)" scripts/build.sh release
stage "build sanitize (build-asan/)" scripts/build.sh sanitize

ctest_stage "release (ctest in build/)" build "${LABELS[@]}"
ctest_stage "sanitize (ctest -L 'unit|fuzz-regress' in build-asan/)" \
    build-asan unit fuzz-regress -- \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

stage "format (clang-format --dry-run --Werror)" format_check

# fuzz_stage: every fuzz target for CW_FUZZ_SECONDS seconds; each target
# that finds nothing counts as one passed test.
fuzz_stage() {
    local secs=${CW_FUZZ_SECONDS:-60} n
    scripts/fuzz.sh "$secs" || return 1
    n=$(find tests/fuzz -maxdepth 1 -name 'fuzz_*.c' | wc -l)
    PASSED=$((PASSED + n))
    SUMMARY+=("fuzz: $n targets, ${secs}s each")
}
stage "fuzz (scripts/fuzz.sh, ${CW_FUZZ_SECONDS:-60}s per target)" fuzz_stage

echo
summary=$(printf '%s; ' "${SUMMARY[@]}")
echo "all tests passed (${summary%; })"
echo "test: $PASSED passed, 0 failed"
