#!/usr/bin/env bash
# tests/e2e/run.sh: end-to-end tests of the crosswalk command, as data.
#
# usage: tests/e2e/run.sh [CASE...]    (default: every case)
#
# Each case is a directory tests/e2e/cases/NAME/ holding:
#   cmd         one bash command line, run from the case directory with
#               CROSSWALK (the binary), OUT (a fresh empty temp dir),
#               CASE (the case directory) and CW_SOURCE_DIR exported;
#               stdin is /dev/null unless the command redirects it
#   exit        the expected exit code
#   stdout      optional: the exact expected standard output
#   stderr      optional: the exact expected standard error
#   expected/   optional: the exact files that must exist under $OUT
#   allow-extra optional: other files may exist under $OUT too; without
#               it, $OUT must hold exactly the files in expected/
#               (nothing at all when there is no expected/)
#   disabled    optional: skip the case; the first line says why (a case
#               that shows a known bug, to enable once it is fixed);
#               CW_E2E_RUN_DISABLED=1 runs these cases too
#               CW_E2E_BLESS=1 rewrites the expected stdout, stderr, exit
#               and expected/ files a failing case already has, from its
#               run (review the diff before committing)
# Before comparing, the actual stdout, stderr and files have the temp dir
# path replaced by the literal text $OUT, then the case directory by
# $CASE, then the source tree by $SRC.  A failing case prints the reason
# and a unified diff (expected first).  Exit status: 0 when every case
# that ran passed, 1 otherwise, 2 on a usage error.
#
# Environment: CROSSWALK (default $CW_SOURCE_DIR/build/crosswalk) and
# CW_SOURCE_DIR (default the tree this script is in).  CROSSWALK_HOME is
# set to CW_SOURCE_DIR so the tree's schemas/ and lua/ are used.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CW_SOURCE_DIR=${CW_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
CW_SOURCE_DIR=$(cd "$CW_SOURCE_DIR" && pwd)
CROSSWALK=${CROSSWALK:-$CW_SOURCE_DIR/build/crosswalk}
case $CROSSWALK in
/*) ;;
*) CROSSWALK=$(pwd)/$CROSSWALK ;;
esac
if [ ! -x "$CROSSWALK" ]; then
    echo "e2e: $CROSSWALK is not an executable; build first" >&2
    exit 2
fi
export CROSSWALK CW_SOURCE_DIR
export CROSSWALK_HOME=$CW_SOURCE_DIR
export LC_ALL=C
CASES_DIR=$HERE/cases
TIMEOUT=${CW_E2E_TIMEOUT:-120}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cw-e2e-work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# subst FILE: FILE's bytes with $OUT, $CASE and $SRC put back in place of
# the paths they stand for.
subst() {
    SUB_OUT=$OUT_DIR SUB_CASE=$CASE_DIR SUB_SRC=$CW_SOURCE_DIR perl -pe '
        s/\Q$ENV{SUB_OUT}\E/\$OUT/g;
        s/\Q$ENV{SUB_CASE}\E/\$CASE/g;
        s/\Q$ENV{SUB_SRC}\E/\$SRC/g;
    ' "$1"
}

# compare LABEL EXPECTED ACTUAL: diff after substitution; print the diff
# and return 1 when they differ.
compare() {
    local label=$1 want=$2 got=$3
    subst "$got" >"$WORK/subst"
    if ! cmp -s "$want" "$WORK/subst"; then
        echo "  $label differs:"
        diff -u --label "expected/$label" --label "actual/$label" \
            "$want" "$WORK/subst" | sed 's/^/    /' || true
        if [ -s "$want" ] && [ "$(tail -c 1 "$want" | od -An -c | tr -d ' ')" != '\n' ]; then
            echo "    (expected $label has no final newline)"
        fi
        if [ -n "${CW_E2E_BLESS:-}" ]; then
            cp "$WORK/subst" "$want"
            echo "    (CW_E2E_BLESS: $want rewritten)"
        fi
        return 1
    fi
    return 0
}

# run_case DIR: run one case; print PASS, FAIL or SKIP.  Returns 0 on
# pass or skip, 1 on failure.
run_case() {
    local dir=$1 name want rc=0 ok=1 rel
    name=$(basename "$dir")
    if [ -f "$dir/disabled" ] && [ -z "${CW_E2E_RUN_DISABLED:-}" ]; then
        echo "SKIP $name: $(head -n 1 "$dir/disabled")"
        SKIPPED=$((SKIPPED + 1))
        return 0
    fi
    if [ ! -f "$dir/cmd" ] || [ ! -f "$dir/exit" ]; then
        echo "FAIL $name: the case needs the files 'cmd' and 'exit'"
        return 1
    fi
    CASE_DIR=$dir
    OUT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cw-e2e-out.XXXXXX")
    (cd "$dir" && OUT=$OUT_DIR CASE=$dir \
        timeout -k 5 "$TIMEOUT" bash -c "$(cat "$dir/cmd")" \
        >"$WORK/stdout" 2>"$WORK/stderr" </dev/null) || rc=$?
    want=$(tr -d ' \t\r\n' <"$dir/exit")
    local report=()
    if [ "$rc" != "$want" ]; then
        report+=("  exit code: expected $want, got $rc")
        ok=0
        [ -z "${CW_E2E_BLESS:-}" ] || echo "$rc" >"$dir/exit"
    fi
    {
        if [ -f "$dir/stdout" ]; then
            compare stdout "$dir/stdout" "$WORK/stdout" || ok=0
        fi
        if [ -f "$dir/stderr" ]; then
            compare stderr "$dir/stderr" "$WORK/stderr" || ok=0
        fi
        if [ -d "$dir/expected" ]; then
            while IFS= read -r rel; do
                if [ ! -e "$OUT_DIR/$rel" ]; then
                    echo "  missing output file \$OUT/$rel"
                    ok=0
                elif ! compare "$rel" "$dir/expected/$rel" "$OUT_DIR/$rel"; then
                    ok=0
                fi
            done < <(cd "$dir/expected" && find . -type f | sed 's|^\./||' | sort)
        fi
        if [ ! -f "$dir/allow-extra" ]; then
            while IFS= read -r rel; do
                if [ ! -f "$dir/expected/$rel" ]; then
                    echo "  unexpected file \$OUT/$rel"
                    ok=0
                fi
            done < <(cd "$OUT_DIR" && find . ! -type d | sed 's|^\./||' | sort)
        fi
    } >"$WORK/report"
    if [ "$ok" -eq 1 ]; then
        echo "PASS $name"
    else
        echo "FAIL $name"
        if [ "${#report[@]}" -gt 0 ]; then
            printf '%s\n' "${report[@]}"
        fi
        cat "$WORK/report"
        if [ ! -f "$dir/stderr" ] && [ -s "$WORK/stderr" ]; then
            echo "  stderr was:"
            sed 's/^/    /' "$WORK/stderr"
        fi
    fi
    rm -rf "$OUT_DIR"
    [ "$ok" -eq 1 ]
}

SKIPPED=0
passed=0
failed=0
if [ "$#" -gt 0 ]; then
    dirs=()
    for c in "$@"; do
        c=${c%/}
        c=${c##*/}
        [ -d "$CASES_DIR/$c" ] || { echo "e2e: no case '$c' in $CASES_DIR" >&2; exit 2; }
        dirs+=("$CASES_DIR/$c")
    done
else
    mapfile -t dirs < <(find "$CASES_DIR" -mindepth 1 -maxdepth 1 -type d | sort)
fi
if [ "${#dirs[@]}" -eq 0 ]; then
    echo "e2e: no cases in $CASES_DIR" >&2
    exit 2
fi
for d in "${dirs[@]}"; do
    if run_case "$d"; then
        if [ ! -f "$d/disabled" ] || [ -n "${CW_E2E_RUN_DISABLED:-}" ]; then
            passed=$((passed + 1))
        fi
    else
        failed=$((failed + 1))
    fi
done
echo "e2e: $((passed + failed)) cases run: $passed passed, $failed failed," \
    "$SKIPPED skipped (disabled)"
[ "$failed" -eq 0 ]
