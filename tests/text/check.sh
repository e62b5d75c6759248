#!/usr/bin/env bash
# tests/text/check.sh: fail when a tracked file carries text that means
# nothing to the people who use crosswalk: the source tags of the team's
# private notes (a D or S number in square brackets, alone or in a list),
# the inference and unknown markers those notes use, paths into that
# material, references to it by name or by its section numbers, and
# absolute paths of a development machine. Say in plain words which public
# document a fact comes from, and "not documented" for what is unknown.
#
# Usage: tests/text/check.sh [ROOT]
#   ROOT defaults to the repository that holds this script. The files
#   checked are those `git ls-files` lists in ROOT (every regular file
#   outside .git when ROOT is not a git work tree); binary files are
#   skipped, and data files (.csv, .tsv, .json, .ndjson, .jsonl) are
#   checked for tags and paths but not for the two markers, which can be
#   legitimate values there.
# Exit status: 0 clean; 1 findings, listed as FILE:LINE: what: text;
# 2 usage error.
set -euo pipefail

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    echo "usage: tests/text/check.sh [ROOT]" >&2
    exit 2
fi
ROOT=${1:-"$(cd "$(dirname "$0")/../.." && pwd)"}
if [ ! -d "$ROOT" ]; then
    echo "check.sh: $ROOT: not a directory" >&2
    exit 2
fi
cd "$ROOT"

# The checks: a label, the files it applies to (all, or text: not data
# files) and an extended regular expression matched against each line.
# Each pattern is written so that this file does not match itself.
LABELS=()
SCOPES=()
PATTERNS=()
add() {
    LABELS+=("$1")
    SCOPES+=("$2")
    PATTERNS+=("$3")
}
# A tag is a square bracket opening on D0-D9 or S1-S99 followed by the
# closing bracket, a list separator and another tag, or a space and a
# lower-case word: the single, listed, chained and annotated forms. Lua
# and C indexing ([1], [i], [n - 1]), JSON and CSV never look like that.
add "source tag" all '\[(D[0-9]|S[1-9][0-9]?)(\]|[,;] ?(D[0-9]|S[1-9][0-9]?)|[ ][a-z])'
# The markers, as whole upper-case words: W_UNKNOWN_COLUMN, CONNINFO and
# INFINITY are other words.
add "inference marker" text '(^|[^[:alnum:]_])I[N]F([^[:alnum:]_]|$)'
add "unknown marker" text '(^|[^[:alnum:]_])U[N]KNOWN([^[:alnum:]_]|$)'
# Paths into the team's material, and references to it.
add "path to team material" all '(^|[^[:alnum:]_.-])(\.\./)*(shared|seeds)/'
add "team material" all '[Pp]lanning[[:space:]]+[Mm]aterials?'
add "section of the team's formats reference" all 'formats(\.md| reference),? (sections? )?[0-9]'
# Absolute paths of a development machine.
add "development path" all '(^|[^[:alnum:]_.~-])/(work|root)/'
add "development path" all '(^|[^[:alnum:]_.~-])/home/[[:alnum:]_.-]+/'

# Known exceptions, each "FILE:REGEX" (REGEX extended, matched against the
# text of the line found), with its reason above it.
EXCEPTIONS=(
    # None today.
)

excepted() { # excepted FILE TEXT
    local e
    for e in "${EXCEPTIONS[@]+"${EXCEPTIONS[@]}"}"; do
        if [ "${e%%:*}" = "$1" ] && printf '%s\n' "$2" | grep -Eq -- "${e#*:}"; then
            return 0
        fi
    done
    return 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z >"$tmp/all"
else
    find . -path ./.git -prune -o -type f -printf '%P\0' >"$tmp/all"
fi
tr '\0' '\n' <"$tmp/all" |
    grep -Eiv '\.(csv|tsv|json|ndjson|jsonl)$' |
    tr '\n' '\0' >"$tmp/text" || true

for i in "${!PATTERNS[@]}"; do
    xargs -0 -r grep -sInHE -- "${PATTERNS[$i]}" <"$tmp/${SCOPES[$i]}" |
        while IFS= read -r hit; do
            f=${hit%%:*}
            rest=${hit#*:}
            text=${rest#*:}
            if ! excepted "$f" "$text"; then
                text=${text#"${text%%[![:space:]]*}"}
                printf '%s:%s: %s: %.160s\n' "$f" "${rest%%:*}" \
                    "${LABELS[$i]}" "$text"
            fi
        done >>"$tmp/found" || true
done

if [ -s "$tmp/found" ]; then
    sort -t: -k1,1 -k2,2n "$tmp/found"
    echo "check.sh: $(wc -l <"$tmp/found") finding(s): text that means" \
        "nothing to users; say it in plain words (see tests/text/check.sh)" >&2
    exit 1
fi
echo "check.sh: clean ($(tr -cd '\0' <"$tmp/all" | wc -c) files)"
