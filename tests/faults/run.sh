#!/usr/bin/env bash
# The fault matrix (tests/faults/matrix.mjs): every fault on every participant it applies to, a
# batch of seeded random orders each, and the invariant checked after each batch. Prints the table.
# Usage: tests/faults/run.sh RESULTS_DIR   (writes RESULTS_DIR/faults.counts and RESULTS_DIR/faults/matrix.md)
#   FAULT_SEED=N replays a run; FAULT_CELLS=REGEX runs some cells only; FAULT_ORDERS=N orders per cell.
set -uo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

results=${1:?usage: tests/faults/run.sh RESULTS_DIR}
# The matrix mounts a small tmpfs per role under its work folder (the disk-full cell fills one);
# whatever a killed run left mounted there is unmounted, before and after.
unmount_volumes() {
  findmnt -rn -o TARGET | grep -F "$results/faults/" | sort -r | xargs -r -n1 umount -l
}
trap unmount_volumes EXIT
unmount_volumes
publish_app
node "$SAGA_ROOT/tests/faults/matrix.mjs" "$SAGA_APP_DIR" "$results/faults"
status=$?
if [[ -f $results/faults/matrix.counts ]]; then
  cp "$results/faults/matrix.counts" "$results/faults.counts"
fi
exit $status
