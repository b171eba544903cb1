#!/usr/bin/env bash
# Builds the egresswatch image, localhost/egresswatch:VERSION, without a registry: a root
# filesystem of the built binary, the shared libraries it links as this Debian host's
# packages installed them (the .deb's Depends), CA certificates for --alert-webhook, and
# /bin/sh for --alert-exec; then `podman import`. packaging/image/Containerfile builds the same
# from debian:bookworm-slim where a registry can be reached.
# Usage: scripts/build-image.sh [BINARY]   (as root; prints the image's name)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:-$root/build/egresswatch}
[ -x "$binary" ] || { echo "build-image: $binary is not built: run scripts/build.sh first" >&2; exit 2; }
version=$("$binary" --version | awk '{print $NF}')
tag=localhost/egresswatch:$version
rootfs=$(mktemp -d /tmp/ew-image-XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

install -D -m 0755 "$binary" "$rootfs/usr/sbin/egresswatch"
objcopy --strip-debug "$rootfs/usr/sbin/egresswatch"  # 100 MB of debug info the image needs not
shell=$(readlink -f /bin/busybox)
install -D -m 0755 "$shell" "$rootfs/bin/sh"  # static busybox: --alert-exec's /bin/sh
for file in $(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}') \
  $(bash "$root/scripts/dlopened-libraries.sh"); do
  mkdir -p "$rootfs$(dirname "$file")"
  cp -L "$file" "$rootfs$file"
done
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/var/lib/egresswatch" "$rootfs/proc" "$rootfs/sys"
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
chmod 1777 "$rootfs/tmp"
tar -C "$rootfs" -c . | podman --runtime runc import \
  --change 'ENTRYPOINT ["/usr/sbin/egresswatch"]' \
  --change 'CMD ["watch", "--out", "/var/lib/egresswatch"]' \
  --change "LABEL org.opencontainers.image.version=$version" - "$tag" >/dev/null
echo "$tag"
