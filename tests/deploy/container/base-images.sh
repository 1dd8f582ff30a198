#!/usr/bin/env bash
# Makes the two base images the Dockerfile's FROM lines name, as local stand-ins: no container
# registry is reachable here, so mcr.microsoft.com/dotnet/sdk:10.0 and .../aspnet:10.0 are built
# from a minimal Debian root filesystem (debootstrap, from this machine's own apt source) plus this
# machine's .NET: the ASP.NET Core runtime alone for aspnet, the whole SDK for sdk. They carry what
# the real images define (the user app with uid APP_UID=1654, ASPNETCORE_HTTP_PORTS=8080,
# DOTNET_RUNNING_IN_CONTAINER=true, PATH) and trust this machine's CA certificates, so the build's
# NuGet restore works behind a TLS-inspecting proxy. The real 10.0 images are Ubuntu based: these
# are a rehearsal, not the images a user pulls.
# Made once and reused while the .NET SDK version stays the same (a label records it).
# Usage: tests/deploy/container/base-images.sh   (root; podman and debootstrap installed)
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib.sh"
source "$(dirname "$0")/podman.sh"

sdk_version=$(dotnet --version)
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_image=mcr.microsoft.com/dotnet/aspnet:10.0
sdk_image=mcr.microsoft.com/dotnet/sdk:10.0
label=org.sagademo.stand-in.sdk

up_to_date() { [[ $(podman image inspect --format "{{ index .Labels \"$label\" }}" "$1" 2>/dev/null) == "$sdk_version" ]]; }
if up_to_date "$runtime_image" && up_to_date "$sdk_image"; then
  echo "==> Stand-in base images for .NET SDK $sdk_version are present"
  exit 0
fi

# The Debian mirror this machine's apt uses (the URIs line of its Debian source).
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
[[ -n $mirror ]] || mirror=$(sed -nE 's/^deb +(http[^ ]+) +bookworm +main.*/\1/p' /etc/apt/sources.list | head -n 1)
[[ -n $mirror ]] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")

work=$(mktemp -d /tmp/sagademo-base.XXXXXX)
trap 'umount "$work/rootfs/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
rootfs=$work/rootfs

echo "==> Debian $suite root filesystem (debootstrap --variant=minbase, $mirror)"
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

echo "==> The libraries .NET needs, the user app (uid 1654), this machine's CA certificates"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" /bin/sh -ec '
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends ca-certificates libc6 libgcc-s1 libicu72 libssl3 libstdc++6 tzdata zlib1g >/dev/null
  groupadd --gid 1654 app
  useradd --no-log-init --uid 1654 --gid 1654 --create-home app
  apt-get clean
  rm -rf /var/lib/apt/lists/*' >"$work/chroot.log" 2>&1 \
  || { tail -n 20 "$work/chroot.log" >&2; die "setting up the root filesystem failed"; }
# The certificates this machine trusts beyond Debian's (a TLS-inspecting proxy's, for instance).
shopt -s nullglob
extra_certificates=(/usr/local/share/ca-certificates/*.crt)
if ((${#extra_certificates[@]} > 0)); then
  cp "${extra_certificates[@]}" "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the root filesystem"
fi
umount "$rootfs/proc"
rm -f "$rootfs/etc/resolv.conf"

# import NAME DIR: the root filesystem plus what DIR holds, with the real images' environment.
import() {
  local name=$1 tree=$2
  tar -C "$tree" -c . | podman import --quiet \
    --change "ENV APP_UID=1654" \
    --change "ENV ASPNETCORE_HTTP_PORTS=8080" \
    --change "ENV DOTNET_RUNNING_IN_CONTAINER=true" \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "LABEL $label=$sdk_version" \
    - "$name" >/dev/null
}

echo "==> $runtime_image: the ASP.NET Core runtime"
runtime=$work/runtime
cp -a "$rootfs" "$runtime"
mkdir -p "$runtime/usr/share/dotnet/shared"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$runtime/usr/share/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$runtime/usr/share/dotnet/shared/"
ln -s /usr/share/dotnet/dotnet "$runtime/usr/bin/dotnet"
import "$runtime_image" "$runtime"
rm -rf "$runtime"

echo "==> $sdk_image: the whole SDK"
mkdir -p "$rootfs/usr/share/dotnet"
cp -a "$dotnet_root/." "$rootfs/usr/share/dotnet/"
ln -s /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
import "$sdk_image" "$rootfs"

podman images --format '    {{.Repository}}:{{.Tag}} {{.Size}}' | grep mcr.microsoft.com/dotnet
