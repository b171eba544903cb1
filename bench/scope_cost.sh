#!/usr/bin/env bash
# What a `run` costs the rest of the host. Its connect and sendmsg programs are attached at
# the cgroup root (so a socket passed in from outside is still judged: docs/enforce.md,
# "Sockets passed in from outside") and return at once for a task outside the run
# (bpf/lib/acting_task.bpf.h). This measures, from
# kernel.bpf_stats_enabled counters, the ns per invocation of connect4_record and
# sendmsg4_record for a workload outside a run, against the same workload inside a run in
# the same session (the full per-connect cost), and against a program that returns at once
# at the same hook (the floor: what bpf_stats itself adds to every run).
# Usage: bench/scope_cost.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-3}
ew=$root/build/egresswatch
loop=$root/build/bench/connect_loop
work=$(mktemp -d /tmp/ew-scope-XXXXXX)
ew_pid=
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  [ -n "$ew_pid" ] && kill "$ew_pid" 2>/dev/null && wait "$ew_pid" 2>/dev/null || true
  sysctl -qw kernel.bpf_stats_enabled="$old_stats"
  rm -rf "$work"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1

# run_cnt and run_time_ns of the named program among those loaded after id $1.
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
last_prog_id() { bpftool prog show -j | python3 -c 'import json, sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))'; }
per_run() { echo "$1 $2" | awk '{c = $3 - $1; n = $4 - $2; printf "%d runs %.0f ns/run", c, c ? n / c : 0}'; }

# beside LABEL PROGRAM -- COMMAND...: the workload ($mode, $args) run outside COMMAND, which
# loads PROGRAM and stays in the background meanwhile; PROGRAM's cost per run.
beside() {
  local label=$1 prog=$2 first before ops
  shift 3
  first=$(last_prog_id)
  "$@" >/dev/null 2>&1 &
  ew_pid=$!
  sleep 1.5
  before=$(counters "$first" "$prog")
  ops=$("$loop" "${args[@]}")
  echo "$mode $label: $(per_run "$before" "$(counters "$first" "$prog")") ($ops)"
  kill "$ew_pid" 2>/dev/null; wait "$ew_pid" 2>/dev/null || true; ew_pid=
}

for mode in tcp udp; do
  prog=$([ $mode = tcp ] && echo connect4_record || echo sendmsg4_record)
  args=("$mode" "$secs"); [ $mode = udp ] && args+=(1000)

  # Inside: the run's own command, every invocation judged and (first per key) reported.
  first=$(last_prog_id)
  rm -f "$work/in.ops"
  "$ew" run --quiet --out "$work/in" -- sh -c "sleep 1.5; $loop ${args[*]} > $work/in.tmp; mv $work/in.tmp $work/in.ops; sleep 5" 2>/dev/null &
  ew_pid=$!
  sleep 1
  before=$(counters "$first" "$prog")
  until [ -e "$work/in.ops" ]; do sleep 0.1; done
  echo "$mode inside a run:  $(per_run "$before" "$(counters "$first" "$prog")") ($(cat "$work/in.ops"))"
  kill "$ew_pid" 2>/dev/null; wait "$ew_pid" 2>/dev/null || true; ew_pid=

  # Outside: the same workload beside a run whose command only sleeps.
  beside "outside a run" "$prog" -- "$ew" run --quiet --out "$work/out" -- sleep $((secs + 3))
  # The floor: a program that returns at once, at the same hook, under the same bpf_stats.
  empty=$([ $mode = tcp ] && echo connect4_empty || echo sendmsg4_empty)
  beside "empty program" "$empty" -- "$root/build/bench/hook_floor" \
    "$(grep -m1 cgroup2 /proc/mounts | cut -d' ' -f2)" /lib64/ld-linux-x86-64.so.2 "$empty"
done
