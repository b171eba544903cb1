#!/usr/bin/env bash
# What reading HTTP/2 requests costs the client (issue 18). An HTTP/2 session's calls are
# walked frame by frame in the kernel (bpf/lib/tls_h2.bpf.h): header blocks are copied, DATA
# costs one small event per frame. Two workloads, curl against nghttpd on loopback over TLS:
#   download  one connection fetching a 64 MiB file DOWNLOADS times (MB/s)
#   requests  one connection making 300 small requests (requests/s)
# each measured by curl itself (-w time_total), beside:
#   none      curl alone: the baseline
#   no-tls    under `egresswatch run --no-tls` (connections, names by SNI; no plaintext read)
#   run       under `egresswatch run` (HTTP/2 requests read from libssl's plaintext)
# Each configuration REPS times, interleaved; medians, and the ratio to the baseline of the
# same run. Then the events the kernel sent for one download, from the run's report.
# Usage: bench/h2_cost.sh [REPS] [DOWNLOADS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
reps=${1:-5}
downloads=${2:-4}
bash "$root/scripts/build.sh" >/dev/null
ew=$root/build/egresswatch
work=$(mktemp -d /tmp/ew-h2-XXXXXX)
port=18443
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
head -c $((64 << 20)) /dev/zero >"$work/www/big.bin"
echo ok >"$work/www/small"
nghttpd -d "$work/www" --address=127.0.0.1 "$port" "$work/key.pem" "$work/cert.pem" >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -s --cacert "$work/cert.pem" -o /dev/null "https://127.0.0.1:$port/small" && break; sleep 0.05; done

urls() { for _ in $(seq "$1"); do printf 'https://127.0.0.1:%s/%s ' "$port" "$2"; done; }
# Sum of curl's own transfer times, so the tool's start and end are not counted.
workload() {
  local count=$1 path=$2
  echo "curl -s --http2 --cacert $work/cert.pem -w '%{time_total}\n' $(for _ in $(seq "$count"); do printf -- '-o /dev/null '; done) $(urls "$count" "$path") | awk '{s += \$1} END {print s}'"
}
measure() {
  local config=$1 script=$2
  case "$config" in
    none) bash -c "$script" ;;
    no-tls) "$ew" run --quiet --no-tls --out "$work/out" -- bash -c "$script" 2>/dev/null ;;
    run) "$ew" run --quiet --out "$work/out" -- bash -c "$script" 2>/dev/null ;;
  esac
}

configs="none no-tls run"
: >"$work/results"
download=$(workload "$downloads" big.bin)
requests=$(workload 300 small)
for rep in $(seq "$reps"); do
  for config in $configs; do
    t=$(measure "$config" "$download")
    echo "$config download $(awk -v n="$downloads" -v t="$t" 'BEGIN {printf "%.1f", n * 64 * 1.048576 / t}')" >>"$work/results"
    t=$(measure "$config" "$requests")
    echo "$config requests $(awk -v t="$t" 'BEGIN {printf "%.0f", 300 / t}')" >>"$work/results"
  done
done

echo "curl over HTTP/2 (TLS, loopback), median of $reps (ratio to none):"
printf '  %-8s %12s %7s %14s %7s\n' config "download MB/s" ratio "requests/s" ratio
for config in $configs; do
  line="$config"
  for w in download requests; do
    line="$line $(median_vs_none "$work/results" "$config" "$w")"
  done
  echo "$line" | awk '{printf "  %-8s %12s %7s %14s %7s\n", $1, $2, $3, $4, $5}'
done

# One download under run: its requests, and that no walk lost its place.
"$ew" run --quiet --out "$work/out" -- bash -c "$(workload 1 big.bin)" >/dev/null 2>&1
python3 - "$work/out/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lost = r["counters"]["lost"]["reasons"]
print("one 64 MiB download under run: http records %d, tls_h2_untracked %d, ringbuf_full_tls %d" % (
    r["counters"]["events"]["http"], lost.get("tls_h2_untracked", 0), lost.get("ringbuf_full_tls", 0)))
PY
