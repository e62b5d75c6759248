#!/usr/bin/env bash
# scripts/test.sh: the one command that runs every test. Installs what is
# missing, builds release and sanitizer builds, runs the unit tests in both,
# checks formatting, then runs the end-to-end and database tests that exist.
# Stops at the first failing stage and names it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PG_DIR=""
cleanup() {
    if [ -n "$PG_DIR" ]; then
        scripts/pg.sh stop "$PG_DIR" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

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

# ctest_stage NAME DIR [ENV...]: run ctest in DIR and add its count.
ctest_stage() {
    local name=$1 dir=$2 rc=0 log n
    shift 2
    log=$(mktemp)
    echo
    echo "==> $name"
    (cd "$dir" && env "$@" ctest --output-on-failure) 2>&1 | tee "$log" ||
        rc=$?
    if [ "$rc" -ne 0 ]; then
        rm -f "$log"
        fail "$name" "ctest exit status $rc (see the output above)"
    fi
    n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' \
        "$log" | tail -n 1)
    rm -f "$log"
    if [ -z "$n" ]; then
        echo "test.sh: warning: ctest in $dir found no tests"
        n=0
    fi
    PASSED=$((PASSED + n))
    SUMMARY+=("$name: $n")
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

# need_pg: true when database tests exist (tests/db/, or ctest tests with
# the 'db' label).
need_pg() {
    [ -d tests/db ] && return 0
    (cd build && ctest -N -L db 2>/dev/null) |
        grep -q 'Total Tests: [1-9]'
}

# start_pg: start the throwaway server and export its connection details.
start_pg() {
    local conninfo
    PG_DIR=$(mktemp -d /tmp/cw-pg.XXXXXX)
    conninfo=$(scripts/pg.sh start "$PG_DIR" | tail -n 1) || return 1
    export CW_PG_CONNINFO=$conninfo
    export PGHOST=$PG_DIR PGPORT=5433 PGUSER=postgres
    export PGDATABASE=crosswalk_test
    echo "PostgreSQL: $CW_PG_CONNINFO"
}

stage "setup (scripts/setup.sh)" scripts/setup.sh
stage "build release (build/)" scripts/build.sh release
stage "build sanitize (build-asan/)" scripts/build.sh sanitize

if need_pg; then
    stage "start PostgreSQL (scripts/pg.sh)" start_pg
fi

ctest_stage "unit tests, release" build
ctest_stage "unit tests, sanitize" build-asan \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

stage "format (clang-format --dry-run --Werror)" format_check

export CROSSWALK=$ROOT/build/crosswalk
export CW_SOURCE_DIR=$ROOT

if [ -d pipelines ] && [ -n "$(find pipelines -name '*.lua' -print -quit)" ]; then
    stage "recipe tests (crosswalk test pipelines/)" build/crosswalk test pipelines/
    PASSED=$((PASSED + 1))
    SUMMARY+=("recipe tests: pipelines/")
fi

if [ -f tests/e2e/run.sh ]; then
    stage "end-to-end tests (tests/e2e/run.sh)" bash tests/e2e/run.sh
    PASSED=$((PASSED + 1))
    SUMMARY+=("e2e: tests/e2e/run.sh")
fi

if [ -f tests/db/run.sh ]; then
    stage "database tests (tests/db/run.sh)" bash tests/db/run.sh
    PASSED=$((PASSED + 1))
    SUMMARY+=("db: tests/db/run.sh")
fi

echo
summary=$(printf '%s; ' "${SUMMARY[@]}")
echo "all tests passed (${summary%; })"
echo "test: $PASSED passed, 0 failed"
