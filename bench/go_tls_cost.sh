#!/usr/bin/env bash
# What reading a Go program's HTTPS requests costs it (issue 18), beside what reading curl's
# costs curl. Go's crypto/tls is probed at the entry and every return of (*Conn).Write/Read
# (bpf/lib/tls_go.bpf.h); curl's libssl at SSL_write/SSL_read's entry and return, plus the
# socket tracepoints that join a call to its socket. Against nghttpd on loopback over TLS:
#   go-h2     tests/testprogs/go_https_client.go: 2000 small requests on one connection, HTTP/2
#   go-h1     the same client with GODEBUG=http2client=0 against nginx over TLS (HTTP/1.1)
#   curl-h2   curl: 300 small requests on one connection, HTTP/2 (its own -w times)
# each under: none (alone: the baseline), no-tls (`egresswatch run --no-tls`) and run. REPS
# times, interleaved; medians and the ratio to the baseline of the same run. Then, with
# kernel.bpf_stats_enabled, the BPF programs' ns per request for one run of each client.
# Usage: bench/go_tls_cost.sh [REPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
reps=${1:-5}
bash "$root/scripts/build.sh" >/dev/null
ew=$root/build/egresswatch
work=$(mktemp -d /tmp/ew-go-tls-XXXXXX)
port=18444
h1port=18445
server_pid=
nginx_pid=
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  sysctl -qw kernel.bpf_stats_enabled="$old_stats"
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www" "$work/nginx"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
echo ok >"$work/www/small"
nghttpd -d "$work/www" --address=127.0.0.1 "$port" "$work/key.pem" "$work/cert.pem" >/dev/null 2>&1 &
server_pid=$!
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
pid $work/nginx/nginx.pid;
error_log /dev/null;
events {}
http {
  access_log off;
  server {
    listen 127.0.0.1:$h1port ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    keepalive_requests 100000;
    root $work/www;
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=/tmp/egresswatch-test-gocache \
  go build -o "$work/goclient" "$root/tests/testprogs/go_https_client.go"
for _ in $(seq 100); do curl -s --cacert "$work/cert.pem" -o /dev/null "https://127.0.0.1:$port/small" && break; sleep 0.05; done
for _ in $(seq 100); do curl -s --cacert "$work/cert.pem" -o /dev/null "https://localhost:$h1port/small" && break; sleep 0.05; done

curl_urls=$(for _ in $(seq 300); do printf -- '-o /dev/null https://127.0.0.1:%s/small ' "$port"; done)
# Each prints requests/s, measured by the client itself (not the tool's start and end).
workload() {
  case $1 in
    go-h2) echo "$work/goclient -cacert $work/cert.pem -repeat 2000 https://localhost:$port/small" ;;
    go-h1) echo "GODEBUG=http2client=0 $work/goclient -cacert $work/cert.pem -repeat 2000 https://localhost:$h1port/small" ;;
    curl-h2) echo "curl -s --http2 --cacert $work/cert.pem -w '%{time_total}\n' $curl_urls | awk '{s += \$1} END {printf \"%.0f requests/s\n\", 300 / s}'" ;;
  esac
}
measure() {
  local config=$1 script=$2
  case "$config" in
    none) bash -c "$script" ;;
    no-tls) "$ew" run --quiet --no-tls --out "$work/out" -- bash -c "$script" 2>/dev/null ;;
    run) "$ew" run --quiet --out "$work/out" -- bash -c "$script" 2>/dev/null ;;
  esac | awk '/requests\/s/ {print $1}'
}

clients="go-h2 go-h1 curl-h2"
configs="none no-tls run"
: >"$work/results"
for rep in $(seq "$reps"); do
  for client in $clients; do
    for config in $configs; do
      echo "$client $config $(measure "$config" "$(workload "$client")")" >>"$work/results"
    done
  done
done

echo "requests/s on one kept connection (TLS, loopback), median of $reps (ratio to none):"
printf '  %-8s %10s %10s %7s %10s %7s\n' client none no-tls ratio run ratio
for client in $clients; do
  base=$(awk -v c="$client" '$1 == c && $2 == "none" {print $3}' "$work/results" | median)
  line="$client $base"
  for config in no-tls run; do
    m=$(awk -v c="$client" -v k="$config" '$1 == c && $2 == k {print $3}' "$work/results" | median)
    line="$line $m $(ratio "$m" "$base")"
  done
  echo "$line" | awk '{printf "  %-8s %10s %10s %7s %10s %7s\n", $1, $2, $3, $4, $5, $6}'
done

# The BPF programs' own time per request: bpf_stats over one run of each client.
sysctl -qw kernel.bpf_stats_enabled=1
echo "BPF programs per request under run (bpf_stats; the uprobe traps themselves are not counted):"
for client in go-h2 curl-h2; do
  requests=$([ "$client" = go-h2 ] && echo 2000 || echo 300)
  "$ew" run --quiet --out "$work/out" -- bash -c "$(workload "$client") >/dev/null; bpftool prog show -j > $work/stats.json" 2>/dev/null
  python3 - "$work/stats.json" "$client" "$requests" <<'PY'
import json, sys
stats, client, requests = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
names = ("uprobe_go_tls", "uprobe_tls_call", "uretprobe_tls_call", "sock_send_length_tls", "sock_recv_length_tls")
total = 0
for p in stats:
    name = p.get("name", "")
    if p.get("run_cnt") and any(name.startswith(n[:15]) for n in names):
        total += p["run_time_ns"]
        print("  %-8s %-16s %8d runs %6.0f ns/run" % (client, name, p["run_cnt"], p["run_time_ns"] / p["run_cnt"]))
print("  %-8s %.0f ns of BPF per request" % (client, total / requests))
PY
done
