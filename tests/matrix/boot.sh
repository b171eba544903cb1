#!/usr/bin/env bash
# One kernel of the matrix: fetches Debian's stock kernel of SERIES, boots it under QEMU
# (software emulation: no KVM needed) with an initramfs holding the built egresswatch and
# real clients and servers, runs tests/matrix/checks.sh inside, and passes if every check
# passed. The console log is kept in BUILD_DIR/matrix/SERIES/console.log.
#   boot.sh SERIES BUILD_DIR
# Exit 77 (ctest's skip) when this machine cannot boot it, unless
# EGRESSWATCH_REQUIRE_KERNEL_TESTS=1, which makes that a failure.
set -uo pipefail
series=${1:?usage: boot.sh SERIES BUILD_DIR}
build=$(cd "${2:?usage: boot.sh SERIES BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=$build/matrix/$series
mkdir -p "$out"

cannot_run() {
  if [ "${EGRESSWATCH_REQUIRE_KERNEL_TESTS:-}" = 1 ]; then
    echo "kernel matrix $series cannot run: $1 (EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 forbids skipping)" >&2
    exit 1
  fi
  echo "kernel matrix $series skipped: $1" >&2
  exit 77
}

# What each kernel must do. TLS socket hooks: the one chosen by default, then the others
# this kernel also has, each forced once; and where process exits come from.
case $series in
  6.1) expect=(ew.expect=supported ew.tls_hook=fentry ew.also_tls_hooks=kprobe ew.exit_hook=live_count) ;;
  6.12) expect=(ew.expect=supported ew.tls_hook=tracepoint ew.also_tls_hooks=fentry,kprobe ew.exit_hook=live_count) ;;
  5.10) expect=(ew.expect=refuse "ew.missing=atomic compare-and-exchange") ;;
  *) echo "boot.sh: unknown series $series" >&2; exit 2 ;;
esac

[ "$(id -u)" -eq 0 ] || cannot_run "needs root to fetch kernel packages"
command -v qemu-system-x86_64 >/dev/null || cannot_run "qemu-system-x86_64 is missing: run scripts/install-deps.sh"
vmlinuz=$(bash "$here/kernels.sh" "$series") || cannot_run "Debian's $series kernel package could not be fetched"
bash "$here/initramfs.sh" "$build" "$out/initramfs.gz" || exit 1

# The kernel command line carries the expectations; an argument with spaces is quoted.
cmdline="console=ttyS0 panic=-1 quiet"
for e in "${expect[@]}"; do cmdline+=" ${e// /_}"; done
started=$(date +%s)
# Two guest CPUs, emulated by one host thread: with one thread per CPU (QEMU's default), a
# 6.12 guest once died of a spurious int3 while the kernel patched a jump label under
# perf_event_open (cross-modified code between emulated CPUs). One thread is as fast here,
# since the matrix's kernels run side by side on the machine's two cores.
timeout 900 qemu-system-x86_64 -machine q35 -accel tcg,thread=single -cpu max -m 2048 -smp 2 -nographic -no-reboot -nic none \
  -kernel "$vmlinuz" -initrd "$out/initramfs.gz" -append "$cmdline" > "$out/console.log" 2>&1
status=$?
took=$(( $(date +%s) - started ))

tr -d '\r' < "$out/console.log" | grep -a -o 'EW[A-Z]* .*' > "$out/checks.log"
grep -a '^EWCHECK \(PASS\|FAIL\)' "$out/checks.log"
passed=$(grep -c '^EWCHECK PASS' "$out/checks.log")
failed=$(grep -c '^EWCHECK FAIL' "$out/checks.log")
booted=$(sed -n 's/^EWKERNEL //p' "$out/checks.log")
echo "kernel matrix $series: $booted, $passed passed, $failed failed, booted and checked in ${took}s"
if [ $status -ne 0 ] || ! grep -q '^EWCHECK DONE' "$out/checks.log"; then
  echo "the guest did not finish its checks (qemu exit $status): end of $out/console.log:" >&2
  tail -n 60 "$out/console.log" >&2
  exit 1
fi
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ] || ! echo "$booted" | grep -q "^$series[.-]"; then
  tr -d '\r' < "$out/console.log" | sed -n '/EWCHECK FAIL/,/^EWCHECK /p' >&2
  exit 1
fi
