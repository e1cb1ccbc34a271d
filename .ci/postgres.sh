# Start a throwaway PostgreSQL server (as the postgres user: it refuses to run as root),
# listening on 127.0.0.1 only, and export CHRONICLE_TEST_PG_URL for the tests.
PG_PORT="${PG_PORT:-54329}"
start_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_DIR=$(mktemp -d /tmp/chronicle-pg.XXXXXX)
  chown postgres "$PG_DIR"
  runuser -u postgres -- "$bindir/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  runuser -u postgres -- "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=100 -c fsync=off" start >/dev/null
  export CHRONICLE_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
  export PG_BINDIR="$bindir"
  echo "PostgreSQL started on 127.0.0.1:$PG_PORT"
}
stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
