#!/usr/bin/env bash
# End-to-end suite: the published executable as four real processes on free ports, checked from
# outside (start-up rules, HTTP limits) and then with the Postman collection through newman.
# Usage: tests/e2e/run.sh RESULTS_DIR   (writes RESULTS_DIR/e2e.counts as "PASSED FAILED")
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

results=${1:?usage: tests/e2e/run.sh RESULTS_DIR}
mkdir -p "$results/e2e-logs"
logs="$results/e2e-logs"
trap 'stop_roles' EXIT
trap 'exit 130' INT TERM

# expect_refused NAME EXPECTED_TEXT ENV...: the process must exit non-zero, before it listens, saying why.
expect_refused() {
  local name=$1 text=$2 port out status
  shift 2
  free_port port
  out=$(env "$@" ASPNETCORE_URLS="http://127.0.0.1:$port" timeout 30 dotnet "$SAGA_APP_DIR/SagaDemo.dll" 2>&1)
  status=$?
  if [[ $status -ne 0 && $status -ne 124 && $out == *"$text"* ]]; then
    pass "$name (exit $status)"
  else
    fail "$name" "exit $status, output: ${out:0:300}"
  fi
}

publish_app

echo "==> Start-up rules"
expect_refused "ROLE missing stops start-up naming the valid roles" "ROLE must be one of: order, payment, inventory, delivery" ROLE=
expect_refused "unknown ROLE stops start-up naming the valid roles" "ROLE must be one of: order, payment, inventory, delivery" ROLE=shipping
expect_refused "an invalid PAYMENT_URL stops the orchestrator" "PAYMENT_URL must be an absolute http(s) URL" ROLE=order PAYMENT_URL=not-a-url
expect_refused "a participant on PostgreSQL without a connection string says which one to set" \
  "Cannot start role inventory: Storage__Provider=postgres needs ConnectionStrings__Reservations" ROLE=inventory Storage__Provider=postgres
expect_refused "an unknown store provider stops a participant naming the valid ones" \
  "Storage__Provider must be sqlite, postgres or memory" ROLE=payment Storage__Provider=mongo
expect_refused "a participant whose SQLite file cannot be made stops with the reason" \
  "Cannot start role delivery: The reservation store" ROLE=delivery Storage__Provider=sqlite "ConnectionStrings__Reservations=Data Source=/proc/no-such-dir/delivery.db"

echo "==> Starting the four roles"
declare -A port
for role in order payment inventory delivery; do free_port "port[$role]"; done
start_role payment "${port[payment]}" "$logs/payment.log"
start_role inventory "${port[inventory]}" "$logs/inventory.log"
start_role delivery "${port[delivery]}" "$logs/delivery.log"
start_role order "${port[order]}" "$logs/order.log" \
  "ConnectionStrings__Orders=Data Source=$results/e2e-orders.db" \
  PAYMENT_URL="http://127.0.0.1:${port[payment]}" \
  INVENTORY_URL="http://127.0.0.1:${port[inventory]}" \
  DELIVERY_URL="http://127.0.0.1:${port[delivery]}"
for role in payment inventory delivery order; do
  if wait_healthy "http://127.0.0.1:${port[$role]}" 60; then
    pass "$role answers /health on port ${port[$role]}"
  else
    fail "$role answers /health" "see $logs/$role.log"
  fi
done
base="http://127.0.0.1:${port[order]}"

echo "==> HTTP limits"
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
code=$(curl -s -o "$results/413.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary "{\"order_id\":\"big\",\"sku\":\"$big\"}" "$base/orders")
if [[ $code == 413 ]] && grep -q '"detail"' "$results/413.json"; then
  pass "a body over 64 KiB is refused with 413 problem details"
else
  fail "a body over 64 KiB is refused with 413" "got $code: $(head -c 200 "$results/413.json")"
fi

echo "==> Postman collection (newman) against $base"
"$SAGA_ROOT/node_modules/.bin/newman" run "$SAGA_ROOT/postman/DistributedTransactions.postman_collection.json" \
  --env-var "baseUrl=$base" --color off \
  -r cli,junit,json --reporter-junit-export "$results/newman-junit.xml" --reporter-json-export "$results/newman.json"
newman_status=$?
if [[ -f $results/newman.json ]]; then
  read -r n_total n_failed < <(node -e '
    const s = require(process.argv[1]).run.stats;
    console.log(s.assertions.total, s.assertions.failed + s.requests.failed + s.testScripts.failed + s.prerequestScripts.failed)' "$results/newman.json")
  passed=$((passed + n_total - n_failed))
  failed=$((failed + n_failed))
  echo "  newman: $((n_total - n_failed)) of $n_total assertions passed (exit $newman_status)"
else
  fail "newman produced no report" "exit $newman_status"
fi
if [[ $newman_status -ne 0 && $failed -eq 0 ]]; then
  fail "newman exited $newman_status"
fi

write_counts "$results/e2e.counts"
echo "==> End-to-end: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
