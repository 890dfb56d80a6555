#!/usr/bin/env bash
# What bounds a scenario on this machine: the server's CPU time per request and, for tokenize, the writes per group commit.
#   bench/cpu-per-request.sh [scenario ...]     (default: baseline tokenize read; SQLite, synchronous=FULL)
# For each scenario it runs wrk -t1 -c32 for 10 s (after bench/run.sh has built Release) and reads, before and after:
# the server's utime+stime from /proc/<pid>/stat, and the strongroom_store_group_commit_batch_size histogram from /metrics.
# CPU ms per request × requests/s = cores the server used; with 2 cores shared with wrk, a scenario that costs k times the
# baseline's CPU per request cannot exceed ~1/k of the baseline's rate, whatever the store does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
DLL="$ROOT/src/Strongroom.Server/bin/Release/net10.0/strongroom.dll"
LOADGEN="$BENCH/Strongroom.LoadGen/bin/Release/net10.0/strongroom-loadgen.dll"
SCENARIOS=("${@:-baseline tokenize read}")
read -r -a SCENARIOS <<<"${SCENARIOS[*]}"
WORK="$(mktemp -d)"; trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
ADMIN="sra_probe-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
TICKS=$(getconf CLK_TCK)

env Urls="$BASE" ${PROBE_ENV:-} Strongroom__Storage__DataDirectory="$WORK/data" Strongroom__Admin__Token="$ADMIN" \
  Strongroom__Bench__BaselineEndpoint=true Strongroom__RateLimit__PermitLimit=1000000000 \
  dotnet "$DLL" serve >"$WORK/server.log" 2>&1 &
PID=$!
until curl -sf -o /dev/null "$BASE/readyz"; do sleep 0.05; done
dotnet "$LOADGEN" seed --url "$BASE" --admin-token "$ADMIN" --out "$WORK/creds" --tokens 2000 --signing-keys 1 >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
commits() { curl -s -H "x-admin-token: $ADMIN" "$BASE/metrics" | awk '
  /^strongroom_store_group_commit_batch_size_count/ {c += $NF} /^strongroom_store_group_commit_batch_size_sum/ {s += $NF}
  END {printf "%d %d\n", c, s}'; }

echo "uptime: $(uptime)"
printf '%-10s %10s %14s %12s %16s %14s\n' scenario "req/s" "server cores" "CPU ms/req" "writes/commit" "commits/s"
for scenario in "${SCENARIOS[@]}"; do
  BENCH_LUA_DIR="$BENCH/wrk" BENCH_SCENARIO=$scenario BENCH_CREDENTIALS="$WORK/creds" \
    wrk -t1 -c32 -d3s -s "$BENCH/wrk/scenario.lua" "$BASE" >/dev/null  # warm-up
  read -r c0 s0 < <(commits); t0=$(cpu_ticks)
  out=$(BENCH_LUA_DIR="$BENCH/wrk" BENCH_SCENARIO=$scenario BENCH_CREDENTIALS="$WORK/creds" \
    wrk -t1 -c32 -d10s -s "$BENCH/wrk/scenario.lua" "$BASE")
  t1=$(cpu_ticks); read -r c1 s1 < <(commits)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  awk -v rps="$rps" -v dt="$((t1 - t0))" -v hz="$TICKS" -v dc="$((c1 - c0))" -v ds="$((s1 - s0))" -v n="$scenario" 'BEGIN {
    cores = dt / hz / 10; ms = (dt / hz * 1000) / (rps * 10);
    wpc = dc > 0 ? ds / dc : 0; cps = dc / 10;
    printf "%-10s %10.0f %14.2f %12.3f %16.1f %14.0f\n", n, rps, cores, ms, wpc, cps }'
done
echo "uptime: $(uptime)"
