# Sourced by scripts/test.sh: `start_test_postgres` exports BIZDIRECT_TEST_POSTGRES_URL, the URL
# of a PostgreSQL server for the integration suite's PostgreSQL run. When already set it is used as
# it is (its
# user must be allowed to CREATE DATABASE: every test makes its own). Otherwise a throwaway cluster
# of Debian's postgresql is made in a temporary folder (initdb; superuser with a random password,
# scram-sha-256, listening on 127.0.0.1 only, on a free port), started with pg_ctl, and stopped
# and deleted by `stop_test_postgres` (test.sh calls it from its EXIT trap). Durability settings
# stay PostgreSQL's defaults (fsync, synchronous_commit on).

TEST_PG_DIR=""
TEST_PG_RUN=()

start_test_postgres() {
  [ -z "${BIZDIRECT_TEST_POSTGRES_URL:-}" ] || return 0
  local bindir
  bindir="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)"
  [ -x "$bindir/initdb" ] || { echo "no PostgreSQL: run scripts/setup.sh test" >&2; return 1; }
  # initdb refuses root: as root the cluster belongs to Debian's `postgres` user.
  if [ "$(id -u)" = 0 ]; then TEST_PG_RUN=(runuser -u postgres --); else TEST_PG_RUN=(); fi
  TEST_PG_DIR="$(mktemp -d /tmp/bizdirect-pg.XXXXXX)"
  chmod 700 "$TEST_PG_DIR"
  local password port
  password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "$password" >"$TEST_PG_DIR/pwfile"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$TEST_PG_DIR"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${TEST_PG_RUN[@]}" "$bindir/initdb" -D "$TEST_PG_DIR/data" -U bizdirect_test --pwfile="$TEST_PG_DIR/pwfile" \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$TEST_PG_DIR/initdb.log" 2>&1 \
    || { cat "$TEST_PG_DIR/initdb.log" >&2; return 1; }
  "${TEST_PG_RUN[@]}" "$bindir/pg_ctl" -D "$TEST_PG_DIR/data" -l "$TEST_PG_DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $TEST_PG_DIR -c max_connections=300" start >/dev/null \
    || { cat "$TEST_PG_DIR/postgres.log" >&2; return 1; }
  export BIZDIRECT_TEST_POSTGRES_URL="postgres://bizdirect_test:$password@127.0.0.1:$port/postgres"
}

stop_test_postgres() {
  [ -n "$TEST_PG_DIR" ] || return 0
  local bindir
  bindir="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)"
  "${TEST_PG_RUN[@]}" "$bindir/pg_ctl" -D "$TEST_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$TEST_PG_DIR"
  TEST_PG_DIR=""
}
