#!/usr/bin/env bash
# Shared by run.sh and the test scripts: publish the executable once, start roles, wait for health,
# and stop exactly the processes we started.

SAGA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAGA_APP_DIR="$SAGA_ROOT/.artifacts/app"
SAGA_PIDS=()

die() { echo "error: $*" >&2; exit 1; }

# apt_install PACKAGE...: installs Debian packages (the scripts run as root in CI); dies if it cannot.
apt_install() {
  echo "==> Installing $*"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null) || die "could not install $*"
}

# need COMMAND PACKAGE: installs PACKAGE unless COMMAND is already on the PATH.
need() { command -v "$1" >/dev/null || apt_install "$2"; }

# Counting a suite's checks: pass NAME; fail NAME [WHY]; check NAME COMMAND [ARG...] runs the command
# (a predicate function, grep, test ...) and counts it. The totals are $passed and $failed;
# write_counts FILE records them as "PASSED FAILED" for ./test.sh to add up.
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok    $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $1${2:+: $2}"; }
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name" "${why:-}"; fi
}

# contains TEXT PART / lacks TEXT PART: predicates for check and wait_until.
contains() { [[ $1 == *"$2"* ]]; }
lacks() { [[ $1 != *"$2"* ]]; }
contains_all() {
  local text=$1 part
  shift
  for part in "$@"; do [[ $text == *"$part"* ]] || return 1; done
}

# wait_until SECONDS COMMAND [ARG...]: runs COMMAND until it succeeds or the deadline passes.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}
write_counts() { echo "$passed $failed" >"$1"; }

# add_counts SUITE FILE: adds what a sub-suite wrote with write_counts; one that wrote nothing has failed.
add_counts() {
  if [[ -f $2 ]]; then
    local p f
    read -r p f <"$2"
    passed=$((passed + p))
    failed=$((failed + f))
    echo "    $1: $p passed, $f failed"
  else
    fail "$1 wrote its results"
  fi
}

# Publishes src/SagaDemo in Release, ReadyToRun, to .artifacts/app: the same output the Dockerfile runs.
# A caller that runs several suites publishes once and exports SAGA_APP_PUBLISHED=1.
publish_app() {
  [[ ${SAGA_APP_PUBLISHED:-} == 1 ]] && return 0
  local arch
  case $(uname -m) in aarch64 | arm64) arch=arm64 ;; *) arch=x64 ;; esac
  echo "==> Publishing SagaDemo (Release, ReadyToRun, linux-$arch) to ${SAGA_APP_DIR#"$SAGA_ROOT"/}"
  dotnet publish "$SAGA_ROOT/src/SagaDemo/SagaDemo.csproj" -c Release -o "$SAGA_APP_DIR" --nologo -v quiet \
    -r "linux-$arch" --self-contained false -p:PublishReadyToRun=true \
    || die "dotnet publish failed; run 'dotnet build SagaDemo.sln' to see why"
}

# free_port NAME: sets the variable NAME (an array element too) to a TCP port nothing listens on, for
# a process about to start (scripts/free-port.mjs says how it is chosen). A port this run has handed
# out ($SAGA_PORTS_GIVEN, passed on to the scripts it starts) is never handed out again.
export SAGA_PORTS_GIVEN=${SAGA_PORTS_GIVEN:-}
free_port() {
  local found
  # shellcheck disable=SC2086 # one argument per port
  found=$(node "$SAGA_ROOT/scripts/free-port.mjs" $SAGA_PORTS_GIVEN) || die "no free TCP port found"
  SAGA_PORTS_GIVEN+=" $found"
  printf -v "$1" '%s' "$found"
}

# The runtime settings the image runs with, so that local runs, the tests and the benchmark run the
# app as the container does: declared once in scripts/runtime.env (the Dockerfile's ENV lines must
# say the same; tests/deploy/check.mjs compares them).
mapfile -t SAGA_RUNTIME_ENV < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$SAGA_ROOT/scripts/runtime.env")

# start_role ROLE PORT LOGFILE [NAME=VALUE ...]: starts one role in the background, remembers its PID.
start_role() {
  local role=$1 port=$2 log=$3
  shift 3
  # Run from the publish folder, as the image does (WORKDIR /app): appsettings.json is read from there.
  (cd "$SAGA_APP_DIR" && exec env "${SAGA_RUNTIME_ENV[@]}" "$@" ROLE="$role" ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet SagaDemo.dll) >"$log" 2>&1 &
  SAGA_PIDS+=("$!")
  LAST_PID=$!
}

# wait_healthy URL SECONDS: polls URL/health until it answers 200, or fails at the deadline.
wait_healthy() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "$url/health" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "error: $url/health did not answer within $2 s" >&2
      return 1
    fi
    sleep 0.2
  done
}

# Stops every process start_role started (TERM, then KILL after a grace period).
stop_roles() {
  local pid
  for pid in "${SAGA_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SAGA_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SAGA_PIDS=()
}
