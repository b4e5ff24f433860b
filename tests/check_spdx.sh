#!/bin/sh
# SPDX-License-Identifier: MIT
# check_spdx.sh SRC - every source file of the tree at SRC carries the line
# "SPDX-License-Identifier: MIT" as its first line (its second after a
# "#!" line), in its own comment syntax, so that a file copied out of the
# tree still says its licence.  Prints each file that lacks it and exits 1.
#
# check_spdx.sh --self-test - runs the check on a small tree made for the
# purpose, one file of it without the line, and fails unless exactly the
# files without it are named: proof that the check can fail.
#
# Source files are chosen by name (the case below).  Left out on purpose:
# data whose bytes are the point and formats without comments (JSON, JSONL,
# CSV, the manifests, fuzz corpora, tests/expected, tests/data/*.sql, a
# precompiled Lua chunk), and documentation (*.md).  The files come from
# `git ls-files` in a git checkout (CI's clone), else from find, skipping
# build trees (any folder with a CMakeCache.txt, or named build*) and .git.
set -eu
. "$(dirname "$0")/selftest.sh"
tag='SPDX-License-Identifier: MIT'

# Print, one a line, the files under $1 relative to it.
list_files() {
  if [ "$(git -C "$1" rev-parse --show-toplevel 2>/dev/null || true)" = "$(cd "$1" && pwd -P)" ]; then
    git -C "$1" ls-files
  else
    (cd "$1" &&
     builds=$(find . -name CMakeCache.txt -not -path './.git/*' | sed 's|/CMakeCache.txt$||') &&
     find . \( -name .git -o -name 'build*' -type d \) -prune -o -type f -print |
       sed 's|^\./||' |
       while IFS= read -r f; do
         skip=0
         for b in $builds; do
           case ./$f in "$b"/*) skip=1 ;; esac
         done
         [ $skip = 1 ] || printf '%s\n' "$f"
       done)
  fi
}

# 0 when $1 is a source file that must carry the line.
is_source() {
  case $1 in
    fuzz/corpus/* | tests/expected/* | fuzz/findings/*) return 1 ;;
    tests/hostile/bytecode_chunk.lua) return 1 ;; # precompiled bytes: no comment possible
    packaging/plugin.manifest.in) return 1 ;;     # JSON: no comment syntax
    *.c | *.h | *.cpp | *.lua | *.py | *.sh | *.cmake | *.cmake.in | *.pc.in) return 0 ;;
    CMakeLists.txt | */CMakeLists.txt | *.map | *.dict | *.tmpfiles | *.sysusers) return 0 ;;
    .ci/run | packaging/debian/postinst | man/*.[1-8]) return 0 ;;
  esac
  return 1
}

# 0 when file $1 has the line first, or second after a shebang.
has_tag() {
  first=$(sed -n 1p "$1")
  case $first in
    *"$tag"*) return 0 ;;
    '#!'*) case $(sed -n 2p "$1") in *"$tag"*) return 0 ;; esac ;;
  esac
  return 1
}

check() {
  src=$1
  bad=0
  checked=0
  list_files "$src" > "${TMPDIR:-/tmp}/check_spdx.$$"
  while IFS= read -r f; do
    is_source "$f" || continue
    checked=$((checked + 1))
    if ! has_tag "$src/$f"; then
      echo "FAIL $f: no '$tag' line at its top"
      bad=$((bad + 1))
    fi
  done < "${TMPDIR:-/tmp}/check_spdx.$$"
  rm -f "${TMPDIR:-/tmp}/check_spdx.$$"
  if [ $checked = 0 ]; then
    echo "FAIL no source files found under $src"
    return 1
  fi
  if [ $bad != 0 ]; then
    echo "spdx: $bad of $checked source files lack the line"
    return 1
  fi
  echo "spdx: all $checked source files carry '$tag'"
}

self_test() {
  selftest_tree
  mkdir -p "$t/src" "$t/build-x" "$t/out/CMakeFiles" "$t/fuzz/corpus/x" "$t/scripts"
  printf '/* %s */\nint a;\n' "$tag" > "$t/src/good.c"
  printf '/* no licence */\nint b;\n' > "$t/src/missing.c"
  printf '#!/bin/sh\n# %s\n' "$tag" > "$t/scripts/good.sh"
  printf '#!/bin/sh\n# x\n# %s\n' "$tag" > "$t/scripts/late.sh"
  printf 'int c;\n' > "$t/build-x/gen.c"           # a build tree named build*
  : > "$t/out/CMakeCache.txt"
  printf 'int d;\n' > "$t/out/CMakeFiles/id.c"       # a build tree named otherwise
  printf 'int e;\n' > "$t/fuzz/corpus/x/seed.c"      # a corpus
  printf '{}\n' > "$t/src/data.json"                 # not source
  selftest_expect "FAIL scripts/late.sh: no '$tag' line at its top
FAIL src/missing.c: no '$tag' line at its top
spdx: 2 of 4 source files lack the line
exit=1" \
    "spdx self-test: the check names exactly the two files without the line: ok"
}

selftest_main "check_spdx.sh SRC | --self-test" "${1:-}"
