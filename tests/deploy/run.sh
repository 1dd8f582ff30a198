#!/usr/bin/env bash
# The deployment suite: lint the manifests and the Dockerfile, check them against the Kubernetes
# schemas and each other, then rehearse the cluster. Usage: tests/deploy/run.sh RESULTS_DIR
# (writes RESULTS_DIR/deploy.counts as "PASSED FAILED").
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

results=${1:?usage: tests/deploy/run.sh RESULTS_DIR}
mkdir -p "$results"

need yamllint yamllint

echo "==> Lint"
check "yamllint --strict k8s/ k3d-config.yaml" '(cd "$SAGA_ROOT" && yamllint --strict k8s k3d-config.yaml .yamllint.yaml)'
check "dockerfilelint Dockerfile" '(cd "$SAGA_ROOT" && node_modules/.bin/dockerfilelint Dockerfile)'

echo "==> Static checks (schemas and consistency)"
rm -f "$results/static.counts" "$results/rehearsal.counts"
node "$SAGA_ROOT/tests/deploy/check.mjs" "$results/static.counts"
add_counts "static checks" "$results/static.counts"

echo "==> Cluster rehearsal"
"$SAGA_ROOT/tests/deploy/rehearse.sh" "$results"
add_counts "cluster rehearsal" "$results/rehearsal.counts"

write_counts "$results/deploy.counts"
echo "==> Deployment suite: $passed passed, $failed failed"
((failed == 0))
