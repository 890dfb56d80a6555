#!/usr/bin/env bash
# The load benchmark of Strongroom, one command, one run (see docs/benchmarks.md for what it measures and how):
#   bench/run.sh            full run, about 12 minutes: writes docs/benchmarks.md (and docs/images/benchmarks.png)
#   bench/run.sh --quick    smoke run, about 5 minutes (short phases): writes the report under bench/results/<time>/ only
#
# In one run, on one machine, next to the in-run baseline endpoint (POST /bench/baseline, Strongroom:Bench:BaselineEndpoint):
#   1. BenchmarkDotNet hot-path microbenchmarks with [MemoryDiagnoser] (allocations per request; while no server runs);
#   2. per store — SQLite (synchronous=FULL) and PostgreSQL 15 (synchronous_commit=on, a throwaway cluster started here):
#      saturation with wrk -t1 -c32 (baseline, tokenize, masked read, Tap, WhiteBIT card-token, WhiteBIT-signed v4),
#      closed-loop p99 at 32 connections and open-loop latency (1,000 tokenize/s; 2,000/s 80 % read / 20 % tokenize)
#      with the C# generator bench/Strongroom.LoadGen (latency from each request's intended send time);
#   3. scaling: tokenize and masked-read throughput with 1 and 2 server nodes on one PostgreSQL.
# 20 % of tokenizations carry an x-idempotency-key (BENCH_IDEMPOTENCY_SHARE). Request bodies are generated test cards on
# the test BIN 411111 and never logged. Needs wrk and PostgreSQL 15 (installed when missing and root); gnuplot-nox for the chart.
# Environment: BENCH_STORES ("sqlite postgres"), BENCH_SKIP_MICRO=1, BENCH_SKIP_SCALING=1, BENCH_IDEMPOTENCY_SHARE (0.2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

MODE=full
[[ "${1:-}" == "--quick" ]] && MODE=quick
if [[ $MODE == quick ]]; then
  ROUNDS=1; WRK_SECONDS=3; WARM_SECONDS=1; RUN_SECONDS=3; SEED=300; MICRO_JOB=dry
else
  ROUNDS=2; WRK_SECONDS=10; WARM_SECONDS=2; RUN_SECONDS=10; SEED=2000; MICRO_JOB=short
fi
WRK_CONNECTIONS=32
WRK_THREADS=1
CLOSED_CONNECTIONS=32
OPEN_CONNECTIONS=64
TOKENIZE_RATE=1000
MIXED_RATE=2000
IDEMPOTENCY_SHARE="${BENCH_IDEMPOTENCY_SHARE:-0.2}"
STORES="${BENCH_STORES:-sqlite postgres}"
SATURATION_SCENARIOS="tokenize read tap card-token signed-v4"
PG_BIN=/usr/lib/postgresql/15/bin
ADMIN_TOKEN="sra_bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

log() { printf '[bench] %s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }

RESULTS="$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
ln -sfn "$RESULTS" "$BENCH/results/latest"
# Credentials, data directories and the PostgreSQL cluster live here and are deleted at the end.
WORK="$(mktemp -d /tmp/strongroom-bench.XXXXXX)"
SERVER_PIDS=()
PG_STARTED=0
PGDATA_DIR="$WORK/pg/data"

as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PIDS=()
}
cleanup() {
  local status=$?
  set +e
  stop_servers
  if [[ $PG_STARTED -eq 1 ]]; then as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_tools() {
  if ! command -v wrk >/dev/null; then
    [[ $EUID -eq 0 ]] || { log "missing: wrk (apt-get install wrk)"; exit 1; }
    log "installing wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  fi
  if [[ ! -x "$PG_BIN/initdb" && " $STORES " == *" postgres "* ]]; then
    [[ $EUID -eq 0 ]] || { log "missing: PostgreSQL 15 (apt-get install postgresql-15)"; exit 1; }
    log "installing postgresql-15"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  fi
  if ! command -v gnuplot >/dev/null; then
    if [[ $EUID -eq 0 ]]; then
      log "installing gnuplot-nox (the report's chart)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null || log "gnuplot-nox not installed: no chart"
    else
      log "gnuplot absent: the report is written without its chart"
    fi
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
    echo "load generator: bench/Strongroom.LoadGen (HdrHistogram 2.5.0)"
    echo "postgresql: $("$PG_BIN/postgres" --version 2>/dev/null || echo absent)"
    echo "mode: $MODE (rounds $ROUNDS x ${WRK_SECONDS}s, runs ${RUN_SECONDS}s)"
    echo "uptime_at_start: $(uptime)"
  } >"$RESULTS/machine.txt"
}

start_postgres() {
  mkdir -p "$WORK/pg"
  [[ $EUID -eq 0 ]] && chown postgres: "$WORK" "$WORK/pg"
  chmod 711 "$WORK"
  as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$WORK/pg/initdb.log" 2>&1 \
    || { cat "$WORK/pg/initdb.log" >&2; return 1; }
  PG_PORT="$(free_port)"
  # Durable, said explicitly: every commit waits for its WAL flush.
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$WORK/pg/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='$WORK/pg' -c max_connections=300 -c fsync=on -c synchronous_commit=on -c full_page_writes=on" start >/dev/null
  PG_STARTED=1
  psql_value postgres "CREATE DATABASE strongroom_bench" >/dev/null
  psql_value postgres "CREATE DATABASE strongroom_scale" >/dev/null
  echo "postgresql_settings: synchronous_commit=$(psql_value postgres 'show synchronous_commit'), fsync=$(psql_value postgres 'show fsync')" >>"$RESULTS/machine.txt"
}

psql_value() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -Atqc "$2"; }

pg_connection() { echo "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$1;Maximum Pool Size=100;Max Auto Prepare=20"; }

# start_server <label> <store> <database> [key file] [create key file: true|false]: a fresh data directory;
# records the cold start (spawn to the first 200 from /readyz) and leaves BASE and SERVER_PID set.
start_server() {
  local label=$1 store=$2 database=$3 keyfile=${4:-} create=${5:-true} data="$WORK/data-$1"
  rm -rf "$data"; mkdir -p "$data"
  local port; port="$(free_port)"
  BASE="http://127.0.0.1:$port"
  local -a env=(
    "Urls=$BASE"
    "Strongroom__Storage__Provider=$store"
    "Strongroom__Storage__DataDirectory=$data"
    "Strongroom__Admin__Token=$ADMIN_TOKEN"
    "Strongroom__Bench__BaselineEndpoint=true"
    "Strongroom__RateLimit__PermitLimit=1000000000"
  )
  [[ $store == postgres ]] && env+=("Strongroom__Storage__ConnectionString=$(pg_connection "$database")")
  [[ -n "$keyfile" ]] && env+=("Strongroom__KeyFile__Path=$keyfile" "Strongroom__KeyFile__CreateIfMissing=$create")
  local started; started=$(date +%s%N)
  env "${env[@]}" dotnet "$DLL" serve >"$RESULTS/server-$label.log" 2>&1 &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  until curl -sf -o /dev/null "$BASE/readyz"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server $label died"; tail -20 "$RESULTS/server-$label.log" >&2; exit 1; }
    sleep 0.01
  done
  echo "$(( ($(date +%s%N) - started) / 1000000 ))" >"$RESULTS/$label-coldstart-ms.txt"
  log "$label: ready in $(cat "$RESULTS/$label-coldstart-ms.txt") ms (pid $SERVER_PID)"
}

loadgen() { dotnet "$LOADGEN" "$@"; }

rss() { # <store> <label>: peak and current resident set of the server
  awk -v l="$2" '/^VmHWM|^VmRSS/ {v[$1]=$2} END {printf "{\"label\":\"%s\",\"hwm_kb\":%d,\"rss_kb\":%d}\n", l, v["VmHWM:"], v["VmRSS:"]}' \
    "/proc/$SERVER_PID/status" >>"$RESULTS/$1-rss.jsonl"
}

run_wrk() { # <scenario> <seconds>
  local jwt=""
  [[ $1 == card-token ]] && jwt=$(loadgen jwt --url "$BASE" --credentials "$CREDS")
  BENCH_LUA_DIR="$BENCH/wrk" BENCH_SCENARIO=$1 BENCH_CREDENTIALS="$CREDS" BENCH_JWT="$jwt" BENCH_IDEMPOTENCY_SHARE="$IDEMPOTENCY_SHARE" \
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${2}s" --timeout 5s -s "$BENCH/wrk/scenario.lua" "$BASE" | tail -n 1
}

saturation() { # <store> <scenario>
  local r line
  run_wrk "$2" "$WARM_SECONDS" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    line=$(run_wrk "$2" "$WRK_SECONDS")
    echo "{\"store\":\"$1\",\"scenario\":\"$2\",\"round\":$r,\"load\":$(load1),\"wrk\":$line}" >>"$RESULTS/wrk.jsonl"
    log "$1 $2 wrk round $r: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("%.0f req/s, p99 %.1f ms, errors %d" % (r["rps"], r["latency_us"]["p99"] / 1000, sum(r["errors"].values())))' "$line")"
  done
}

generated() { # <store> <phase> <nodes> <loadgen run arguments…>: one loadgen run, appended to loadgen.jsonl
  local store=$1 phase=$2 nodes=$3 line
  shift 3
  line=$(loadgen run --credentials "$CREDS" --warmup "$WARM_SECONDS" --duration "$RUN_SECONDS" --idempotency-share "$IDEMPOTENCY_SHARE" "$@")
  echo "{\"store\":\"$store\",\"phase\":\"$phase\",\"nodes\":$nodes,\"load\":$(load1),\"result\":$line}" >>"$RESULTS/loadgen.jsonl"
  log "$store $phase $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("%s %s x%d: %.0f req/s, p99 %s ms, errors %d" % (r["scenario"], r["mode"], r["connections"], r["achieved_rps"], r["latency_ms"]["p99"], r["error_count"]))' "$line")"
}

# Every kind of token the run creates: Guardian PCI tokens, WhiteBIT card tokens and Tap single-use tokens.
TOKEN_COUNT_SQL="select (select count(*) from pci_tokens) + (select count(*) from card_tokens) + (select count(*) from single_use_tokens)"
count_tokens() { # <store>
  if [[ $1 == sqlite ]]; then
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$WORK/data-sqlite/strongroom.db" "$TOKEN_COUNT_SQL"
  else
    psql_value strongroom_bench "$TOKEN_COUNT_SQL"
  fi
}

store_bytes() { # <store>: bytes after a checkpoint (SQLite: main file once the WAL is folded in; PostgreSQL: database size)
  if [[ $1 == sqlite ]]; then
    python3 - "$WORK/data-sqlite/strongroom.db" <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("pragma wal_checkpoint(TRUNCATE)").fetchall(); c.close()
print(os.path.getsize(sys.argv[1]) + (os.path.getsize(sys.argv[1] + "-wal") if os.path.exists(sys.argv[1] + "-wal") else 0))
PY
  else
    psql_value strongroom_bench "checkpoint" >/dev/null; psql_value strongroom_bench "select pg_database_size(current_database())"
  fi
}

bench_store() { # <store>: everything measured on one server process of that store
  local store=$1 scenario
  start_server "$store" "$store" strongroom_bench
  rss "$store" started
  CREDS="$WORK/credentials-$store"
  loadgen seed --url "$BASE" --admin-token "$ADMIN_TOKEN" --out "$CREDS" --tokens "$SEED" --signing-keys 32
  local bytes0 tokens0
  bytes0=$(store_bytes "$store"); tokens0=$(count_tokens "$store")
  # The baseline in this same process first: the ceiling every ratio of this store is taken against.
  saturation "$store" baseline
  rss "$store" "after baseline"
  for scenario in $SATURATION_SCENARIOS; do saturation "$store" "$scenario"; done
  rss "$store" "after saturation"
  generated "$store" closed 1 --url "$BASE" --scenario tokenize --mode closed --connections "$CLOSED_CONNECTIONS"
  generated "$store" open 1 --url "$BASE" --scenario baseline --mode open --rate "$TOKENIZE_RATE" --connections "$OPEN_CONNECTIONS"
  generated "$store" open 1 --url "$BASE" --scenario tokenize --mode open --rate "$TOKENIZE_RATE" --connections "$OPEN_CONNECTIONS"
  generated "$store" open 1 --url "$BASE" --scenario baseline --mode open --rate "$MIXED_RATE" --connections "$OPEN_CONNECTIONS"
  generated "$store" open 1 --url "$BASE" --scenario mixed --mode open --rate "$MIXED_RATE" --connections "$OPEN_CONNECTIONS"
  rss "$store" "after open loop"
  stop_servers
  local bytes1 tokens1
  bytes1=$(store_bytes "$store"); tokens1=$(count_tokens "$store")
  echo "{\"store\":\"$store\",\"bytes_before\":$bytes0,\"bytes_after\":$bytes1,\"tokens_before\":$tokens0,\"tokens_after\":$tokens1}" >"$RESULTS/$store-disk.json"
  log "$store: $((tokens1 - tokens0)) tokens, $(( (bytes1 - bytes0) / (tokens1 - tokens0 > 0 ? tokens1 - tokens0 : 1) )) bytes per token"
}

# Scaling: the same closed-loop load (32 connections, spread evenly) on 1 and then 2 nodes sharing one PostgreSQL
# database and one key file (node 2 never creates it), no Redis (rate limits are raised; no scenario here needs shared state).
bench_scaling() {
  local keyfile="$WORK/scale-kek.json" urls scenario
  start_server scale-node1 postgres strongroom_scale "$keyfile" true
  local node1="$BASE"
  CREDS="$WORK/credentials-scale"
  loadgen seed --url "$node1" --admin-token "$ADMIN_TOKEN" --out "$CREDS" --tokens "$SEED" --signing-keys 1
  for scenario in tokenize read; do
    generated postgres scaling 1 --url "$node1" --scenario "$scenario" --mode closed --connections "$CLOSED_CONNECTIONS"
  done
  start_server scale-node2 postgres strongroom_scale "$keyfile" false
  urls="$node1,$BASE"
  for scenario in tokenize read; do
    generated postgres scaling 2 --url "$urls" --scenario "$scenario" --mode closed --connections "$CLOSED_CONNECTIONS"
  done
  stop_servers
}

ensure_tools
log "building Release (server, load generator)"
{
  dotnet build "$ROOT/src/Strongroom.Server" -c Release -v quiet -nologo &&
  dotnet build "$BENCH/Strongroom.LoadGen" -c Release -v quiet -nologo
} >"$RESULTS/build.log" 2>&1 || { tail -30 "$RESULTS/build.log" >&2; exit 1; }
DLL="$ROOT/src/Strongroom.Server/bin/Release/net10.0/strongroom.dll"
LOADGEN="$BENCH/Strongroom.LoadGen/bin/Release/net10.0/strongroom-loadgen.dll"
machine
started_all=$SECONDS
# Microbenchmarks first, while no server runs (BenchmarkDotNet in process; --quick uses the dry job: allocations are
# exact after one iteration, times are not).
if [[ -z "${BENCH_SKIP_MICRO:-}" ]]; then
  log "BenchmarkDotNet microbenchmarks (job $MICRO_JOB)"
  dotnet run -c Release --project "$BENCH/Strongroom.Benchmarks" -- --filter '*' --job "$MICRO_JOB" --inProcess \
    --memory --exporters GitHub JSON --artifacts "$RESULTS/micro" >"$RESULTS/micro.log" 2>&1 || { tail -30 "$RESULTS/micro.log" >&2; exit 1; }
  cat "$RESULTS"/micro/results/*-report-github.md >"$RESULTS/micro.md"
  cp "$RESULTS"/micro/results/*-report-full-compressed.json "$RESULTS/micro.json" 2>/dev/null \
    || cp "$(ls "$RESULTS"/micro/results/*.json | head -1)" "$RESULTS/micro.json"
fi
if [[ " $STORES " == *" postgres "* || -z "${BENCH_SKIP_SCALING:-}" ]]; then start_postgres; fi
for store in $STORES; do bench_store "$store"; done
if [[ -z "${BENCH_SKIP_SCALING:-}" ]]; then bench_scaling; fi
echo "$((SECONDS - started_all))" >"$RESULTS/duration-s.txt"
echo "uptime_at_end: $(uptime)" >>"$RESULTS/machine.txt"

if [[ $MODE == full ]]; then
  python3 "$BENCH/report.py" "$RESULTS" "$ROOT/docs/benchmarks.md" "$ROOT/docs/images/benchmarks.png"
else
  python3 "$BENCH/report.py" "$RESULTS" "$RESULTS/benchmarks.md" "$RESULTS/benchmarks.png"
fi
log "done in $((SECONDS - started_all)) s; results in $RESULTS"
