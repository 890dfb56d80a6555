#!/usr/bin/env bash
# Renders docs/images/grafana-dashboard.png: the dashboard's main queries in Prometheus's own graph page (NOT Grafana, which
# cannot be installed where this ran), with a real Prometheus (Debian's `prometheus`) scraping a real `strongroom serve` on its
# management port under a small synthetic load, captured by headless Chromium (Debian's `chromium`).
# Needs: a Release build (dotnet build Strongroom.sln -c Release), prometheus, chromium, curl. Takes about three minutes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DLL="$ROOT/src/Strongroom.Server/bin/Release/net10.0/strongroom.dll"
OUT="$ROOT/docs/images/grafana-dashboard.png"
LOAD_SECONDS="${LOAD_SECONDS:-150}"
WORK="$(mktemp -d)"
ADMIN="sra_screenshot-admin-token-0123456789abcdef"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PUB="$(free_port)" MGMT="$(free_port)" PROM="$(free_port)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

# The vault: management port for /metrics, gauges read every 2 s, a low per-key limit so 429s show up.
(cd "$WORK" && Strongroom__Storage__DataDirectory="$WORK/data" Strongroom__Admin__Token="$ADMIN" \
  Strongroom__Metrics__Port="$MGMT" Strongroom__Metrics__SampleInterval=00:00:02 \
  Strongroom__RateLimit__PermitLimit=40 Strongroom__RateLimit__Window=00:00:10 Logging__LogLevel__Default=Warning \
  dotnet "$DLL" serve --urls "http://127.0.0.1:$PUB" >"$WORK/vault.log" 2>&1) &
pids+=($!)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PUB/readyz" >/dev/null && break; sleep 1; done

cat >"$WORK/prometheus.yml" <<YAML
global: { scrape_interval: 2s, evaluation_interval: 2s }
scrape_configs:
  - job_name: strongroom
    static_configs: [ { targets: ["127.0.0.1:$MGMT"] } ]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" --web.listen-address="127.0.0.1:$PROM" >"$WORK/prometheus.log" 2>&1 &
pids+=($!)

api() { curl -s -H "x-admin-token: $ADMIN" -H 'content-type: application/json' "$@"; }
TENANT="$(api -X POST "http://127.0.0.1:$PUB/api/admin/tenants" -d '{"name":"Screenshot"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
KEY="$(api -X POST "http://127.0.0.1:$PUB/api/admin/api-keys" -d "{\"tenant_id\":\"$TENANT\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')"
YEAR=$(( $(date +%Y) + 3 ))
CARDS=(4111111111111111 5555555555554444 378282246310005)

# Load: tokenize, read back, list; bursts past the limit now and then.
end=$(( SECONDS + LOAD_SECONDS ))
i=0
while (( SECONDS < end )); do
  pan="${CARDS[$(( i % 3 ))]}"; cvc=123; [[ ${#pan} -eq 15 ]] && cvc=1234
  id="$(curl -s -H "x-api-key: $KEY" -H 'content-type: application/json' "http://127.0.0.1:$PUB/api/pci/tokens" \
    -d "{\"source\":{\"type\":\"pan\",\"account_number\":\"$pan\",\"expiry_month\":12,\"expiry_year\":$YEAR,\"security_code\":\"$cvc\"}}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin).get("id",""))' 2>/dev/null || true)"
  [[ -n "$id" ]] && curl -s -o /dev/null -H "x-api-key: $KEY" "http://127.0.0.1:$PUB/api/pci/tokens/$id"
  curl -s -o /dev/null -H "x-api-key: $KEY" "http://127.0.0.1:$PUB/api/pci/tokens?limit=5"
  if (( i % 20 == 0 )); then  # a burst of 60 in parallel, past the 40-per-10-s limit: some 429s
    seq 1 60 | xargs -P 12 -I{} curl -s -o /dev/null -H "x-api-key: $KEY" "http://127.0.0.1:$PUB/api/pci/tokens?limit=1"
  fi
  i=$(( i + 1 ))
  sleep 0.2
done
sleep 5
# SCRAPE_OUT=file keeps the last scrape (to check the dashboard's metric names against it).
if [[ -n "${SCRAPE_OUT:-}" ]]; then curl -s "http://127.0.0.1:$MGMT/metrics" >"$SCRAPE_OUT"; fi

enc() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
exprs=(
  'sum by (dialect, http_route, http_response_status_code) (rate(http_server_request_duration_seconds_count{dialect!="none"}[30s]))'
  'histogram_quantile(0.99, sum by (le) (rate(strongroom_tokenize_duration_seconds_bucket[30s])))'
  'histogram_quantile(0.99, sum by (le, operation) (rate(strongroom_store_operation_duration_seconds_bucket{operation=~"InsertPciToken|GetPciToken|ListPciTokens"}[30s])))'
  'sum by (dialect) (rate(strongroom_rate_limit_rejections_total[30s]))'
  'sum by (kind) (strongroom_webhook_backlog)'
)
url="http://127.0.0.1:$PROM/graph?"
for n in "${!exprs[@]}"; do
  url+="g$n.expr=$(enc "${exprs[$n]}")&g$n.tab=0&g$n.range_input=$(( LOAD_SECONDS / 60 + 1 ))m&"
done
mkdir -p "$(dirname "$OUT")"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,3400 --virtual-time-budget=15000 \
  --screenshot="$OUT" "$url" >"$WORK/chromium.log" 2>&1
echo "wrote $OUT"
