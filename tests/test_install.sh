#!/bin/sh
# SPDX-License-Identifier: MIT
# test_install.sh - what an integrator gets from `cmake --install`.
#
#   1. install the build into a fresh prefix and check the layout (the
#      manual pages under share/man included);
#   2. run the README's host steps as written: install to a prefix, build
#      examples/minimal_host.c (the README's listing) as C11 and
#      examples/minimal_host.cpp as C++17 outside the tree with pkg-config
#      and an rpath, run both on the installed manifest from another folder,
#      and check the ping replies and the database they created;
#   3. the installed pos-host and posintent run (posintent's network
#      commands through libexec/posintent/posintent-net); the versions
#      agree with project(VERSION);
#   4. a DESTDIR staging install leaves no trace of DESTDIR in the files.
#
# usage: test_install.sh CMAKE BUILD_DIR SOURCE_DIR VERSION
# Extra compiler flags for the host (a sanitizer build needs them) come in
# the environment variable HOST_CFLAGS.
set -eu
cmake=$1 build=$2 src=$3 version=$4
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
have() { [ -e "$1" ] || fail "missing $1"; }

# 1. Install into a prefix.
prefix=$tmp/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; echo "FAIL cmake --install"; exit 1; }
pc=$(find "$prefix" -name posplug.pc)
[ -n "$pc" ] || { echo "FAIL no posplug.pc installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR 2>/dev/null || true
libdir=$(pkg-config --variable=libdir posplug)
includedir=$(pkg-config --variable=includedir posplug)
manifest=$(pkg-config --variable=manifest posplug)
case $libdir in "$prefix"/*) ;; *) fail "libdir $libdir is not under the prefix" ;; esac
[ "$(dirname "$pc")" = "$libdir/pkgconfig" ] || fail "posplug.pc not in $libdir/pkgconfig"
for f in "$prefix/bin/pos-host" "$prefix/bin/posintent" \
         "$prefix/libexec/posintent/posintent-net" \
         "$includedir/posplug.h" "$includedir/posplug_loader.h" \
         "$libdir/libposplug_loader.a" "$libdir/libposplug_loader.so" \
         "$libdir/posintent/libposintent.so.1" "$manifest" \
         "$libdir/cmake/posplug/posplugConfig.cmake" \
         "$prefix/lib/tmpfiles.d/posintent.conf" "$prefix/lib/sysusers.d/posintent.conf" \
         "$prefix/share/posintent/catalogue.json" \
         "$prefix/share/doc/posintent/CHANGELOG.md" \
         "$prefix/share/doc/posintent/till.md" \
         "$prefix/share/man/man1/posintent.1" "$prefix/share/man/man1/pos-host.1" \
         "$prefix/share/man/man3/posplug.3"; do
  have "$f"
done
[ "$manifest" = "$prefix/etc/posintent/plugin.manifest" ] ||
  fail "manifest installed as $manifest"
[ -e "$libdir/posintent/libposintent.so" ] && fail "an unversioned plugin was installed"
# The installed manifest carries no store's identity: the plugin refuses it,
# naming the field, until the store fills it in.
grep -q '"store_id": ""' "$manifest" || fail "the installed manifest has a store_id"
grep -q 'roastery' "$manifest" && fail "the installed manifest carries the demo store"
refused=$(echo '{"type":"ping"}' | "$prefix/bin/pos-host" --manifest "$manifest" --quiet 2>&1) &&
  fail "an empty store identity was accepted"
case $refused in *config.store_id*) ;; *) fail "refusal does not name config.store_id: $refused" ;; esac
grep -q 'Libs.private: -lcjson' "$pc" && ! grep -q 'Requires' "$pc" ||
  fail "posplug.pc leaks cJSON into a host's flags"
sed -e 's/"store_id": ""/"store_id": "shop-1"/' -e 's/"store_country": ""/"store_country": "DE"/' \
    -e 's/"currency": ""/"currency": "EUR"/' "$manifest" >"$manifest.tmp" && mv "$manifest.tmp" "$manifest"
# Only the loader's two functions are exported by the shared loader.
exports=$(nm -D --defined-only "$libdir/libposplug_loader.so" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$exports" = "posplug_load posplug_unload " ] || fail "loader exports: $exports"

# Versions: one source, project(VERSION).
[ "$(pkg-config --modversion posplug)" = "$version" ] ||
  fail "posplug.pc version $(pkg-config --modversion posplug), want $version"
grep -q "\"version\": \"$version\"" "$manifest" || fail "manifest version is not $version"
grep -q "$src" "$manifest" "$pc" && fail "installed files point into the source tree"
grep -q "$build" "$manifest" "$pc" && fail "installed files point into the build tree"

# 2. The README's host, built and run exactly as the README's commands say,
#    from outside the tree, in C11 (examples/minimal_host.c, which must be
#    the README's listing) and C++17 (examples/minimal_host.cpp).  The
#    README's configure-and-build line is what made $build, so it is left
#    out; the rest runs as written in a throwaway $HOME, with cc and c++
#    wrapped to add strict warnings (and the sanitizers of this build).
awk '/^## Integrating a host/{f=1} f&&/^```c$/{p=1;next} p&&/^```$/{exit} p' \
  "$src/README.md" >"$tmp/readme_host.c"
cmp -s "$tmp/readme_host.c" "$src/examples/minimal_host.c" ||
  fail "examples/minimal_host.c differs from the host in README.md"
awk '/^## Integrating a host/{f=1} f&&/^```sh$/{p=1;next} p&&/^```$/{exit} p' \
  "$src/README.md" >"$tmp/readme_steps.sh"
grep -q '^cmake -S \. -B build ' "$tmp/readme_steps.sh" ||
  fail "the README's host steps do not start by building the tree"
flags="$(pkg-config --cflags posplug) $(pkg-config --libs posplug)"
case $flags in *"$src"*|*"$build"*) fail "pkg-config flags point into the tree: $flags" ;; esac
mkdir "$tmp/home" "$tmp/tree"
ln -s "$build" "$tmp/tree/build"
ln -s "$src/examples" "$tmp/tree/examples"
cxx=${CXX:-c++}
{
  echo 'set -eu'
  echo "cc() { command $cc -Wall -Wextra -Wpedantic -Werror \${HOST_CFLAGS:-} \"\$@\"; }"
  echo "c++() { command $cxx -Wall -Wextra -Wpedantic -Wold-style-cast -Werror \${HOST_CFLAGS:-} \"\$@\"; }"
  echo 'cd "$TREE"'
  grep -v '^cmake -S ' "$tmp/readme_steps.sh"
} >"$tmp/readme_steps_run.sh"
(cd / && env -u PKG_CONFIG_PATH HOME="$tmp/home" TREE="$tmp/tree" \
   bash "$tmp/readme_steps_run.sh" >"$tmp/readme_steps.out" 2>"$tmp/readme_steps.err") ||
  { cat "$tmp/readme_steps.err"; fail "the README's host steps failed"; }
out=$(grep -v '^-- ' "$tmp/readme_steps.out") # cmake --install's progress lines
ping='{"ok":true,"type":"ping","open_sales":0}'
[ "$out" = "$ping
$ping" ] || fail "the README's hosts (C, then C++) replied: $out"
ls "$tmp/home/posintent/var/lib/posintent/posintent.db" >/dev/null 2>&1 ||
  fail "the installed manifest's database was not created under var/lib/posintent"
cd "$tmp"

# 3. The installed programs.
ping=$(echo '{"type":"ping"}' | "$prefix/bin/pos-host" --manifest "$manifest" --quiet) ||
  fail "installed pos-host exited $?"
[ "$ping" = '{"ok":true,"type":"ping","open_sales":0}' ] || fail "pos-host ping: $ping"
"$prefix/bin/posintent" --help >/dev/null || fail "installed posintent --help failed"
v=$("$prefix/bin/posintent" --version) && [ "$v" = "posintent $version" ] ||
  fail "installed posintent --version: $v"
# The commands that reach a server run in libexec/posintent/posintent-net,
# which the installed posintent finds from its own folder.
v=$("$prefix/bin/posintent" help sync) && case $v in "NAME
    posintent sync "*) ;; *) false ;; esac || fail "installed posintent help sync: $v"
v=$("$prefix/bin/pos-host" --version) && case $v in "pos-host $version "*) ;; *) false ;; esac ||
  fail "installed pos-host --version: $v"
till=$(printf '101\n*O\nP\n\nQ\n' | "$prefix/bin/pos-host" --manifest "$manifest" \
         --interactive --cashier test --catalogue "$prefix/share/posintent/catalogue.json") || fail "installed till exited $?"
case $till in *"by card, recorded"*) ;; *) fail "installed till did not record: $till" ;; esac

# An install over an edited manifest keeps it and puts the new one beside it.
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/reinstall.log" 2>&1 ||
  { cat "$tmp/reinstall.log"; fail "reinstall"; }
grep -q '"store_id": "shop-1"' "$manifest" || fail "reinstall overwrote the edited manifest"
have "$manifest.new"

# 4. DESTDIR stages only.
DESTDIR="$tmp/stage" "$cmake" --install "$build" --prefix /opt/posintent \
  >"$tmp/stage.log" 2>&1 || { cat "$tmp/stage.log"; fail "DESTDIR install"; }
spc=$(find "$tmp/stage" -name posplug.pc)
smanifest="$tmp/stage/opt/posintent/etc/posintent/plugin.manifest"
have "$smanifest"
[ -n "$spc" ] && grep -q '^prefix=/opt/posintent$' "$spc" || fail "staged posplug.pc prefix"
grep -q "$tmp" "$smanifest" $spc && fail "DESTDIR leaked into the installed files"
grep -q '"database": "/opt/posintent/var/lib/posintent/posintent.db"' "$smanifest" ||
  fail "staged manifest database path"

if [ "$fails" -ne 0 ]; then
  echo "install: $fails failure(s)"
  exit 1
fi
echo "install: layout, pkg-config host from outside the tree, programs, DESTDIR: ok"
