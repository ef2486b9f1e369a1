#!/usr/bin/env bash
# Sets everything up and runs the demo: builds the release preset, then `tafel demo`, which
# starts recorder + worker + player on a local data folder, plays a synthetic two-minute
# lesson into the recorder over loopback RTP, processes it and prints the playback URL.
# Serves until Ctrl-C. Extra arguments go to `tafel demo` (e.g. --duration 30s).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target tafel
exec build/release/app/tafel demo --data-dir "${TAFEL_DATA_DIR:-data/demo}" "$@"
