# Sourced by the container scripts: podman from Debian's packages, installed when missing, with the
# two settings this machine needs (containers.conf beside this file).
# shellcheck shell=bash
export CONTAINERS_CONF="$SAGA_ROOT/tests/deploy/container/containers.conf"
if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null || ! command -v runc >/dev/null \
  || ! command -v iptables >/dev/null || ! command -v newuidmap >/dev/null; then
  apt_install podman buildah runc debootstrap uidmap netavark aardvark-dns iptables fuse-overlayfs
fi
