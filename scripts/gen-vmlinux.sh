#!/usr/bin/env bash
# Regenerates the vendored vmlinux.h from the running kernel's BTF. The BPF programs
# are CO-RE, so the header only needs to be regenerated to use types newer kernels add.
set -euo pipefail
arch=${1:-x86}
btf=${BTF:-/sys/kernel/btf/vmlinux}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -r "$btf" ]; then
  echo "gen-vmlinux: $btf not readable: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF=y is needed)" >&2
  exit 2
fi
mkdir -p "$root/vmlinux/$arch"
bpftool btf dump file "$btf" format c > "$root/vmlinux/$arch/vmlinux.h.tmp"
mv "$root/vmlinux/$arch/vmlinux.h.tmp" "$root/vmlinux/$arch/vmlinux.h"
echo "wrote vmlinux/$arch/vmlinux.h from $btf"
