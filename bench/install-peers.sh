#!/usr/bin/env bash
# Installs the tools egresswatch is compared with, and the load generators, from Debian
# packages; mounts tracefs, which bpftrace's and tcplife's tracepoints need.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
require_root "$(basename "$0")" "it installs Debian packages and mounts tracefs"
bash "$(dirname "$0")/../scripts/install-deps.sh"
packages=(bpftrace libbpf-tools tcpdump wrk nginx-light)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
