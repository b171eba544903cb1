#!/bin/busybox sh
# PID 1 of a kernel-matrix guest: mounts what a host has, starts the test hosts (HTTP,
# HTTPS, DNS on addresses of lo), runs the checks and powers off. Everything it reports goes
# to the serial console, where boot.sh reads it.
/bin/busybox --install -s /usr/bin 2>/dev/null
export PATH=/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# host.sh binds the host's /dev in (and sets EW_HOST); a guest mounts its own.
[ -n "$EW_HOST" ] || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup

ip link set lo up
# Test hosts as addresses of lo (198.18.0.0/15): not loopback by address, so enforcement and
# scopes treat them as remote, and no network device or kernel module is needed.
for a in 10 11 12; do ip addr add 198.18.0.$a/32 dev lo; done

cd /srv
httpd -p 8080 -h /srv
openssl s_server -quiet -WWW -accept 443 -cert /srv/cert.pem -key /srv/key.pem >/tmp/s_server.log 2>&1 &
dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --user=root --pid-file=/tmp/dnsmasq.pid \
  --listen-address=127.0.0.1 --bind-interfaces \
  --address=/mirror.test/198.18.0.10 --address=/allowed.test/198.18.0.11 --address=/denied.test/198.18.0.12
cd /

# What boot.sh expects of this kernel: ew.expect, ew.tls_hook, ew.also_tls_hooks, ew.exit_hook,
# ew.missing.
for word in $(cat /proc/cmdline); do
  case $word in ew.*=*) name=${word%%=*}; export "EW_$(echo "${name#ew.}" | tr a-z A-Z)=${word#*=}" ;; esac
done
# On the host (host.sh) this is the init of a pid namespace only: it reports on the output
# host.sh gave it and just ends.
if [ -n "$EW_HOST" ]; then
  ew-checks 2>&1
  echo "EWCHECK DONE"
  exit 0
fi
ew-checks > /dev/console 2>&1
echo "EWCHECK DONE" > /dev/console
sync
poweroff -f
