#!/usr/bin/env bash
# Builds saga-demo:latest with podman from the Dockerfile exactly as it is, on the stand-in base
# images (base-images.sh), and checks what the image is made of.
# Needs root. Usage: tests/deploy/container/image.sh RESULTS_DIR (writes RESULTS_DIR/image.counts).
set -uo pipefail
source "$(dirname "$0")/../../../scripts/lib.sh"

results=${1:?usage: tests/deploy/container/image.sh RESULTS_DIR}
image=saga-demo:latest
trap 'write_counts "$results/image.counts"' EXIT
if [[ $(id -u) -ne 0 ]]; then
  fail "building the image needs root (podman, debootstrap)" "run the tests as root (CI does)"
  exit 1
fi
source "$SAGA_ROOT/tests/deploy/container/podman.sh"

started=$SECONDS
if "$SAGA_ROOT/tests/deploy/container/base-images.sh" >"$results/base-images.log" 2>&1; then
  pass "the stand-in base images exist ($((SECONDS - started)) s; see base-images.log)"
else
  fail "the stand-in base images" "$(tail -n 5 "$results/base-images.log")"
  exit 1
fi

started=$SECONDS
if podman build --pull=never -t "$image" "$SAGA_ROOT" >"$results/image-build.log" 2>&1; then
  pass "podman build -t $image . on the Dockerfile as it is ($((SECONDS - started)) s)"
else
  fail "podman build -t $image ." "$(grep -E 'error|Error' "$results/image-build.log" | tail -n 5)"
  exit 1
fi

user=$(podman image inspect --format '{{.Config.User}}' "$image")
if [[ $user =~ ^[1-9][0-9]*$ ]]; then pass "the image runs as a numeric non-root user ($user)"; else fail "the image runs as a numeric non-root user" "USER is '$user'"; fi
root=$(podman image mount "$image")
if [[ -f $root/app/SagaDemo.dll ]]; then pass "the image holds the published app in /app"; else fail "the image holds the published app in /app"; fi
pdbs=$(find "$root/app" -name '*.pdb' -printf '%P ')
if [[ -z $pdbs ]]; then pass "no debug symbols (.pdb) in the image"; else fail "no debug symbols (.pdb) in the image" "found $pdbs"; fi
podman image unmount "$image" >/dev/null
echo "    $image: $(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%d MB", $1 / 1e6 }')"
