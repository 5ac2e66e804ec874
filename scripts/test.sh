#!/usr/bin/env bash
# Runs every test: the lit suite and the GoogleTests (through ctest), then the
# embed example against the install tree (see .ci/run, which does the work).
set -euo pipefail
exec "$(dirname "$0")/../.ci/run"
