#!/usr/bin/env bash
# The libraries egresswatch loads by name when it needs them (dlopen), which ldd does not list:
# whatever bundles the binary with its libraries (the kernel matrix's guest, the container
# image) copies these too. Prints their paths, one per line.
#   libcapstone.so.N  disassembles Go programs' crypto/tls functions (userspace/system/capstone_library.h)
set -euo pipefail
capstone=$(/sbin/ldconfig -p | awk '$1 ~ /^libcapstone\.so\.[0-9]+$/ && /x86-64/ {print $NF; exit}')
[ -n "$capstone" ] || { echo "dlopened-libraries: libcapstone is not installed: run scripts/install-deps.sh" >&2; exit 2; }
readlink -f "$capstone"
