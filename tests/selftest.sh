# SPDX-License-Identifier: MIT
# selftest.sh - the self-test harness of the tree checks (check_spdx.sh,
# check_layout.sh, check_doc_paths.sh), sourced by each:
#
#   . "$(dirname "$0")/selftest.sh"
#
# A check script defines check(), which takes a tree's root, prints one
# "FAIL ..." line per fault and returns non-zero when it found any, and
# self_test(), which builds a small tree with known faults and asks the
# harness whether check() names exactly them.  A self-test is the proof
# that its check can fail: a check that names nothing, or something else,
# fails the self-test.  Not run on its own.

# Make the self-test's tree: an empty temporary folder in $t, removed when
# the script exits.
selftest_tree() {
  t=$(mktemp -d)
  trap 'rm -rf "$t"' EXIT
}

# selftest_expect WANT OK - run check on $t and compare what it prints,
# and "exit=1" when it fails, with WANT, both as sorted lines.  Prints OK
# when they are the same; otherwise prints both and exits 1.
selftest_expect() {
  out=$(check "$t" || echo "exit=1")
  got=$(printf '%s\n' "$out" | sort)
  want=$(printf '%s\n' "$1" | sort)
  if [ "$got" != "$want" ]; then
    printf 'FAIL self-test: expected\n%s\ngot\n%s\n' "$want" "$got"
    exit 1
  fi
  echo "$2"
}

# selftest_main USAGE ARG - what every check script does with its one
# argument: --self-test runs self_test, a path runs check on it, nothing
# prints USAGE and exits 2.
selftest_main() {
  case ${2:-} in
    --self-test) self_test ;;
    '') echo "usage: $1" >&2; exit 2 ;;
    *) check "$2" ;;
  esac
}
