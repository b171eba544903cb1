#!/usr/bin/env bash
# Formats the tree with clang-format-14: C++ (userspace/, tests/, bench/) by .clang-format at
# the root; C (bpf/, include/, and the small C programs in bench/ and tests/testprogs/) in
# kernel style by bpf/.clang-format. `scripts/format.sh --check` changes nothing and exits 1
# if a file is not formatted.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v clang-format-14 >/dev/null || { echo "format.sh: clang-format-14 is missing: apt-get install clang-format-14" >&2; exit 2; }
mode=(-i)
[ "${1:-}" = --check ] && mode=(--dry-run -Werror)
mapfile -t cxx < <(git ls-files '*.cpp' '*.h' ':!:bpf/**' ':!:include/**' ':!:vmlinux/**')
mapfile -t c < <(git ls-files '*.c' 'bpf/**.h' 'include/**.h')
clang-format-14 "${mode[@]}" "${cxx[@]}"
clang-format-14 "${mode[@]}" --style=file:bpf/.clang-format "${c[@]}"
