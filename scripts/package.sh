#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# package.sh [BUILD_DIR] - build the .deb a vendor ships.
#
# Installs what is missing (the build packages, plus dpkg-dev and file for
# dpkg-shlibdeps), builds the product alone (no tests, no benchmarks) for
# /usr, and runs `cpack -G DEB`.  Prints the path of the .deb.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build-pkg}
cd "$root"
scripts/deps.sh --package
scripts/build.sh "$dir" -DBUILD_TESTING=OFF -DPOSINTENT_BENCH=OFF \
  -DPOSINTENT_WERROR=OFF -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr
(cd "$dir" && cpack -G DEB >cpack.log 2>&1) || { cat "$dir/cpack.log" >&2; exit 1; }
ls "$dir"/posintent_*.deb
