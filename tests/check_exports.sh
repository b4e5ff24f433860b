#!/bin/sh
# SPDX-License-Identifier: MIT
# The plugin must export exactly the two symbols of include/posplug.h.
set -eu
lib=$1
got=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort | tr '\n' ' ')
want="posplug_abi_version posplug_entry "
if [ "$got" != "$want" ]; then
  echo "exports: expected '$want', got '$got'" >&2
  exit 1
fi
# No undefined symbols may remain unresolved against the libraries it links.
if ldd -r "$lib" 2>&1 | grep -q "undefined symbol"; then
  ldd -r "$lib" >&2
  exit 1
fi
echo "exports: ok ($got)"
