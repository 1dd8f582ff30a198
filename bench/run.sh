#!/usr/bin/env bash
# The benchmark suite: sagas per second, latency, errors and memory of SagaDemo with each store,
# measured against a bare baseline orchestrator (bench/Baseline) in the same run on this machine,
# plus the start-up time of the published app. Prints a table with the ratios to the baseline and
# the budget's verdicts, and writes everything as JSON to .artifacts/bench/ (git-ignored).
# The configurations run in ROUNDS rounds (baseline, memory, sqlite, postgres, then again): on a
# shared machine a neighbour's load comes and goes, so each ratio is taken against the baseline of
# the same round and the report keeps the median round; the CPU time stolen by the hypervisor
# during every run is recorded beside it.
# With BENCH_COMPARE=REV (a commit, tag or branch) the same run also measures that revision's build
# with each store ("memory-before", ...), and the report gives the current build's throughput as a
# ratio of it, store by store.
# A configuration named STORE-otel (e.g. BENCH_CONFIGS="baseline memory memory-otel") runs that store
# with OpenTelemetry exporting traces and metrics over OTLP/HTTP to a sink (bench/otlp-sink.mjs):
# the cost of the instrumentation, on against off. sqlite-normal runs SQLite with synchronous=NORMAL
# (the default is FULL): the cost of surviving a power cut.
# Not part of ./test.sh. Usage: bench/run.sh [SECONDS] [CONNECTIONS] [ROUNDS]   (defaults: 20 s, 16 connections, 3 rounds)
set -uo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
source "$SAGA_ROOT/scripts/postgres.sh"

seconds=${1:-20}
connections=${2:-16}
rounds=${3:-3}
out="$SAGA_ROOT/.artifacts/bench"
rm -rf "$out"
mkdir -p "$out/logs"
need wrk wrk
SINK_PID=
trap 'stop_roles; pg_stop; [[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null' EXIT
trap 'exit 130' INT TERM

publish_app
baseline_dir="$SAGA_ROOT/.artifacts/baseline"
echo "==> Publishing the baseline (bench/Baseline)"
dotnet publish "$SAGA_ROOT/bench/Baseline/Baseline.csproj" -c Release -o "$baseline_dir" --nologo -v quiet || die "baseline publish failed"
configs=(baseline memory sqlite postgres)
if [[ -n ${BENCH_COMPARE:-} ]]; then
  before_dir="$SAGA_ROOT/.artifacts/bench-before/app"
  before_src="$SAGA_ROOT/.artifacts/bench-before/src"
  echo "==> Publishing $BENCH_COMPARE for comparison"
  rm -rf "$SAGA_ROOT/.artifacts/bench-before"
  git -C "$SAGA_ROOT" worktree prune
  git -C "$SAGA_ROOT" worktree add --detach "$before_src" "$BENCH_COMPARE" >/dev/null || die "no revision $BENCH_COMPARE"
  dotnet publish "$before_src/src/SagaDemo/SagaDemo.csproj" -c Release -o "$before_dir" --nologo -v quiet \
    -r "linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')" --self-contained false -p:PublishReadyToRun=true \
    || die "publishing $BENCH_COMPARE failed"
  git -C "$SAGA_ROOT" worktree remove --force "$before_src"
  configs+=(memory-before sqlite-before postgres-before)
fi
pg_start

rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }
clock_ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$clock_ticks" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The machine's CPU counters: "total steal" in clock ticks (steal = time the hypervisor gave to others).
cpu_ticks() { awk 'NR == 1 { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9 }' /proc/stat; }

# start_system CONFIG: the orchestrator and three participants of CONFIG; sets $url and $pids.
# CONFIG-before runs the build of BENCH_COMPARE with the same store.
start_system() {
  local config=$1 role
  local store=${config%-before} SAGA_APP_DIR=$SAGA_APP_DIR extra=()
  store=${store%-otel}
  store=${store%-normal}
  # STORE-normal: SQLite with synchronous=NORMAL instead of the default FULL (the cost of durability).
  [[ $config == *-normal ]] && extra+=(Storage__Synchronous=normal)
  [[ $config == *-before ]] && SAGA_APP_DIR=$before_dir
  if [[ $config == *-otel ]]; then
    if [[ -z ${sink_port:-} ]]; then
      free_port sink_port
      node "$SAGA_ROOT/bench/otlp-sink.mjs" "$sink_port" &
      SINK_PID=$!
    fi
    extra+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)
  fi
  declare -gA port=()
  declare -gA pid_of=()
  for role in payment inventory delivery order; do free_port "port[$role]"; done
  local urls=(PAYMENT_URL="http://127.0.0.1:${port[payment]}" INVENTORY_URL="http://127.0.0.1:${port[inventory]}"
    DELIVERY_URL="http://127.0.0.1:${port[delivery]}")
  for role in payment inventory delivery order; do
    local log="$out/logs/$config-r$round-$role.log" env=()
    if [[ $config == baseline ]]; then
      [[ $role == order ]] && env=(BASELINE_ROLE=orchestrator "${urls[@]}") || env=(BASELINE_ROLE="$role")
      (cd "$baseline_dir" && exec env "${env[@]}" ASPNETCORE_URLS="http://127.0.0.1:${port[$role]}" dotnet Baseline.dll) >"$log" 2>&1 &
      SAGA_PIDS+=("$!")
      LAST_PID=$!
    elif [[ $role == order ]]; then
      case $store in
        memory) env=(Storage__Provider=memory) ;;
        # A fresh file for each run: a build measured later in a round must not inherit a larger one.
        sqlite) env=(Storage__Provider=sqlite "ConnectionStrings__Orders=Data Source=$out/orders-$config-r$round.db") ;;
        postgres) env=(Storage__Provider=postgres "ConnectionStrings__Orders=$(pg_create_database "bench_${config//-/_}_$round")") ;;
      esac
      start_role order "${port[order]}" "$log" "${env[@]}" "${extra[@]}" "${urls[@]}" ${BENCH_ENV:-}
    else
      # Stock and slots never run out during the run.
      start_role "$role" "${port[$role]}" "$log" Inventory__InitialStock=1000000000 Delivery__SlotCapacity=1000000000 "${extra[@]}" ${BENCH_ENV:-}
    fi
    pid_of[$role]=$LAST_PID
  done
  for role in payment inventory delivery order; do wait_healthy "http://127.0.0.1:${port[$role]}" 60 || die "$config $role did not start"; done
  url="http://127.0.0.1:${port[order]}"
}

# A sample of the orders the run created, read back: every one must be confirmed.
read_back() {
  node -e '
    const url = process.argv[1];
    (async () => {
      const orders = await (await fetch(`${url}/orders?limit=50`)).json();
      let confirmed = 0;
      for (const o of orders) if ((await (await fetch(`${url}/orders/${o.order_id}`)).json()).status === "confirmed") confirmed++;
      console.log(`${confirmed} ${orders.length}`);
    })()' "$1"
}

# measure CONFIG ROUND: one run of CONFIG (warm-up, then the measured load) and its JSON record.
measure() {
  local config=$1 round=$2 role figures ok total steal sample total_before steal_before total_after steal_after
  local cpu="{" rss="{" run="$out/$config-r$round"
  local -A cpu_before=()
  echo "==> round $round/$rounds, $config: 10 s warm-up, then ${seconds} s with $connections connections"
  start_system "$config"
  wrk -t2 -c"$connections" -d10s -s "$SAGA_ROOT/bench/orders.lua" "$url" -- "warmup-$config" >/dev/null
  for role in order payment inventory delivery; do cpu_before[$role]=$(cpu_ms "${pid_of[$role]}"); done
  read -r total_before steal_before < <(cpu_ticks)
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$SAGA_ROOT/bench/orders.lua" "$url" -- "run-$config-$round" >"$run.wrk"
  read -r total_after steal_after < <(cpu_ticks)
  # A process that stopped makes the run's figures meaningless (another could have answered on its port).
  for role in order payment inventory delivery; do
    kill -0 "${pid_of[$role]}" 2>/dev/null || die "round $round, $config: the $role process stopped during the run; see $out/logs/$config-r$round-$role.log"
  done
  steal=$(awk -v s=$((steal_after - steal_before)) -v t=$((total_after - total_before)) 'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }')
  figures=$(tail -n 1 "$run.wrk")
  # Per process: the CPU time it spent during the measured run per 2xx answer (where a saga's cost
  # goes), and its resident memory after the run.
  ok=$(sed -E 's/.*"ok":([0-9]+).*/\1/' <<<"$figures")
  for role in order payment inventory delivery; do
    cpu+="\"$role\":$(( ($(cpu_ms "${pid_of[$role]}") - ${cpu_before[$role]}) * 1000 / (ok > 0 ? ok : 1) )),"
    rss+="\"$role\":$(rss_mb "${pid_of[$role]}"),"
  done
  cpu="${cpu%,}}"
  rss="${rss%,}}"
  if [[ $config == baseline ]]; then sample="null"; else read -r ok total < <(read_back "$url"); sample="{\"confirmed\":$ok,\"read\":$total}"; fi
  echo "{\"config\":\"$config\",\"round\":$round,\"figures\":$figures,\"rss_mb\":$rss,\"cpu_us_per_saga\":$cpu,\"steal_pct\":$steal,\"sample\":$sample}" >"$run.json"
  echo "    $figures"
  echo "    resident MB: $rss; CPU µs per saga: $cpu; CPU stolen by the hypervisor: $steal %; sample read back: $sample"
  stop_roles
}

for round in $(seq "$rounds"); do
  for config in ${BENCH_CONFIGS:-${configs[*]}}; do measure "$config" "$round"; done
done

echo "==> Start-up of the published app to a healthy /health (5 times each)"
startup() { # startup ROLE ENV...: milliseconds from launch to the first 200 from /health
  local role=$1 port start
  shift
  free_port port
  rm -f "$out/startup.db"*
  start=$(date +%s%N)
  start_role "$role" "$port" "$out/logs/startup-$role.log" "$@"
  until curl -fs -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.005; done
  echo $((($(date +%s%N) - start) / 1000000))
  stop_roles
}
[[ -n ${BENCH_CONFIGS:-} ]] && exit 0  # a partial run (for profiling) stops here
for role in payment order; do
  times=()
  for _ in 1 2 3 4 5; do times+=("$(startup "$role" "ConnectionStrings__Orders=Data Source=$out/startup.db")"); done
  echo "{\"role\":\"$role\",\"ms\":[$(IFS=,; echo "${times[*]}")]}" >"$out/startup-$role.json"
  echo "    $role: ${times[*]} ms"
done

node "$SAGA_ROOT/bench/report.mjs" "$out" "$seconds" "$connections" "$rounds" | tee "$out/report.md"
