#!/usr/bin/env bash
# The one command that runs every test of Strongroom on a fresh machine:
#   ./test.sh                 build (warnings are errors) and run every test project in Strongroom.sln
#   ./test.sh --filter X      extra arguments go to `dotnet test` as they are
#
# PostgreSQL: unless STRONGROOM_TEST_POSTGRES is already set, a throwaway cluster is created in a temp
# dir (initdb as the `postgres` user when running as root), started on 127.0.0.1 and a free port with
# trust auth on loopback only, and always stopped and deleted on exit. Tests get:
#   STRONGROOM_TEST_POSTGRES  Npgsql connection string of a superuser (each test class creates its own database)
#   STRONGROOM_TEST_PGDATA    the cluster's data directory (the no-card-data-on-disk test scans its files)
# With CI=true the PostgreSQL tests fail rather than skip when no server is configured.
#
# PKCS#11: unless STRONGROOM_TEST_PKCS11_LIBRARY is already set, a throwaway SoftHSM2 token is initialised in the
# temp dir (its own SOFTHSM2_CONF and token directory, deleted on exit; softhsm2 is installed when missing and we are
# root). Tests get STRONGROOM_TEST_PKCS11_LIBRARY (the module), _TOKEN (the token label) and _PIN (the user PIN);
# with CI=true the PKCS#11 key-provider tests fail rather than skip without them.
#
# Redis: unless STRONGROOM_TEST_REDIS is already set, redis-server (installed when missing and we are root) is started on
# 127.0.0.1 and a free port, with persistence off (--save '' --appendonly no, as the CVC store requires), in the temp dir,
# and stopped on exit. Tests get STRONGROOM_TEST_REDIS (host:port) and STRONGROOM_TEST_REDIS_SERVER (the redis-server binary,
# for tests that start their own to stop it); with CI=true the Redis tests fail rather than skip without them.
# The fault tests also get STRONGROOM_TEST_PG_BIN (initdb/pg_ctl, to run a PostgreSQL of their own that they restart).
# Their counts (sent, acknowledged, found, duplicated) are collected in $STRONGROOM_FAULT_REPORT and printed at the end.
#
# Last line: "N passed, N failed, N skipped", summed over every test assembly's TRX report.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
PG_VERSION=15
PG_BIN="/usr/lib/postgresql/$PG_VERSION/bin"

log() { printf '[test.sh] %s\n' "$*" >&2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/strongroom-test.XXXXXX")"
PG_DIR="" # under /tmp, not $TMPDIR: the postgres user must be able to reach it
PGDATA_DIR=""
PG_STARTED=0
REDIS_PORT=""

stop_redis() {
  if [[ -n "$REDIS_PORT" ]]; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    REDIS_PORT=""
  fi
}

stop_postgres() {
  if [[ $PG_STARTED -eq 1 ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -t 30 -w stop >/dev/null 2>&1 \
      || as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1
    PG_STARTED=0
  fi
}

cleanup() {
  local status=$?
  set +e
  stop_postgres
  stop_redis
  rm -rf "$WORK"
  if [[ -n "$PG_DIR" ]]; then
    rm -rf "$PG_DIR"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command as the cluster owner: `postgres` when we are root (initdb refuses root), else ourselves.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  for port in $(seq 55432 55532); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  log "no free port found"
  return 1
}

install_postgres() {
  if [[ -x "$PG_BIN/initdb" ]]; then
    return
  fi
  if [[ $EUID -ne 0 ]]; then
    log "PostgreSQL $PG_VERSION is not installed and we are not root: PostgreSQL tests will skip (or fail with CI=true)"
    return
  fi
  log "installing postgresql-$PG_VERSION"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "postgresql-$PG_VERSION" >/dev/null
}

# Node.js runs the independent WhiteBIT client (tests/clients/whitebit-client.mjs) in the server tests.
install_node() {
  if command -v node >/dev/null 2>&1; then
    return
  fi
  if [[ $EUID -ne 0 ]]; then
    log "Node.js is missing and we are not root: the Node client test will fail"
    return
  fi
  log "installing nodejs"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs >/dev/null
}

# The pinned npm packages of tests/clients (card-validator, compared with our scheme detection in
# tests/Strongroom.Core.Tests/Cards/SchemeCorpusTests.cs), installed from package-lock.json when node_modules is
# missing or older than the lock file (npm writes node_modules/.package-lock.json last, on success only).
install_client_packages() {
  local clients="$ROOT/tests/clients"
  if [[ -f "$clients/node_modules/.package-lock.json" && ! "$clients/package-lock.json" -nt "$clients/node_modules/.package-lock.json" ]]; then
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    if [[ $EUID -ne 0 ]]; then
      log "npm is missing and we are not root: the scheme corpus test will skip (or fail with CI=true)"
      return
    fi
    log "installing npm" # Debian's nodejs package does not ship npm
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq npm >/dev/null
  fi
  log "installing tests/clients npm packages (npm ci)"
  npm ci --prefix "$clients" --no-audit --no-fund --loglevel=error >/dev/null
}

# Debian's Chromium (with its driver) runs the hosted card form's browser tests (tests/Strongroom.Server.Tests/Browser);
# Playwright drives /usr/bin/chromium rather than downloading its own browser.
# The pinned OpenAPI linter (@redocly/cli, tests/openapi-lint) that OpenApiLintTests runs on the served document; reinstalled
# only when missing or older than its lock file. npm itself comes from install_client_packages.
install_openapi_linter() {
  local lint="$ROOT/tests/openapi-lint"
  if [[ -f "$lint/node_modules/.package-lock.json" && ! "$lint/package-lock.json" -nt "$lint/node_modules/.package-lock.json" ]]; then
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    log "npm is missing: the OpenAPI lint test will skip (or fail with CI=true)"
    return
  fi
  log "installing the OpenAPI linter (npm ci in tests/openapi-lint)"
  npm ci --prefix "$lint" --no-audit --no-fund --loglevel=error >/dev/null
}

install_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    return
  fi
  if [[ $EUID -ne 0 ]]; then
    log "Chromium is missing and we are not root: the browser tests will skip (or fail with CI=true)"
    return
  fi
  log "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
}

# The README walkthrough test (tests/Strongroom.Server.Tests/ReadmeWalkthroughTests.cs) pastes the README's shell blocks
# into bash: they need curl, jq, openssl (the WhiteBIT signing example) and python3 (the inbound proxy's stand-in API), as a new user's machine would have them.
install_walkthrough_tools() {
  local missing=() tool
  for tool in curl jq openssl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      missing+=("$tool")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return
  fi
  if [[ $EUID -ne 0 ]]; then
    log "${missing[*]} missing and we are not root: the README walkthrough test will fail"
    return
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Prometheus's promtool checks the /metrics scrape (tests/Strongroom.Server.Tests/Observability/MetricsScrapeTests.cs); Debian's
# prometheus package ships it. Exported as STRONGROOM_TEST_PROMTOOL; with CI=true the scrape test fails rather than skips without it.
install_promtool() {
  if ! command -v promtool >/dev/null 2>&1; then
    if [[ $EUID -ne 0 ]]; then
      log "promtool is missing and we are not root: the metrics scrape test will skip (or fail with CI=true)"
      return
    fi
    log "installing prometheus (for promtool)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  fi
  if command -v promtool >/dev/null 2>&1; then
    export STRONGROOM_TEST_PROMTOOL="$(command -v promtool)"
  fi
}

# SoftHSM2 is the HSM of the PKCS#11 key-provider tests (tests/Strongroom.Core.Tests/Crypto/Pkcs11KeyProviderContractTests.cs).
install_softhsm() {
  if command -v softhsm2-util >/dev/null 2>&1; then
    return
  fi
  if [[ $EUID -ne 0 ]]; then
    log "softhsm2 is missing and we are not root: the PKCS#11 tests will skip (or fail with CI=true)"
    return
  fi
  log "installing softhsm2"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq softhsm2 >/dev/null
}

# A throwaway token: its own config and token directory under $WORK, so the machine's SoftHSM tokens are never touched.
start_softhsm() {
  install_softhsm
  if ! command -v softhsm2-util >/dev/null 2>&1; then
    return
  fi
  local module="" candidate
  for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*-linux-gnu/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
    if [[ -f "$candidate" ]]; then
      module="$candidate"
      break
    fi
  done
  if [[ -z "$module" ]]; then
    log "softhsm2-util is installed but libsofthsm2.so was not found: the PKCS#11 tests will skip (or fail with CI=true)"
    return
  fi

  local dir="$WORK/softhsm"
  mkdir -p "$dir/tokens"
  chmod 700 "$dir"
  cat >"$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
  export SOFTHSM2_CONF="$dir/softhsm2.conf"
  softhsm2-util --init-token --free --label strongroom-test --pin 1234 --so-pin 5678 >"$dir/init.log" 2>&1 \
    || { cat "$dir/init.log" >&2; return 1; }

  export STRONGROOM_TEST_PKCS11_LIBRARY="$module"
  export STRONGROOM_TEST_PKCS11_TOKEN=strongroom-test
  export STRONGROOM_TEST_PKCS11_PIN=1234
  log "SoftHSM token strongroom-test ready ($module, tokens in $dir/tokens)"
}

start_postgres() {
  install_postgres
  if [[ ! -x "$PG_BIN/initdb" ]]; then
    return
  fi
  if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    log "user postgres is missing; creating it"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi

  local started=$SECONDS port
  PG_DIR="$(mktemp -d /tmp/strongroom-pg.XXXXXX)"
  local pg_dir="$PG_DIR"
  PGDATA_DIR="$pg_dir/data"
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$pg_dir"
  fi
  chmod 700 "$pg_dir"

  # Trust auth is fine here: a throwaway cluster, listening only on 127.0.0.1 and a socket in a private dir.
  as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log" >&2; return 1; }

  # Durability is irrelevant for a throwaway cluster: fsync off keeps the tests fast on small disks.
  local attempt
  for attempt in 1 2 3; do
    port="$(free_port)"
    if as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$pg_dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$pg_dir' -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
      PG_STARTED=1
      break
    fi
    log "PostgreSQL did not start on port $port (attempt $attempt)"
    tail -n 20 "$pg_dir/postgres.log" >&2 || true
  done
  if [[ $PG_STARTED -ne 1 ]]; then
    return 1
  fi
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30

  export STRONGROOM_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  export STRONGROOM_TEST_PGDATA="$PGDATA_DIR"
  log "PostgreSQL $PG_VERSION ready on 127.0.0.1:$port in $((SECONDS - started))s (data: $PGDATA_DIR)"
}

# Redis is the shared state of multi-node deployments (rate limits, nonces, ephemeral CVCs, JWT keys).
start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    if [[ $EUID -ne 0 ]]; then
      log "redis-server is missing and we are not root: the Redis tests will skip (or fail with CI=true)"
      return
    fi
    log "installing redis-server"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
  fi
  local dir="$WORK/redis" attempt port
  mkdir -p "$dir"
  for attempt in 1 2 3; do
    port="$(free_port)"
    # Persistence off: the CVC store must never reach a disk, not even sealed.
    if redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >/dev/null; then
      local i
      for i in $(seq 1 50); do
        if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
          REDIS_PORT="$port"
          break 2
        fi
        sleep 0.1
      done
    fi
    log "redis-server did not start on port $port (attempt $attempt)"
  done
  if [[ -z "$REDIS_PORT" ]]; then
    tail -n 20 "$dir/redis.log" >&2 || true
    return 1
  fi
  export STRONGROOM_TEST_REDIS="127.0.0.1:$REDIS_PORT"
  export STRONGROOM_TEST_REDIS_SERVER="$(command -v redis-server)"
  log "Redis ready on 127.0.0.1:$REDIS_PORT (persistence off)"
}

if ! command -v dotnet >/dev/null 2>&1; then
  log "dotnet is not on PATH; install the .NET 10 SDK"
  exit 1
fi

install_node
install_client_packages
install_openapi_linter
install_chromium
install_walkthrough_tools
install_promtool

if [[ -n "${STRONGROOM_TEST_POSTGRES:-}" ]]; then
  log "using the PostgreSQL server from STRONGROOM_TEST_POSTGRES"
else
  start_postgres
fi

if [[ -n "${STRONGROOM_TEST_REDIS:-}" ]]; then
  log "using the Redis server from STRONGROOM_TEST_REDIS"
else
  start_redis
fi
if [[ -x "$PG_BIN/pg_ctl" ]]; then
  export STRONGROOM_TEST_PG_BIN="$PG_BIN"
fi
export STRONGROOM_FAULT_REPORT="$WORK/fault-report.txt"

if [[ -n "${STRONGROOM_TEST_PKCS11_LIBRARY:-}" ]]; then
  log "using the PKCS#11 token from STRONGROOM_TEST_PKCS11_LIBRARY/_TOKEN/_PIN"
else
  start_softhsm
fi

RESULTS="$WORK/results"
mkdir -p "$RESULTS"
set +e
dotnet test "$ROOT/Strongroom.sln" -c Release --logger "trx" --results-directory "$RESULTS" "$@"
TEST_STATUS=$?
set -e
stop_postgres # now, so that the summary below is the last line printed
stop_redis

if [[ -s "$STRONGROOM_FAULT_REPORT" ]]; then
  log "fault tests:"
  sed 's/^/[test.sh]   /' "$STRONGROOM_FAULT_REPORT" >&2
fi

# Sum the counters of every TRX report (one per test assembly).
counter() {
  local v
  v="$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters")"
  echo "${v:-0}"
}
passed=0 failed=0 skipped=0 reports=0
shopt -s nullglob
for trx in "$RESULTS"/*.trx "$RESULTS"/*/*.trx; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)" || continue
  passed=$((passed + $(counter passed)))
  failed=$((failed + $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted)))
  # Skipped tests are in total but not in executed (VSTest leaves notExecuted at 0 for them).
  skipped=$((skipped + $(counter total) - $(counter executed)))
  reports=$((reports + 1))
done

if [[ $TEST_STATUS -ne 0 && $failed -eq 0 ]]; then
  log "dotnet test exited with $TEST_STATUS without a failed test in the reports (build error or crashed test host?)"
fi
if [[ $reports -eq 0 ]]; then
  log "no test report was written"
  TEST_STATUS=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
if [[ $TEST_STATUS -ne 0 || $failed -ne 0 ]]; then
  exit 1
fi
