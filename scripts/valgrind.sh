#!/usr/bin/env bash
# Runs the ctest tests labelled "valgrind" under memcheck; any error or leak fails.
set -euo pipefail
build=${1:-build}
tests=$(ctest --test-dir "$build" -N -L valgrind | sed -n 's/^ *Test *#[0-9]*: //p')
if [[ -z $tests ]]; then
  echo "valgrind: no tests labelled valgrind" >&2
  exit 0
fi
ctest --test-dir "$build" -L valgrind --output-on-failure \
  --overwrite MemoryCheckCommand=/usr/bin/valgrind \
  --overwrite "MemoryCheckCommandOptions=--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --trace-children=yes --suppressions=$(pwd)/tests/valgrind.supp" \
  -T memcheck
