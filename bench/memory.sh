#!/usr/bin/env bash
# Memory per order held: the in-memory orchestrator and in-memory participants (four published
# processes), exactly ORDERS orders placed (all confirmed), then a full garbage collection in each
# process (POST /diagnostics/gc, enabled only here by Diagnostics__GcEndpoint=true). Prints the live
# heap each order (or reservation) added, and each process's resident memory twice — after the full
# collection, and after one more that returns the GC's free reserve to the system (the verdicts use
# this one: what holding the orders takes) — with the budget's verdicts (issue #17: heap ≤ 400 B per
# order in the orchestrator; after 100 000 orders RSS ≤ 160 MB for the orchestrator and ≤ 120 MB for
# each participant).
# Not part of ./test.sh. Usage: bench/memory.sh [ORDERS]   (default 100000)
set -uo pipefail
source "$(dirname "$0")/../scripts/lib.sh"

orders=${1:-100000}
out="$SAGA_ROOT/.artifacts/bench-memory"
rm -rf "$out" && mkdir -p "$out"
trap 'stop_roles' EXIT
trap 'exit 130' INT TERM

publish_app
declare -A port
for role in order payment inventory delivery; do free_port "port[$role]"; done
# BENCH_ENV="NAME=VALUE ..." adds settings to every process (e.g. a runtime setting to try).
# shellcheck disable=SC2206 # one word per setting
common=(Diagnostics__GcEndpoint=true Storage__Provider=memory Inventory__InitialStock=1000000000 Delivery__SlotCapacity=1000000000 ${BENCH_ENV:-})
for role in payment inventory delivery; do start_role "$role" "${port[$role]}" "$out/$role.log" "${common[@]}"; done
start_role order "${port[order]}" "$out/order.log" "${common[@]}" \
  PAYMENT_URL="http://127.0.0.1:${port[payment]}" INVENTORY_URL="http://127.0.0.1:${port[inventory]}" DELIVERY_URL="http://127.0.0.1:${port[delivery]}"
for role in payment inventory delivery order; do wait_healthy "http://127.0.0.1:${port[$role]}" 60 || die "$role did not start"; done

urls=$(for role in order payment inventory delivery; do printf '%s=http://127.0.0.1:%s ' "$role" "${port[$role]}"; done)
# shellcheck disable=SC2086 # one argument per role
node "$SAGA_ROOT/bench/memory.mjs" "$orders" $urls | tee "$out/report.txt"
exit "${PIPESTATUS[0]}"
