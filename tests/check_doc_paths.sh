#!/bin/sh
# SPDX-License-Identifier: MIT
# check_doc_paths.sh ROOT | --self-test - the documentation names only
# files that exist.
#
# The pages under docs/ (docs/architecture.md, docs/internals/*.md and the
# rest) and README.md tell a reader where a concept lives: "the engine is
# src/engine/engine.c", "tested by tests/test_engine.c".  The tree moves
# (files are split, renamed, moved into folders), and a page that names a
# file that is gone sends the next reader looking for nothing.  So every
# page is checked for:
#   - each path it cites under src/, include/, tests/ or docs/, written
#     anywhere in the text, relative to ROOT.  A trailing "/" names a
#     folder; "*" is a glob that must match something; the shorthand
#     "src/report/csvout.h/.c" names both csvout.h and csvout.c;
#   - each Markdown link target [text](target) that is not a URL or an
#     anchor of the same page, relative to the page's own folder (an
#     "#anchor" after a file name is not checked);
#   - in a table row whose first cell is a folder (| `src/store/` | ...),
#     each file named there by its bare name (`store.c`, `plugin.map`).
# Prints one FAIL line per missing path, with the page and line, and exits
# 1; CHANGELOG.md is history and may name files that are gone.
#
# check_doc_paths.sh --self-test - runs the check on a small tree made for
# the purpose and fails unless exactly its broken citations are named:
# proof that the check can fail.
set -eu
. "$(dirname "$0")/selftest.sh"

# 0 when path $2 (relative to folder $1) exists; "*" globs must match.
exists() (
  set +f
  cd "$1" 2>/dev/null || exit 1
  case $2 in
    *'*'*)
      # Unquoted on purpose: the glob is the point.  No match leaves the
      # pattern itself, which does not exist.
      for m in $2; do [ -e "$m" ] && exit 0; done
      exit 1 ;;
    *) [ -e "$2" ] ;;
  esac
)

check() (
set -f  # a cited glob is checked by exists(), not expanded here
root=$1
fail=0
checked=0
pages=$( (cd "$root" && { [ -f README.md ] && echo README.md; \
          [ -d docs ] && find docs -name '*.md'; } | sort) )
[ -n "$pages" ] || { echo "FAIL no pages (README.md, docs/*.md) under $root"; exit 1; }
for page in $pages; do
  dir=$(dirname "$page")
  # Cited paths: a word starting src/, include/, tests/ or docs/ that no
  # other path character precedes ("../src/x" is not one), outside link
  # targets (checked below, relative to the page).
  cites=$(sed -E 's/\]\([^)]*\)/]/g' "$root/$page" |
          grep -n -o -E '(^|[^A-Za-z0-9_./-])(src|include|tests|docs)/[A-Za-z0-9_.*/-]*' |
          sed -E 's/^([0-9]+):[^sitd]?/\1:/; s/[.,:;]+$//') || true
  for c in $cites; do
    line=${c%%:*}
    path=${c#*:}
    case $path in
      *.h/.c) set -- "${path%/.c}" "${path%.h/.c}.c" ;;
      *) set -- "$path" ;;
    esac
    for p in "$@"; do
      checked=$((checked + 1))
      if ! exists "$root" "$p"; then
        echo "FAIL $page:$line: cites $p, which does not exist"
        fail=1
      fi
    done
  done
  # A table row whose first cell is a folder (| `src/store/` | ...) names
  # files of that folder by their bare names (`store.c`): each must be
  # there.
  rows=$(grep -n -E '^\| `[A-Za-z0-9_./-]+/` \|' "$root/$page" | sed -E 's/ /\x1f/g') || true
  for r in $rows; do
    line=${r%%:*}
    text=$(printf '%s' "${r#*:}" | tr '\037' ' ')
    folder=$(printf '%s' "$text" | sed -E 's/^\| `([^`]*)`.*/\1/')
    for f in $(printf '%s' "$text" | grep -o -E '`[A-Za-z0-9_.-]+\.(c|h|map)`' | tr -d '`'); do
      checked=$((checked + 1))
      if ! exists "$root" "$folder$f"; then
        echo "FAIL $page:$line: names $f in $folder, which does not exist"
        fail=1
      fi
    done
  done
  # Markdown links: ](target) or ](target "title").
  links=$(grep -n -o -E '\]\([^) ]+' "$root/$page" | sed -E 's/^([0-9]+):\]\(/\1:/') || true
  for l in $links; do
    line=${l%%:*}
    target=${l#*:}
    case $target in
      http:* | https:* | mailto:* | '#'*) continue ;;
    esac
    target=${target%%#*}
    checked=$((checked + 1))
    if ! exists "$root/$dir" "$target"; then
      echo "FAIL $page:$line: links to $target, which does not exist"
      fail=1
    fi
  done
done
[ $fail -eq 0 ] && echo "doc paths: all $checked cited paths and links exist"
exit $fail
)

self_test() {
  selftest_tree
  mkdir -p "$t/src/a" "$t/docs/sub" "$t/tests"
  : > "$t/src/a/ok.c"
  : > "$t/src/a/ok.h"
  : > "$t/src/a/half.h"
  : > "$t/tests/test_ok.c"
  : > "$t/docs/y.md"
  cat > "$t/docs/sub/page.md" <<'EOF'
The engine is `src/a/ok.c`, see src/a/ok.h/.c and src/a/half.h/.c.
Gone: src/a/gone.c. A folder: src/a/ and src/b/. Globs: src/a/o*.c, src/zz*.c.
Tested by tests/test_ok.c and tests/test_gone.c; see docs/y.md.
[up](../y.md) [sec](../y.md#part) [none](missing.md) [code](../../src/a/ok.c)
[web](https://example.com/src/x.c) [here](#anchor) [title](../y.md "Y")
| folder | files |
|---|---|
| `src/a/` | `ok.c`, `ok.h`, `half.c` and `gone.h` |
EOF
  printf 'See [the page](docs/none.md) and [ok](docs/y.md).\n' > "$t/README.md"
  selftest_expect 'FAIL README.md:1: links to docs/none.md, which does not exist
FAIL docs/sub/page.md:1: cites src/a/half.c, which does not exist
FAIL docs/sub/page.md:2: cites src/a/gone.c, which does not exist
FAIL docs/sub/page.md:2: cites src/b/, which does not exist
FAIL docs/sub/page.md:2: cites src/zz*.c, which does not exist
FAIL docs/sub/page.md:3: cites tests/test_gone.c, which does not exist
FAIL docs/sub/page.md:4: links to missing.md, which does not exist
FAIL docs/sub/page.md:8: names half.c in src/a/, which does not exist
FAIL docs/sub/page.md:8: names gone.h in src/a/, which does not exist
exit=1' \
    "doc paths self-test: the check names exactly the nine broken citations: ok"
}

selftest_main "check_doc_paths.sh ROOT | --self-test" "${1:-}"
