#!/usr/bin/env bash
# tests/lua/run.sh: the Lua module crosswalk.so under the stock lua5.4.
#
# usage: tests/lua/run.sh CASE MODULE BUILD_DIR   (ctest -L lua runs each)
#   api        tests/lua/test_module.lua with MODULE: argument errors, runs
#              that succeed and fail, validate's problems, inspect's table
#   example    examples/lua/run.lua with MODULE, its output exactly
#              tests/lua/example.out
#   installed  'cmake --install BUILD_DIR' into a temp prefix: the module
#              is PREFIX/LIBDIR/lua/5.4/crosswalk.so, exports only
#              luaopen_crosswalk, and the example gives the same output
#              with it (and the installed schemas as its home)
#   library    tests/lua/test_library.lua: the recipe helper library
#              lua/crosswalk/*.lua (text, boolean, zip, phone, params),
#              with LUA_PATH naming the source tree's lua/ only (MODULE
#              is not used)
#   nohome     the installed module runs the example's recipe without a
#              'home', finding its data from where it is installed; exits
#              77 (skipped) while the library answers "no home directory
#              set", as it does until it can find its installed data
# MODULE is the built crosswalk.so; LIBDIR is $CW_LUA_LIBDIR (CMake's
# CMAKE_INSTALL_LIBDIR); $CW_LUA_PRELOAD, when set, is LD_PRELOAD for the
# interpreter only (the sanitizer runtimes for a CW_SANITIZE module).
# LUA_CPATH names only the module under test, so another installed copy
# is never loaded.  Exit status 0 passed, 1 failed, 2 usage error, 77
# skipped.
set -euo pipefail

[ "$#" -eq 3 ] && [ -f "$2" ] && [ -d "$3" ] || {
    echo "usage: tests/lua/run.sh CASE MODULE BUILD_DIR" >&2
    exit 2
}
CASE=$1
MODULE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
BUILD=$(cd "$3" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
LUA=${LUA:-lua5.4}
export LC_ALL=C
unset LUA_CPATH_5_4 LUA_PATH_5_4 LUA_INIT LUA_INIT_5_4 DESTDIR CROSSWALK_HOME
command -v "$LUA" >/dev/null || {
    echo "lua: $LUA not found (scripts/setup.sh installs lua5.4)" >&2
    exit 1
}

# lua ARG...: the interpreter, with CW_LUA_PRELOAD preloaded.
lua() {
    if [ -n "${CW_LUA_PRELOAD:-}" ]; then
        LD_PRELOAD=$CW_LUA_PRELOAD "$LUA" "$@"
    else
        "$LUA" "$@"
    fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cw-lua.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# example CPATH: run the example from an empty directory with its output
# in out/; compare with tests/lua/example.out.
example() {
    mkdir "$WORK/run"
    (cd "$WORK/run" && LUA_CPATH=$1 lua "$SRC/examples/lua/run.lua" out) \
        >"$WORK/got"
    diff -u --label expected --label "examples/lua/run.lua" \
        "$SRC/tests/lua/example.out" "$WORK/got"
}

# install_prefix: install the build into WORK/prefix; print the module.
install_prefix() {
    : "${CW_LUA_LIBDIR:?CW_LUA_LIBDIR is not set}"
    cmake --install "$BUILD" --prefix "$WORK/prefix" >"$WORK/install.log"
    echo "$WORK/prefix/$CW_LUA_LIBDIR/lua/5.4/crosswalk.so"
}

case $CASE in
api)
    mkdir "$WORK/api"
    (cd "$WORK" && LUA_CPATH="$(dirname "$MODULE")/?.so" \
        CW_SOURCE_DIR=$SRC CW_TMP=$WORK/api \
        CW_VERSION=${CW_VERSION:?CW_VERSION is not set} \
        lua "$SRC/tests/lua/test_module.lua")
    ;;
library)
    (cd "$WORK" && LUA_PATH="$SRC/lua/?.lua" LUA_CPATH="" \
        lua "$SRC/tests/lua/test_library.lua")
    ;;
example)
    example "$(dirname "$MODULE")/?.so"
    echo "lua example: 1 passed, 0 failed"
    ;;
installed)
    so=$(install_prefix)
    [ -f "$so" ] || {
        echo "FAIL: no $so; installed:" >&2
        (cd "$WORK/prefix" && find . -type f) >&2
        exit 1
    }
    syms=$(nm -D --defined-only "$so" | awk '{ print $3 }')
    [ "$syms" = luaopen_crosswalk ] || {
        echo "FAIL: $so exports more than luaopen_crosswalk:" >&2
        echo "$syms" | head >&2
        exit 1
    }
    where=$(LUA_CPATH="$(dirname "$so")/?.so" lua -e \
        'print(package.searchpath("crosswalk", package.cpath))')
    [ "$where" = "$so" ] || {
        echo "FAIL: require would load $where, not $so" >&2
        exit 1
    }
    CROSSWALK_HOME=$WORK/prefix/share/crosswalk example "$(dirname "$so")/?.so"
    echo "lua installed: 3 passed, 0 failed"
    ;;
nohome)
    so=$(install_prefix)
    LUA_CPATH="$(dirname "$so")/?.so" CW_SOURCE_DIR=$SRC lua - \
        "$WORK/out" <<'LUA'
local crosswalk = require("crosswalk")
local src = os.getenv("CW_SOURCE_DIR")
local samples = src .. "/pipelines/samples/impactive/"
local s, msg, status = crosswalk.run {
  recipe = src .. "/pipelines/impactive_to_organizer_text",
  inputs = {
    samples .. "messages.csv",
    contacts = samples .. "contacts.csv",
    taggings = samples .. "taggings.csv",
    profiles = samples .. "profiles.csv",
  },
  params = { tz = "America/New_York" },
  out_dir = arg[1],
}
if not s and msg == "no home directory set" then
  print("SKIP: the library does not find its installed data yet")
  os.exit(77)
end
assert(s, ("run without home: %s (%s)"):format(msg, status))
assert(s.read == 18 and s.written == 11 and s.rejected == 1,
  "unexpected summary")
print("lua nohome: 1 passed, 0 failed")
LUA
    ;;
*)
    echo "tests/lua/run.sh: unknown case '$CASE'" >&2
    exit 2
    ;;
esac
