#!/usr/bin/env bash
# The kernel matrix's checks on this machine's own kernel: the guest's files (initramfs.sh
# --tree), chrooted into inside new pid, mount and network namespaces, with the guest's /init
# run as the namespace's init. The host's network, mounts and resolver are untouched; its
# kernel, BPF and cgroups are the ones checked. The log is kept in BUILD_DIR/matrix/host/.
#   host.sh BUILD_DIR
set -uo pipefail
build=$(cd "${1:?usage: host.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=$build/matrix/host
mkdir -p "$out"
if [ "$(id -u)" -ne 0 ]; then
  [ "${EGRESSWATCH_REQUIRE_KERNEL_TESTS:-}" = 1 ] && { echo "kernel matrix host: needs root" >&2; exit 1; }
  echo "kernel matrix host skipped: needs root" >&2
  exit 77
fi
tree=$(mktemp -d /tmp/ew-matrix-host-XXXXXX)
trap 'umount -R "$tree" 2>/dev/null; rm -rf "$tree"' EXIT
bash "$here/initramfs.sh" --tree "$build" "$tree" || exit 1

# Inside: a private copy of the mount table, the host's /dev bound in, and the guest's init.
started=$(date +%s)
timeout 600 unshare --pid --mount --net --fork --propagation private sh -c '
  mount --rbind /dev "$1/dev" && exec chroot "$1" /usr/bin/busybox env -i EW_HOST=1 EW_EXPECT=supported \
    EW_TLS_HOOK=tracepoint EW_EXIT_HOOK=group_dead /init' sh "$tree" > "$out/console.log" 2>&1
status=$?
took=$(( $(date +%s) - started ))
grep -a -o 'EW[A-Z]* .*' "$out/console.log" > "$out/checks.log"
grep -a '^EWCHECK \(PASS\|FAIL\)' "$out/checks.log"
passed=$(grep -c '^EWCHECK PASS' "$out/checks.log")
failed=$(grep -c '^EWCHECK FAIL' "$out/checks.log")
echo "kernel matrix host: $(uname -r), $passed passed, $failed failed, checked in ${took}s"
if [ $status -ne 0 ] || ! grep -q '^EWCHECK DONE' "$out/checks.log" || [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
  sed -n '/EWCHECK FAIL/,/^EWCHECK /p' "$out/console.log" >&2
  tail -n 30 "$out/console.log" >&2
  exit 1
fi
