#!/usr/bin/env bash
# events.jsonl written during a connect storm: `egresswatch run` over `connect_loop storm`,
# TCP connects round robin to DESTINATIONS loopback addresses for SECONDS, every one
# refused at once. Each destination is connected to about twice a second, so the kernel
# counts nearly all connects as repeats and every read of its counters finds all the keys
# grown. Prints, for each build: the connect() calls made, the connects report.json counts
# (they must be equal), the bytes of events.jsonl and of its repeat lines, per second of
# storm and extrapolated linearly to 5 minutes.
# Usage: bench/repeat_storm.sh [SECONDS] [DESTINATIONS]   (as root)
# EGRESSWATCH_BENCH_BEFORE=PATH also runs that egresswatch binary (an earlier build) on the
# same storm, before this one.
# A linear extrapolation is exact for the format that writes each grown key at each 5 s read,
# and an upper bound for the one that backs off (its lines per key grow with the log of the
# storm's length, and the first connect of each destination is written once): run it with
# SECONDS=300 to measure 5 minutes instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
destinations=${2:-40000}
bash "$root/scripts/build.sh" >/dev/null
loop=$root/build/bench/connect_loop
work=$(mktemp -d /tmp/ew-storm-XXXXXX)
trap 'rm -rf "$work"' EXIT

storm() {  # NAME EGRESSWATCH
  local name=$1 ew=$2 out=$work/$1
  local made
  made=$("$ew" run --quiet --out "$out" -- "$loop" storm "$secs" "$destinations" | awk '$1 == "storm" {print $3}')
  python3 - "$name" "$out" "$made" "$secs" <<'PY'
import json, os, sys
name, out, made, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
size = os.path.getsize(out + "/events.jsonl")
repeat_lines = repeat_bytes = 0
with open(out + "/events.jsonl", "rb") as f:
    for line in f:
        if line.startswith(b'{"type":"repeat"'):
            repeat_lines += 1
            repeat_bytes += len(line)
report = json.load(open(out + "/report.json"))
counted = sum(d["connects"] for d in report["destinations"] if d["port"] == 40001 and d["proto"] == "tcp")
mb = 1e6
print(f"{name:<20} {made:>11} {counted:>11} {'yes' if made == counted else 'NO':>6} {size / mb:>10.1f} "
      f"{repeat_lines:>9} {repeat_bytes / mb:>9.1f} {size / secs / mb:>8.3f} {size / secs * 300 / mb:>10.1f}")
PY
  rm -rf "$out"
}

echo "connect storm: ${secs} s, ${destinations} loopback destinations, one process"
printf '%-20s %11s %11s %6s %10s %9s %9s %8s %10s\n' build "connects" "in report" exact "jsonl MB" \
  "repeat ln" "repeat MB" "MB/s" "MB/5 min"
[ -n "${EGRESSWATCH_BENCH_BEFORE:-}" ] && storm egresswatch-before "$EGRESSWATCH_BENCH_BEFORE"
storm egresswatch "$root/build/egresswatch"
echo "target: the 5-minute storm's events.jsonl <= 50 MB"
