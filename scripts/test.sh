#!/usr/bin/env bash
# test.sh [extra ctest args, e.g. -R idx or -L unit] — from a fresh machine:
# install packages, fetch + verify MNIST, build (release), run the test suite.
# MINNORM_DATA is exported so the end-to-end test finds $MINNORM_DATA/mnist.
# Exits with ctest's status.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/fetch_data.sh" mnist
"$ROOT/scripts/build.sh" release

MINNORM_DATA="${MINNORM_DATA:-$ROOT/data}"
MINNORM_DATA="$(cd "$MINNORM_DATA" && pwd)"
export MINNORM_DATA

exec ctest --test-dir "$ROOT/build" --output-on-failure --no-tests=error "$@"
