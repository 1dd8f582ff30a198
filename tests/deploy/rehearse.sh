#!/usr/bin/env bash
# A rehearsal of the cluster without a cluster: every Deployment of k8s/ runs as the image would run
# it (the Release publish output, the Dockerfile's entry point, as a non-root user, with exactly
# the env the manifest declares), each pod in its own network namespace whose /etc/hosts resolves
# the Service names; nginx in front plays the Ingress by the manifest's rules; a client namespace
# resolves arch.homework to it and runs the Postman collection. Everything is torn down at exit.
# Needs root (network namespaces). Usage: tests/deploy/rehearse.sh RESULTS_DIR
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

results=${1:?usage: tests/deploy/rehearse.sh RESULTS_DIR}
finish() { write_counts "$results/rehearsal.counts"; echo "==> Cluster rehearsal: $passed passed, $failed failed"; }

if [[ $(id -u) -ne 0 ]]; then
  fail "the rehearsal needs root for network namespaces" "run the tests as root (CI does)"
  finish
  exit 1
fi
need ip iproute2
need nginx nginx

# The pods run as nobody, who must be able to reach their files wherever the repository lives:
# they get a world-traversable folder of their own; its logs are kept in RESULTS_DIR at the end.
work=$(mktemp -d /tmp/sagademo-rehearsal.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/logs"

# Names and addresses exist only inside namespaces this script makes, and are removed at exit.
id="sd$(($$ % 10000))"
net="$id-net"
subnet=10.213.0
ingress_ip=$subnet.2
client_ip=$subnet.3
namespaces=()
nginx_pid=

teardown() {
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  stop_roles
  local ns
  for ns in "${namespaces[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  rm -rf "$results/rehearsal" && mkdir -p "$results/rehearsal"
  cp -r "$work/logs" "$work/plan" "$results/rehearsal/" 2>/dev/null
  cp "$work"/newman.* "$results/rehearsal/" 2>/dev/null
  [[ -d $work/nginx/logs ]] && cp -r "$work/nginx/logs" "$results/rehearsal/nginx-logs"
  rm -rf "$work"
}
trap 'teardown; finish' EXIT
trap 'exit 130' INT TERM

# add_host NAME ADDRESS HOSTS_LINES: a namespace with one interface on the rehearsal's bridge.
add_host() {
  local ns="$id-$1" address=$2 hosts=$3 index=${#namespaces[@]}
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
  printf '127.0.0.1 localhost\n%s' "$hosts" >"/etc/netns/$ns/hosts"
}

# in_ns NAME URL...: curl from inside a namespace; prints the status code.
in_ns() {
  local ns="$id-$1"
  shift
  ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"
}

publish_app
echo "==> Planning from k8s/"
node "$SAGA_ROOT/tests/deploy/plan.mjs" "$work/plan" || { fail "the manifests can be rehearsed"; exit 1; }
read -r -a entrypoint <"$work/plan/entrypoint"

# The cluster network: a bridge in a namespace of its own.
ip netns add "$net" && namespaces+=("$net")
ip netns exec "$net" ip link add br0 type bridge
ip netns exec "$net" ip link set br0 up

# Pod addresses, and the Service names every pod (and the ingress) resolves.
declare -A pod_ip pod_port
i=10
while read -r name port; do
  pod_ip[$name]=$subnet.$i
  pod_port[$name]=$port
  i=$((i + 1))
done <"$work/plan/pods"
service_hosts=""
while read -r service deployment namespace; do
  service_hosts+="${pod_ip[$deployment]} $service $service.$namespace $service.$namespace.svc $service.$namespace.svc.cluster.local"$'\n'
done <"$work/plan/services"

echo "==> Starting one pod per Deployment"
for name in "${!pod_ip[@]}"; do
  add_host "$name" "${pod_ip[$name]}" "$service_hosts"
  # Each pod has its own copy of the image's /app, with its mounted volumes as writable folders.
  app="$work/pods/$name/app"
  home="$work/pods/$name/tmp"
  mkdir -p "$home" && cp -a "$SAGA_APP_DIR" "$app" && rm -rf "$app/data"
  while read -r mount; do mkdir -p "$app/$mount"; done <"$work/plan/$name.mounts"
  chown -R nobody "$home" "$work/pods/$name"
  mapfile -d '' env_pairs <"$work/plan/$name.env"
  # As the image: from its /app, as a non-root user, with nothing but the declared env.
  (cd "$app" && exec ip netns exec "$id-$name" setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -i PATH="$PATH" HOME="$home" TMPDIR="$home" DOTNET_CLI_TELEMETRY_OPTOUT=1 "${env_pairs[@]}" "${entrypoint[@]}") \
    >"$work/logs/$name.log" 2>&1 &
  SAGA_PIDS+=("$!")
done

echo "==> Probes, as the kubelet makes them"
for name in "${!pod_ip[@]}"; do
  while read -r kind path port; do
    deadline=$((SECONDS + 60))
    code=000
    until [[ $code == 200 ]] || ((SECONDS >= deadline)); do
      code=$(in_ns "$name" "http://${pod_ip[$name]}:$port$path")
      [[ $code == 200 ]] || sleep 0.2
    done
    if [[ $code == 200 ]]; then pass "$name: $kind probe $path on port $port answers 200"; else fail "$name: $kind probe $path on port $port" "got $code; see $results/rehearsal/logs/$name.log"; fi
  done <"$work/plan/$name.probes"
done

echo "==> The orchestrator reaches the participants by their Service URLs"
for variable in PAYMENT_URL INVENTORY_URL DELIVERY_URL; do
  url=$(tr '\0' '\n' <"$work/plan/order.env" | sed -n "s/^$variable=//p")
  code=$(in_ns order "$url/health")
  if [[ $code == 200 ]]; then pass "$variable=$url answers from the order pod"; else fail "$variable=$url from the order pod" "got $code"; fi
done

echo "==> The Ingress (nginx, by the manifest's rules)"
add_host ingress "$ingress_ip" "$service_hosts"
add_host client "$client_ip" "$ingress_ip arch.homework"$'\n'
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
$(sed "s/INGRESS_ADDR/$ingress_ip/" "$work/plan/ingress.conf")
}
CONF
ip netns exec "$id-ingress" nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' \
  >"$work/logs/nginx.log" 2>&1 &
nginx_pid=$!
deadline=$((SECONDS + 20))
until [[ $(in_ns client http://arch.homework/health) == 200 ]] || ((SECONDS >= deadline)); do sleep 0.2; done

body=$(ip netns exec "$id-client" curl -s --max-time 5 http://arch.homework/health)
if [[ $body == *'"role":"order"'* ]]; then pass "http://arch.homework/health reaches the orchestrator"; else fail "http://arch.homework/health" "got: ${body:0:200}"; fi
for path in /payment/reserve /payment/cancel /inventory/cancel /delivery/cancel /inventory/stock/SKU-1; do
  code=$(in_ns client -X POST -H 'Content-Type: application/json' -d '{"order_id":"x"}' "http://arch.homework$path")
  if [[ $code == 404 ]]; then pass "the ingress refuses $path (404)"; else fail "the ingress refuses $path" "got $code"; fi
done
code=$(in_ns client -H 'Host: someone.else' "http://$ingress_ip/health")
if [[ $code == 404 ]]; then pass "the ingress answers only for arch.homework"; else fail "the ingress answers only for arch.homework" "got $code"; fi

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

((failed == 0))
