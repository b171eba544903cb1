#!/usr/bin/env bash
# Overhead on the observed workload, egresswatch against its peers, measured in one run.
# Each configuration is run REPS times, interleaved, and the median rate is compared with
# the unobserved baseline measured in the same run. Workloads: TCP connect+close, UDP
# sendto to 1000 destinations, HTTP (wrk against nginx), and spawning /bin/true.
# The empty-hooks row attaches programs that return at once where egresswatch attaches
# its own (bench/empty_hooks.bpf.c): what the hooks cost before any program does work.
# Usage: bench/overhead.sh [REPS] [SECONDS]
# EGRESSWATCH_BENCH_BEFORE=PATH adds the row egresswatch-before: that egresswatch binary (an
# earlier build), measured in the same run, so a change is compared with what it changes.
# EGRESSWATCH_BENCH_CONFIGS="baseline egresswatch ..." measures only those rows.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/nginx.sh"
reps=${1:-5}
secs=${2:-3}
bash "$root/bench/install-peers.sh"
bash "$root/scripts/build.sh" >/dev/null
ew=$root/build/egresswatch
loop=$root/build/bench/connect_loop
floor=$root/build/bench/hook_floor
ld_so=$(readlink -f /lib64/ld-linux-x86-64.so.2)
cgroup2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
work=$(mktemp -d /tmp/ew-bench-XXXXXX)
results=$work/results.tsv
tool_pid=
cleanup() {
  [ -n "$tool_pid" ] && kill -INT "$tool_pid" 2>/dev/null && wait "$tool_pid" 2>/dev/null || true
  stop_bench_nginx "$work"
}
trap cleanup EXIT

start_tool() {
  case "$1" in
    baseline) tool_pid= ;;
    egresswatch) "$ew" watch --quiet --out "$work/ew" >/dev/null 2>&1 & tool_pid=$! ;;
    egresswatch-before) "$before" watch --quiet --out "$work/ew" >/dev/null 2>&1 & tool_pid=$! ;;
    egresswatch-no-tls) "$ew" watch --quiet --no-tls --out "$work/ew" >/dev/null 2>&1 & tool_pid=$! ;;
    empty-hooks) "$floor" "$cgroup2" "$ld_so" >/dev/null 2>&1 & tool_pid=$! ;;
    egresswatch-every-connect) "$ew" watch --quiet --every-connect --out "$work/ew" >/dev/null 2>&1 & tool_pid=$! ;;
    bpftrace) bpftrace -e 'tracepoint:syscalls:sys_enter_connect { printf("%d %s %d\n", pid, comm, args->fd); }' \
                >/dev/null 2>&1 & tool_pid=$! ;;
    tcplife) tcplife >/dev/null 2>&1 & tool_pid=$! ;;
    tcpdump) tcpdump -i lo -s 128 -w "$work/capture.pcap" >/dev/null 2>&1 & tool_pid=$! ;;
  esac
  # Attaching takes well under a second for each of them; this is enough for all.
  [ -n "$tool_pid" ] && sleep 2 || true
}

stop_tool() {
  if [ -n "$tool_pid" ]; then
    kill -INT "$tool_pid" 2>/dev/null || true
    wait "$tool_pid" 2>/dev/null || true
    tool_pid=
  fi
  rm -rf "$work/ew" "$work/capture.pcap"
}

start_bench_nginx "$work"

before=${EGRESSWATCH_BENCH_BEFORE:-}
configs=(baseline empty-hooks egresswatch egresswatch-no-tls egresswatch-every-connect bpftrace tcplife tcpdump)
[ -n "$before" ] && configs+=(egresswatch-before)
[ -n "${EGRESSWATCH_BENCH_CONFIGS:-}" ] && read -r -a configs <<< "$EGRESSWATCH_BENCH_CONFIGS"
for rep in $(seq "$reps"); do
  # Rotate the order so that no configuration always runs first or last.
  n=${#configs[@]}
  for i in $(seq 0 $((n - 1))); do
    cfg=${configs[$(( (i + rep) % n ))]}
    start_tool "$cfg"
    tcp=$("$loop" tcp "$secs" | awk '{print $2}')
    udp=$("$loop" udp "$secs" 1000 | awk '{print $2}')
    http=$(wrk -t1 -c16 -d"${secs}s" "$bench_http_url" 2>/dev/null | awk '/Requests\/sec/ {print $2}')
    exec_rate=$("$loop" exec "$secs" | awk '{print $2}')
    stop_tool
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$rep" "$tcp" "$udp" "$http" "$exec_rate" >> "$results"
    echo "rep $rep $cfg: tcp=$tcp/s udp=$udp/s http=$http/s exec=$exec_rate/s" >&2
  done
done

# Start-up: from launching `egresswatch run` to the command running, programs attached;
# and end to end: what wrapping a deploy step in `run` adds to it (start-up, detaching,
# writing the report).
startup=$work/startup.tsv
# measure_run NAME EGRESSWATCH: one start-up and end-to-end time of that build.
measure_run() {
  local t0 t2
  t0=$(date +%s%N)
  "$2" run --quiet --out "$work/st" -- sh -c "date +%s%N > $work/t1"
  t2=$(date +%s%N)
  echo "$1 $(( ($(cat "$work/t1") - t0) / 1000 ))" >> "$startup"
  echo "$1-total $(( (t2 - t0) / 1000 ))" >> "$startup"
  rm -rf "$work/st"
}
for rep in $(seq "$reps"); do
  measure_run egresswatch-run "$ew"
  [ -n "$before" ] && measure_run egresswatch-before-run "$before"
  t0=$(date +%s%N)
  sh -c "date +%s%N > $work/t1"
  t2=$(date +%s%N)
  echo "baseline $(( ($(cat "$work/t1") - t0) / 1000 ))" >> "$startup"
  echo "baseline-total $(( (t2 - t0) / 1000 ))" >> "$startup"
done

python3 - "$results" "$startup" "$reps" "$secs" <<'PY'
import statistics, sys
results, startup, reps, secs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = {}
cols = ("tcp", "udp", "http", "exec")
for line in open(results):
    cfg, _, *rates = line.split("\t")
    r = rows.setdefault(cfg, {c: [] for c in cols})
    for c, rate in zip(cols, rates):
        r[c].append(float(rate))
med = {cfg: {k: statistics.median(v) for k, v in r.items()} for cfg, r in rows.items()}
base = med["baseline"]
print(f"overhead: median of {reps} interleaved runs of {secs} s each; ratio = rate observed / rate unobserved")
heads = {"tcp": "tcp conn/s", "udp": "udp send/s", "http": "http req/s", "exec": "execs/s"}
print(f"{'observer':28}" + "".join(f" {heads[c]:>11} {'ratio':>6}" for c in cols))
for cfg in rows:
    m = med[cfg]
    print(f"{cfg:28}" + "".join(f" {m[c]:11.0f} {m[c]/base[c]:6.3f}" for c in cols))
st = {}
for line in open(startup):
    k, us = line.split()
    st.setdefault(k, []).append(int(us))
ms = lambda k: statistics.median(st[k]) / 1000
print(f"\nstart-up (launch to command running, median of {reps}): egresswatch run {ms('egresswatch-run'):.1f} ms,"
      f" plain sh {ms('baseline'):.1f} ms; target <= 300 ms")
print(f"end to end (launch to exit, report written): egresswatch run {ms('egresswatch-run-total'):.1f} ms,"
      f" plain sh {ms('baseline-total'):.1f} ms")
if "egresswatch-before-run" in st:
    print(f"the build before: start-up {ms('egresswatch-before-run'):.1f} ms, end to end "
          f"{ms('egresswatch-before-run-total'):.1f} ms")
if "egresswatch-before" in med and "egresswatch" in med:
    ew, old = med["egresswatch"], med["egresswatch-before"]
    print("\negresswatch / egresswatch-before (this build against the one before): " +
          ", ".join(f"{c} {ew[c]/old[c]:.3f}" for c in cols))
if "empty-hooks" in med and "egresswatch" in med:
    floor = med["empty-hooks"]
    ew = med["egresswatch"]
    print("\negresswatch / empty-hooks (what its programs add beyond the hooks themselves): " +
          ", ".join(f"{c} {ew[c]/floor[c]:.3f}" for c in cols))
PY
