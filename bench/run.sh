#!/bin/bash
# Builds the operator with the tests' CMake build and rewrites the sections of
# bench/REPORT.md that bench/bench.py and bench/failover.py write, from one run
# of each (several minutes on 2 cores); every hand-written section and "### Later"
# subsection stays (bench/report.py). Extra arguments go to bench.py (e.g.
# --cached 1000 --mustgathers 50 for a quick look).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${MGO_BENCH_BUILD:-$top/build}
cmake -S "$top" -B "$build" >/dev/null
cmake --build "$build" -j2 --target mgo-test-apiserver mgo-supervisor mgo-watcher \
	mgo-validator mgo-launcher >/dev/null
/usr/bin/python3 "$top/bench/bench.py" --source "$top" --build "$build" \
	--update "$top/bench/REPORT.md" "$@"
/usr/bin/python3 "$top/bench/failover.py" --source "$top" --build "$build" \
	--report "$top/bench/REPORT.md"
echo "bench: wrote $top/bench/REPORT.md"
