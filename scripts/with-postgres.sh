#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: initdb into a temporary folder,
# start it on a free local port, export TEST_DATABASE_URL, run the command, then stop the
# server and remove the folder whatever the command's outcome.
set -euo pipefail

pg_bin=$(compgen -G "/usr/lib/postgresql/*/bin" | sort -V | tail -n 1)
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL is not installed: run scripts/install-system-packages.sh" >&2
  exit 1
fi
workdir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_postgres=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root; the Debian package made a postgres user for this.
  chown postgres "$workdir"
  as_postgres=(runuser -u postgres --)
fi

stop() {
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$workdir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop EXIT

"${as_postgres[@]}" "$pg_bin/initdb" -D "$workdir/data" -U portal --auth=trust -E UTF8 \
  --locale=C.UTF-8 >/dev/null
# Durability settings are off: the data is thrown away, and the tests run faster.
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port"

export TEST_DATABASE_URL="postgresql+psycopg://portal@127.0.0.1:$port/postgres"
"$@"
