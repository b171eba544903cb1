#!/usr/bin/env bash
# A long `watch` as the service runs it (issue 19): rotation, results every 10 s, metrics on,
# every record sent to a local ClickHouse (--sink), under a connect storm (`connect_loop storm`: TCP connects round robin to DESTINATIONS
# loopback addresses, refused at once) and a DNS storm (one process asking a local dnsmasq for
# ever new names, each answered), both in a cgroup the watch observes. Every 30 s: the
# watch's RSS, the bytes of its --out directory and its segments. At the end: whether RSS
# stayed flat, the largest the directory got, and whether report.json, and the report rebuilt
# from ClickHouse (report --from), count every connect the storm made.
# Usage: bench/soak.sh [MINUTES] [DESTINATIONS]   (as root; the issue's soak is 30 minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
minutes=${1:-30}
destinations=${2:-40000}
secs=$((minutes * 60))
bash "$root/scripts/build.sh" >/dev/null
ew=$root/build/egresswatch
loop=$root/build/bench/connect_loop
work=$(mktemp -d /tmp/ew-soak-XXXXXX)
mount=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
cg=$mount/ew-soak-$$
watch_pid= dns_pid= ch_pid= storm_pid= dns_client=
cleanup() {
  # The storms first: a cgroup still holding them cannot be removed.
  for pid in $storm_pid $dns_client; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  [ -n "$watch_pid" ] && kill -INT "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null || true
  [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null || true
  [ -n "$ch_pid" ] && kill "$ch_pid" 2>/dev/null && wait "$ch_pid" 2>/dev/null || true
  rmdir "$cg" 2>/dev/null || true
  if [ -n "${SOAK_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi  # SOAK_KEEP=1: to look into
}
trap cleanup EXIT
mkdir "$cg"

# The DNS server: every name is 198.18.0.1 (the answers are never connected to).
dnsmasq --no-daemon --port=53 --listen-address=127.0.0.53 --bind-interfaces --no-resolv --no-hosts \
  --address=/#/198.18.0.1 --cache-size=0 >/dev/null 2>&1 &
dns_pid=$!

# ClickHouse on loopback, its data in $work (as tests/common/clickhouse_server.cpp runs it).
mkdir -p "$work/ch"
cat >"$work/ch/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>19467</http_port>
  <tcp_port>19468</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$work/ch/data/</path>
  <tmp_path>$work/ch/tmp/</tmp_path>
  <user_files_path>$work/ch/user_files/</user_files_path>
  <format_schema_path>$work/ch/format_schemas/</format_schema_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>
XML
if curl -sf http://127.0.0.1:19467/ping >/dev/null; then
  echo "soak: something already answers on 127.0.0.1:19467 (an earlier soak's ClickHouse?); stop it first" >&2
  exit 1
fi
/usr/sbin/clickhouse-server --config-file="$work/ch/config.xml" >"$work/ch/log" 2>&1 &
ch_pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:19467/ping >/dev/null && break; sleep 0.2; done
sink=clickhouse=http://127.0.0.1:19467/soak

"$ew" watch --quiet --cgroup "/${cg#"$mount"/}" --out "$work/out" --rotate-size 20M --keep-segments 5 \
  --write-interval 10s --metrics-listen 127.0.0.1:19466 --sink "$sink" --dedup-entries "${SOAK_DEDUP_ENTRIES:-262144}" ${SOAK_WATCH_ARGS:-} 2>"$work/watch.err" &
watch_pid=$!
sleep 3
kill -0 "$watch_pid" 2>/dev/null || { echo "soak: the watch did not start: $(cat "$work/watch.err")" >&2; exit 1; }

# Both storms in the observed cgroup.
sh -c "echo \$\$ > $cg/cgroup.procs; exec $loop storm $secs $destinations" >"$work/storm" &
storm_pid=$!
sh -c "echo \$\$ > $cg/cgroup.procs; exec python3 - $secs" >"$work/dns" <<'PY' &
import socket, struct, sys, time
end = time.time() + float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
n = answered = 0
while time.time() < end:
    name = f"host{n}.soak.test"
    q = struct.pack(">HHHHHH", n & 0xFFFF, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    s.sendto(q, ("127.0.0.53", 53))
    try:
        s.recv(512)
        answered += 1
    except OSError:
        pass
    n += 1
    time.sleep(0.002)
print("dns", n, answered)
PY
dns_client=$!

echo "soak: ${minutes} min, connect storm over ${destinations} loopback destinations and a DNS storm"
# RSS, and of it what the process itself allocated (RssAnon): the rest is file mappings, the
# 8 MiB ring buffer (counted twice: libbpf maps it twice) and the shared libraries.
printf '%8s %10s %10s %10s %9s\n' "time s" "RSS MiB" "anon MiB" "out MB" segments
start=$(date +%s)
: >"$work/samples"
while kill -0 "$storm_pid" 2>/dev/null; do
  sleep 30
  t=$(($(date +%s) - start))
  rss=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$watch_pid/status")
  anon=$(awk '/^RssAnon/ {printf "%.1f", $2 / 1024}' "/proc/$watch_pid/status")
  bytes=$(du -sb "$work/out" | cut -f1)
  segments=$(find "$work/out" -name 'events-*' | wc -l)
  echo "$t $rss $bytes $anon" >>"$work/samples"
  printf '%8s %10s %10s %10.1f %9s\n' "$t" "$rss" "$anon" "$(echo "$bytes / 1000000" | bc -l)" "$segments"
done
wait "$storm_pid" "$dns_client" || true
sleep 6  # the kernel's counters are read every 5 s
kill -INT "$watch_pid"
# The peak RSS of the whole run (VmHWM), its end included: read until the process is gone.
while hwm=$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$watch_pid/status" 2>/dev/null) && [ -n "$hwm" ]; do
  echo "$hwm" >"$work/hwm"
  sleep 0.1
done
wait "$watch_pid" || true
watch_pid=
curl -sS http://127.0.0.1:19467/ --data-binary 'SELECT count() FROM soak.egresswatch_events' >"$work/rows"
"$ew" report --quiet --from "$sink" --out "$work/fleet" 2>"$work/fleet.err" || cat "$work/fleet.err"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
samples = [line.split() for line in open(f"{work}/samples")]
rss = [float(s[1]) for s in samples]
anon = [float(s[3]) for s in samples]
disk = [int(s[2]) for s in samples]
made = int(open(f"{work}/storm").read().split()[2])
dns_sent, dns_answered = map(int, open(f"{work}/dns").read().split()[1:])
report = json.load(open(f"{work}/out/report.json"))
counted = sum(d["connects"] for d in report["destinations"] if d["port"] == 40001 and d["proto"] == "tcp")
lost = report["counters"]["lost"]
half = len(rss) // 2
print(f"RSS: first {rss[0]:.1f} MiB, peak {max(rss):.1f} MiB, second half {min(rss[half:]):.1f}-{max(rss[half:]):.1f} MiB")
print(f"of it anonymous (allocated by the process): peak {max(anon):.1f} MiB")
print(f"peak RSS of the whole run, its end included (VmHWM): {open(f'{work}/hwm').read().strip()} MiB")
print(f"--out at most {max(disk) / 1e6:.1f} MB (rotation at 20 MiB, 5 segments of each file kept)")
print(f"connects made {made}, in report.json {counted}: {'exact' if made == counted else 'NOT EXACT'}")
print(f"DNS queries {dns_sent}, answered {dns_answered}; DNS records in the report: {report['counters']['events']['dns']}")
print(f"lost: {lost['total']} {lost['reasons'] or ''}")
fleet = json.load(open(f"{work}/fleet/report.json"))
from_ch = sum(d["connects"] for d in fleet["destinations"] if d["port"] == 40001 and d["proto"] == "tcp")
rows = int(open(f"{work}/rows").read())
print(f"ClickHouse: {rows} rows; report --from clickhouse counts {from_ch} connects: "
      f"{'exact' if made == from_ch else 'NOT EXACT'}")
PY
