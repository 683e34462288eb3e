# Starts a private PostgreSQL cluster on a unix socket for the county server's tests and exports
# COUNTY_TEST_PG_URL. Silent no-op (tests then skip, except under CI) when PostgreSQL is absent.
PG_TEST_DIR=""
start_test_postgres() {
    local bindir
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
        echo "note: PostgreSQL not installed; PostgreSQL tests will be skipped" >&2
        return 1
    fi
    PG_TEST_DIR="$(mktemp -d /tmp/cd-pg.XXXXXX)"
    local runas=()
    if [ "$(id -u)" = "0" ]; then
        chown postgres:postgres "$PG_TEST_DIR"
        runas=(runuser -u postgres --)
    fi
    "${runas[@]}" "$bindir/initdb" -D "$PG_TEST_DIR/data" -A trust -U postgres >/dev/null
    "${runas[@]}" "$bindir/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w \
        -o "-k $PG_TEST_DIR -c listen_addresses='' -c fsync=off" start >/dev/null
    "${runas[@]}" "$bindir/createdb" -h "$PG_TEST_DIR" -U postgres county_test
    export COUNTY_TEST_PG_URL="postgresql://postgres@/county_test?host=$PG_TEST_DIR"
    export PG_BINDIR="$bindir"
    echo "PostgreSQL test cluster at $PG_TEST_DIR" >&2
}
stop_test_postgres() {
    if [ -n "$PG_TEST_DIR" ] && [ -d "$PG_TEST_DIR/data" ]; then
        local runas=()
        [ "$(id -u)" = "0" ] && runas=(runuser -u postgres --)
        "${runas[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_TEST_DIR"
    fi
}
