#!/usr/bin/env bash
# Kernel and userspace cost of `egresswatch watch` per workload operation, from counters
# rather than throughput: on a small shared VM a program's run_time_ns per invocation
# (kernel.bpf_stats_enabled) varies far less than a rate does. For each workload of
# overhead.sh it prints, per BPF program, invocations and ns per invocation, then the BPF
# ns and the egresswatch process's CPU us per workload operation.
# Usage: bench/prog_cost.sh [SECONDS] [-- extra watch flags]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/nginx.sh"
secs=${1:-3}
shift || true
[ "${1:-}" = "--" ] && shift
extra=("$@")
ew=$root/build/egresswatch
loop=$root/build/bench/connect_loop
work=$(mktemp -d /tmp/ew-cost-XXXXXX)
ew_pid=
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  [ -n "$ew_pid" ] && kill -INT "$ew_pid" 2>/dev/null && wait "$ew_pid" 2>/dev/null || true
  stop_bench_nginx "$work"
  sysctl -qw kernel.bpf_stats_enabled="$old_stats"
  rm -rf "$work"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1

start_bench_nginx "$work"

# Programs loaded after id $1 (this bpftool cannot name their process): name, run_cnt,
# run_time_ns.
snapshot() {
  bpftool prog show -j | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p["id"] > int(sys.argv[1]):
        print(p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0))' "$1"
}
last_prog_id() { bpftool prog show -j | python3 -c 'import json, sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

for workload in tcp udp http exec; do
  first=$(last_prog_id)
  "$ew" watch --quiet "${extra[@]}" --out "$work/ew" >/dev/null 2>&1 &
  ew_pid=$!
  sleep 2
  snapshot "$first" > "$work/before"
  t0=$(cpu_ticks "$ew_pid")
  case $workload in
    tcp) ops=$("$loop" tcp "$secs" | awk -v s="$secs" '{print $2 * s}') ;;
    udp) ops=$("$loop" udp "$secs" 1000 | awk -v s="$secs" '{print $2 * s}') ;;
    exec) ops=$("$loop" exec "$secs" | awk -v s="$secs" '{print $2 * s}') ;;
    http) ops=$(wrk -t1 -c16 -d"${secs}s" "$bench_http_url" 2>/dev/null |
                  awk '/requests in/ {print $1}') ;;
  esac
  # Records still in the ring buffer are the process's work too.
  sleep 1
  t1=$(cpu_ticks "$ew_pid")
  snapshot "$first" > "$work/after"
  kill -INT "$ew_pid"; wait "$ew_pid" 2>/dev/null || true; ew_pid=
  rm -rf "$work/ew"
  python3 - "$work/before" "$work/after" "$workload" "$ops" "$secs" $((t1 - t0)) "$(getconf CLK_TCK)" <<'PY'
import sys
before, after, workload, ops, secs, ticks, hz = sys.argv[1:]
ops = float(ops); ticks = int(ticks); hz = int(hz)
def load(path):
    out = {}
    for line in open(path):
        name, cnt, ns = line.split()
        c, n = out.get(name, (0, 0))
        out[name] = (c + int(cnt), n + int(ns))
    return out
b, a = load(before), load(after)
print(f"{workload}: {ops:.0f} operations in {secs} s ({ops/float(secs):.0f}/s)")
total = 0
for name in sorted(a):
    cnt = a[name][0] - b.get(name, (0, 0))[0]
    ns = a[name][1] - b.get(name, (0, 0))[1]
    if cnt == 0:
        continue
    total += ns
    print(f"  {name:24} {cnt:10d} runs {ns/cnt:8.0f} ns/run {cnt/ops:6.2f} runs/op")
print(f"  BPF total {total/ops:8.0f} ns/op; egresswatch process {ticks*1e6/hz/ops:8.2f} us CPU/op"
      f" ({ticks/hz/float(secs):.2f} CPU)")
PY
done
