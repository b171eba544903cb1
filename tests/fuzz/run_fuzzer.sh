#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, as a ctest test: any crash, leak, sanitizer
# report or timeout fails it. New inputs go to a fresh temporary corpus, so the source tree's
# seeds are only read; crash reproducers are kept in ARTIFACT_DIR (in the build tree).
#
#   run_fuzzer.sh FUZZER SEED_DIR ARTIFACT_DIR [libFuzzer flags...]
#
# EGRESSWATCH_FUZZ_SECONDS overrides the run time (default 20).
set -euo pipefail

fuzzer=$1 seeds=$2 artifacts=$3
shift 3

work=$(mktemp -d "${TMPDIR:-/tmp}/egresswatch-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"

# The first corpus directory is the one libFuzzer writes to.
"$fuzzer" -max_total_time="${EGRESSWATCH_FUZZ_SECONDS:-20}" -timeout=5 -rss_limit_mb=1024 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$work" "$seeds"
