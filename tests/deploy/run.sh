#!/usr/bin/env bash
# The deployment suite: lint the manifests and the Dockerfile, check them against the Kubernetes
# schemas and each other, then rehearse the cluster. Usage: tests/deploy/run.sh RESULTS_DIR
# (writes RESULTS_DIR/deploy.counts as "PASSED FAILED").
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

results=${1:?usage: tests/deploy/run.sh RESULTS_DIR}
mkdir -p "$results"
passed=0
failed=0
count() { # count NAME STATUS
  if [[ $2 -eq 0 ]]; then passed=$((passed + 1)); echo "  ok    $1"; else failed=$((failed + 1)); echo "  FAIL  $1"; fi
}
add_counts() { # add_counts FILE: adds a sub-suite's "PASSED FAILED", or a failure if it wrote none
  if [[ -f $1 ]]; then
    read -r p f <"$1"
    passed=$((passed + p))
    failed=$((failed + f))
  else
    count "$(basename "$1" .counts) wrote its results" 1
  fi
}

if ! command -v yamllint >/dev/null; then
  echo "==> Installing yamllint"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq yamllint >/dev/null) || die "could not install yamllint"
fi

echo "==> Lint"
(cd "$SAGA_ROOT" && yamllint --strict k8s k3d-config.yaml .yamllint.yaml)
count "yamllint --strict k8s/ k3d-config.yaml" $?
(cd "$SAGA_ROOT" && node_modules/.bin/dockerfilelint Dockerfile)
count "dockerfilelint Dockerfile" $?

echo "==> Static checks (schemas and consistency)"
rm -f "$results/static.counts" "$results/rehearsal.counts"
node "$SAGA_ROOT/tests/deploy/check.mjs" "$results/static.counts"
add_counts "$results/static.counts"

echo "==> Cluster rehearsal"
"$SAGA_ROOT/tests/deploy/rehearse.sh" "$results"
add_counts "$results/rehearsal.counts"

echo "$passed $failed" >"$results/deploy.counts"
echo "==> Deployment suite: $passed passed, $failed failed"
((failed == 0))
