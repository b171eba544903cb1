#!/bin/bash
# A deploy-like script for the demo: each step runs in child processes, as real deploys do.
set -eu
: "${MIRROR_V4:?set by scripts/demo.sh}" "${MIRROR_V6:?set by scripts/demo.sh}"

echo "deploy: fetching the artifact and its checksum (sh -> curl, TCP over IPv4)"
# --resolve stands in for DNS: the name reaches egresswatch in the Host header.
sh -c "curl -s -o /dev/null -o /dev/null --resolve mirror.demo.test:8080:$MIRROR_V4 \
  http://mirror.demo.test:8080/pool/main/app_1.0_amd64.deb \
  'http://mirror.demo.test:8080/pool/main/SHA256SUMS?token=not-in-any-output'; true"

echo "deploy: health check (curl, TCP over IPv6)"
curl -s -o /dev/null -g "http://[$MIRROR_V6]:8080/healthz"

echo "deploy: sending metrics (python3, UDP over IPv4 and IPv6)"
/usr/bin/python3 - "$MIRROR_V4" "$MIRROR_V6" <<'PY'
import socket, sys
v4, v6 = sys.argv[1:3]
for family, host in ((socket.AF_INET, v4), (socket.AF_INET6, v6)):
    s = socket.socket(family, socket.SOCK_DGRAM)
    for _ in range(3):
        s.sendto(b"deploy.done:1|c", (host, 5300))
    s.close()
PY

echo "deploy: notifying (bash /dev/tcp)"
bash -c "exec 3<>/dev/tcp/$MIRROR_V4/8080; printf 'POST /notify HTTP/1.0\r\n\r\n' >&3; cat <&3 >/dev/null"
echo "deploy: done"
