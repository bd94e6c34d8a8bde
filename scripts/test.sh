#!/usr/bin/env bash
# The whole test suite, as the README's quick start runs it:
#   1. the normal build (gcc) and every test,
#   2. the ASan+UBSan build (clang) and every test again, plus the fuzz targets,
#   3. the tests labelled "valgrind" under valgrind on the normal build,
#   4. a short run of each libFuzzer target.
# Any failure stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

step() { printf '\n==== %s\n' "$*" >&2; }

step "dependencies"
bash scripts/deps.sh

step "build (gcc, RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build -j"$jobs"

step "tests (gcc build)"
ctest --test-dir build -j"$jobs" --output-on-failure

step "build (clang, ASan+UBSan, fuzzers)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
      -DMGO_SANITIZE=ON -DMGO_FUZZ=ON >/dev/null
cmake --build build-asan -j"$jobs"

step "tests (ASan+UBSan build)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure

step "valgrind (tests labelled valgrind, gcc build)"
bash scripts/valgrind.sh build

step "fuzz (short run of each target)"
bash scripts/fuzz.sh build-asan "${MGO_FUZZ_SECONDS:-10}"

step "all tests passed"
