#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite: unit tests and kernel
# tests (real BPF programs, real clients and servers in network namespaces). Run as root.
# EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 turns a skipped kernel test into a failure (CI sets it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$(dirname "$0")/lib.sh"
require_root "$(basename "$0")" "it installs packages and the kernel tests load BPF programs"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 300 -j"$(nproc)" "$@"
