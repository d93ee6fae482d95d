#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: `scripts/pg-test-cluster.sh npx vitest run`.
# The cluster lives in a temporary folder, listens on 127.0.0.1 on a free port, belongs to an
# unprivileged user (PostgreSQL refuses to run as root), and is removed afterwards. The command
# gets DATABASE_URL pointing at the cluster's `postgres` database; tests make their own databases.
set -euo pipefail
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bindir" ]; then echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2; exit 1; fi
dir="$(mktemp -d "${TMPDIR:-/tmp}/kindred-pg.XXXXXX")"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown nobody "$dir"
  chmod o+x "$(dirname "$dir")" 2>/dev/null || true
  as_owner=(runuser -u nobody --)
fi
stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U kindred -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Durability settings are off: this cluster holds test data only and is thrown away.
"${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
export DATABASE_URL="postgres://kindred@127.0.0.1:${port}/postgres"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at ${DATABASE_URL}"
"$@"
