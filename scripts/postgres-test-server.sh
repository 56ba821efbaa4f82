#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: Debian's PostgreSQL (/usr/lib/postgresql/*/bin)
# in a fresh temporary data folder, listening on a free loopback port only, with a role and a
# database `dsi_test` trusted on loopback (no password; nothing outside the machine can connect),
# and a role `dsi_test_password` that must give the password `dsi-test-password` (the tests of
# refused credentials use it).
#
#   bash scripts/postgres-test-server.sh start   # prints postgres://dsi_test@127.0.0.1:PORT/dsi_test
#   bash scripts/postgres-test-server.sh stop URL # stops that server and removes its folder
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
# (through runuser). Exit status 3 from `start` means PostgreSQL is not installed.
set -euo pipefail

command=${1:-}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

folder_of() { # the data folder of the server whose URL is $1
  local port=${1##*:}
  port=${port%%/*}
  echo "${TMPDIR:-/tmp}/dsi-postgres-test.$port"
}

case "$command" in
  start)
    if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
      echo "postgres-test-server: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl)" >&2
      exit 3
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
      echo "postgres-test-server: running as root needs the 'postgres' system user, which is missing" >&2
      exit 3
    fi
    # A free loopback port: ask the kernel for one, then claim the folder named after it.
    for _ in 1 2 3 4 5; do
      port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
      dir=$(folder_of "x:$port")
      mkdir "$dir" 2>/dev/null && break
      dir=
    done
    if [ -z "$dir" ]; then echo "postgres-test-server: found no free port" >&2; exit 1; fi
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    if ! as_server_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
      echo "postgres-test-server: initdb failed:" >&2
      tail -n 5 "$dir/initdb.log" >&2
      rm -rf "$dir"
      exit 1
    fi
    # Test settings: durability off (the data is thrown away), sockets only in the folder.
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 32MB
EOF
    # The password role first: pg_hba.conf's first matching line wins.
    { echo 'host all dsi_test_password 127.0.0.1/32 scram-sha-256'; cat "$dir/data/pg_hba.conf"; } >"$dir/pg_hba.conf"
    as_server_user cp "$dir/pg_hba.conf" "$dir/data/pg_hba.conf"
    if ! as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then
      echo "postgres-test-server: the server did not start:" >&2
      tail -n 5 "$dir/server.log" >&2
      rm -rf "$dir"
      exit 1
    fi
    as_server_user "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE dsi_test LOGIN" -c "CREATE DATABASE dsi_test OWNER dsi_test" \
      -c "CREATE ROLE dsi_test_password LOGIN PASSWORD 'dsi-test-password'" \
      -c "GRANT CREATE ON DATABASE dsi_test TO dsi_test_password" >/dev/null
    echo "postgres://dsi_test@127.0.0.1:$port/dsi_test"
    ;;
  stop)
    url=${2:-${DSI_TEST_POSTGRES_URL:-}}
    if [ -z "$url" ]; then echo "postgres-test-server: stop needs the server's URL" >&2; exit 2; fi
    dir=$(folder_of "$url")
    if [ -d "$dir/data" ] && [ -n "$bin" ]; then
      as_server_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres-test-server.sh start | stop URL" >&2
    exit 2
    ;;
esac
