#!/bin/sh
# run.sh <tafel binary> <build dir for node_modules and artifacts> <chromium>
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tafel=$1 work=$2 chromium=$3
mkdir -p "$work"
# npm ci only when the lock file changed since the last install (or none happened).
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.tafel-lock" 2>/dev/null; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$work/node_modules/.tafel-lock"
fi
export TAFEL_EXECUTABLE="$tafel" TAFEL_BROWSER_WORK="$work" TAFEL_CHROMIUM="$chromium"
export NODE_PATH="$work/node_modules"
exec node --test --test-concurrency=1 "$here"/*.test.cjs
