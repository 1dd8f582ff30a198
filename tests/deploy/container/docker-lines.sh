#!/usr/bin/env bash
# Runs the README's docker lines exactly as printed (every ```bash block of only `docker` and `curl`
# commands; the k3d block needs a cluster),
# through a `docker` that is podman: a shim that exists only in this script's PATH. A `docker run`
# without -d runs in the background as it would in a terminal; a `curl` is retried until it
# answers, as a person waits for a container to start. Then, on the four containers of the README:
# orders placed, every container removed and started again by its own README line, and the orders,
# their reservations and the stock are still there. Containers, the network and the volumes the
# lines made are removed at the end (a volume that existed before is left alone).
# Needs root. Usage: tests/deploy/container/docker-lines.sh RESULTS_DIR (writes docker-lines.counts).
set -uo pipefail
source "$(dirname "$0")/../../../scripts/lib.sh"

results=${1:?usage: tests/deploy/container/docker-lines.sh RESULTS_DIR}
logs="$results/docker-lines"
rm -rf "$logs" && mkdir -p "$logs"
if [[ $(id -u) -ne 0 ]]; then
  fail "the README's docker lines need root (podman)" "run the tests as root (CI does)"
  write_counts "$results/docker-lines.counts"
  exit 1
fi
source "$SAGA_ROOT/tests/deploy/container/podman.sh"
need jq jq

work=$(mktemp -d /tmp/sagademo-docker.XXXXXX)
mkdir -p "$work/bin"
printf '#!/bin/sh\n# docker, as podman: for the README lines of this test only.\nexec podman "$@"\n' >"$work/bin/docker"
chmod +x "$work/bin/docker"
export PATH="$work/bin:$PATH"

# The README's blocks: one file per block, one command per line (continuations joined).
node -e '
  const fs = require("fs");
  const text = fs.readFileSync(process.argv[1], "utf8");
  const blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map(m => m[1].replace(/\\\n\s*/g, ""))
    .filter(b => /^docker /m.test(b) && b.split("\n").every(l => !l.trim() || /^(docker|curl) /.test(l)));
  blocks.forEach((b, i) => fs.writeFileSync(`${process.argv[2]}/block${i + 1}`, b));
' "$SAGA_ROOT/README.md" "$work"
blocks=("$work"/block*)

# What the lines make: containers, networks, volumes. Those that exist already belong to someone.
mapfile -t names < <(cat "${blocks[@]}" | grep -oE -- '--name [^ ]+' | cut -d' ' -f2 | sort -u)
mapfile -t networks < <(cat "${blocks[@]}" | grep -oE '^docker network create [^ ]+' | cut -d' ' -f4 | sort -u)
mapfile -t volumes < <(cat "${blocks[@]}" | grep -oE -- '-v [^: ]+:' | cut -d' ' -f2 | tr -d : | sort -u)
created_volumes=()
for volume in "${volumes[@]}"; do podman volume exists "$volume" || created_volumes+=("$volume"); done
background=()

cleanup() {
  local pid name
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${background[@]}"; do wait "$pid" 2>/dev/null; done
  for name in "${names[@]}"; do
    podman logs "$name" >"$logs/$name.log" 2>&1 && podman rm -f --time 2 "$name" >/dev/null 2>&1
  done
  for name in "${networks[@]}"; do podman network rm -f "$name" >/dev/null 2>&1; done
  for name in "${created_volumes[@]}"; do podman volume rm -f "$name" >/dev/null 2>&1; done
  rm -rf "$work"
  write_counts "$results/docker-lines.counts"
  echo "==> README docker lines: $passed passed, $failed failed"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

taken=()
for name in "${names[@]}"; do podman container exists "$name" && taken+=("container $name"); done
for name in "${networks[@]}"; do podman network exists "$name" && taken+=("network $name"); done
if curl -s -o /dev/null --max-time 1 http://localhost:8080/; then taken+=("port 8080"); fi
if ((${#taken[@]} > 0)); then
  fail "the README's docker lines can run here" "${taken[*]} already in use; remove them (docker rm -f, docker network rm) or free the port"
  names=() networks=()
  exit 1
fi

# run_line COMMAND: one README line, as a person runs it.
run_line() {
  local line=$1 output deadline
  case $line in
    "docker run "*)
      if [[ " $line " == *" -d "* || " $line " == *" --detach "* ]]; then
        if output=$(bash -c "$line" 2>&1); then pass "README: $line"; else fail "README: $line" "${output:0:300}"; fi
      else
        bash -c "$line" >"$logs/foreground-${#background[@]}.log" 2>&1 &
        background+=("$!")
        pass "README: $line (started; it runs in the foreground)"
      fi
      ;;
    "curl "*)
      deadline=$((SECONDS + 60))
      until output=$(bash -c "$line" 2>/dev/null) && [[ $output == *'"status":"ok"'* ]]; do
        if ((SECONDS >= deadline)); then
          fail "README: $line" "no healthy answer within 60 s: ${output:0:200}"
          return 1
        fi
        sleep 0.2
      done
      pass "README: $line answers $output"
      ;;
    *)
      if output=$(bash -c "$line" 2>&1); then pass "README: $line"; else fail "README: $line" "${output:0:300}"; fi
      ;;
  esac
}

# stop_foreground: stops the foreground containers as a terminal would (podman passes the signal on;
# --rm removes them).
stop_foreground() {
  local pid deadline
  for pid in "${background[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${background[@]}"; do
    deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  background=()
}

for block in "${blocks[@]}"; do
  echo "==> README block: $(head -n 1 "$block" | cut -c1-90)…"
  mapfile -t lines <"$block"
  for line in "${lines[@]}"; do
    [[ -z $line || $line == \#* ]] && continue
    # The block that removes everything runs last, after the restart proof below.
    if [[ $line == "docker rm "* ]]; then removal=$line; continue; fi
    run_line "$line"
  done
  stop_foreground
  leftover=$(podman ps -a --filter ancestor=saga-demo:latest --filter status=exited --format '{{.Names}}')
  [[ -z $leftover ]] || fail "a foreground container of the README stops with Ctrl-C and is removed (--rm)" "left: $leftover"
done

echo "==> The four containers of the README keep what they accepted when they are removed and run again"
base=http://localhost:8080
stamp="dl$$"
place() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST "$base/orders" -H 'Content-Type: application/json' \
    -d "{\"order_id\":\"$1\",\"amount\":10,\"sku\":\"SKU-$stamp\",\"quantity\":3,\"slot\":\"2030-02-01T09:00\"$2}"
}
code=$(place "$stamp-ok" "")
if [[ $code == 201 ]]; then pass "an order through the README's containers is confirmed (201)"; else fail "an order through the README's containers is confirmed" "got $code"; fi
code=$(place "$stamp-no" ',"force_delivery_failure":true')
if [[ $code == 409 ]]; then pass "an order whose delivery fails is compensated (409)"; else fail "an order whose delivery fails is compensated" "got $code"; fi

# Every container removed (as `docker rm -f` does) and run again by its own README line.
for name in payment inventory delivery order; do
  podman rm -f --time 0 "$name" >/dev/null
  line=$(grep -h -- "--name $name " "${blocks[@]}")
  if output=$(bash -c "$line" 2>&1); then pass "README line for $name runs again on its volume"; else fail "README line for $name runs again" "${output:0:300}"; fi
done
deadline=$((SECONDS + 60))
until [[ $(curl -s --max-time 2 "$base/health") == *'"status":"ok"'* ]] || ((SECONDS >= deadline)); do sleep 0.2; done

view=$(curl -s --max-time 10 "$base/orders/$stamp-ok")
if [[ $(jq -r '.status + " " + ([.participants[]?] | join(","))' <<<"$view" 2>/dev/null) == "confirmed reserved,reserved,reserved" ]]; then
  pass "after every container was replaced, $stamp-ok is confirmed and all three still hold it"
else
  fail "after every container was replaced, $stamp-ok is confirmed and all three still hold it" "${view:0:300}"
fi
view=$(curl -s --max-time 10 "$base/orders/$stamp-no")
if [[ $(jq -r '.status' <<<"$view" 2>/dev/null) == cancelled && $(jq '[.participants[]? | select(. == "reserved")] | length' <<<"$view") == 0 ]]; then
  pass "after every container was replaced, $stamp-no is cancelled and holds nothing"
else
  fail "after every container was replaced, $stamp-no is cancelled and holds nothing" "${view:0:300}"
fi

if [[ -n ${removal:-} ]]; then
  if output=$(bash -c "$removal" 2>&1); then pass "README: $removal"; else fail "README: $removal" "${output:0:300}"; fi
  [[ -z $(podman ps -a --format '{{.Names}}' | grep -xF -f <(printf '%s\n' "${names[@]}")) ]] \
    || fail "README: the removal line leaves no container of the README"
fi
((failed == 0))
