#!/bin/bash
# Builds the operator with the tests' CMake build and writes bench/REPORT.md
# from one run of bench/bench.py and one of bench/failover.py (several minutes
# on 2 cores). Extra arguments go to bench.py (e.g. --cached 1000
# --mustgathers 50 for a quick look).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${MGO_BENCH_BUILD:-$top/build}
cmake -S "$top" -B "$build" >/dev/null
cmake --build "$build" -j2 --target mgo-test-apiserver mgo-supervisor mgo-watcher \
	mgo-validator mgo-launcher >/dev/null
/usr/bin/python3 "$top/bench/bench.py" --source "$top" --build "$build" \
	--out "$top/bench/REPORT.md.new" "$@"
mv "$top/bench/REPORT.md.new" "$top/bench/REPORT.md"
/usr/bin/python3 "$top/bench/failover.py" --source "$top" --build "$build" \
	--report "$top/bench/REPORT.md"
echo "bench: wrote $top/bench/REPORT.md"
