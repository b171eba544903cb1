#!/usr/bin/env bash
# What following containers costs the processes outside a run (issue 17). A run that follows
# attaches its packet programs at the cgroup root, where they skip every socket made outside
# the run (bpf/lib/acting_task.bpf.h, packet_in_scope), and once a cgroup is followed, every
# task outside the run pays one hash lookup at the connect, sendmsg and process hooks.
#
# The workload is TCP connect+close on loopback (bench/connect_loop tcp: several packets per
# cycle, each through both packet programs), run outside the run, beside:
#   none          nothing loaded: the baseline
#   follow-off    a run with --follow-containers off (packet programs on the run's cgroup only:
#                 what runs cost outside them before following existed)
#   follow        a run that follows (the default), nothing followed yet
#   follow-one    the same, after its command made a cgroup, which it therefore follows
# Each configuration is measured REPS times, interleaved; the median rate is compared with the
# baseline of the same run. Then, from kernel.bpf_stats_enabled, the ns per invocation of
# egress_capture for those outside packets, against an empty cgroup_skb program (the floor).
# Usage: bench/follow_cost.sh [REPS] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
reps=${1:-5}
secs=${2:-3}
bash "$root/scripts/build.sh" >/dev/null
ew=$root/build/egresswatch
loop=$root/build/bench/connect_loop
cgroup2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
work=$(mktemp -d /tmp/ew-follow-XXXXXX)
followed=$cgroup2/ew-bench-followed-$$
tool_pid=
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  [ -n "$tool_pid" ] && kill -INT "$tool_pid" 2>/dev/null && wait "$tool_pid" 2>/dev/null || true
  rmdir "$followed" 2>/dev/null || true
  sysctl -qw kernel.bpf_stats_enabled="$old_stats"
  rm -rf "$work"
}
trap cleanup EXIT

start_tool() {
  local hold=$((secs + 5))
  case "$1" in
    none) tool_pid= ;;
    follow-off) "$ew" run --quiet --follow-containers off --out "$work/ew" -- sleep "$hold" 2>/dev/null & tool_pid=$! ;;
    follow) "$ew" run --quiet --out "$work/ew" -- sleep "$hold" 2>/dev/null & tool_pid=$! ;;
    follow-one) "$ew" run --quiet --out "$work/ew" -- sh -c "mkdir $followed; sleep $hold; rmdir $followed" \
                  2>/dev/null & tool_pid=$! ;;
    empty-packets) "$root/build/bench/hook_floor" "$cgroup2" /lib64/ld-linux-x86-64.so.2 egress_empty ingress_empty \
                     >/dev/null 2>&1 & tool_pid=$! ;;
  esac
  [ -n "$tool_pid" ] && sleep 1.5 || true
}

stop_tool() {
  if [ -n "$tool_pid" ]; then
    kill -INT "$tool_pid" 2>/dev/null || true
    wait "$tool_pid" 2>/dev/null || true
    tool_pid=
  fi
  rmdir "$followed" 2>/dev/null || true
  rm -rf "$work/ew"
}

configs="none follow-off follow follow-one"
: >"$work/rates"
for rep in $(seq "$reps"); do
  for config in $configs; do
    start_tool "$config"
    rate=$("$loop" tcp "$secs" | awk '{print $2}')
    stop_tool
    echo "$config $rate" >>"$work/rates"
  done
done

base=$(awk '$1 == "none" {print $2}' "$work/rates" | median)
echo "TCP connect+close outside a run: median of $reps x ${secs}s, connects/s (ratio to none)"
for config in $configs; do
  m=$(awk -v c="$config" '$1 == c {print $2}' "$work/rates" | median)
  all=$(awk -v c="$config" '$1 == c {printf "%s ", $2}' "$work/rates")
  awk -v c="$config" -v m="$m" -v b="$base" -v a="$all" 'BEGIN {printf "  %-11s %8.0f  %.3f   (%s)\n", c, m, m / b, a}'
done

# Per packet, from bpf_stats: egress_capture's runs for the packets of the outside workload.
sysctl -qw kernel.bpf_stats_enabled=1
last_prog_id() { bpftool prog show -j | python3 -c 'import json, sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))'; }
counters() {
  bpftool prog show -j | python3 -c '
import json, sys
first, name = int(sys.argv[1]), sys.argv[2]
cnt = ns = 0
for p in json.load(sys.stdin):
    if p["id"] > first and p.get("name", "") == name:
        cnt += p.get("run_cnt", 0); ns += p.get("run_time_ns", 0)
print(cnt, ns)' "$1" "$2"
}
echo "Per packet outside the run (egress_capture at the root; bpf_stats on):"
for config in follow follow-one empty-packets; do
  prog=$([ "$config" = empty-packets ] && echo egress_empty || echo egress_capture)
  first=$(last_prog_id)
  start_tool "$config"
  before=$(counters "$first" "$prog")
  "$loop" tcp "$secs" >/dev/null
  after=$(counters "$first" "$prog")
  stop_tool
  echo "$before $after" | awk -v c="$config" -v p="$prog" \
    '{n = $3 - $1; t = $4 - $2; printf "  %-13s %-14s %9d runs %5.0f ns/run\n", c, p, n, n ? t / n : 0}'
done
