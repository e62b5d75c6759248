#!/usr/bin/env bash
# bench/setup.sh: install the benchmark's peers (not needed to build or
# test crosswalk; scripts/setup.sh does that).  Idempotent.  Uses sudo when
# not root.
#
#   Debian packages: miller, sqlite3 (.import), sqlite-utils, PostgreSQL
#   (psql, and the server that scripts/pg.sh starts), pgloader, python3,
#   time (/usr/bin/time), util-linux (taskset), nodejs and npm when node
#   or npm is missing.
#   npm: @duckdb/node-api (DuckDB's Node.js client, which ships the DuckDB
#   engine) into bench/node/, git-ignored; version DUCKDB_VERSION
#   (default below).
set -euo pipefail
cd "$(dirname "$0")"

DUCKDB_VERSION=${DUCKDB_VERSION:-1.5.6-r.1}
PACKAGES=(miller sqlite3 sqlite-utils postgresql postgresql-client pgloader
    python3 time util-linux)
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

die() {
    echo "bench/setup: ERROR: $*" >&2
    exit 1
}

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = \
        "install ok installed" ]
}

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo"
    SUDO=(sudo)
fi

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench/setup: installing ${missing[*]}"
    "${SUDO[@]}" apt-get update -q || die "apt-get update failed"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" ||
        die "apt-get install failed for: ${missing[*]}"
else
    echo "bench/setup: Debian packages already installed"
fi

have=""
if [ -f node/node_modules/@duckdb/node-api/package.json ]; then
    have=$(node -p 'require("./node/node_modules/@duckdb/node-api/package.json").version')
fi
if [ "$have" != "$DUCKDB_VERSION" ]; then
    echo "bench/setup: npm install @duckdb/node-api@$DUCKDB_VERSION into bench/node"
    mkdir -p node
    [ -f node/package.json ] || echo '{"private": true}' >node/package.json
    npm install --prefix node --no-audit --no-fund --save-exact \
        "@duckdb/node-api@$DUCKDB_VERSION" || die "npm install failed"
fi
echo "bench/setup: DuckDB $(node -e '
import("./node/node_modules/@duckdb/node-api/lib/index.js").then(async (d) => {
  const c = await (await d.DuckDBInstance.create()).connect();
  const r = await c.runAndReadAll("SELECT version()");
  console.log(r.getRows()[0][0]);
})' 2>/dev/null || echo '(not loadable)')"
echo "bench/setup: $(mlr --version); sqlite3 $(sqlite3 --version | cut -d' ' -f1);" \
    "$(sqlite-utils --version); $(pgloader --version | head -n 1);" \
    "$(psql --version); node $(node --version)"
