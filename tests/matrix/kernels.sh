#!/usr/bin/env bash
# Debian's stock kernels for the matrix, fetched as Debian packages and cached on this
# machine (never in the repository): the newest of a series is downloaded once and kept.
#   kernels.sh SERIES     prints the path of the series' vmlinuz (6.1, 6.12, 5.10)
# EGRESSWATCH_KERNEL_CACHE sets the cache (default /var/cache/egresswatch-kernels).
set -euo pipefail
series=${1:?usage: kernels.sh 6.1|6.12|5.10}
cache=${EGRESSWATCH_KERNEL_CACHE:-/var/cache/egresswatch-kernels}
mkdir -p "$cache"

apt_opts=()
case $series in
  6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
  6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
  5.10)
    # Debian 11's kernel, from bullseye's archive through a private apt state, so this
    # machine's own sources and package lists stay as they are.
    pattern='^linux-image-5\.10\.0-[0-9]+-amd64$'
    state=$cache/apt-bullseye
    mkdir -p "$state/lists/partial" "$state/archives/partial"
    echo "deb http://deb.debian.org/debian bullseye main" > "$state/sources.list"
    echo "deb http://deb.debian.org/debian-security bullseye-security main" >> "$state/sources.list"
    apt_opts=(-o "Dir::Etc::sourcelist=$state/sources.list" -o Dir::Etc::sourceparts=- \
              -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state" -o Dir::State::status=/dev/null \
              -o APT::Sandbox::User=root)
    ;;
  *) echo "kernels.sh: unknown series '$series' (6.1, 6.12 or 5.10)" >&2; exit 2 ;;
esac

# The newest package of the series the archive has; with no archive in reach, the newest
# one cached.
newest_cached() { ls -d "$cache"/linux-image-* 2>/dev/null | sed 's|.*/||' | grep -E "$pattern" | sort -V | tail -n 1; }
if [ ${#apt_opts[@]} -gt 0 ]; then
  # A day-old package list is new enough; refreshing costs a download of bullseye's lists.
  if [ -z "$(find "$state/lists" -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
    apt-get "${apt_opts[@]}" update -qq >/dev/null 2>&1 || true
  fi
fi
newest_in_archive() {
  apt-cache "${apt_opts[@]}" search --names-only "$pattern" 2>/dev/null | cut -d' ' -f1 | sort -V | tail -n 1
}
package=$(newest_in_archive)
# A machine whose package lists were never fetched knows no kernel package yet.
if [ -z "$package" ] && [ ${#apt_opts[@]} -eq 0 ]; then
  apt-get update -qq >/dev/null 2>&1 || true
  package=$(newest_in_archive)
fi
[ -n "$package" ] || package=$(newest_cached)
if [ -z "$package" ]; then
  echo "kernels.sh: no $series kernel package found (apt-get update, or reach deb.debian.org)" >&2
  exit 3
fi

dir=$cache/$package
if [ ! -s "$dir/vmlinuz" ]; then
  tmp=$(mktemp -d "$cache/.fetch-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get "${apt_opts[@]}" -o APT::Sandbox::User=root download "$package" >/dev/null 2>&1) || {
    echo "kernels.sh: could not download $package" >&2; exit 3; }
  dpkg-deb -x "$tmp"/*.deb "$tmp/root"
  mkdir -p "$tmp/out"
  cp "$tmp"/root/boot/vmlinuz-* "$tmp/out/vmlinuz"
  cp "$tmp"/root/boot/config-* "$tmp/out/config"
  rm -rf "$dir"
  mv "$tmp/out" "$dir"
fi
echo "$dir/vmlinuz"
