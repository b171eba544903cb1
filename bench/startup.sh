#!/usr/bin/env bash
# egresswatch run's start-up (launch to the command running) for several builds, interleaved,
# as overhead.sh measures it but with more runs, which a start-up difference of a few ms needs.
# Usage: bench/startup.sh RUNS EGRESSWATCH... (e.g. build/egresswatch ../before/build/egresswatch)
set -euo pipefail
runs=${1:?usage: bench/startup.sh RUNS EGRESSWATCH...}
shift
work=$(mktemp -d /tmp/ew-startup-XXXXXX)
trap 'rm -rf "$work"' EXIT
declare -A times
for _ in $(seq "$runs"); do
  for ew in "$@"; do
    t0=$(date +%s%N)
    "$ew" run --quiet --out "$work/out" -- sh -c "date +%s%N > $work/t1"
    times[$ew]+="$(( ($(cat "$work/t1") - t0) / 1000 )) "
    rm -rf "$work/out"
  done
done
for ew in "$@"; do
  printf '%s: median %s ms of %s runs\n' "$ew" \
    "$(tr ' ' '\n' <<< "${times[$ew]}" | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}')" "$runs"
done
