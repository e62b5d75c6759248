#!/usr/bin/env bash
# tests/install/run.sh: checks 'cmake --install' of a build tree.
#
# usage: tests/install/run.sh BUILD_DIR    (ctest -L install runs it)
#
# Installs BUILD_DIR into a temp prefix A, moves A to B (the install is
# relocatable: nothing below names A), then checks in B: that the
# installed files are exactly bin/crosswalk, the libraries
# (libcrosswalk.so.0.1.0 with its links, libcrosswalk.a), crosswalk.h,
# crosswalk.pc, the CMake package files, the man page
# share/man/man1/crosswalk.1, the bash and zsh completion files
# share/bash-completion/completions/crosswalk and
# share/zsh/site-functions/_crosswalk, share/crosswalk/schemas/... and
# share/crosswalk/lua/... (the source tree's schemas/ and lua/ *.lua
# files, each folder under its own name), the Lua module
# LIBDIR/lua/5.4/crosswalk.so and share/crosswalk/pipelines/
# (the source tree's pipelines/, every file); that lua/crosswalk/ is
# there; that libcrosswalk.so exports cw_ functions only, none cw__; that
# the installed binary lists every schema with
# CROSSWALK_HOME=B/share/crosswalk, and without it (it finds B's data
# from where it is: a schema only B has is listed); that a recipe can
# require a module placed in the installed lua/crosswalk/; that 'man'
# renders the man page without a warning, with a section for every
# command, and finds it as 'man crosswalk' in B; that the bash completion
# offers the commands, a command's options and the schema names, and the
# zsh one the same (its completion functions stubbed, in a zsh without
# any setup); and that
# examples/embed, built against B with pkg-config, with CMake's
# find_package (shared) and with find_package COMPONENTS static, runs a
# shipped recipe on its sample with no home set and prints the expected
# summary (skipped for a build with sanitizers); and that DESTDIR puts
# everything under it.  Prints PASS or FAIL with the reason for each
# check; exit status 1 when any failed, 2 on a usage error.
set -euo pipefail

[ "$#" -eq 1 ] && [ -d "$1" ] || {
    echo "usage: tests/install/run.sh BUILD_DIR" >&2
    exit 2
}
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export LC_ALL=C
unset DESTDIR # the files go under A only (one check sets its own)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cw-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/B
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
    cmake --install "$BUILD" --prefix "$WORK/A" && mv "$WORK/A" "$PREFIX"
}

# installed_files: the installed tree is exactly the expected files.
installed_files() {
    {
        printf '%s\n' bin/crosswalk include/crosswalk.h lib/libcrosswalk.a \
            lib/libcrosswalk.so lib/libcrosswalk.so.0 \
            lib/libcrosswalk.so.0.1.0 lib/pkgconfig/crosswalk.pc \
            share/man/man1/crosswalk.1 \
            share/bash-completion/completions/crosswalk \
            share/zsh/site-functions/_crosswalk
        for f in crosswalkConfig crosswalkConfigVersion crosswalkTargets \
            crosswalkTargets-CONFIG crosswalkStaticTargets \
            crosswalkStaticTargets-CONFIG; do
            echo "lib/cmake/crosswalk/$f.cmake"
        done
        sed -n 's|^CMAKE_INSTALL_LIBDIR:[A-Z]*=\(.*\)|\1/lua/5.4/crosswalk.so|p' \
            "$BUILD/CMakeCache.txt"
        { (cd "$SRC" && find schemas lua -type f -name '*.lua') &&
            (cd "$SRC" && find pipelines -type f); } |
            sed 's|^|share/crosswalk/|'
    } | sort >"$WORK/want"
    # (the build type names a file: crosswalkTargets-release.cmake)
    (cd "$PREFIX" && find . ! -type d) |
        sed 's|^\./||; s|\(Targets\)-[a-z]*\.cmake$|\1-CONFIG.cmake|' |
        sort >"$WORK/got"
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

# destdir: DESTDIR=D cmake --install --prefix /opt/cw puts it all in D.
destdir() {
    DESTDIR=$WORK/D cmake --install "$BUILD" --prefix /opt/cw >/dev/null &&
        [ -L "$WORK/D/opt/cw/lib/libcrosswalk.so.0" ] &&
        [ -f "$WORK/D/opt/cw/share/crosswalk/schemas/rally/mobilizers.lua" ]
}

# exports_cw_only: libcrosswalk.so exports functions named cw_, none cw__.
exports_cw_only() {
    nm -D --defined-only "$PREFIX/lib/libcrosswalk.so" >"$WORK/nm" &&
        grep -q ' T cw_run_exec$' "$WORK/nm" || {
        echo "no cw_run_exec among the exported symbols"
        return 1
    }
    awk '$3 !~ /^cw_[a-z0-9]/ { print "exported: " $3; bad = 1 }
        END { exit bad }' "$WORK/nm"
}

# relocated: with no CROSSWALK_HOME, B/bin/crosswalk finds B's data.
relocated() {
    mkdir -p "$DATA/schemas/probe"
    cat >"$DATA/schemas/probe/relocated.lua" <<'EOF'
return { name = "probe/relocated", title = "only in the moved prefix",
  columns = { { name = "v", type = "text" } } }
EOF
    (unset CROSSWALK_HOME && "$PREFIX/bin/crosswalk" schemas) \
        >"$WORK/listing" || return 1
    rm -r "$DATA/schemas/probe"
    grep -q "^probe/relocated " "$WORK/listing" || {
        echo "probe/relocated is not listed:"
        cat "$WORK/listing"
        return 1
    }
}

# The embed example, run on a shipped recipe and sample (argument: the
# program); it must print exactly this.
RECIPE=$DATA/pipelines/rally_to_impactive_contacts
SAMPLE=$DATA/pipelines/samples/rally/mobilizers.csv
run_embed() {
    rm -rf "$WORK/eout" && mkdir "$WORK/eout" &&
        (unset CROSSWALK_HOME && "$@" "$RECIPE" "$SAMPLE" "$WORK/eout") \
            >"$WORK/got" || return 1
    printf '%s\n' "read 6 = written 4 + rejected 1 + filtered 0 + merged 1" \
        "$WORK/eout/contacts.csv: 4 rows" >"$WORK/want"
    diff -u --label expected --label printed "$WORK/want" "$WORK/got"
}

# embed_pkgconfig: cc $(pkg-config --cflags --libs crosswalk).
embed_pkgconfig() {
    local pc
    export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
    pc=$(pkg-config --cflags --libs crosswalk) &&
        cc -o "$WORK/embed-pc" "$SRC/examples/embed/main.c" $pc &&
        LD_LIBRARY_PATH=$PREFIX/lib run_embed "$WORK/embed-pc" || return 1
    # and what static linking needs: the engine's own libraries
    pc=" $(pkg-config --static --libs crosswalk) "
    for l in -lcrosswalk -llua5.4 -lsqlite3 -lpq -lpthread -lm; do
        [[ $pc == *" $l "* ]] || {
            echo "pkg-config --static --libs crosswalk lacks $l: $pc"
            return 1
        }
    done
}

# embed_cmake [static]: cmake with find_package(crosswalk); the static
# program goes to B/bin so as to find B's data from where it is.
embed_cmake() {
    local b=$WORK/embed-cmake${1:+-static}
    cmake -S "$SRC/examples/embed" -B "$b" -DCMAKE_PREFIX_PATH="$PREFIX" \
        -DCMAKE_BUILD_TYPE=Release ${1:+-DEMBED_STATIC=ON} &&
        cmake --build "$b" || return 1
    if [ -z "${1:-}" ]; then
        LD_LIBRARY_PATH=$PREFIX/lib run_embed "$b/embed"
        return
    fi
    ! readelf -d "$b/embed" | grep -q 'libcrosswalk' || {
        echo "$b/embed needs libcrosswalk.so"
        return 1
    }
    cp "$b/embed" "$PREFIX/bin/embed-static" &&
        run_embed "$PREFIX/bin/embed-static" || return 1
    rm "$PREFIX/bin/embed-static"
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

# man_page: 'man' renders B's crosswalk(1) cleanly, every command of
# 'crosswalk --help' has its section, and 'man crosswalk' finds it in B.
man_page() {
    local page=$PREFIX/share/man/man1/crosswalk.1 c
    MANWIDTH=80 man -l "$page" >"$WORK/man" 2>"$WORK/man.err" || return 1
    groff -man -Tutf8 -ww -z "$page" 2>>"$WORK/man.err" || return 1
    if [ -s "$WORK/man.err" ]; then
        echo "warnings:"
        cat "$WORK/man.err"
        return 1
    fi
    grep -q '^CROSSWALK(1) ' "$WORK/man" || {
        echo "no CROSSWALK(1) heading:"
        head -n 5 "$WORK/man"
        return 1
    }
    for c in $("$PREFIX/bin/crosswalk" --help |
        sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p'); do
        grep -q "^   crosswalk $c\$" "$WORK/man" || {
            echo "no section for 'crosswalk $c'"
            return 1
        }
        "$PREFIX/bin/crosswalk" "$c" --help | sed -n 1p >"$WORK/first"
        grep -qF -- "$(cat "$WORK/first")" "$WORK/man" || {
            echo "the page lacks: $(cat "$WORK/first")"
            return 1
        }
    done
    grep -q -- '--out-dir' "$WORK/man" &&
        MANWIDTH=80 man -M "$PREFIX/share/man" crosswalk 2>&1 |
        grep -q '^CROSSWALK(1) '
}

# complete SHELL WORD...: what B's completion for SHELL offers for the
# command line 'WORD...' (the last word being completed), one a line.
complete() {
    local sh=$1
    shift
    if [ "$sh" = bash ]; then
        PATH=$PREFIX/bin:$PATH bash -c '
            source "$0"
            COMP_WORDS=("$@")
            COMP_CWORD=$(($# - 1))
            _crosswalk
            printf "%s\n" "${COMPREPLY[@]}"' \
            "$PREFIX/share/bash-completion/completions/crosswalk" "$@"
    else
        # compadd and _files stubbed: print what would be offered
        PATH=$PREFIX/bin:$PATH zsh -f -c '
            compadd() {
                while [[ $1 == -* && $1 != -- ]]; do
                    [[ $1 == -S ]] && shift
                    shift
                done
                [[ $1 == -- ]] && shift
                print -rl -- "$@"
            }
            _files() { print -r -- "_files $*"; }
            words=("$@")
            CURRENT=$#
            PREFIX=${words[CURRENT]}
            source "$0"' \
            "$PREFIX/share/zsh/site-functions/_crosswalk" "$@"
    fi
}

# offers SHELL WANT WORD...: the completion of 'WORD...' offers WANT.
offers() {
    local sh=$1 want=$2
    shift 2
    complete "$sh" "$@" >"$WORK/offered" || return 1
    grep -qxF -- "$want" "$WORK/offered" || {
        echo "$sh: '$*' does not offer '$want'; it offers:"
        cat "$WORK/offered"
        return 1
    }
}

# completion SHELL: the commands, run's options, the schema names and
# recipe files are offered.
completion() {
    local sh=$1
    command -v "$sh" >/dev/null || {
        echo "$sh is not installed (scripts/setup.sh installs it)"
        return 1
    }
    if [ "$sh" = zsh ]; then
        zsh -n "$PREFIX/share/zsh/site-functions/_crosswalk" || return 1
    fi
    (cd "$WORK" && CROSSWALK_HOME=$DATA && export CROSSWALK_HOME &&
        offers "$sh" run crosswalk r &&
        offers "$sh" validate crosswalk "" &&
        offers "$sh" --out-dir crosswalk run --out &&
        offers "$sh" --summary-json crosswalk run x.lua --su &&
        offers "$sh" organizer/text_interactions \
            crosswalk validate --schema organizer/t &&
        offers "$sh" ndjson crosswalk convert a.csv - --to n &&
        offers "$sh" keep crosswalk load a.csv --stray-quotes k &&
        offers "$sh" show crosswalk schema "" &&
        offers "$sh" info crosswalk recipe "")
}

check "cmake --install $BUILD --prefix A; mv A B" do_install
if [ "$failed" -eq 0 ]; then
    check "installed files" installed_files
    check "DESTDIR=D cmake --install --prefix /opt/cw" destdir
    check "libcrosswalk.so exports cw_ only" exports_cw_only
    check "CROSSWALK_HOME=B/share/crosswalk crosswalk schemas" lists_schemas
    check "B/bin/crosswalk schemas, no CROSSWALK_HOME: B's data" relocated
    check "require(\"crosswalk.install_probe\") from PREFIX/share/crosswalk/lua" \
        requires_module
    check "man -l share/man/man1/crosswalk.1; man crosswalk" man_page
    check "bash completion" completion bash
    check "zsh completion" completion zsh
    # a sanitized library needs its runtime first in a program: not here
    if grep -Eq '^CW_(SANITIZE|FUZZ):BOOL=ON' "$BUILD/CMakeCache.txt"; then
        echo "SKIP examples/embed: $BUILD is built with sanitizers"
    else
        check "examples/embed with pkg-config" embed_pkgconfig
        check "examples/embed with find_package(crosswalk)" embed_cmake
        check "examples/embed with find_package(... COMPONENTS static)" \
            embed_cmake static
    fi
fi
echo "install: $failed failed"
[ "$failed" -eq 0 ]
