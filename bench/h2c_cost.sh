#!/usr/bin/env bash
# What reading cleartext HTTP/2 (h2c) costs the client (issue 18). An h2c connection's packets
# are walked frame by frame by the cgroup_skb programs (bpf/lib/h2c.bpf.h): header blocks are
# copied, DATA costs one small event per frame. h2load (nghttp2-client) against nghttpd
# --no-tls on loopback, one connection:
#   requests  20000 small requests, one at a time (requests/s)
#   download  a 64 MiB file, 4 times (MB/s)
# each by h2load's own count, under:
#   none        h2load alone: the baseline
#   no-payload  `egresswatch run --no-payload` (connections only: no packet is inspected)
#   run         `egresswatch run` (the h2c requests read from packets)
# REPS times, interleaved; medians, and the ratio to the baseline of the same run.
# Usage: bench/h2c_cost.sh [REPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
reps=${1:-5}
bash "$root/scripts/build.sh" >/dev/null
ew=$root/build/egresswatch
work=$(mktemp -d /tmp/ew-h2c-XXXXXX)
port=18446
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www"
head -c $((64 << 20)) /dev/zero >"$work/www/big.bin"
echo ok >"$work/www/small"
nghttpd --no-tls -d "$work/www" --address=127.0.0.1 "$port" >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -s --http2-prior-knowledge -o /dev/null "http://127.0.0.1:$port/small" && break; sleep 0.05; done

# h2load's "finished in T, R req/s, B/s" line: requests/s, or the data rate in MB/s.
requests() { echo "h2load -n 20000 -c 1 -m 1 http://127.0.0.1:$port/small | awk '/^finished/ {print \$4}'"; }
download() { echo "h2load -n 4 -c 1 http://127.0.0.1:$port/big.bin | awk '/^finished/ {print \$3}'"; }
measure() {
  local config=$1 script=$2
  case "$config" in
    none) bash -c "$script" ;;
    no-payload) "$ew" run --quiet --no-payload --out "$work/out" -- bash -c "$script" 2>/dev/null ;;
    run) "$ew" run --quiet --out "$work/out" -- bash -c "$script" 2>/dev/null ;;
  esac
}
# "142.40ms" or "1.2s": seconds.
seconds() { awk -v t="$1" 'BEGIN {if (t ~ /ms$/) print substr(t, 1, length(t) - 2) / 1000; else print substr(t, 1, length(t) - 1)}'; }

configs="none no-payload run"
: >"$work/results"
for rep in $(seq "$reps"); do
  for config in $configs; do
    echo "$config requests $(measure "$config" "$(requests)")" >>"$work/results"
    t=$(seconds "$(measure "$config" "$(download)" | tr -d ,)")
    echo "$config download $(awk -v t="$t" 'BEGIN {printf "%.1f", 4 * 64 * 1.048576 / t}')" >>"$work/results"
  done
done

echo "h2load over h2c (loopback), median of $reps (ratio to none):"
printf '  %-11s %12s %7s %14s %7s\n' config "requests/s" ratio "download MB/s" ratio
for config in $configs; do
  line="$config"
  for w in requests download; do
    line="$line $(median_vs_none "$work/results" "$config" "$w")"
  done
  echo "$line" | awk '{printf "  %-11s %12s %7s %14s %7s\n", $1, $2, $3, $4, $5}'
done

# One run of each under run: every request read, and no walk lost its place.
for w in requests download; do
  "$ew" run --quiet --out "$work/out" -- bash -c "$($w)" >/dev/null 2>&1
  python3 - "$work/out/report.json" "$w" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
counters = report["counters"]
print(f"  {sys.argv[2]}: {counters['events']['http']} requests read, lost: {counters['lost']['reasons'] or 'none'}")
PY
done
