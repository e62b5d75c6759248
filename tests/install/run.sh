#!/usr/bin/env bash
# tests/install/run.sh: checks 'cmake --install' of a build tree.
#
# usage: tests/install/run.sh BUILD_DIR    (ctest -L install runs it)
#
# Installs BUILD_DIR into a temp prefix, then checks that the installed
# files are exactly bin/crosswalk, share/crosswalk/schemas/... and
# share/crosswalk/lua/... (the source tree's schemas/ and lua/ *.lua
# files, each folder under its own name) and the Lua module
# LIBDIR/lua/5.4/crosswalk.so, that lua/crosswalk/ is there,
# that the installed binary lists every schema with
# CROSSWALK_HOME=PREFIX/share/crosswalk, and that a recipe can require a
# module placed in the installed lua/crosswalk/.  Prints PASS or FAIL
# with the reason for each check; exit status 1 when any failed, 2 on a
# usage error.
set -euo pipefail

[ "$#" -eq 1 ] && [ -d "$1" ] || {
    echo "usage: tests/install/run.sh BUILD_DIR" >&2
    exit 2
}
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export LC_ALL=C
unset DESTDIR # the files go under PREFIX only

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cw-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/prefix
DATA=$PREFIX/share/crosswalk
failed=0

# check NAME CMD...: run one check; print PASS or FAIL with its output.
check() {
    local name=$1 rc=0
    shift
    "$@" >"$WORK/log" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "PASS $name"
    else
        echo "FAIL $name"
        sed 's/^/  /' "$WORK/log"
        failed=$((failed + 1))
    fi
}

do_install() {
    cmake --install "$BUILD" --prefix "$PREFIX"
}

# installed_files: the installed tree is exactly the expected files.
installed_files() {
    {
        echo bin/crosswalk
        sed -n 's|^CMAKE_INSTALL_LIBDIR:[A-Z]*=\(.*\)|\1/lua/5.4/crosswalk.so|p' \
            "$BUILD/CMakeCache.txt"
        (cd "$SRC" && find schemas lua -type f -name '*.lua') |
            sed 's|^|share/crosswalk/|'
    } | sort >"$WORK/want"
    (cd "$PREFIX" && find . -type f | sed 's|^\./||' | sort) >"$WORK/got"
    diff -u --label expected --label installed "$WORK/want" "$WORK/got" &&
        [ -x "$PREFIX/bin/crosswalk" ] && [ -d "$DATA/lua/crosswalk" ] || {
        echo "want bin/crosswalk executable and the directory" \
            "share/crosswalk/lua/crosswalk/"
        return 1
    }
}

# lists_schemas: 'crosswalk schemas' names every schema of the source tree.
lists_schemas() {
    CROSSWALK_HOME=$DATA "$PREFIX/bin/crosswalk" schemas >"$WORK/schemas" ||
        return 1
    (cd "$SRC/schemas" && find . -type f -name '*.lua') |
        sed 's|^\./||; s|\.lua$||' | sort >"$WORK/want"
    awk '{ print $1 }' "$WORK/schemas" | sort >"$WORK/got"
    diff -u --label "schemas/*/*.lua" --label "crosswalk schemas" \
        "$WORK/want" "$WORK/got"
}

# requires_module: a recipe loads a module put in the installed lua/.
requires_module() {
    cat >"$DATA/lua/crosswalk/install_probe.lua" <<'EOF'
return { twice = function(s) return s .. s end }
EOF
    cat >"$WORK/probe.lua" <<'EOF'
local probe = require("crosswalk.install_probe")
return {
  inputs = { rows = {} },
  steps = { { fn = function(r) r.v = probe.twice(r.v) end } },
  outputs = { out = { path = "out.csv", columns = { "v" } } },
}
EOF
    printf 'v\nab\n' >"$WORK/in.csv"
    CROSSWALK_HOME=$DATA "$PREFIX/bin/crosswalk" run "$WORK/probe.lua" \
        --input "$WORK/in.csv" --out-dir "$WORK/out" || return 1
    printf 'v\nabab\n' | cmp - "$WORK/out/out.csv"
}

check "cmake --install $BUILD --prefix PREFIX" do_install
if [ "$failed" -eq 0 ]; then
    check "installed files" installed_files
    check "CROSSWALK_HOME=PREFIX/share/crosswalk crosswalk schemas" lists_schemas
    check "require(\"crosswalk.install_probe\") from PREFIX/share/crosswalk/lua" \
        requires_module
fi
echo "install: $failed failed"
[ "$failed" -eq 0 ]
