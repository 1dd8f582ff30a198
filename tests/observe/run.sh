#!/usr/bin/env bash
# Observability suite: the published executable as four processes exporting OpenTelemetry (OTLP/HTTP
# protobuf) to a real receiver, their /metrics scraped, their logs read, and the dashboard driven in
# Debian's chromium (headless, puppeteer-core; installed from apt when missing).
# Usage: tests/observe/run.sh RESULTS_DIR   (writes RESULTS_DIR/observe.counts as "PASSED FAILED")
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

results=${1:?usage: tests/observe/run.sh RESULTS_DIR}
out="$results/observe"
mkdir -p "$out/logs"
receiver_pid=
trap 'stop_roles; [[ -n $receiver_pid ]] && kill "$receiver_pid" 2>/dev/null && wait "$receiver_pid" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
echo "0 1" >"$results/observe.counts" # until the checks have run

need chromium chromium
publish_app

declare -A port
for name in order payment inventory delivery otlp; do free_port "port[$name]"; done
node "$SAGA_ROOT/tests/observe/otlp-receiver.mjs" "${port[otlp]}" >"$out/logs/receiver.log" 2>&1 &
receiver_pid=$!
# Exported often, so the checks need not wait long for what they look for.
otel=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:${port[otlp]}" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
  OTEL_BSP_SCHEDULE_DELAY=200 OTEL_METRIC_EXPORT_INTERVAL=500)
for role in payment inventory delivery; do
  start_role "$role" "${port[$role]}" "$out/logs/$role.log" "${otel[@]}"
done
start_role order "${port[order]}" "$out/logs/order.log" "${otel[@]}" Storage__Provider=memory \
  PAYMENT_URL="http://127.0.0.1:${port[payment]}" INVENTORY_URL="http://127.0.0.1:${port[inventory]}" DELIVERY_URL="http://127.0.0.1:${port[delivery]}"
for role in payment inventory delivery order; do
  wait_healthy "http://127.0.0.1:${port[$role]}" 60 || { echo "  FAIL  $role did not start: see $out/logs/$role.log"; exit 1; }
done
wait_until 10 curl -fsS -o /dev/null "http://127.0.0.1:${port[otlp]}/spans" || { echo "  FAIL  the OTLP receiver did not start: see $out/logs/receiver.log"; exit 1; }

ORDER_URL="http://127.0.0.1:${port[order]}" PAYMENT_URL="http://127.0.0.1:${port[payment]}" \
  INVENTORY_URL="http://127.0.0.1:${port[inventory]}" DELIVERY_URL="http://127.0.0.1:${port[delivery]}" \
  OTLP_URL="http://127.0.0.1:${port[otlp]}" LOGS="$out/logs" RESULTS="$out" CHROMIUM="$(command -v chromium)" \
  node "$SAGA_ROOT/tests/observe/observe.mjs"
status=$?
[[ -f $out/observe.counts ]] && cp "$out/observe.counts" "$results/observe.counts"
exit $status
