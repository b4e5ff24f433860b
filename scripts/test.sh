#!/usr/bin/env bash
# test.sh - install what is missing, build, and run every test.
#
#   1. the normal build (RelWithDebInfo): every CTest test, including the
#      demo day under valgrind memcheck;
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build (no recovery):
#      every CTest test again;
#   3. a short run of every libFuzzer target (clang), FUZZ_SECONDS each
#      (default 60); scripts/fuzz.sh runs them longer by hand.
# Set POSINTENT_SKIP_ASAN=1 or POSINTENT_SKIP_FUZZ=1 to leave out a pass
# while iterating.
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
if [ "${POSINTENT_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzers, ${FUZZ_SECONDS:-60}s each"
  scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi
echo "== all tests passed"
