#!/bin/sh
# SPDX-License-Identifier: MIT
# check_layout.sh SRC | --self-test - the source folders keep the flow's order.
#
# src/ holds one folder per concept, listed below in the order of the flow
# (CMakeLists.txt says what each holds).  A file may include headers of its
# own folder and of folders listed before its own, never after: so there is
# no cycle between concepts, and the order below is the order in which a
# reader can learn them.  The front ends sit last and apart: the CLI and
# the reference host never include each other, and the host side (the
# loader a vendor links) sees only base, event and config -- what reading
# a manifest needs -- never the plugin's insides.  Every file under src/
# must be in a listed folder.
set -eu
. "$(dirname "$0")/selftest.sh"
order="base taxid domain event config decision script store report chain verify engine abi cli host"
rank() {
  i=0
  for f in $order; do
    [ "$f" = "$1" ] && { echo $i; return; }
    i=$((i + 1))
  done
  echo -1
}
check() (
fail=0
cd "$1/src"
for file in $(find . -name '*.[ch]' | sed 's|^\./||' | sort); do
  dir=${file%%/*}
  r=$(rank "$dir")
  if [ "$dir" = "$file" ] || [ "$r" -lt 0 ]; then
    echo "FAIL src/$file: not in one of the folders ($order)"
    fail=1
    continue
  fi
  for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file"); do
    case $inc in
      */*) ;;
      posplug.h | posplug_loader.h) continue ;;   # the public ABI, include/
      *)
        echo "FAIL src/$file includes \"$inc\": write the folder (\"$dir/$inc\"?)"
        fail=1
        continue ;;
    esac
    to=${inc%%/*}
    t=$(rank "$to")
    if [ "$t" -lt 0 ]; then
      echo "FAIL src/$file includes \"$inc\": no such folder"
      fail=1
    elif [ "$dir" = host ] && ! echo " base event config host " | grep -q " $to "; then
      echo "FAIL src/$file includes \"$inc\": the host side sees only base, event and config"
      fail=1
    elif [ "$dir" = cli ] && [ "$to" = host ]; then
      echo "FAIL src/$file includes \"$inc\": the CLI and the host are apart"
      fail=1
    elif [ "$t" -gt "$r" ]; then
      echo "FAIL src/$file includes \"$inc\": $to comes after $dir in the flow"
      fail=1
    fi
  done
done
[ $fail -eq 0 ] && echo "layout: every include follows the flow's order"
exit $fail
)

# A tree with one file of each kind of fault and one of each allowed kind;
# the check must name exactly the faults.
self_test() {
  selftest_tree
  mkdir -p "$t/src/base" "$t/src/store" "$t/src/engine" "$t/src/host" "$t/src/cli" \
           "$t/src/misc"
  printf '#include "base/error.h"\n#include "posplug.h"\n' > "$t/src/store/ok.c"
  printf '#include "engine/engine.h"\n' > "$t/src/store/up.c"
  printf '#include "store/store.h"\n' > "$t/src/host/inside.c"
  printf '#include "config/manifest.h"\n#include "host/till.h"\n' > "$t/src/host/ok.c"
  printf '#include "host/till.h"\n' > "$t/src/cli/apart.c"
  printf '#include "error.h"\n' > "$t/src/base/bare.c"
  printf 'int x;\n' > "$t/src/flat.c"
  printf 'int y;\n' > "$t/src/misc/odd.c"
  selftest_expect 'FAIL src/base/bare.c includes "error.h": write the folder ("base/error.h"?)
FAIL src/cli/apart.c includes "host/till.h": the CLI and the host are apart
FAIL src/flat.c: not in one of the folders ('"$order"')
FAIL src/host/inside.c includes "store/store.h": the host side sees only base, event and config
FAIL src/misc/odd.c: not in one of the folders ('"$order"')
FAIL src/store/up.c includes "engine/engine.h": engine comes after store in the flow
exit=1' \
    "layout self-test: the check names exactly the six faults: ok"
}

selftest_main "check_layout.sh SRC | --self-test" "${1:-}"
