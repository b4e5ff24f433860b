#!/bin/sh
# SPDX-License-Identifier: MIT
# test_deb.sh DEB - what a vendor's .deb does on a Debian machine.
#
# Run as root in a fresh Debian 12 root (CI: ../shared/fresh-debian.sh
# 'scripts/package.sh && tests/test_deb.sh build-pkg/posintent_*.deb'):
#   1. apt installs the .deb with the dependencies dpkg-shlibdeps found;
#   2. /etc/posintent/plugin.manifest is a conffile with no store identity,
#      the posintent user owns /var/lib/posintent with mode 0700, the plugin
#      is versioned;
#   3. the README's minimal host, built with pkg-config and with
#      find_package(posplug), is refused on the unfilled manifest (naming
#      config.store_id) and answers a ping once the store fills it in;
#   4. posintent runs its network commands through
#      /usr/libexec/posintent/posintent-net, and loads no libpq itself;
#   5. reinstalling keeps the store's edited manifest.
set -eu
deb=$(readlink -f "$1")
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
manifest=/etc/posintent/plugin.manifest

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; echo "FAIL apt install"; exit 1; }
grep -q "fill in this store's identity" "$tmp/apt.log" || fail "postinst did not ask for the store identity"

# 2. Layout.
dpkg-query -W -f='${Conffiles}\n' posintent | grep -q "$manifest" || fail "$manifest is not a conffile"
grep -q '"store_id": ""' "$manifest" || fail "the packaged manifest has a store_id"
grep -q roastery "$manifest" && fail "the packaged manifest carries the demo store"
lib=$(sed -n 's/.*"library": "\(.*\)".*/\1/p' "$manifest")
case $lib in /usr/lib/*/libposintent.so.1|/usr/lib/posintent/libposintent.so.1) ;; *) fail "manifest library $lib" ;; esac
[ -f "$lib" ] || fail "$lib is missing"
getent passwd posintent >/dev/null || fail "no posintent user"
[ "$(stat -c '%U %a' /var/lib/posintent)" = "posintent 700" ] ||
  fail "/var/lib/posintent is $(stat -c '%U %a' /var/lib/posintent)"
[ -f /usr/lib/tmpfiles.d/posintent.conf ] || fail "no tmpfiles entry"
[ -f /usr/share/doc/posintent/LICENSE ] || fail "no LICENSE installed"

# 3. The README's host, two ways.
mkdir "$tmp/pc" "$tmp/cm"
cp "$src/examples/minimal_host.c" "$tmp/pc/host.c"
cp "$src/examples/minimal_host.c" "$tmp/cm/host.c"
# shellcheck disable=SC2046
(cd "$tmp/pc" && cc -std=c11 -Wall -Werror host.c $(pkg-config --cflags --libs posplug) -o host) ||
  fail "pkg-config build of the host"
cat >"$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(vendor_host C)
find_package(posplug 0.1 REQUIRED)
add_executable(host host.c)
target_link_libraries(host PRIVATE posplug::loader)
file(WRITE ${CMAKE_BINARY_DIR}/manifest.txt "${posplug_MANIFEST}")
CM
(cd "$tmp/cm" && cmake -S . -B b >/dev/null && cmake --build b >/dev/null) ||
  fail "find_package(posplug) build of the host"
[ "$(cat "$tmp/cm/b/manifest.txt" 2>/dev/null)" = "$manifest" ] || fail "posplug_MANIFEST is not $manifest"
[ "$(pkg-config --variable=manifest posplug)" = "$manifest" ] || fail "pkg-config manifest variable"

cd /etc/posintent
out=$("$tmp/pc/host" 2>&1) && fail "the unfilled manifest was accepted: $out"
case $out in *config.store_id*) ;; *) fail "refusal does not name config.store_id: $out" ;; esac
sed -i -e 's/"store_id": ""/"store_id": "shop-1"/' -e 's/"store_country": ""/"store_country": "DE"/' \
       -e 's/"currency": ""/"currency": "EUR"/' "$manifest"
for h in "$tmp/pc/host" "$tmp/cm/b/host"; do
  out=$("$h") || fail "$h exited $?"
  [ "$out" = '{"ok":true,"type":"ping","open_sales":0}' ] || fail "$h ping reply: $out"
done
[ -f /var/lib/posintent/posintent.db ] || fail "no database in /var/lib/posintent"
cd "$tmp"
ping=$(echo '{"type":"ping"}' | pos-host --manifest "$manifest" --quiet) || fail "pos-host exited $?"
[ "$ping" = '{"ok":true,"type":"ping","open_sales":0}' ] || fail "pos-host ping: $ping"

# 4. The admin CLI: posintent-net in libexec, found by /usr/bin/posintent.
[ -x /usr/libexec/posintent/posintent-net ] || fail "no /usr/libexec/posintent/posintent-net"
out=$(posintent help sync) || fail "posintent help sync exited $?"
case $out in "NAME
    posintent sync "*) ;; *) fail "posintent help sync: $out" ;; esac
out=$(posintent --db postgresql://nobody@127.0.0.1:1/none verify 2>&1) && fail "verify on no server passed"
case $out in *"cannot connect to the PostgreSQL server"*) ;; *) fail "posintent verify on a server: $out" ;; esac
ldd /usr/bin/posintent | grep -q 'libpq\.' && fail "/usr/bin/posintent loads libpq"
ldd /usr/libexec/posintent/posintent-net | grep -q 'libpq\.' || fail "posintent-net does not load libpq"

# 5. An upgrade (here: the same package again) keeps the store's manifest.
dpkg -i --force-confold "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "reinstall"; }
grep -q '"store_id": "shop-1"' "$manifest" || fail "reinstall lost the store's manifest"

if [ "$fails" -ne 0 ]; then echo "deb: $fails failure(s)"; exit 1; fi
echo "deb: installed with its dependencies, conffile kept, user and 0700 folder, pkg-config and CMake hosts: ok"
