#!/usr/bin/env bash
# The deployment suite: lint the manifests and the Dockerfile, check them against the Kubernetes
# schemas and each other, build the image from the Dockerfile (on stand-in base images: no registry
# is reachable here), rehearse the cluster with it, and run the README's docker lines as printed.
# Usage: tests/deploy/run.sh RESULTS_DIR (writes RESULTS_DIR/deploy.counts as "PASSED FAILED").
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

results=${1:?usage: tests/deploy/run.sh RESULTS_DIR}
mkdir -p "$results"

need yamllint yamllint

echo "==> Lint"
cd "$SAGA_ROOT" || exit 1
check "yamllint --strict k8s/ k3d-config.yaml" yamllint --strict k8s k3d-config.yaml .yamllint.yaml
check "dockerfilelint Dockerfile" node_modules/.bin/dockerfilelint Dockerfile

echo "==> Static checks (schemas and consistency)"
rm -f "$results/static.counts" "$results/image.counts" "$results/rehearsal.counts" "$results/docker-lines.counts"
node "$SAGA_ROOT/tests/deploy/check.mjs" "$results/static.counts"
add_counts "static checks" "$results/static.counts"

container_start=$SECONDS
echo "==> The image, built from the Dockerfile"
if "$SAGA_ROOT/tests/deploy/container/image.sh" "$results"; then
  add_counts "image" "$results/image.counts"

  echo "==> Cluster rehearsal (one container of the image per pod)"
  "$SAGA_ROOT/tests/deploy/rehearse.sh" "$results"
  add_counts "cluster rehearsal" "$results/rehearsal.counts"

  echo "==> The README's docker lines, as printed"
  "$SAGA_ROOT/tests/deploy/container/docker-lines.sh" "$results"
  add_counts "docker lines" "$results/docker-lines.counts"
else
  add_counts "image" "$results/image.counts"
  fail "the rehearsal and the README's docker lines run" "not without the image built from this Dockerfile (see above)"
fi
echo "    the container part took $((SECONDS - container_start)) s"

write_counts "$results/deploy.counts"
echo "==> Deployment suite: $passed passed, $failed failed"
((failed == 0))
