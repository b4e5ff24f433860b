#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz.sh [SECONDS] [TARGET...] - build the libFuzzer targets with clang and
# run each for SECONDS (default 60), printing the executions per target.
#
#   scripts/fuzz.sh            every target, a minute each (what CI runs)
#   scripts/fuzz.sh 3600       an hour each, by hand
#   scripts/fuzz.sh 600 fuzz_event
#
# Targets are the fuzz/fuzz_*.c files (fuzz_event, fuzz_manifest,
# fuzz_taxid, ... whichever exist).  Each runs on a working copy of its seed
# corpus fuzz/corpus/NAME (NAME without "fuzz_"), so the repository's seeds
# stay small; new inputs that add coverage are kept in
# build-fuzz/corpus/NAME between runs.  The dictionary is fuzz/NAME.dict,
# or fuzz/event.dict for the JSON targets.  A finding (crash, leak, timeout)
# is written to fuzz/findings/ (not committed) and makes the script exit 1:
# replay it with build-fuzz/fuzz/TARGET FILE.
#
# Environment: CC (default clang), FUZZ_JOBS (targets built in parallel),
# POSINTENT_FUZZ_SCRIPTS=DIR (fuzz_event: load store scripts from DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
shift || true
case $secs in
  '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a number, not '$secs'" >&2; exit 2 ;;
esac
build=$root/build-fuzz
findings=$root/fuzz/findings
mkdir -p "$findings"

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for src in "$root"/fuzz/fuzz_*.c; do
    targets+=("$(basename "$src" .c)")
  done
fi

echo "== build (clang, libFuzzer + ASan + UBSan) in $build"
CC=${CC:-clang} cmake -S "$root" -B "$build" -DPOSINTENT_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSINTENT_WERROR=ON >/dev/null
cmake --build "$build" -j "${FUZZ_JOBS:-$(nproc)}" --target "${targets[@]}"

status=0
summary=()
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  bin=$build/fuzz/$t
  seeds=$root/fuzz/corpus/$name
  work=$build/corpus/$name
  mkdir -p "$work"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
  dict=$root/fuzz/$name.dict
  [ -f "$dict" ] || dict=$root/fuzz/event.dict
  [ "$name" = taxid ] && [ ! -f "$root/fuzz/taxid.dict" ] && dict=
  log=$build/$t.log
  echo "== $t: ${secs}s on $work${dict:+ with $(basename "$dict")}"
  set +e
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$findings/$t-" \
      ${dict:+-dict="$dict"} "$work" >"$log" 2>&1
  rc=$?
  set -e
  # A target that dies at start-up prints no statistics: under pipefail a
  # grep that finds nothing must not end the script before it says why.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  [ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  if [ $rc -eq 0 ]; then
    line=$(printf '%-16s %12s executions, coverage %s, no finding' "$t" "${runs:-?}" "${cov:-?}")
  else
    status=1
    line=$(printf '%-16s %12s executions: FINDING (exit %d), see %s' "$t" "${runs:-?}" "$rc" "$log")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -5 || true
    tail -n 3 "$log"
  fi
  echo "$line"
  summary+=("$line")
done

echo "== fuzzing summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
exit $status
