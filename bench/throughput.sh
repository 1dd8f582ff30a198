#!/usr/bin/env bash
# Sagas per second with the in-memory and the SQLite order store, on this machine: four published
# processes per store, wrk posting new orders over fixed connections after a warm-up. The stores
# take turns for ROUNDS rounds (a small machine is noisy) and the median round of each is reported.
# Usage: bench/throughput.sh [SECONDS] [CONNECTIONS] [ROUNDS]   (defaults: 15 s, 16 connections, 3 rounds)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"

seconds=${1:-15}
connections=${2:-16}
rounds=${3:-3}
out="$SAGA_ROOT/.artifacts/bench"
mkdir -p "$out"
if ! command -v wrk >/dev/null; then
  echo "==> Installing wrk"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || die "could not install wrk"
fi
trap 'stop_roles' EXIT
publish_app

declare -A figures
for ((round = 1; round <= rounds; round++)); do
for store in memory sqlite; do
  echo "==> round $round: $store store"
  declare -A port=()
  for role in payment inventory delivery order; do port[$role]=$(free_port); done
  for role in payment inventory delivery; do
    start_role "$role" "${port[$role]}" "$out/$store-$role.log" Inventory__InitialStock=100000000 Delivery__SlotCapacity=100000000
  done
  rm -f "$out/$store-orders.db"*
  start_role order "${port[order]}" "$out/$store-order.log" Storage__Provider="$store" \
    "ConnectionStrings__Orders=Data Source=$out/$store-orders.db" \
    PAYMENT_URL="http://127.0.0.1:${port[payment]}" INVENTORY_URL="http://127.0.0.1:${port[inventory]}" \
    DELIVERY_URL="http://127.0.0.1:${port[delivery]}"
  for role in payment inventory delivery order; do wait_healthy "http://127.0.0.1:${port[$role]}" 60; done
  url="http://127.0.0.1:${port[order]}"
  wrk -t2 -c"$connections" -d3s -s "$SAGA_ROOT/bench/orders.lua" "$url" -- "warmup-$store" >/dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$SAGA_ROOT/bench/orders.lua" "$url" -- "run-$store-$round" | tail -n 1 >"$out/$store-$round.json"
  figures[$store]+="$(cat "$out/$store-$round.json"),"
  echo "    $(cat "$out/$store-$round.json")"
  stop_roles
done
done

node -e '
  const median = runs => runs.sort((a, b) => a.sagas_per_second - b.sagas_per_second)[Math.floor(runs.length / 2)];
  const [memory, sqlite] = process.argv.slice(1).map(s => median(JSON.parse(`[${s.slice(0, -1)}]`)));
  const row = (name, f) => `| ${name.padEnd(6)} | ${f.sagas_per_second.toFixed(0).padStart(8)} | ${f.p50_ms.toFixed(1).padStart(6)} | ${f.p99_ms.toFixed(1).padStart(6)} | ${String(f.non_2xx + f.socket_errors).padStart(6)} |`;
  console.log(`\n| store  | sagas/s  | p50 ms | p99 ms | errors |\n|--------|----------|--------|--------|--------|`);
  console.log(row("memory", memory));
  console.log(row("sqlite", sqlite));
  console.log(`\nMedian round of each store. SQLite throughput: ${(100 * sqlite.sagas_per_second / memory.sagas_per_second).toFixed(0)}% of in-memory (${new Date().toISOString().slice(0, 10)}, ${require("os").cpus().length} cores)`);
' "${figures[memory]}" "${figures[sqlite]}" | tee "$out/throughput.md"
