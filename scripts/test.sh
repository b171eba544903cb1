#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite: unit tests and kernel
# tests (real BPF programs, real clients and servers in network namespaces). Run as root.
# EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 turns a skipped kernel test into a failure (CI sets it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: run as root (sudo $0): it installs packages and the kernel tests load BPF programs" >&2
  exit 2
fi
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 300 -j"$(nproc)" "$@"
