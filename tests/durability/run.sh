#!/usr/bin/env bash
# Durability proofs on real processes: the orchestrator is killed (-9) mid-saga and restarted on
# the same store; a participant is down while a compensation is owed; two orchestrators share one
# PostgreSQL and one dies. After each, every order must be final and the participants must agree
# with it: a confirmed order holds all three reservations, any other holds none.
# Needs PostgreSQL started by scripts/postgres.sh (./test.sh does it).
# Usage: tests/durability/run.sh RESULTS_DIR   (writes RESULTS_DIR/durability.counts)
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
source "$SAGA_ROOT/scripts/postgres.sh"

results=${1:?usage: tests/durability/run.sh RESULTS_DIR}
work="$results/durability"
rm -rf "$work"
mkdir -p "$work/logs"
trap 'stop_roles; write_counts "$results/durability.counts"; echo "==> Durability: $passed passed, $failed failed"' EXIT
trap 'exit 130' INT TERM

[[ -n ${PG_PORT:-} ]] || die "PostgreSQL is not running: run ./test.sh (or source scripts/postgres.sh and call pg_start)"
publish_app

# Short leases and quick retries, so that recovery happens within seconds.
ORCHESTRATOR_SETTINGS=(
  Recovery__Interval=00:00:00.500 Recovery__LeaseDuration=00:00:05
  Recovery__RetryBaseDelay=00:00:00.200 Recovery__RetryMaxDelay=00:00:01
  Resilience__RetryCount=1 Resilience__RetryBaseDelay=00:00:00.050 Resilience__PerTryTimeout=00:00:02
  Resilience__BreakerDuration=00:00:01
  Saga__CompensationAttempts=2 Saga__CompensationBaseDelay=00:00:00.100
  Logging__Console__FormatterName=simple
)

# use_store PROVIDER NAME: sets $store, the env that points an orchestrator at a fresh store.
use_store() {
  if [[ $1 == postgres ]]; then
    store=("Storage__Provider=postgres" "ConnectionStrings__Orders=$(pg_create_database "$2")")
  else
    store=("Storage__Provider=sqlite" "ConnectionStrings__Orders=Data Source=$work/$2/orders.db")
  fi
}

# start_participants SCENARIO [ROLE:NAME=VALUE...]: the three participants, each with the env given for its role.
start_participants() {
  local scenario=$1 role setting env
  shift
  for role in payment inventory delivery; do
    env=()
    for setting in "$@"; do [[ $setting == "$role:"* ]] && env+=("${setting#*:}"); done
    free_port "port[$role]"
    start_role "$role" "${port[$role]}" "$work/logs/$scenario-$role.log" Logging__Console__FormatterName=simple "${env[@]}"
    pid[$role]=$LAST_PID
  done
  for role in payment inventory delivery; do wait_healthy "http://127.0.0.1:${port[$role]}" 60 || die "$role did not start"; done
}

# start_orchestrator NAME LOG STORE_ENV...: sets $orchestrator_url and $orchestrator_pid.
start_orchestrator() {
  local own_port log=$2
  free_port own_port
  shift 2
  start_role order "$own_port" "$log" "${ORCHESTRATOR_SETTINGS[@]}" "$@" \
    PAYMENT_URL="http://127.0.0.1:${port[payment]}" INVENTORY_URL="http://127.0.0.1:${port[inventory]}" \
    DELIVERY_URL="http://127.0.0.1:${port[delivery]}"
  orchestrator_pid=$LAST_PID
  orchestrator_url="http://127.0.0.1:$own_port"
  wait_healthy "$orchestrator_url" 60 || { tail -n 5 "$log" >&2; die "the orchestrator did not start"; }
}

count_orders() { # count_orders URL STATUS
  curl -s "$1/orders?status=$2&limit=500" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))'
}


# Predicates for check and wait_until.
at_least() { (($(count_orders "$1" "$3") >= $2)); }
exactly() { (($(count_orders "$1" "$3") == $2)); }
none_unfinished() { (($(count_orders "$1" pending) + $(count_orders "$1" compensating) == 0)); }
# reservation_is PARTICIPANT_URL ORDER_ID STATUS
reservation_is() { curl -s "$1/reservations/$2" | grep -q "\"status\":\"$3\""; }
# failed_cancels_at_least URL N: the compensating orders' histories hold N cancels with an unknown outcome.
failed_cancels_at_least() {
  (($(curl -s "$1/orders?status=compensating" | grep -o '"action":"cancel","outcome":"unknown"' | wc -l) >= $2))
}
# same_holdings BEFORE AFTER PART: the stock read before and after a restart is the same and holds PART.
same_holdings() { [[ $1 == "$2" && $1 == *"$3"* ]]; }

# place_orders URL PREFIX FROM TO SKU SLOT: orders FROM..TO in parallel in the background (every fifth
# with a forced inventory failure); their answers go to files. Sets $placing (the background PIDs).
place_orders() {
  local url=$1 prefix=$2 from=$3 to=$4 sku=$5 slot=$6 i force
  placing=()
  for ((i = from; i <= to; i++)); do
    force=false
    ((i % 5 == 0)) && force=true
    curl -s -o "$work/answers/$prefix-$i.json" -w '%{http_code}' --max-time 60 -X POST "$url/orders" \
      -H 'Content-Type: application/json' \
      -d "{\"order_id\":\"$prefix-$i\",\"amount\":10,\"sku\":\"$sku\",\"quantity\":1,\"slot\":\"$slot\",\"force_inventory_failure\":$force}" \
      >"$work/answers/$prefix-$i.code" 2>/dev/null &
    placing+=("$!")
  done
}

# verify URL PREFIX SKU SLOT LABEL: every order is final and the participants agree with it.
verify() {
  local url=$1 prefix=$2 sku=$3 slot=$4 label=$5 report
  report=$(node "$SAGA_ROOT/tests/durability/verify.mjs" "$url" "$prefix" \
    "http://127.0.0.1:${port[inventory]}" "$sku" "http://127.0.0.1:${port[delivery]}" "$slot")
  echo "$report" | sed 's/^/        /'
  check "$label: every accepted order is confirmed or cancelled" contains "$report" "unfinished=0"
  check "$label: each confirmed order holds all three reservations, any other holds none" contains "$report" "violations=0"
  check "$label: stock and slot counts add up to the confirmed orders" contains "$report" "counts=ok"
  check "$label: the kill really interrupted sagas (some were recovered)" lacks "$report" "interrupted=0"
  check "$label: orders finished before the kill stay confirmed" lacks "$report" "confirmed=0"
}

mkdir -p "$work/answers"
declare -A port pid

for provider in sqlite postgres; do
  echo "==> [$provider] kill -9 the orchestrator mid-saga, restart it on the same store"
  scenario="crash-$provider"
  start_participants "$scenario" delivery:FaultInjection__ReserveDelay=00:00:01
  use_store "$provider" "crash_$provider"
  start_orchestrator first "$work/logs/$scenario-order-1.log" "${store[@]}"
  # A first wave finishes (some confirmed, some compensated); the second is in flight at the kill.
  place_orders "$orchestrator_url" "$scenario" 1 10 "SKU-$scenario" "2030-01-01T10:00"
  wait "${placing[@]}"
  place_orders "$orchestrator_url" "$scenario" 11 40 "SKU-$scenario" "2030-01-01T10:00"
  wait_until 30 at_least "$orchestrator_url" 10 pending || fail "[$provider] orders reached the orchestrator"
  kill -9 "$orchestrator_pid"
  wait "${placing[@]}" 2>/dev/null
  start_orchestrator second "$work/logs/$scenario-order-2.log" "${store[@]}"
  wait_until 60 none_unfinished "$orchestrator_url" \
    || fail "[$provider] recovery finished every order within 60 s"
  verify "$orchestrator_url" "$scenario" "SKU-$scenario" "2030-01-01T10:00" "[$provider] after kill -9 and restart"
  stop_roles

  echo "==> [$provider] a participant is down while a compensation is owed"
  scenario="down-$provider"
  start_participants "$scenario" inventory:FaultInjection__ReserveDelay=00:00:01.500
  use_store "$provider" "down_$provider"
  start_orchestrator only "$work/logs/$scenario-order.log" "${store[@]}" Resilience__PerTryTimeout=00:00:02 \
    Recovery__LeaseDuration=00:00:10
  id="$scenario-1"
  curl -s -o "$work/answers/$id.json" --max-time 60 -X POST "$orchestrator_url/orders" -H 'Content-Type: application/json' \
    -d "{\"order_id\":\"$id\",\"amount\":10,\"sku\":\"SKU-1\",\"quantity\":1,\"slot\":\"2030-01-01T11:00\",\"force_inventory_failure\":true}" &
  placing=("$!")
  # Once the payment is reserved (the slow inventory step is running), the payment service freezes.
  payment_url="http://127.0.0.1:${port[payment]}"
  wait_until 20 reservation_is "$payment_url/payment" "$id" reserved \
    || fail "[$provider] the payment was reserved"
  kill -STOP "${pid[payment]}"
  wait "${placing[@]}"
  why=$(head -c 300 "$work/answers/$id.json") check "[$provider] the order answers 409 and is left compensating while payment is down" \
    grep -q '"status":"compensating"' "$work/answers/$id.json"
  wait_until 60 failed_cancels_at_least "$orchestrator_url" 4
  check "[$provider] recovery keeps retrying the compensation, the order stays compensating" \
    exactly "$orchestrator_url" 1 compensating
  kill -CONT "${pid[payment]}"
  wait_until 30 exactly "$orchestrator_url" 1 cancelled
  check "[$provider] with payment back, the order becomes cancelled with no manual action" \
    exactly "$orchestrator_url" 1 cancelled
  check "[$provider] and the payment hold is released" \
    reservation_is "$payment_url/payment" "$id" cancelled
  stop_roles
done

echo "==> [postgres] two orchestrators share one store; one is killed, the other finishes its orders"
scenario="replicas"
start_participants "$scenario" delivery:FaultInjection__ReserveDelay=00:00:01
use_store postgres replicas
start_orchestrator b "$work/logs/$scenario-order-b.log" "${store[@]}"
survivor_url=$orchestrator_url
start_orchestrator a "$work/logs/$scenario-order-a.log" "${store[@]}"
place_orders "$orchestrator_url" "$scenario" 1 10 "SKU-$scenario" "2030-01-01T12:00"
wait "${placing[@]}"
place_orders "$orchestrator_url" "$scenario" 11 40 "SKU-$scenario" "2030-01-01T12:00"
wait_until 30 at_least "$survivor_url" 10 pending || fail "[replicas] orders reached orchestrator a"
kill -9 "$orchestrator_pid"
wait "${placing[@]}" 2>/dev/null
wait_until 60 none_unfinished "$survivor_url" \
  || fail "[replicas] orchestrator b finished every order within 60 s"
verify "$survivor_url" "$scenario" "SKU-$scenario" "2030-01-01T12:00" "[replicas] after a replica died"
check "[replicas] orchestrator b took over orders by itself" grep -q "Recovered order" "$work/logs/$scenario-order-b.log"

stop_roles

echo "==> [postgres] the participants keep their reservations in PostgreSQL (one database for all three) across a kill -9"
scenario="participants-pg"
reservations=$(pg_create_database participants)
durable=()
for role in payment inventory delivery; do
  durable+=("$role:Storage__Provider=postgres" "$role:ConnectionStrings__Reservations=$reservations")
done
start_participants "$scenario" "${durable[@]}"
use_store sqlite participants_pg
start_orchestrator only "$work/logs/$scenario-order.log" "${store[@]}"
place_orders "$orchestrator_url" "$scenario" 1 20 "SKU-$scenario" "2030-01-01T13:00"
wait "${placing[@]}"
stock_url="http://127.0.0.1:${port[inventory]}/inventory/stock/SKU-$scenario"
held_before=$(curl -s "$stock_url")
kill -9 "${pid[inventory]}"
wait "${pid[inventory]}" 2>/dev/null
start_role inventory "${port[inventory]}" "$work/logs/$scenario-inventory-2.log" Logging__Console__FormatterName=simple \
  Storage__Provider=postgres "ConnectionStrings__Reservations=$reservations"
pid[inventory]=$LAST_PID
wait_healthy "http://127.0.0.1:${port[inventory]}" 60 || fail "[participants on postgres] inventory restarts"
held_after=$(curl -s "$stock_url")
why="before: $held_before, after: $held_after" check "[participants on postgres] after kill -9 and restart, inventory holds the same stock" \
  same_holdings "$held_before" "$held_after" '"reserved":16'
place_orders "$orchestrator_url" "$scenario" 21 30 "SKU-$scenario" "2030-01-01T13:00"
wait "${placing[@]}"
report=$(node "$SAGA_ROOT/tests/durability/verify.mjs" "$orchestrator_url" "$scenario" \
  "http://127.0.0.1:${port[inventory]}" "SKU-$scenario" "http://127.0.0.1:${port[delivery]}" "2030-01-01T13:00")
echo "$report" | sed 's/^/        /'
check "[participants on postgres] every order is final" contains "$report" "unfinished=0"
check "[participants on postgres] each confirmed order holds all three reservations, before and after the restart" \
  contains_all "$report" "violations=0" "confirmed=24"
check "[participants on postgres] stock and slot counts add up to the confirmed orders" contains "$report" "counts=ok"

((failed == 0))
