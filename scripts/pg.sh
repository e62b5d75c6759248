#!/usr/bin/env bash
# scripts/pg.sh: a throwaway PostgreSQL server for tests, on a Unix socket
# in DIR (no TCP), port 5433, fsync off. As root the server runs as the
# 'postgres' user. Connect with: host=DIR port=5433 user=postgres
# dbname=crosswalk_test (trust authentication, local socket only).
#
#   scripts/pg.sh start DIR    initdb DIR/data, start, create the database;
#                              prints the conninfo as the last stdout line
#   scripts/pg.sh status DIR   exit 0 when the server answers
#   scripts/pg.sh stop DIR     stop the server and remove DIR
set -euo pipefail

PORT=5433
DBNAME=crosswalk_test
MARKER=.crosswalk-pg # marks DIR as ours, so that stop may delete it

usage() {
    echo "usage: scripts/pg.sh start|status|stop DIR" >&2
    exit 2
}

die() {
    echo "pg.sh: ERROR: $*" >&2
    exit 1
}

[ "$#" -eq 2 ] || usage
cmd=$1
dir=$2

# The server binaries: PG_BINDIR, or the newest /usr/lib/postgresql/N/bin.
find_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        [ -x "$PG_BINDIR/initdb" ] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        echo "$PG_BINDIR"
        return
    fi
    local d best=""
    while IFS= read -r d; do
        [ -x "$d/initdb" ] && best=$d
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    if [ -z "$best" ]; then
        die "no PostgreSQL server found in /usr/lib/postgresql/*/bin; run scripts/setup.sh"
    fi
    echo "$best"
}

# as_owner CMD...: run CMD as the server's owner ('postgres' when root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

log_tail() {
    if [ -f "$dir/server.log" ]; then
        echo "pg.sh: last lines of $dir/server.log:" >&2
        tail -n 40 "$dir/server.log" >&2
    else
        echo "pg.sh: no server log at $dir/server.log" >&2
    fi
}

# ready: true when the server accepts connections.
ready() {
    "$BIN/pg_isready" -q -h "$dir" -p "$PORT" -U postgres -d postgres >/dev/null 2>&1
}

conninfo() {
    echo "host=$dir port=$PORT user=postgres dbname=$DBNAME"
}

do_start() {
    mkdir -p "$dir" || die "cannot create $dir"
    dir=$(cd "$dir" && pwd)
    case "$dir" in
    *[[:space:]\'\"\\]*) die "DIR must not contain spaces, quotes or backslashes: $dir" ;;
    esac
    # A Unix socket path is limited to 107 bytes.
    [ "${#dir}" -le 90 ] || die "DIR path too long for a Unix socket: $dir"
    touch "$dir/$MARKER"

    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 ||
            die "running as root but there is no 'postgres' user; run scripts/setup.sh"
        chown -R postgres: "$dir"
        chmod 0755 "$dir"
        as_owner test -w "$dir" ||
            die "the postgres user cannot reach $dir (a parent directory is private); use a directory under /tmp"
    fi

    if [ -f "$dir/data/postmaster.pid" ] && ready; then
        echo "pg.sh: already running in $dir" >&2
        conninfo
        return 0
    fi

    if [ ! -f "$dir/data/PG_VERSION" ]; then
        echo "pg.sh: initdb $dir/data" >&2
        as_owner "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
            --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
            tail -n 40 "$dir/initdb.log" >&2
            die "initdb failed"
        }
        # Settings go into the configuration file so that DIR needs no quoting
        # on a command line.
        as_owner sh -c "cat >>'$dir/data/postgresql.conf'" <<EOF
# scripts/pg.sh: throwaway test server
listen_addresses = ''
unix_socket_directories = '$dir'
port = $PORT
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi

    echo "pg.sh: starting PostgreSQL ($BIN) on $dir/.s.PGSQL.$PORT" >&2
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        start >&2 || {
        log_tail
        die "the server did not start"
    }

    local i
    for ((i = 0; i < 300; i++)); do
        ready && break
        sleep 0.1
    done
    ready || {
        log_tail
        die "the server did not accept connections within 30 s"
    }

    if ! "$BIN/psql" -X -q -h "$dir" -p "$PORT" -U postgres -d postgres \
        -tAc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'" |
        grep -q 1; then
        "$BIN/createdb" -h "$dir" -p "$PORT" -U postgres "$DBNAME" || {
            log_tail
            die "createdb $DBNAME failed"
        }
    fi
    echo "pg.sh: ready; connect with:" >&2
    conninfo
}

do_status() {
    dir=$(cd "$dir" 2>/dev/null && pwd) || die "no such directory: $2"
    if ready; then
        conninfo
    else
        echo "pg.sh: no server answering in $dir" >&2
        exit 1
    fi
}

do_stop() {
    [ -d "$dir" ] || {
        echo "pg.sh: $dir does not exist; nothing to stop" >&2
        return 0
    }
    dir=$(cd "$dir" && pwd)
    [ -f "$dir/$MARKER" ] ||
        die "$dir was not made by scripts/pg.sh start; not touching it"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >&2 || {
            log_tail
            die "pg_ctl stop failed; $dir left in place"
        }
    fi
    rm -rf "$dir"
    echo "pg.sh: stopped and removed $dir" >&2
}

BIN=$(find_bindir)
case "$cmd" in
start) do_start ;;
status) do_status "$@" ;;
stop) do_stop ;;
*) usage ;;
esac
