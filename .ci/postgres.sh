# Start a throwaway PostgreSQL server (as the postgres user: it refuses to run as root),
# listening on 127.0.0.1 only, and export CHRONICLE_TEST_PG_URL for the tests, which
# create a fresh database per test on it (tests/pg_server.py). Nothing on it needs to
# survive a crash, so fsync and friends are off. Sourced by .ci/run.
start_postgres() {
  local bindir port
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  # A free port unless PG_PORT says which (a fixed one may be taken by a leftover server).
  port="${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
  PG_DIR=$(mktemp -d /tmp/chronicle-pg.XXXXXX)
  chown postgres "$PG_DIR"
  runuser -u postgres -- "$bindir/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  runuser -u postgres -- "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=100 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$PG_DIR/log" >&2; return 1; }
  export CHRONICLE_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  export PG_BINDIR="$bindir"
  echo "PostgreSQL started on 127.0.0.1:$port"
}
stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
