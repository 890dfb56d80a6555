#!/usr/bin/env bash
# The load benchmark of Strongroom, one command (see docs/benchmarks.md for what it measures and how):
#   bench/run.sh            full run, about 11 minutes: writes docs/benchmarks.md and docs/images/benchmarks.png
#   bench/run.sh --quick    short runs (1 round, 3 s) for iteration; writes the report to bench/results/ only
#
# It builds Release, starts the server with the benchmark-only baseline endpoint (Strongroom:Bench:BaselineEndpoint)
# on SQLite (fresh data dir) and then on PostgreSQL 15 (a throwaway durable cluster: fsync and synchronous_commit on),
# and measures every scenario with wrk (saturation) and autocannon (fixed rates). Needs root or the tools installed:
# wrk and gnuplot-nox (Debian), node/npm (autocannon from bench/package-lock.json), PostgreSQL 15.
# Request bodies are generated (random Luhn-valid numbers on the test BIN 411111) and never logged.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

MODE=full
[[ "${1:-}" == "--quick" ]] && MODE=quick
if [[ $MODE == quick ]]; then
  ROUNDS=1; WRK_SECONDS=3; WARM_SECONDS=1; AC_SECONDS=3; SEED=300
else
  ROUNDS=3; WRK_SECONDS=10; WARM_SECONDS=2; AC_SECONDS=10; SEED=2000
fi
RATES="${BENCH_RATES:-500 2000 5000}"
WRK_CONNECTIONS="${BENCH_WRK_CONNECTIONS:-32}"
WRK_THREADS="${BENCH_WRK_THREADS:-1}"
AC_CONNECTIONS="${BENCH_AC_CONNECTIONS:-16}"
STORES="${BENCH_STORES:-sqlite postgres}"
export BENCH_WRK_CONNECTIONS="$WRK_CONNECTIONS" BENCH_WRK_THREADS="$WRK_THREADS" BENCH_AC_CONNECTIONS="$AC_CONNECTIONS"
PG_BIN=/usr/lib/postgresql/15/bin
ADMIN_TOKEN="sra_bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

log() { printf '[bench] %s\n' "$*" >&2; }

RESULTS="$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
ln -sfn "$RESULTS" "$BENCH/results/latest"
WORK="$(mktemp -d /tmp/strongroom-bench.XXXXXX)"
SERVER_PID=""
PG_STARTED=0
PGDATA_DIR="$WORK/pg/data"

as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() {
  local status=$?
  set +e
  stop_server
  if [[ $PG_STARTED -eq 1 ]]; then as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
  if [[ ${#missing[@]} -gt 0 ]]; then
    [[ $EUID -eq 0 ]] || { log "missing: ${missing[*]} (install them)"; exit 1; }
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [[ ! -f "$BENCH/node_modules/.package-lock.json" || "$BENCH/package-lock.json" -nt "$BENCH/node_modules/.package-lock.json" ]]; then
    log "installing autocannon (npm ci)"
    npm ci --prefix "$BENCH" --no-audit --no-fund --loglevel=error >/dev/null
  fi
}

machine() {
  {
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) logical CPUs"
    echo "memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
    echo "kernel: $(uname -sr)"
    echo "disk: $(findmnt -no SOURCE,FSTYPE --target /tmp | head -1) (data dirs under /tmp)"
    echo "dotnet: $(dotnet --version)"
    echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
    echo "autocannon: $(node -p "require('$BENCH/node_modules/autocannon/package.json').version"), node $(node --version)"
    echo "postgresql: $("$PG_BIN/postgres" --version 2>/dev/null || echo absent)"
    echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$RESULTS/machine.txt"
}

start_postgres() {
  mkdir -p "$WORK/pg"
  [[ $EUID -eq 0 ]] && chown postgres: "$WORK" "$WORK/pg"
  chmod 711 "$WORK"
  as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$WORK/pg/initdb.log" 2>&1 \
    || { cat "$WORK/pg/initdb.log" >&2; return 1; }
  PG_PORT="$(free_port)"
  # Durable: fsync, synchronous_commit and full_page_writes keep their defaults (on).
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$WORK/pg/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='$WORK/pg' -c max_connections=200" start >/dev/null
  PG_STARTED=1
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE strongroom_bench" >/dev/null
}

psql_value() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d strongroom_bench -Atqc "$1"; }

# start_server <store>: fresh data directory; records the cold start (spawn to the first 200 from /readyz).
start_server() {
  local store=$1 data="$WORK/data-$1"
  rm -rf "$data"; mkdir -p "$data"
  PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"
  local -a env=(
    "Urls=$BASE"
    "Strongroom__Storage__Provider=$store"
    "Strongroom__Storage__DataDirectory=$data"
    "Strongroom__Admin__Token=$ADMIN_TOKEN"
    "Strongroom__Bench__BaselineEndpoint=true"
    "Strongroom__RateLimit__PermitLimit=1000000000"
  )
  if [[ $store == postgres ]]; then
    env+=("Strongroom__Storage__ConnectionString=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=strongroom_bench;Maximum Pool Size=100;Max Auto Prepare=20")
  fi
  local started
  started=$(date +%s%N)
  env "${env[@]}" dotnet "$DLL" serve >"$RESULTS/server-$store.log" 2>&1 &
  SERVER_PID=$!
  local ready="" baseline=""
  while [[ -z "$ready" || -z "$baseline" ]]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server ($store) died"; tail -20 "$RESULTS/server-$store.log" >&2; exit 1; }
    if [[ -z "$baseline" ]] && curl -sf -o /dev/null "$BASE/bench/baseline" -H 'content-type: application/json' \
      -d '{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2030}}'; then
      baseline=$(( ($(date +%s%N) - started) / 1000000 ))
    fi
    if [[ -z "$ready" ]] && curl -sf -o /dev/null "$BASE/readyz"; then
      ready=$(( ($(date +%s%N) - started) / 1000000 ))
    fi
    [[ -n "$ready" && -n "$baseline" ]] || sleep 0.005
  done
  echo "$ready" >"$RESULTS/$store-coldstart-ms.txt"
  echo "$baseline" >"$RESULTS/$store-coldstart-baseline-ms.txt"
  log "$store: ready in $(cat "$RESULTS/$store-coldstart-ms.txt") ms (pid $SERVER_PID)"
}

create_key() {
  local tenant
  tenant=$(curl -sf "$BASE/api/admin/tenants" -H "x-admin-token: $ADMIN_TOKEN" -H 'content-type: application/json' -d '{"name":"Bench"}' \
    | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')
  API_KEY=$(curl -sf "$BASE/api/admin/api-keys" -H "x-admin-token: $ADMIN_TOKEN" -H 'content-type: application/json' -d "{\"tenant_id\":\"$tenant\"}" \
    | node -pe 'JSON.parse(require("fs").readFileSync(0)).key')
}

rss() { # <label>: peak and current resident set of the server
  awk -v l="$1" '/^VmHWM|^VmRSS/ {v[$1]=$2} END {printf "{\"label\":\"%s\",\"hwm_kb\":%d,\"rss_kb\":%d}\n", l, v["VmHWM:"], v["VmRSS:"]}' "/proc/$SERVER_PID/status" >>"$RESULTS/$STORE-rss.jsonl"
}

run_wrk() { # <scenario> <seconds>
  BENCH_LUA_DIR="$BENCH/wrk" BENCH_SCENARIO=$1 BENCH_API_KEY="$API_KEY" BENCH_IDS="$IDS" \
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${2}s" --timeout 5s -s "$BENCH/wrk/scenario.lua" "$BASE" | tail -n 1
}

saturation() { # <scenario>
  local r line
  run_wrk "$1" "$WARM_SECONDS" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    line=$(run_wrk "$1" "$WRK_SECONDS")
    echo "{\"store\":\"$STORE\",\"scenario\":\"$1\",\"round\":$r,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"wrk\":$line}" >>"$RESULTS/wrk.jsonl"
    log "$STORE $1 wrk round $r: $(node -pe "JSON.parse(process.argv[1]).rps.toFixed(0)" "$line") rps"
  done
}

fixed_rates() { # <scenario>
  local rate line
  for rate in $RATES; do
    line=$(node "$BENCH/fixed-rate.cjs" "$BASE" "$1" "$rate" "$AC_SECONDS" "$AC_CONNECTIONS" "$API_KEY" "$IDS")
    echo "{\"store\":\"$STORE\",\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"autocannon\":$line}" >>"$RESULTS/autocannon.jsonl"
    log "$STORE $1 @ $rate/s: $(node -pe "const r=JSON.parse(process.argv[1]); r.achieved_rps.toFixed(0)+' rps, p99 '+r.corrected_ms.p99+' ms (raw '+r.raw_ms.p99.toFixed(2)+')'" "$line")"
  done
}

count_tokens() {
  if [[ $STORE == sqlite ]]; then
    python3 - "$WORK/data-sqlite/strongroom.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); print(c.execute("select count(*) from pci_tokens").fetchone()[0])
PY
  else
    psql_value "select count(*) from pci_tokens"
  fi
}

store_bytes() { # bytes of the store after a checkpoint (SQLite: main file once the WAL is folded in; PostgreSQL: database size)
  if [[ $STORE == sqlite ]]; then
    python3 - "$WORK/data-sqlite/strongroom.db" <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("pragma wal_checkpoint(TRUNCATE)").fetchall(); c.close()
print(os.path.getsize(sys.argv[1]) + (os.path.getsize(sys.argv[1] + "-wal") if os.path.exists(sys.argv[1] + "-wal") else 0))
PY
  else
    psql_value "checkpoint" >/dev/null; psql_value "select pg_database_size(current_database())"
  fi
}

bench_store() {
  STORE=$1
  [[ $STORE == postgres ]] && start_postgres
  start_server "$STORE"
  rss "started"
  create_key
  local bytes0 tokens0
  bytes0=$(store_bytes); tokens0=$(count_tokens)
  IDS="$RESULTS/$STORE-ids.txt"
  node "$BENCH/seed.cjs" "$BASE" "$API_KEY" "$SEED" "$IDS"
  if [[ $STORE == sqlite ]]; then # the baseline runs once, in the SQLite server process (it touches no store)
    STORE=baseline; saturation baseline; fixed_rates baseline; STORE=sqlite
    rss "after baseline"
  fi
  for scenario in tokenize read mixed; do saturation "$scenario"; done
  rss "after saturation"
  for scenario in tokenize read mixed; do fixed_rates "$scenario"; done
  rss "after fixed rates"
  stop_server
  local bytes1 tokens1
  bytes1=$(store_bytes); tokens1=$(count_tokens)
  echo "{\"store\":\"$STORE\",\"bytes_before\":$bytes0,\"bytes_after\":$bytes1,\"tokens_before\":$tokens0,\"tokens_after\":$tokens1}" >"$RESULTS/$STORE-disk.json"
  log "$STORE: $((tokens1 - tokens0)) tokens, $(( (bytes1 - bytes0) / (tokens1 - tokens0 > 0 ? tokens1 - tokens0 : 1) )) bytes per token"
}

ensure_tools
log "building Release"
dotnet build "$ROOT/src/Strongroom.Server" -c Release -v quiet -nologo >"$RESULTS/build.log" 2>&1 || { tail -30 "$RESULTS/build.log" >&2; exit 1; }
DLL="$ROOT/src/Strongroom.Server/bin/Release/net10.0/strongroom.dll"
machine
started_all=$SECONDS
# Microbenchmarks of the hot path first, while no server runs (BenchmarkDotNet short job, in process; ~1 min).
if [[ $MODE == full || -n "${BENCH_MICRO:-}" ]]; then
  log "BenchmarkDotNet microbenchmarks"
  dotnet run -c Release --project "$BENCH/Strongroom.Benchmarks" -- --filter '*' --job short --inProcess \
    --artifacts "$RESULTS/micro" >"$RESULTS/micro.log" 2>&1 || { tail -30 "$RESULTS/micro.log" >&2; exit 1; }
  cat "$RESULTS"/micro/results/*-report-github.md >"$RESULTS/micro.md"
fi
for store in $STORES; do bench_store "$store"; done
echo "$((SECONDS - started_all))" >"$RESULTS/duration-s.txt"
echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/machine.txt"

if [[ $MODE == full ]]; then
  python3 "$BENCH/report.py" "$RESULTS" "$ROOT/docs/benchmarks.md" "$ROOT/docs/images/benchmarks.png"
else
  python3 "$BENCH/report.py" "$RESULTS" "$RESULTS/benchmarks.md" "$RESULTS/benchmarks.png"
fi
log "done in $((SECONDS - started_all)) s; results in $RESULTS"
