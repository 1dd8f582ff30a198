#!/usr/bin/env bash
# Runs every test of SagaDemo and ends with one line "N passed, N failed" summing all suites:
#   1. unit and in-process tests (dotnet test: xunit + WebApplicationFactory)
#   2. end-to-end: the published executable as four processes, plus the Postman collection via newman
#   3. deployment: manifests and Dockerfile linted and checked against the Kubernetes schemas, then a
#      rehearsal of the cluster in network namespaces with nginx as the Ingress (needs root)
# Installs what it needs itself (NuGet restore, npm ci). Exits non-zero if anything failed or nothing ran.
set -uo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

command -v dotnet >/dev/null || die "the .NET 10 SDK is needed (dotnet on the PATH)"
command -v node >/dev/null || die "Node.js 20+ is needed (node and npm on the PATH)"
command -v curl >/dev/null || die "curl is needed"

results="$SAGA_ROOT/.artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
passed=0
failed=0
suite_failures=()

echo "==> npm ci (newman, manifest checkers)"
npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"

echo "==> Unit and in-process tests (dotnet test)"
dotnet test SagaDemo.sln -c Release --nologo --logger "trx;LogFileName=unit.trx" --results-directory "$results" \
  || suite_failures+=("dotnet test exited $?")
if [[ -f $results/unit.trx ]]; then
  counters=$(grep -o '<Counters [^>]*>' "$results/unit.trx")
  unit_passed=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  unit_failed=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  passed=$((passed + unit_passed))
  failed=$((failed + unit_failed))
  echo "    unit: $unit_passed passed, $unit_failed failed"
else
  suite_failures+=("dotnet test wrote no results (did the build fail?)")
fi

publish_app
export SAGA_APP_PUBLISHED=1

echo "==> End-to-end tests (four processes + newman)"
tests/e2e/run.sh "$results" || suite_failures+=("end-to-end suite exited $?")
if [[ -f $results/e2e.counts ]]; then
  read -r e2e_passed e2e_failed <"$results/e2e.counts"
  passed=$((passed + e2e_passed))
  failed=$((failed + e2e_failed))
else
  suite_failures+=("the end-to-end suite wrote no counts")
fi

echo "==> Deployment tests (lint, schemas, cluster rehearsal)"
tests/deploy/run.sh "$results" || suite_failures+=("deployment suite exited $?")
if [[ -f $results/deploy.counts ]]; then
  read -r deploy_passed deploy_failed <"$results/deploy.counts"
  passed=$((passed + deploy_passed))
  failed=$((failed + deploy_failed))
else
  suite_failures+=("the deployment suite wrote no counts")
fi

echo
for problem in "${suite_failures[@]}"; do echo "suite problem: $problem"; done
if ((passed == 0)); then
  echo "no test ran"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
((failed == 0 && ${#suite_failures[@]} == 0))
