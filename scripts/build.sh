#!/usr/bin/env bash
# Installs build dependencies, configures (Ninja, RelWithDebInfo) and builds
# `latchkey` and `latchkey_unit_tests` into ./build. Incremental.
# Usage: scripts/build.sh [extra `cmake --build` arguments, e.g. --target latchkey]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh --build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build "$@"
