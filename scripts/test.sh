#!/usr/bin/env bash
# The whole test suite, as the README's quick start runs it:
#   1. the normal build (gcc) and every test,
#   2. the ASan+UBSan build (clang) and every test again, plus the fuzz targets,
#   3. the tests labelled "valgrind" under valgrind on the normal build,
#   4. a short run of each libFuzzer target,
#   5. the operator's image built (scripts/image.sh) and run as the
#      Deployment runs it (the tests labelled "image", left out of 1 and 2).
# Any failure stops the run with a non-zero exit.
#
# The image's build is mostly waiting (mmdebstrap downloads and unpacks its
# two bases) and reads only git's files, so it runs in the background during
# steps 3 and 4, which are neither timed nor timing-sensitive; step 5 waits
# for it. It does not overlap steps 1 and 2, whose e2e tests have deadlines.
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

image_log=$(mktemp /tmp/mgo-image-build.XXXXXX)
bash scripts/image.sh >"$image_log" 2>&1 &
image_pid=$!
# a failure before step 5 must not leave the build running
trap 'kill "$image_pid" 2>/dev/null || true; rm -f "$image_log"' EXIT

step "valgrind (tests labelled valgrind, gcc build; the image builds meanwhile)"
bash scripts/valgrind.sh build

step "fuzz (short run of each target)"
bash scripts/fuzz.sh build-asan "${MGO_FUZZ_SECONDS:-10}"

step "image (build, then run as deploy/ runs it)"
image_rc=0
wait "$image_pid" || image_rc=$?
if ((image_rc == 0)); then
  tail -5 "$image_log" >&2
else
  cat "$image_log" >&2
  echo "image: scripts/image.sh exited $image_rc" >&2
  ((image_rc == 77)) || exit 1
fi
ctest --preset default -L '^image$'

step "all tests passed"
