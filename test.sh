#!/usr/bin/env bash
# Runs every test of SagaDemo and ends with one line "N passed, N failed" summing all suites:
#   1. unit and in-process tests (dotnet test: xunit + WebApplicationFactory; the order stores
#      against memory, SQLite and a real PostgreSQL server started here)
#   2. end-to-end: the published executable as four processes, plus the Postman collection via newman
#   3. observability: traces to a real OTLP receiver, /metrics, logs, the dashboard in headless chromium
#   4. durability: the orchestrator killed mid-saga, a participant down, two replicas on PostgreSQL
#   5. the fault matrix: every fault on every participant (proxied), invariant checked after each batch
#   6. deployment: manifests and Dockerfile linted and checked against the Kubernetes schemas, then a
#      rehearsal of the cluster in network namespaces with nginx as the Ingress (needs root)
# Installs what it needs itself (NuGet restore, npm ci, apt packages). Exits non-zero if anything
# failed or nothing ran.
set -uo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh
source scripts/postgres.sh

command -v dotnet >/dev/null || die "the .NET 10 SDK is needed (dotnet on the PATH)"
command -v node >/dev/null || die "Node.js 20+ is needed (node and npm on the PATH)"
command -v curl >/dev/null || die "curl is needed"

results="$SAGA_ROOT/.artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
suite_failures=()

echo "==> npm ci (newman, manifest checkers)"
npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"

# One PostgreSQL server for every suite that needs one; stopped and removed however the run ends.
trap 'pg_stop' EXIT
trap 'exit 130' INT TERM
pg_start
export SAGA_TEST_POSTGRES="$SAGA_POSTGRES_ADMIN"

echo "==> Unit and in-process tests (dotnet test)"
dotnet test SagaDemo.sln -c Release --nologo --logger "trx;LogFileName=unit.trx" --results-directory "$results" \
  || suite_failures+=("dotnet test exited $?")
if [[ -f $results/unit.trx ]]; then
  counters=$(grep -o '<Counters [^>]*>' "$results/unit.trx")
  counter() { sed -E "s/.* $1=\"([0-9]+)\".*/\\1/" <<<"$counters"; }
  echo "$(counter passed) $(counter failed)" >"$results/unit.counts"
  # A skipped test is a test that did not run: it must not look green.
  (($(counter executed) == $(counter total))) || suite_failures+=("$(($(counter total) - $(counter executed))) unit test(s) did not run")
fi
add_counts unit "$results/unit.counts"

publish_app
export SAGA_APP_PUBLISHED=1

echo "==> End-to-end tests (four processes + newman)"
tests/e2e/run.sh "$results" || suite_failures+=("end-to-end suite exited $?")
add_counts end-to-end "$results/e2e.counts"

echo "==> Observability (OpenTelemetry to a real OTLP receiver, /metrics, logs, the dashboard in chromium)"
tests/observe/run.sh "$results" || suite_failures+=("observability suite exited $?")
add_counts observability "$results/observe.counts"

echo "==> Durability tests (kill -9, a participant down, two replicas; SQLite and PostgreSQL)"
tests/durability/run.sh "$results" || suite_failures+=("durability suite exited $?")
add_counts durability "$results/durability.counts"

echo "==> Fault matrix (each fault on each participant, a seeded batch of orders, the invariant after each)"
tests/faults/run.sh "$results" || suite_failures+=("fault matrix exited $?")
add_counts "fault matrix" "$results/faults.counts"

echo "==> Deployment tests (lint, schemas, cluster rehearsal)"
tests/deploy/run.sh "$results" || suite_failures+=("deployment suite exited $?")
add_counts deployment "$results/deploy.counts"

echo
for problem in "${suite_failures[@]}"; do echo "suite problem: $problem"; done
if ((passed == 0)); then
  echo "no test ran"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
((failed == 0 && ${#suite_failures[@]} == 0))
