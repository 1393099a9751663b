#!/usr/bin/env bash
# Starts a three-server NATS JetStream cluster on loopback (client ports 4231-4233, route
# ports 6231-6233, data under ${NATS_CLUSTER_DIR:-/tmp/rapport-nats-cluster}) and prints the
# --nats value that names all three. Stop it with: scripts/nats_cluster.sh stop
#
#   eval "$(scripts/nats_cluster.sh)"      # sets RAPPORT_NATS
#   rapport bench workers --store postgres://... --nats "$RAPPORT_NATS" --nats-replicas 3
set -euo pipefail
dir=${NATS_CLUSTER_DIR:-/tmp/rapport-nats-cluster}
if [ "${1:-}" = stop ]; then
  for pid in "$dir"/n*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
  exit 0
fi
mkdir -p "$dir"
routes=nats://127.0.0.1:6231,nats://127.0.0.1:6232,nats://127.0.0.1:6233
for i in 1 2 3; do
  nats-server -a 127.0.0.1 -p "423$i" -n "n$i" -js -sd "$dir/n$i" \
    --cluster_name rapport --cluster "nats://127.0.0.1:623$i" --routes "$routes" \
    -P "$dir/n$i.pid" >"$dir/n$i.log" 2>&1 &
done
sleep 3
echo "export RAPPORT_NATS=nats://127.0.0.1:4231,nats://127.0.0.1:4232,nats://127.0.0.1:4233"
