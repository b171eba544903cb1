#!/usr/bin/env bash
# Regenerates a vendored vmlinux.h. The BPF programs are CO-RE, so the header only needs to be
# regenerated to use types newer kernels add.
#   gen-vmlinux.sh [x86]   from the running kernel's BTF (BTF=FILE for another)
#   gen-vmlinux.sh arm64   from Debian bookworm's newest arm64 6.12 kernel package: its BTF is
#                          copied out of the Image, since no arm64 kernel runs here
set -euo pipefail
arch=${1:-x86}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case $arch in
  x86)
    btf=${BTF:-/sys/kernel/btf/vmlinux}
    if [ ! -r "$btf" ]; then
      echo "gen-vmlinux: $btf not readable: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF=y is needed)" >&2
      exit 2
    fi
    from=$btf
    ;;
  arm64)
    # A private apt state for the arm64 package lists: this machine's own stay as they are.
    state=$work/apt
    mkdir -p "$state/lists/partial" "$state/archives/partial"
    echo "deb [arch=arm64] http://deb.debian.org/debian bookworm main" > "$state/sources.list"
    echo "deb [arch=arm64] http://deb.debian.org/debian-security bookworm-security main" >> "$state/sources.list"
    opts=(-o "Dir::Etc::sourcelist=$state/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$state/lists"
          -o "Dir::Cache=$state" -o Dir::State::status=/dev/null -o APT::Architecture=arm64 -o APT::Architectures=arm64 -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" update -qq
    package=$(apt-cache "${opts[@]}" search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-arm64$' | cut -d' ' -f1 |
              sort -V | tail -n 1)
    [ -n "$package" ] || { echo "gen-vmlinux: no arm64 6.12 kernel package in bookworm" >&2; exit 2; }
    (cd "$work" && apt-get "${opts[@]}" download "$package" >/dev/null)
    dpkg-deb -x "$work"/*.deb "$work/root"
    python3 "$root/scripts/extract-btf.py" "$work"/root/boot/vmlinuz-* "$work/vmlinux.btf"
    btf=$work/vmlinux.btf
    from=$package
    ;;
  *) echo "gen-vmlinux: unknown arch '$arch' (x86 or arm64)" >&2; exit 2 ;;
esac
mkdir -p "$root/vmlinux/$arch"
bpftool btf dump file "$btf" format c > "$root/vmlinux/$arch/vmlinux.h.tmp"
mv "$root/vmlinux/$arch/vmlinux.h.tmp" "$root/vmlinux/$arch/vmlinux.h"
echo "wrote vmlinux/$arch/vmlinux.h from $from"
