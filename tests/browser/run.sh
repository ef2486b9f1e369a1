#!/bin/sh
# run.sh <tafel binary> <build dir for node_modules and artifacts> <chromium> <browser_catalog_row>
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tafel=$1 work=$2 chromium=$3 catalog_row=$4
sh "$here/node_modules.sh" "$work"
export TAFEL_EXECUTABLE="$tafel" TAFEL_BROWSER_WORK="$work" TAFEL_CHROMIUM="$chromium"
export TAFEL_CATALOG_ROW="$catalog_row"
export NODE_PATH="$work/node_modules"
exec node --test --test-concurrency=1 "$here"/*.test.cjs
