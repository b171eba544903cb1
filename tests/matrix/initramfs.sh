#!/usr/bin/env bash
# Builds the guest's initramfs: the built egresswatch with its libraries, busybox, and the
# real clients and servers the checks use (curl, openssl, dnsmasq, jq, a Go client), each at the path
# it has on this machine, so the TLS attacher finds libssl where it would on a real host.
#   initramfs.sh BUILD_DIR OUT.cpio.gz
#   initramfs.sh --tree BUILD_DIR DIR     the same files in DIR (host.sh chroots into it)
set -euo pipefail
tree=
if [ "$1" = --tree ]; then tree=1; shift; fi
build=$(cd "$1" && pwd)
out=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "$tree" ]; then
  root=$out
  mkdir -p "$root"
else
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
fi

# Debian bookworm is merged-/usr: /bin, /sbin, /lib and /lib64 point into /usr.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,proc,sys,tmp,run,etc,srv,root}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done

# copy_path PATH: PATH as it is here, symlinks included, with every link's target.
copy_path() {
  local p=$1
  while :; do
    [ -e "$root$p" ] || [ -L "$root$p" ] && return 0
    local dir; dir=$(dirname "$p")
    # A parent directory that is a symlink here (/lib) is one in the guest already.
    dir=$(cd "$dir" && pwd -P)
    p="$dir/$(basename "$p")"
    [ -e "$root$p" ] || [ -L "$root$p" ] && return 0
    mkdir -p "$root$dir"
    if [ -L "$p" ]; then
      local target; target=$(readlink "$p")
      ln -s "$target" "$root$p"
      case $target in /*) p=$target ;; *) p="$dir/$target" ;; esac
    else
      cp "$p" "$root$p"
      return 0
    fi
  done
}

# copy_binary PATH: the executable and every library ldd says it loads.
copy_binary() {
  copy_path "$1"
  local lib
  for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' ); do copy_path "$lib"; done
}

for bin in /usr/bin/curl /usr/bin/openssl /usr/sbin/dnsmasq /usr/bin/jq /bin/busybox; do
  [ -x "$bin" ] || { echo "initramfs.sh: $bin is missing: run scripts/install-deps.sh" >&2; exit 2; }
  copy_binary "$bin"
done
copy_binary "$build/egresswatch"
for lib in $(bash "$here/../../scripts/dlopened-libraries.sh"); do copy_path "$lib"; done
install -m 0755 "$build/tests/threads_exit" "$root/usr/bin/threads_exit"
# A Go HTTPS client, static (its crypto/tls is what the Go probes read), built offline.
[ -x /usr/bin/go ] || { echo "initramfs.sh: /usr/bin/go is missing: run scripts/install-deps.sh" >&2; exit 2; }
CGO_ENABLED=0 GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=/tmp/egresswatch-test-gocache \
  go build -o "$root/usr/bin/go_https_client" "$here/../testprogs/go_https_client.go"
# The build's binary, stripped: its debug info is most of its size.
mkdir -p "$root/usr/sbin"
strip -o "$root/usr/sbin/egresswatch" "$build/egresswatch"
# glibc loads these by name, not through ldd's list.
for lib in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 \
           /lib/x86_64-linux-gnu/libresolv.so.2; do
  [ -e "$lib" ] && copy_path "$lib"
done
# The OpenSSL library's own configuration and modules directory, as curl reads them.
[ -e /usr/lib/ssl/openssl.cnf ] && { mkdir -p "$root/usr/lib/ssl"; cp -L /usr/lib/ssl/openssl.cnf "$root/usr/lib/ssl/"; }

# Debian's busybox-static, or its dynamic busybox with its libraries.
copy_binary /bin/busybox

cat > "$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PW
cat > "$root/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
GR
echo "hosts: files dns" > "$root/etc/nsswitch.conf"
echo "nameserver 127.0.0.1" > "$root/etc/resolv.conf"
echo "127.0.0.1 localhost" > "$root/etc/hosts"

# The HTTPS test host's certificate, made fresh for each image.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mirror.test \
  -addext "subjectAltName=DNS:mirror.test,DNS:allowed.test" \
  -keyout "$root/srv/key.pem" -out "$root/srv/cert.pem" 2>/dev/null
echo "egresswatch kernel matrix test file" > "$root/srv/x.txt"
cp "$root/srv/x.txt" "$root/srv/y.txt"

install -m 0755 "$here/guest-init.sh" "$root/init"
install -m 0755 "$here/checks.sh" "$root/usr/bin/ew-checks"

[ -n "$tree" ] || (cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
