#!/usr/bin/env bash
# Runs the test suite (or the `cargo test` arguments given) with Sodan on PostgreSQL: starts Debian's
# PostgreSQL server in a temporary directory on a free port (installing the `postgresql` package first
# when it is missing and this runs as root), points the tests at it (each test's data directory gets a
# fresh database of its own, see tests/it/helpers.rs), and stops and removes it afterwards.
#
#   scripts/test-postgres.sh                      # the whole suite
#   scripts/test-postgres.sh --test it inbox      # some of it
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(bin_dir)" ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "PostgreSQL is not installed: apt-get install postgresql (as root)" >&2
        exit 1
    fi
fi
PG="$(bin_dir)"

dir="$(mktemp -d)"
# PostgreSQL refuses to run as root: the cluster belongs to an unprivileged user then.
as_owner=()
if [ "$(id -u)" = 0 ]; then
    chown nobody "$dir"
    as_owner=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
stop() {
    # The suite kills Sodan, never the database, so the test cluster skips PostgreSQL's own fsyncs.
"${as_owner[@]}" "$PG/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
"${as_owner[@]}" "$PG/initdb" -D "$dir/data" -U sodan --auth=trust -E UTF8 >/dev/null
"${as_owner[@]}" "$PG/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=400 -c shared_buffers=64MB -c fsync=off" start >/dev/null

export SODAN_TEST_POSTGRES="postgres://sodan@127.0.0.1:$port"
export RUST_BACKTRACE=0
cargo test "$@"
