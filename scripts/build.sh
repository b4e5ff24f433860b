#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build.sh [BUILD_DIR] [extra cmake args...] - configure and build.
#
# The developers' and CI's build: tests and benchmarks on, warnings are
# errors.  Extra arguments come last, so they win (scripts/demo.sh turns
# the tests, the benchmarks and -Werror off for a user's machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}
shift || true
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBUILD_TESTING=ON -DPOSINTENT_BENCH=ON -DPOSINTENT_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
