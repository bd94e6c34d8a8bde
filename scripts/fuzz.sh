#!/usr/bin/env bash
# Runs every libFuzzer target of a clang build for a few seconds each, starting
# from its seed corpus under tests/fuzz/corpus/<target>/. A crash fails the run
# and leaves the reproducer in the current directory. Targets run side by side,
# one per core (each is single-threaded), so the step takes about
# targets / cores x seconds.
set -euo pipefail
build=${1:-build-asan}
secs=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
shopt -s nullglob

# Runs one target; prints its verdict; exit 1 on a crash.
run_one() {
  local bin=$1 secs=$2 root=$3 name corpus seeds rc=0
  name=$(basename "$bin")
  corpus=$(mktemp -d)
  seeds="$root/tests/fuzz/corpus/$name"
  [[ -d $seeds ]] && cp -r "$seeds"/. "$corpus"/
  "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 "$corpus" 2>"$corpus.log" || rc=$?
  if ((rc != 0)); then
    echo "fuzz: $name FAILED (exit $rc):" >&2
    tail -50 "$corpus.log" >&2
  else
    echo "fuzz: $name ran ${secs}s clean, $(grep -oE 'number_of_executed_units: *[0-9]+' "$corpus.log" | grep -oE '[0-9]+$') inputs" >&2
  fi
  rm -rf "$corpus" "$corpus.log"
  return "$rc"
}
export -f run_one

bins=()
for bin in "$build"/tests/fuzz/fuzz_*; do
  [[ -x $bin && ! -d $bin ]] && bins+=("$bin")
done
if ((${#bins[@]} == 0)); then
  echo "fuzz: no targets in $build/tests/fuzz" >&2
  exit 1
fi
# xargs exits non-zero (123) when any run failed
printf '%s\n' "${bins[@]}" |
  xargs -P "$(nproc)" -I{} bash -c 'run_one "$1" "$2" "$3"' _ {} "$secs" "$root"
echo "fuzz: ${#bins[@]} targets ran clean" >&2
