#!/usr/bin/env bash
# Top posts and net-sentiment movers at scale (issue 7): times
# GET /api/v1/workspaces/1/top-posts (each ranking, 7 and 90 days) and the net sentiment
# page over a data directory built by `rapport demo --backfill-only`.
#
#   scripts/top_posts.sh [DATA_DIR] [POSTS]
#
# Uses DATA_DIR (default /tmp/rapport-10m, made by scripts/overview_10m.sh) when it exists;
# otherwise builds it with POSTS (default 1,000,000) posts over 90 days through the real
# pipeline. The server's read cache keeps an answer for at most a second, so requests are
# a second and a half apart: every figure is computed, not cached. RAPPORT_BIN picks the
# binary (default: the release build, else the debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-/tmp/rapport-10m}"
POSTS="${2:-1000000}"
DAYS=90
SAMPLES="${SAMPLES:-5}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="${RAPPORT_BIN:-$TARGET/release/rapport}"
[ -x "$BIN" ] || BIN="$TARGET/debug/rapport"
ADDR=127.0.0.1:7981
R() { "$BIN" --data-dir "$DATA" "$@"; }

if [ ! -d "$DATA" ]; then
  mkdir -p "$DATA"
  /usr/bin/time -v "$BIN" --data-dir "$DATA" demo --backfill-only --backfill-days "$DAYS" \
    --rate $((POSTS / DAYS)) 2> "$DATA.time" | tail -3
  grep -E 'Elapsed|Maximum resident' "$DATA.time"
fi
echo "posts: $(sqlite3 "$DATA/rapport.db" "SELECT value FROM totals WHERE name = 'posts'")"
TOKEN=$(R token create --workspace 1 --role viewer --name "top posts $(date +%s)" | tail -1)
R serve --addr "$ADDR" --no-sources >"$DATA.serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done

time_get() { # PATH -> median seconds of $SAMPLES requests
  local path="$1" times=()
  for _ in $(seq "$SAMPLES"); do
    sleep 1.5
    times+=("$(curl -sf -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" \
      "http://$ADDR$path")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
for days in 7 90; do
  for ranking in engagement reach positive negative; do
    printf 'top-posts ranking=%-10s days=%-3s median %ss\n' "$ranking" "$days" \
      "$(time_get "/api/v1/workspaces/1/top-posts?ranking=$ranking&days=$days&limit=10")"
  done
  printf 'influencers by=engagement     days=%-3s median %ss\n' "$days" \
    "$(time_get "/api/v1/workspaces/1/influencers?by=engagement&days=$days")"
done
