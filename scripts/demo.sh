#!/usr/bin/env bash
# Installs what is needed, builds, and runs `egresswatch run` on a small deploy-like
# script (scripts/demo/deploy.sh) whose child processes talk TCP, UDP and IPv6 to a test
# host in a network namespace this script creates and removes. Run as root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$(dirname "$0")/lib.sh"
require_root "$(basename "$0")" "it loads BPF programs and creates a network namespace"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"

ns=egresswatch-demo
host_v4=198.18.254.2
host_v6=fd00:e9:fe::2
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  ip link del ewdemo0 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add "$ns"
ip link add ewdemo0 type veth peer name ewdemo1
ip link set ewdemo1 netns "$ns"
ip addr add 198.18.254.1/24 dev ewdemo0
ip -6 addr add fd00:e9:fe::1/64 dev ewdemo0 nodad
ip link set ewdemo0 up
ip -n "$ns" addr add "$host_v4/24" dev ewdemo1
ip -n "$ns" -6 addr add "$host_v6/64" dev ewdemo1 nodad
ip -n "$ns" link set ewdemo1 up
ip -n "$ns" link set lo up
ip netns exec "$ns" /usr/bin/python3 "$root/tests/testprogs/servers.py" 8080 5300 &
server_pid=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/$host_v4/8080") 2>/dev/null && break
  sleep 0.1
done

out=${EGRESS_OUT:-$root/egress-demo}
echo "demo: observing scripts/demo/deploy.sh; results go to $out"
status=0
MIRROR_V4=$host_v4 MIRROR_V6=$host_v6 "$root/build/egresswatch" run --out "$out" -- "$root/scripts/demo/deploy.sh" || status=$?
echo
echo "demo: HTTP requests ($out/requests.log):"
sed 's/^/  /' "$out/requests.log"
exit $status
