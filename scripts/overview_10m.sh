#!/usr/bin/env bash
# The overview at scale (issue 7): ten million simulated posts over 90 days in SQLite,
# matched against 20 monitors, then the dashboard over 90 days and the 90-day rollups API,
# each timed uncached.
#
#   scripts/overview_10m.sh [DATA_DIR] [POSTS]
#
# Builds (or reuses) DATA_DIR (default /tmp/rapport-10m) with `rapport demo --backfill-only`:
# the demo's monitors plus topic monitors up to 20, then POSTS (default 10,000,000) posts
# over 90 days through the real pipeline. Starts `rapport serve` on it, logs in as the demo
# admin, and times each request with curl. The server answers repeated reads from a cache of
# at most a second, so the requests are a second and a half apart: every figure is a
# computed page, not a cached one. Needs a release build (`cargo build --release -p rapport`).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-/tmp/rapport-10m}"
POSTS="${2:-10000000}"
DAYS=90
MONITORS=20
SAMPLES="${SAMPLES:-10}"
BIN="${RAPPORT_BIN:-${CARGO_TARGET_DIR:-target}/release/rapport}"
ADDR=127.0.0.1:7980
R() { "$BIN" --data-dir "$DATA" "$@"; }

start_server() {
  R serve --addr "$ADDR" --no-sources >"$DATA.serve.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 600); do curl -sf "http://$ADDR/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start: $(tail -5 "$DATA.serve.log")" >&2; exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; trap - EXIT; }

if [ ! -f "$DATA/built" ]; then
  rm -rf "$DATA" && mkdir -p "$DATA"
  # A first, tiny run makes the workspace, the demo users and the demo's monitors.
  R demo --backfill-only --backfill-days 1 --rate 100 | tee "$DATA.logins"
  TOKEN=$(R token create --workspace 1 --role admin --name "monitors $(date +%s)" | tail -1)
  start_server
  have=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/workspaces/1/counts" \
    | grep -o '"query"' | wc -l)
  topics=(espresso grinder kettle "leak OR leaking" refund "shipping OR delivery" wifi
    temperature milk app coffee burrs firmware warranty "customer service" price)
  i=0
  while [ "$have" -lt "$MONITORS" ] && [ "$i" -lt "${#topics[@]}" ]; do
    topic="${topics[$i]}"
    curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d "{\"name\": \"topic: $topic\", \"kind\": \"campaign\", \"query\": \"$topic\"}" \
      "http://$ADDR/api/v1/workspaces/1/monitors"
    have=$((have + 1)); i=$((i + 1))
  done
  stop_server
  echo "monitors: $have"
  # A new timeline (another rate) starting $DAYS days ago, through the pipeline.
  rm -f "$DATA/demo.json"
  /usr/bin/time -v "$BIN" --data-dir "$DATA" demo --backfill-only --backfill-days "$DAYS" \
    --rate $((POSTS / DAYS)) 2> "$DATA.time" | tail -3
  grep -E 'Elapsed|Maximum resident' "$DATA.time"
  touch "$DATA/built"
fi
du -sh "$DATA"
PASSWORD=$(grep -E 'login admin@demo.local' "$DATA.logins" | awk '{print $4}')
TOKEN=$(R token create --workspace 1 --role viewer --name "overview $(date +%s)" | tail -1)
start_server
# Let the start-up work (the overview lists computed in the background) finish first.
sleep "${SETTLE:-30}"
COOKIE=$(curl -s -i -X POST "http://$ADDR/login" \
  --data-urlencode "email=admin@demo.local" --data-urlencode "password=$PASSWORD" \
  | grep -i '^set-cookie:' | head -1 | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')
[ -n "$COOKIE" ] || { echo "login failed" >&2; exit 1; }
echo "stored: $(curl -s -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/stats")"
time_it() { # label, path, header
  local times=()
  for _ in $(seq "$SAMPLES"); do
    sleep 1.5
    times+=("$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "$3" "http://$ADDR$2")")
  done
  printf '%s\n' "${times[@]}" | awk -v label="$1" '
    $1 != 200 { bad++ } { t[NR] = $2 * 1000 }
    END { n = asort(t); printf "%-44s median %6.1f ms  max %6.1f ms  (%d samples%s)\n",
      label, t[int((n + 1) / 2)], t[n], n, bad ? ", " bad " not 200" : "" }'
}
time_it "dashboard, 90 days (/w/1?days=90)" "/w/1?days=90" "Cookie: $COOKIE"
time_it "dashboard, 14 days (/w/1)" "/w/1" "Cookie: $COOKIE"
time_it "rollups API, 90 days by day" "/api/v1/workspaces/1/rollups?days=90&bucket=day" "Authorization: Bearer $TOKEN"
time_it "rollups API, 90 days by hour" "/api/v1/workspaces/1/rollups?days=90&bucket=hour" "Authorization: Bearer $TOKEN"
