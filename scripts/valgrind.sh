#!/usr/bin/env bash
# Runs the ctest tests labelled "valgrind" under memcheck; any error or leak fails.
#
# Criterion runs each test in a worker process and does not pass on the
# worker's exit status, so valgrind's --error-exitcode cannot be trusted here:
# every process writes its own log and this script reads them. Tests run in
# parallel, one per core: memcheck is single-threaded and slow.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

mapfile -t tests < <(ctest --test-dir "$build" --show-only=json-v1 -L valgrind |
  /usr/bin/python3 -c 'import json,sys
for t in json.load(sys.stdin)["tests"]: print(t["command"][0])')
if ((${#tests[@]} == 0)); then
  echo "valgrind: no tests labelled valgrind" >&2
  exit 1
fi

# Runs one test binary under memcheck; prints its verdict; exit 1 if unclean.
run_one() {
  local bin=$1 logs=$2 root=$3 name bad=0 start=$SECONDS
  name=$(basename "$bin")
  mkdir -p "$logs/$name"
  local rc=0
  valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --trace-children=yes \
        --trace-children-skip='/usr/*,/bin/*,/sbin/*' \
        --suppressions="$root/tests/valgrind.supp" \
        --log-file="$logs/$name/%p.log" "$bin" >"$logs/$name/out" 2>&1 || rc=$?
  if ((rc == 77)); then # skipped, nothing failed (tests/unit/helpers/skips.c)
    echo "valgrind: $name: skipped:" >&2
    grep '^\[SKIP\]' "$logs/$name/out" >&2
  elif ((rc != 0)); then
    echo "valgrind: $name: the test failed under valgrind" >&2
    tail -20 "$logs/$name/out" >&2
    bad=1
  fi
  # --quiet leaves a process's log empty unless it found something
  for log in "$logs/$name"/*.log; do
    if [[ -s $log ]]; then
      echo "valgrind: $name: errors in process $(basename "$log" .log):" >&2
      cat "$log" >&2
      bad=1
    fi
  done
  ((bad)) && return 1
  echo "valgrind: $name clean ($(ls "$logs/$name"/*.log | wc -l) processes, $((SECONDS - start))s)" >&2
}
export -f run_one

printf '%s\n' "${tests[@]}" |
  xargs -P "$(nproc)" -I{} bash -c 'run_one "$1" "$2" "$3"' _ {} "$logs" "$root"
