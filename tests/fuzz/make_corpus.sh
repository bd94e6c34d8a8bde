#!/usr/bin/env bash
# Regenerates the fuzz seed corpora from their sources of truth:
#   fuzz_ipc:    the frames of the codec test's sample messages (a test writes them),
#   fuzz_apiobj: the API object fixtures of test_apiobj, plus each Job paired with
#                each Pod as a [job, pod] array (the form fuzz_apiobj reads for both).
# Usage: tests/fuzz/make_corpus.sh [build-dir]   (a configured, built tree)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}

ipc="$root/tests/fuzz/corpus/fuzz_ipc"
rm -rf "$ipc" && mkdir -p "$ipc"
# a filtered run counts the other tests as skipped and exits 77
# (tests/unit/helpers/skips.c): that is success here
rc=0
MGO_WRITE_CORPUS="$ipc" "$build/tests/unit/test_ipc_codec" --filter 'ipc_codec/fuzz_corpus_is_current' || rc=$?
if ((rc != 0 && rc != 77)); then
  echo "make_corpus: test_ipc_codec failed (exit $rc)" >&2
  exit 1
fi
echo "fuzz_ipc: $(ls "$ipc" | wc -l) frames" >&2

fixtures="$root/tests/unit/fixtures/apiobj"
api="$root/tests/fuzz/corpus/fuzz_apiobj"
rm -rf "$api" && mkdir -p "$api"
cp "$fixtures"/*.json "$api"/
for j in "$fixtures"/job-*.json; do
  for p in "$fixtures"/pod-*.json; do
    { printf '['; cat "$j"; printf ','; cat "$p"; printf ']\n'; } \
      >"$api/$(basename "$j" .json)+$(basename "$p")"
  done
done
echo "fuzz_apiobj: $(ls "$api" | wc -l) documents" >&2
