#!/usr/bin/env bash
# A rehearsal of the cluster without a cluster: every Deployment of k8s/ runs as one container of
# the image saga-demo:latest (built by tests/deploy/run.sh from the Dockerfile), with what its
# manifest says (tests/deploy/plan.mjs turns the manifests into podman arguments): env, the user,
# a read-only root filesystem, capabilities dropped, no privilege escalation, the default seccomp
# profile, the memory and CPU limits, each claim as a named volume that outlives the container and
# each emptyDir as a tmpfs of its sizeLimit. Each pod has its own network namespace whose /etc/hosts
# resolves the Service names, and the NetworkPolicies become packet-filter rules in those namespaces.
# nginx plays the Ingress by the manifest's rules; a client namespace resolves arch.homework to it.
# Checked: every probe, each pod's time from start to ready at its CPU limit, the NetworkPolicy in
# both directions, the Postman collection through the Ingress, and pod restarts (kill -9, started
# again on the same volume) that keep every reservation and every order.
# Everything is torn down at exit. Needs root. Usage: tests/deploy/rehearse.sh RESULTS_DIR
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

results=${1:?usage: tests/deploy/rehearse.sh RESULTS_DIR}
finish() { write_counts "$results/rehearsal.counts"; echo "==> Cluster rehearsal: $passed passed, $failed failed"; }

if [[ $(id -u) -ne 0 ]]; then
  fail "the rehearsal needs root for network namespaces and containers" "run the tests as root (CI does)"
  finish
  exit 1
fi
source "$SAGA_ROOT/tests/deploy/container/podman.sh"
need ip iproute2
need nginx nginx
need jq jq

image=saga-demo:latest
work=$(mktemp -d /tmp/sagademo-rehearsal.XXXXXX)
mkdir -p "$work/logs"

# Names and addresses exist only inside namespaces this script makes, and are removed at exit; the
# containers and volumes carry the same prefix.
id="sd$(($$ % 10000))"
net="$id-net"
namespaces=()
nginx_pid=

# save_logs POD: keeps a container's output (each run of a pod in its own file).
save_logs() {
  local n=1
  while [[ -f $work/logs/$1.$n.log ]]; do n=$((n + 1)); done
  podman logs "$id-$1" >"$work/logs/$1.$n.log" 2>&1
}

teardown() {
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  local name ns
  while read -r name; do
    save_logs "${name#"$id-"}"
    podman rm -f --time 2 "$name" >/dev/null 2>&1
  done < <(podman ps -a --filter "name=^$id-" --format '{{.Names}}')
  podman volume ls --filter "name=^$id-" --format '{{.Name}}' | xargs -r podman volume rm -f >/dev/null 2>&1
  for ns in "${namespaces[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  rm -rf "$results/rehearsal" && mkdir -p "$results/rehearsal"
  cp -r "$work/logs" "$work/plan" "$results/rehearsal/" 2>/dev/null
  cp "$work"/newman.* "$work"/startup.txt "$results/rehearsal/" 2>/dev/null
  [[ -d $work/nginx/logs ]] && cp -r "$work/nginx/logs" "$results/rehearsal/nginx-logs"
  rm -rf "$work"
}
trap 'teardown; finish' EXIT
trap 'exit 130' INT TERM

if ! podman image exists "$image"; then
  fail "the image $image exists" "tests/deploy/run.sh builds it before the rehearsal"
  exit 1
fi

echo "==> Planning from k8s/"
image_user=$(podman image inspect --format '{{.Config.User}}' "$image")
# The Secret an operator makes before applying the manifests (README), with fresh random tokens.
token() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40; }
operator_token=$(token)
service_token=$(token)
# Without the Secret the pods must not start.
if SAGA_REHEARSAL_SECRETS='{}' node "$SAGA_ROOT/tests/deploy/plan.mjs" "$work/plan-no-secret" "$id" "$image_user" 2>"$work/no-secret.txt"; then
  fail "without the Secret saga-tokens the pods do not start" "the plan went ahead"
elif grep -q "Secret saga-tokens, which does not exist" "$work/no-secret.txt"; then
  pass "without the Secret saga-tokens the pods do not start ($(grep -o '[a-z0-9-]*: env [A-Za-z_]* needs key [^,]*' "$work/no-secret.txt" | head -1))"
else
  fail "without the Secret saga-tokens the pods do not start" "$(head -c 300 "$work/no-secret.txt")"
fi
rm -rf "$work/plan-no-secret"
export SAGA_REHEARSAL_SECRETS="{\"saga-tokens\":{\"operator-token\":\"$operator_token\",\"service-token\":\"$service_token\"}}"
node "$SAGA_ROOT/tests/deploy/plan.mjs" "$work/plan" "$id" "$image_user" || { fail "the manifests can be rehearsed"; exit 1; }
declare -A pod_ip
while read -r name address; do pod_ip[$name]=$address; done <"$work/plan/pods"
pods=("${!pod_ip[@]}")
read -r _ ingress_ip < <(grep '^ingress ' "$work/plan/addresses")
read -r _ client_ip < <(grep '^client ' "$work/plan/addresses")

# The cluster network: a bridge in a namespace of its own.
ip netns add "$net" && namespaces+=("$net")
ip netns exec "$net" ip link add br0 type bridge
ip netns exec "$net" ip link set br0 up

# add_host NAME ADDRESS HOSTS_FILE: a namespace with one interface on the rehearsal's bridge.
add_host() {
  local ns="$id-$1" address=$2 index=${#namespaces[@]}
  ip netns add "$ns" && namespaces+=("$ns")
  ip link add "${id}h$index" type veth peer name "${id}p$index"
  ip link set "${id}h$index" netns "$net"
  ip netns exec "$net" ip link set "${id}h$index" master br0 up
  ip link set "${id}p$index" netns "$ns"
  ip netns exec "$ns" ip link set "${id}p$index" name eth0
  ip netns exec "$ns" ip addr add "$address/24" dev eth0
  ip netns exec "$ns" ip link set eth0 up
  ip netns exec "$ns" ip link set lo up
  mkdir -p "/etc/netns/$ns"
  { echo "127.0.0.1 localhost"; cat "$3"; } >"/etc/netns/$ns/hosts"
}

# in_ns NAME CURL_ARGS...: curl from inside a namespace; prints the status code (000: no answer).
in_ns() {
  local ns="$id-$1"
  shift
  ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"
}
# body_in_ns NAME CURL_ARGS...: the same, printing the body.
body_in_ns() {
  local ns="$id-$1"
  shift
  ip netns exec "$ns" curl -s --max-time 10 "$@"
}

# start_pod NAME: runs the pod's container in its namespace, as its manifest says.
declare -A started_at
start_pod() {
  local args
  mapfile -d '' args <"$work/plan/$1.run"
  started_at[$1]=$EPOCHREALTIME
  podman run --detach --name "$id-$1" --network "ns:/run/netns/$id-$1" "${args[@]}" >/dev/null 2>"$work/logs/$1.podman.log"
}

# probe NAME KIND: one probe as the kubelet makes it (HTTP GET on the pod's address, its timeout).
probe() {
  local kind path port timeout
  read -r kind path port timeout < <(grep "^$2 " "$work/plan/$1.probes") || return 2
  [[ $(in_ns "$1" --max-time "$timeout" "http://${pod_ip[$1]}:$port$path") == 200 ]]
}

# await_ready NAME: polls the readiness probe until it passes (60 s at most); prints seconds since start.
await_ready() {
  local deadline=$((SECONDS + 60))
  until probe "$1" readiness; do
    if ((SECONDS >= deadline)) || [[ $(podman inspect --format '{{.State.Running}}' "$id-$1" 2>/dev/null) != true ]]; then
      return 1
    fi
    sleep 0.1
  done
  echo "$EPOCHREALTIME ${started_at[$1]}" | awk '{ printf "%.2f", $1 - $2 }'
}

# run_pod NAME: starts the pod and waits for it to be ready; counts a check.
run_pod() {
  local name=$1 seconds
  if [[ -f $work/plan/$name.refused ]]; then
    fail "$name: the kubelet would start it" "$(cat "$work/plan/$name.refused")"
    return 1
  fi
  if ! start_pod "$name"; then
    fail "$name: its container starts" "$(tail -n 5 "$work/logs/$name.podman.log")"
    return 1
  fi
  if seconds=$(await_ready "$name"); then
    pass "$name: ready in $seconds s at its limits ($(cat "$work/plan/$name.limits"))"
    echo "$name ready in $seconds s ($(cat "$work/plan/$name.limits"))" >>"$work/startup.txt"
  else
    fail "$name: ready within 60 s" "$(podman logs --tail 3 "$id-$name" 2>&1 | cut -c1-300)"
    return 1
  fi
}

# restart_pod NAME: kills the container (-9, as an OOM kill or a node failure would) and starts a new
# one from the same manifest on the same volumes.
restart_pod() {
  podman kill --signal KILL "$id-$1" >/dev/null
  save_logs "$1"
  podman rm -f "$id-$1" >/dev/null
  run_pod "$1"
}

echo "==> One network namespace per pod, the NetworkPolicies as packet filters"
for name in "${pods[@]}"; do
  add_host "$name" "${pod_ip[$name]}" "$work/plan/hosts"
  ip netns exec "$id-$name" iptables-restore -w <"$work/plan/$name.firewall" \
    || fail "$name: its NetworkPolicy rules load" "see $results/rehearsal/plan/$name.firewall"
done

echo "==> Starting one pod per Deployment ($image)"
for name in "${pods[@]}"; do run_pod "$name"; done

echo "==> Liveness probes, as the kubelet makes them"
for name in "${pods[@]}"; do
  if ! grep -q '^liveness ' "$work/plan/$name.probes"; then continue; fi
  if probe "$name" liveness; then pass "$name: liveness probe answers 200"; else fail "$name: liveness probe" "see $results/rehearsal/logs/$name.1.log"; fi
done

# The roles, from each pod's env (the participants are every pod that is not the orchestrator).
declare -A role_of
for name in "${pods[@]}"; do role_of[$name]=$(tr '\0' '\n' <"$work/plan/$name.env" | sed -n 's/^ROLE=//p'); done
order_pod=
participants=()
for name in "${pods[@]}"; do
  if [[ ${role_of[$name]} == order ]]; then order_pod=$name; else participants+=("$name"); fi
done

echo "==> The orchestrator reaches the participants by their Service URLs"
for variable in PAYMENT_URL INVENTORY_URL DELIVERY_URL; do
  url=$(tr '\0' '\n' <"$work/plan/$order_pod.env" | sed -n "s/^$variable=//p")
  code=$(in_ns "$order_pod" "$url/health")
  if [[ $code == 200 ]]; then pass "$variable=$url answers from the order pod"; else fail "$variable=$url from the order pod" "got $code"; fi
done

echo "==> The Ingress (nginx, by the manifest's rules)"
add_host ingress "$ingress_ip" "$work/plan/hosts"
echo "$ingress_ip arch.homework" >"$work/client-hosts"
add_host client "$client_ip" "$work/client-hosts"
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 256; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server { listen $ingress_ip:80 default_server; return 404; }
$(cat "$work/plan/ingress.conf")
}
CONF
ip netns exec "$id-ingress" nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' \
  >"$work/logs/nginx.log" 2>&1 &
nginx_pid=$!
deadline=$((SECONDS + 20))
until [[ $(in_ns client http://arch.homework/health) == 200 ]] || ((SECONDS >= deadline)); do sleep 0.2; done

body=$(body_in_ns client http://arch.homework/health)
if [[ $body == *'"role":"order"'* ]]; then pass "http://arch.homework/health reaches the orchestrator"; else fail "http://arch.homework/health" "got: ${body:0:200}"; fi
body=$(body_in_ns client http://arch.homework/dashboard)
if [[ $body == *'<title>SagaDemo'* ]]; then pass "http://arch.homework/dashboard serves the saga dashboard"; else fail "http://arch.homework/dashboard" "got: ${body:0:200}"; fi
for path in /metrics /payment/reserve /payment/cancel /inventory/cancel /delivery/cancel /inventory/stock/SKU-1; do
  code=$(in_ns client -X POST -H 'Content-Type: application/json' -d '{"order_id":"x"}' "http://arch.homework$path")
  if [[ $code == 404 ]]; then pass "the ingress refuses $path (404)"; else fail "the ingress refuses $path" "got $code"; fi
done
code=$(in_ns client -H 'Host: someone.else' "http://$ingress_ip/health")
if [[ $code == 404 ]]; then pass "the ingress answers only for arch.homework"; else fail "the ingress answers only for arch.homework" "got $code"; fi

echo "==> The NetworkPolicy, enforced: only the orchestrator reaches a participant"
for participant in "${participants[@]}"; do
  read -r _ _ port _ < <(grep '^readiness ' "$work/plan/$participant.probes")
  target="http://${pod_ip[$participant]}:$port/health"
  code=$(in_ns "$order_pod" "$target")
  if [[ $code == 200 ]]; then pass "from the order pod, $participant answers ($target)"; else fail "from the order pod, $participant answers" "got $code"; fi
  for source in "${participants[@]}" ingress client; do
    [[ $source == "$participant" ]] && continue
    code=$(in_ns "$source" --max-time 2 "$target")
    if [[ $code == 000 ]]; then pass "from $source, $participant's port is refused"; else fail "from $source, $participant's port is refused" "it answered $code"; fi
  done
done

echo "==> Who may call what: the orchestrator only through the Ingress, the tokens"
order_port=$(grep '^readiness ' "$work/plan/$order_pod.probes" | awk '{ print $3 }')
for source in "${participants[@]}" client; do
  code=$(in_ns "$source" --max-time 2 "http://${pod_ip[$order_pod]}:$order_port/health")
  if [[ $code == 000 ]]; then pass "from $source, the order pod's port is refused"; else fail "from $source, the order pod's port is refused" "it answered $code"; fi
done
order_url="http://${pod_ip[$order_pod]}:$order_port"
code=$(in_ns "$order_pod" -X POST "$order_url/reconcile")
if [[ $code == 401 ]]; then pass "POST /reconcile without the operator's token is 401"; else fail "POST /reconcile without the operator's token is 401" "got $code"; fi
code=$(in_ns "$order_pod" -H "Authorization: Bearer $operator_token" "$order_url/reconcile")
if [[ $code == 200 ]]; then pass "GET /reconcile with the operator's token (from the Secret) is 200"; else fail "GET /reconcile with the operator's token is 200" "got $code"; fi
payment_url=$(tr '\0' '\n' <"$work/plan/$order_pod.env" | sed -n "s/^PAYMENT_URL=//p")
code=$(in_ns "$order_pod" -X POST -H 'Content-Type: application/json' -d '{"order_id":"intruder-1"}' "$payment_url/payment/cancel")
if [[ $code == 401 ]]; then pass "a participant's cancel without the service token is 401, even from the order pod"; else fail "a participant's cancel without the service token is 401" "got $code"; fi
health=$(body_in_ns "$order_pod" "$payment_url/health")
if [[ $health == *'"auth":"token"'* ]]; then pass "a participant's /health says its endpoints check a token"; else fail "a participant's /health says auth token" "got ${health:0:200}"; fi

echo "==> Postman collection through the ingress (baseUrl=http://arch.homework)"
ip netns exec "$id-client" "$SAGA_ROOT/node_modules/.bin/newman" run \
  "$SAGA_ROOT/postman/DistributedTransactions.postman_collection.json" \
  --env-var baseUrl=http://arch.homework --color off -r cli,json --reporter-json-export "$work/newman.json" >"$work/newman.txt" 2>&1
status=$?
tail -n 22 "$work/newman.txt"
if [[ -f $work/newman.json ]]; then
  read -r total bad < <(node -e '
    const s = require(process.argv[1]).run.stats;
    console.log(s.assertions.total, s.assertions.failed + s.requests.failed + s.testScripts.failed)' "$work/newman.json")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
  ((status == 0 || bad > 0)) || fail "newman exited $status"
else
  fail "newman through the ingress produced no report" "see $results/rehearsal/newman.txt"
fi

echo "==> Pod restarts keep what was accepted"
# Orders of this run's own SKU and slot, so the stock and the bookings are exactly theirs.
sku="SKU-$id"
slot="2030-01-01T10:00"
declare -A expected=(["$id-ok-1"]=confirmed ["$id-ok-2"]=confirmed ["$id-inventory-fails"]=cancelled ["$id-delivery-fails"]=cancelled)
declare -A force=(["$id-inventory-fails"]=',"force_inventory_failure":true' ["$id-delivery-fails"]=',"force_delivery_failure":true')
for order_id in "${!expected[@]}"; do
  body="{\"order_id\":\"$order_id\",\"amount\":10,\"sku\":\"$sku\",\"quantity\":2,\"slot\":\"$slot\"${force[$order_id]:-}}"
  code=$(in_ns client -X POST -H 'Content-Type: application/json' -d "$body" http://arch.homework/orders)
  want=$([[ ${expected[$order_id]} == confirmed ]] && echo 201 || echo 409)
  if [[ $code == "$want" ]]; then pass "order $order_id answered $want"; else fail "order $order_id answered $want" "got $code"; fi
done
holdings() {
  body_in_ns "$order_pod" -H "Authorization: Bearer $service_token" "http://inventory:8080/inventory/stock/$sku"
  body_in_ns "$order_pod" -H "Authorization: Bearer $service_token" "http://delivery:8080/delivery/slots/$slot"
}
orders_known() { body_in_ns client 'http://arch.homework/orders?limit=500' | jq -c '[.[] | {order_id, status}] | sort_by(.order_id)'; }
before_holdings=$(holdings)
before_orders=$(orders_known)
if [[ $before_holdings == *'"reserved":4'*'"booked":2'* ]]; then pass "the two confirmed orders hold 4 units of $sku and 2 places of $slot"; else fail "the confirmed orders' holdings" "got $before_holdings"; fi

for participant in "${participants[@]}"; do restart_pod "$participant"; done

for order_id in "${!expected[@]}"; do
  view=$(body_in_ns client "http://arch.homework/orders/$order_id")
  held=$(jq -r '[.participants // {} | to_entries[] | select(.value == "reserved") | .key] | sort | join(",")' <<<"$view" 2>/dev/null)
  if [[ ${expected[$order_id]} == confirmed ]]; then
    if [[ $held == delivery,inventory,payment ]]; then pass "after the restarts, $order_id still holds its three reservations"; else fail "after the restarts, $order_id still holds its three reservations" "participants: $(jq -c .participants <<<"$view" 2>/dev/null || echo "${view:0:200}")"; fi
  else
    if [[ -z $held && $view == *'"participants"'* ]]; then pass "after the restarts, $order_id holds nothing"; else fail "after the restarts, $order_id holds nothing" "held by: $held"; fi
  fi
done
after_holdings=$(holdings)
if [[ $after_holdings == "$before_holdings" ]]; then pass "after the restarts, $sku's stock and $slot's bookings are unchanged"; else fail "after the restarts, the stock and bookings are unchanged" "before: $before_holdings; after: $after_holdings"; fi
# A late copy of a reserve for an order that was compensated: every participant that had held and
# released something for it must refuse it.
replay() {
  local step=$1 body=$2 code
  code=$(in_ns "$order_pod" -X POST -H "Authorization: Bearer $service_token" -H 'Content-Type: application/json' -d "$body" "http://$step:8080/$step/reserve")
  if [[ $code == 409 ]]; then pass "after the restarts, a replayed $step reserve for $3 is refused (409)"; else fail "after the restarts, a replayed $step reserve for $3 is refused" "got $code"; fi
}
replay payment "{\"order_id\":\"$id-delivery-fails\",\"amount\":10}" "$id-delivery-fails"
replay inventory "{\"order_id\":\"$id-delivery-fails\",\"sku\":\"$sku\",\"quantity\":2}" "$id-delivery-fails"
replay payment "{\"order_id\":\"$id-inventory-fails\",\"amount\":10}" "$id-inventory-fails"

restart_pod "$order_pod"
after_orders=$(orders_known)
if [[ -n $before_orders && $after_orders == "$before_orders" ]]; then
  pass "after the order pod is recreated, every order is still there ($(jq length <<<"$after_orders") orders, same statuses)"
else
  fail "after the order pod is recreated, every order is still there" "before: ${before_orders:0:300}; after: ${after_orders:0:300}"
fi

((failed == 0))
