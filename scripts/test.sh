#!/usr/bin/env bash
# Sets everything up and runs every test: installs the Debian packages (idempotent), builds
# the ASan+UBSan preset with Ninja, starts what the tests need, and runs CTest. Exits
# non-zero on any failure; CTest's summary is the last thing it prints.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
jobs=$(nproc)
# ccache: let clones in other folders share cached objects (paths relative to the tree).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"

# ASan: leaks are errors; UBSan: stop at the first report with a stack.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build/asan
ctest --output-on-failure -j "$jobs" --timeout 900
