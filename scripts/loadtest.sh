#!/usr/bin/env bash
# Load test of the pages and JSON API with wrk: 50 concurrent clients per endpoint.
#
#   scripts/loadtest.sh [DATA_DIR] [POSTS]
#
# Builds (or reuses) a data directory holding about POSTS simulated posts (default one
# million; `rapport demo --backfill-only`), starts `rapport serve` on it, logs in as the demo
# admin for the pages and makes an API token for the API, then runs wrk for DURATION seconds
# (default 15) against each endpoint and prints requests/s and latency percentiles.
# Needs wrk (Debian package `wrk`) and a release build (`cargo build --release -p rapport`).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-/tmp/rapport-load}"
POSTS="${2:-1000000}"
DURATION="${DURATION:-15}"
CLIENTS="${CLIENTS:-50}"
BIN="${RAPPORT_BIN:-${CARGO_TARGET_DIR:-target}/release/rapport}"
ADDR=127.0.0.1:7979
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

if [ ! -f "$DATA/rapport.db" ]; then
  # 30 days at POSTS/30 a day.
  "$BIN" --data-dir "$DATA" demo --backfill-only --backfill-days 30 --rate $((POSTS / 30)) \
    | tee "$DATA.logins"
fi
PASSWORD=$(grep -E 'login admin@demo.local' "$DATA.logins" | awk '{print $4}')
TOKEN=$("$BIN" --data-dir "$DATA" token create --workspace 1 --role admin --name "load $(date +%s)" | tail -1)

"$BIN" --data-dir "$DATA" serve --addr "$ADDR" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done
COOKIE=$(curl -s -i -X POST "http://$ADDR/login" \
  --data-urlencode "email=admin@demo.local" --data-urlencode "password=$PASSWORD" \
  | grep -i '^set-cookie:' | head -1 | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')
[ -n "$COOKIE" ] || { echo "login failed" >&2; exit 1; }
echo "posts stored: $(curl -s -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/stats" | sed -E 's/.*"posts":([0-9]+).*/\1/')"
printf '%-58s %9s %8s %8s %8s\n' endpoint req/s p50 p90 p99
run() { # path, header
  local out
  out=$(wrk -t2 -c"$CLIENTS" -d"${DURATION}s" --latency -H "$2" "http://$ADDR$1")
  printf '%-58s %9s %8s %8s %8s\n' "$1" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" \
    "$(echo "$out" | awk '$1=="90%" {print $2}')" \
    "$(echo "$out" | awk '$1=="99%" {print $2}')"
  if echo "$out" | grep -q 'Non-2xx'; then echo "   $(echo "$out" | grep 'Non-2xx')"; fi
}
API="Authorization: Bearer $TOKEN"
PAGE="Cookie: $COOKIE"
run /w/1 "$PAGE"
run /w/1/inbox "$PAGE"
run /w/1/monitors "$PAGE"
run /api/v1/stats "$API"
run /api/v1/workspaces/1/counts "$API"
run "/api/v1/workspaces/1/mentions?limit=50" "$API"
run "/api/v1/workspaces/1/mentions?limit=50&sentiment=negative&intent=complaint" "$API"
run "/api/v1/workspaces/1/mentions?limit=50&q=battery" "$API"
run "/api/v1/workspaces/1/inbox?limit=50" "$API"
run "/api/v1/workspaces/1/rollups?days=30&bucket=day" "$API"
run "/api/v1/workspaces/1/rollups?days=7&bucket=hour" "$API"
run "/api/v1/workspaces/1/response-times?days=30" "$API"
