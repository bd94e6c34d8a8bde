#!/usr/bin/env bash
# The whole test suite, as the README's quick start runs it:
#   1. the normal build (gcc) and every test,
#   2. the ASan+UBSan build (clang) and every test again, plus the fuzz targets,
#   3. the tests labelled "valgrind" under valgrind on the normal build,
#   4. a short run of each libFuzzer target,
#   5. the operator's image built (scripts/image.sh) and run as the
#      Deployment runs it (the tests labelled "image", left out of 1 and 2).
# Any failure stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

start=$SECONDS
last=$SECONDS
step() {
  printf '\n==== %s (previous step %ds, total %ds)\n' "$*" $((SECONDS - last)) $((SECONDS - start)) >&2
  last=$SECONDS
}

step "dependencies"
bash scripts/deps.sh

step "build (gcc, RelWithDebInfo)"
cmake --preset default -DMGO_WERROR=ON >/dev/null
cmake --build --preset default -j"$jobs"

step "tests (gcc build)"
ctest --preset default -j"$jobs" -LE '^image$'

step "build (clang, ASan+UBSan, fuzzers)"
cmake --preset asan -DMGO_WERROR=ON >/dev/null
cmake --build --preset asan -j"$jobs"

step "tests (ASan+UBSan build)"
ctest --preset asan -j"$jobs" -LE '^image$'

step "valgrind (tests labelled valgrind, gcc build)"
bash scripts/valgrind.sh build

step "fuzz (short run of each target)"
bash scripts/fuzz.sh build-asan "${MGO_FUZZ_SECONDS:-10}"

step "image (build, then run as deploy/ runs it)"
bash scripts/image.sh
ctest --preset default -L '^image$'

step "all tests passed"
