#!/usr/bin/env bash
# scripts/setup.sh: install every Debian 12 package crosswalk needs to build,
# test and benchmark. Idempotent: installs only what is missing, and runs
# apt-get update only when something is. Uses sudo when not root.
set -euo pipefail

PACKAGES=(
    build-essential   # gcc, make, libc headers; gcc's ASan/UBSan runtimes
    cmake
    pkg-config
    liblua5.4-dev     # recipe sandbox
    lua5.4            # stock interpreter: the Lua module's tests (tests/lua)
    libcsv-dev        # CSV tokenizer: the reference the tests check our parser against
    libsqlite3-dev    # SQLite sink and source
    sqlite3
    libpq-dev         # PostgreSQL sink and source
    postgresql        # throwaway test server (scripts/pg.sh)
    postgresql-contrib
    libcmocka-dev     # unit tests
    clang             # second compiler; scripts/fuzz.sh builds with it
    libclang-rt-14-dev # clang's sanitizer runtimes and libFuzzer (scripts/fuzz.sh)
    clang-format      # format check in scripts/test.sh
    tzdata            # IANA time zones for the date rule
    python3           # bench/gen.py, bench/peer_python.py
    miller            # bench peer
    hyperfine         # bench timing
    time              # /usr/bin/time for peak RSS in the bench scripts
    util-linux        # runuser, used by scripts/pg.sh as root
    bsdutils          # script(1): the progress tests run crosswalk on a terminal
    man-db            # man(1): the install test renders crosswalk(1)
    groff-base        # groff(1): the install test checks crosswalk(1) for warnings
    zsh               # the install test runs the zsh completion
)

die() {
    echo "setup: ERROR: $*" >&2
    exit 1
}

command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script supports Debian 12 only"

# installed PKG: true when dpkg reports PKG as fully installed.
installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = \
        "install ok installed" ]
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "setup: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 ||
        die "not root and sudo not found; as root run: apt-get install ${missing[*]}"
    SUDO=(sudo)
fi

echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
"${SUDO[@]}" apt-get update -q ||
    die "apt-get update failed"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"

still=()
for p in "${missing[@]}"; do
    installed "$p" || still+=("$p")
done
[ "${#still[@]}" -eq 0 ] || die "still not installed after apt-get: ${still[*]}"
echo "setup: installed ${missing[*]}"
