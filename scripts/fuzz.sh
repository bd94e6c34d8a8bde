#!/usr/bin/env bash
# Runs every libFuzzer target of a clang build for a few seconds each, starting
# from its seed corpus under tests/fuzz/corpus/<target>/. A crash fails the run
# and leaves the reproducer in the current directory.
set -euo pipefail
build=${1:-build-asan}
secs=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
shopt -s nullglob
n=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [[ -x $bin && ! -d $bin ]] || continue
  name=$(basename "$bin")
  corpus=$(mktemp -d)
  seeds="$root/tests/fuzz/corpus/$name"
  [[ -d $seeds ]] && cp -r "$seeds"/. "$corpus"/
  echo "fuzz: $name for ${secs}s" >&2
  "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 "$corpus" 2>"$corpus.log" || { tail -50 "$corpus.log" >&2; exit 1; }
  grep -E 'stat::number_of_executed_units' "$corpus.log" >&2 || true
  rm -rf "$corpus" "$corpus.log"
  n=$((n + 1))
done
echo "fuzz: $n targets ran clean" >&2
