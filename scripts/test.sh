#!/usr/bin/env bash
# Runs every test: the lit suite and the GoogleTests (through ctest), then
# installs the library and builds/runs the external embed example against the
# install tree. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
(cd build && ctest --output-on-failure -j2)
scripts/check-embed.sh
