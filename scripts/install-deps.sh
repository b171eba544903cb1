#!/usr/bin/env bash
# Installs everything egresswatch needs to build, run its demo and run its tests,
# from Debian bookworm packages only. Idempotent: a second run installs nothing.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang llvm
  libclang-rt-14-dev  # libFuzzer and sanitizer runtimes for tests/fuzz
  clang-format-14  # scripts/format.sh, and the unit test that the tree is formatted
  libbpf-dev bpftool libelf-dev zlib1g-dev
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev
  libgtest-dev googletest
  libssl-dev  # `check`: TLS handshakes and certificate verification
  libpsl-dev  # the Public Suffix List: allowlist wildcards over a whole suffix are warned about
  libnghttp2-dev  # HTTP/2: nghttp2's HPACK inflater decodes header blocks; its sessions drive the tests
  libcapstone-dev  # Go binaries: disassembling crypto/tls functions to find every return (system/go_binary.h)
  libcpp-httplib-dev  # --metrics-listen: the Prometheus endpoint's HTTP server
  libcurl4-openssl-dev  # --alert-webhook and --sink clickhouse: HTTP and HTTPS posts
  # kernel tests and the demo: real clients and servers in network namespaces
  iproute2 iputils-ping curl python3 bash procps
  # kernel tests with names: DNS server, dig, more clients, test certificates
  dnsmasq-base bind9-dnsutils wget openssl util-linux mount
  # kernel tests of HTTP/2 (tests/kernel/http2_test.cpp, h2c_test.cpp): nghttpd as the server,
  # python3-h2 and nghttp as clients
  nghttp2-server nghttp2-client python3-h2
  # Go HTTPS and gRPC clients and a gRPC server built by the tests (offline, GOPATH mode)
  golang-go golang-google-grpc-dev
  # tests of the metrics: promtool checks the format, Prometheus scrapes a watch
  prometheus
  # tests of --sink clickhouse and report --from clickhouse: a real ClickHouse on loopback
  # (its package's init script is not used: the tests start the server themselves)
  clickhouse-server
  # the service: systemd-analyze verifies the unit, dpkg-deb reads the package cpack makes
  systemd dpkg
  # kernel tests of the allowlist export (nft -c checks the ruleset), and of h2c's lost and
  # retransmitted segments (nft drops one)
  nftables
  # kernel tests with containers (tests/kernel/containers.h): real containers, rootful podman.
  # runc, because crun (podman's default) fails on hybrid cgroup layouts; netavark as podman's
  # network stack (without it, apt picks the older CNI plugins), and the iptables it runs but
  # does not depend on. The test image is built from busybox-static's /bin/busybox.
  podman runc netavark iptables busybox-static
  # Docker (tests/kernel/docker.h): the tests start dockerd themselves; it brings containerd.
  # docker-compose is compose v1 (Debian has no compose plugin), enough to test compose.
  docker.io docker-compose
  # the kernel matrix: Debian's stock kernels under QEMU, with an initramfs of real tools
  # (and busybox-static, above)
  qemu-system-x86 cpio jq
)
# The DaemonSet's test decodes it with kubectl. Debian's kubernetes-client, unless the host has
# a kubectl of its own already (a package of another name, which Debian's would conflict with).
command -v kubectl >/dev/null || packages+=(kubernetes-client)

source "$(dirname "$0")/lib.sh"
require_root "$(basename "$0")" "it installs Debian packages"

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# The TLS plaintext tests run node's https client. This kind of machine ships Node.js (with
# OpenSSL linked in); where it does not, Debian's nodejs (shared libssl) serves as well.
command -v node >/dev/null 2>&1 || missing+=(nodejs)

if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
