#!/usr/bin/env bash
# Sets up, builds and runs the fast test suite (what CI runs). SONAVEC_TEST_LABEL=slow runs the slow one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest -L "${SONAVEC_TEST_LABEL:-fast}" --output-on-failure -j "$(nproc)"
