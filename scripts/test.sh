#!/usr/bin/env bash
# test.sh - install what is missing, build, and run every test.
#
#   1. the normal build (RelWithDebInfo): every CTest test, including the
#      demo day under valgrind memcheck;
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build (no recovery):
#      every CTest test again.
# Set POSINTENT_SKIP_ASAN=1 to leave out the second pass while iterating.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh --test
jobs=$(nproc)

echo "== build (RelWithDebInfo)"
scripts/build.sh "$root/build"
echo "== tests"
ctest --test-dir "$root/build" --output-on-failure -j "$jobs"

if [ "${POSINTENT_SKIP_ASAN:-0}" != 1 ]; then
  echo "== build (ASan + UBSan)"
  scripts/build.sh "$root/build-asan" -DPOSINTENT_SANITIZE=ON
  echo "== tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs"
fi
echo "== all tests passed"
