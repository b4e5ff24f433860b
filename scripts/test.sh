#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test.sh - install what is missing, build, and run every test.
#
#   1. the normal build (RelWithDebInfo): every CTest test, including the
#      demo day under valgrind memcheck;
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build (no recovery):
#      every CTest test again;
#   3. a ThreadSanitizer build of the plugin and tests/test_threads.c only
#      (eight instances on eight threads with scripts loaded);
#   4. a short run of every libFuzzer target (clang), FUZZ_SECONDS each
#      (default 60); scripts/fuzz.sh runs them longer by hand.
# Set POSINTENT_SKIP_ASAN=1, POSINTENT_SKIP_TSAN=1 or POSINTENT_SKIP_FUZZ=1
# to leave out a pass while iterating.
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
if [ "${POSINTENT_SKIP_TSAN:-0}" != 1 ]; then
  # Only what the thread test needs: a whole TSan build and suite would
  # cost CI minutes for tests that run on one thread.
  echo "== build (ThreadSanitizer): the plugin and the thread test"
  cmake -S "$root" -B "$root/build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBUILD_TESTING=ON -DPOSINTENT_WERROR=ON -DPOSINTENT_TSAN=ON >/dev/null
  cmake --build "$root/build-tsan" -j "$jobs" --target posintent test_threads
  echo "== eight instances on eight threads under ThreadSanitizer"
  ctest --test-dir "$root/build-tsan" --output-on-failure -R '^test_threads$'
fi
if [ "${POSINTENT_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzers, ${FUZZ_SECONDS:-60}s each"
  scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi
echo "== all tests passed"
