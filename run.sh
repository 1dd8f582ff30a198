#!/usr/bin/env bash
# Runs the whole system locally: the four roles of one published executable on ports 8000-8003.
# Stops all four on Ctrl-C, or as soon as one of them dies.
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"

command -v dotnet >/dev/null || die "the .NET 10 SDK is needed (dotnet on the PATH)"
command -v node >/dev/null || die "Node.js is needed (node on the PATH)"
for port in 8000 8001 8002 8003; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    die "port $port is already in use; stop whatever listens there (is run.sh already running?)"
  fi
done

publish_app
logs="$SAGA_ROOT/.artifacts/logs"
mkdir -p "$logs"
trap 'echo; echo "==> Stopping the four roles"; stop_roles' EXIT
trap 'exit 130' INT TERM

# The operator's and the service token, made for this run (as the cluster's Secret holds them):
# .artifacts/tokens/operator and .artifacts/tokens/service (README, Security and limits).
tokens="$SAGA_ROOT/.artifacts/tokens"
mkdir -p "$tokens" && chmod 700 "$tokens"
for name in operator service; do head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tokens/$name"; done
secured=(Security__OperatorToken="$(cat "$tokens/operator")" Security__ServiceToken="$(cat "$tokens/service")")

start_role payment 8001 "$logs/payment.log" "${secured[@]}"
start_role inventory 8002 "$logs/inventory.log" "${secured[@]}"
start_role delivery 8003 "$logs/delivery.log" "${secured[@]}"
start_role order 8000 "$logs/order.log" "${secured[@]}" \
  PAYMENT_URL=http://127.0.0.1:8001 INVENTORY_URL=http://127.0.0.1:8002 DELIVERY_URL=http://127.0.0.1:8003

for port in 8001 8002 8003 8000; do
  wait_healthy "http://127.0.0.1:$port" 30 || { tail -n 20 "$logs"/*.log >&2; exit 1; }
done

cat <<MSG
==> All four roles answer /health. Logs: ${logs#"$SAGA_ROOT"/}/
    order     http://localhost:8000  (Swagger: http://localhost:8000/swagger)
    dashboard http://localhost:8000/dashboard  (open it in a browser: every order's story)
    payment   http://localhost:8001
    inventory http://localhost:8002
    delivery  http://localhost:8003

Try it:
  curl -i -X POST http://localhost:8000/orders -H 'Content-Type: application/json' \\
    -d '{"order_id":"demo-1","amount":10,"sku":"SKU-1","quantity":1,"slot":"2024-05-20T10:00"}'
  curl -i -X POST http://localhost:8000/orders -H 'Content-Type: application/json' \\
    -d '{"order_id":"demo-2","amount":10,"sku":"SKU-1","quantity":1,"slot":"2024-05-20T10:00","force_inventory_failure":true}'
  curl -s http://localhost:8000/orders/demo-2

Operator endpoints (POST /reconcile, POST /orders/{id}/compensate) and the participants need a token:
  curl -s -X POST http://localhost:8000/reconcile -H "Authorization: Bearer \$(cat .artifacts/tokens/operator)"

Press Ctrl-C to stop.
MSG

# Returns as soon as any of the four exits; the EXIT trap then stops the others.
set +e
wait -n "${SAGA_PIDS[@]}"
status=$?
echo "==> A role stopped (exit $status); see ${logs#"$SAGA_ROOT"/}/*.log" >&2
exit 1
