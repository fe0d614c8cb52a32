#!/usr/bin/env bash
# Quick start: install what is missing, build gosim, run the hello scenario.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
./build/gosim run scenarios/hello.json
