#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deps.sh - install what a fresh Debian machine lacks to build and test
# posintent.  Idempotent: installs only missing packages.  Sourced or run by
# scripts/demo.sh and scripts/test.sh.
set -euo pipefail

# Build and runtime: compiler, CMake, pkg-config and the libraries the
# plugin links (README "Dependencies" says why each is there); libpq-dev
# for `posintent sync` and the chain's reports, libcurl4-openssl-dev for
# `posintent evidence verify` (VIES, HMRC) (the admin CLI links them, the
# plugin does not).
PKGS_BUILD=(gcc make cmake pkg-config liblua5.4-dev lua-cjson-dev libcjson-dev
            libsqlite3-dev libssl-dev libpq-dev libcurl4-openssl-dev)
# Tests: cmocka, the stdnum reference, the sqlite3 shell, valgrind, clang
# for the sanitizer runtime and libFuzzer, chromium to render the HTML
# reports headless, g++ to build the README's C++17 host
# (examples/minimal_host.cpp) in the install test, locales for the source
# of de_DE.UTF-8, which test_locale generates with localedef, postgresql
# for the throwaway server the chain tests sync to (tests/pg_server.sh).
PKGS_TEST=(libcmocka-dev python3 python3-stdnum sqlite3 valgrind clang chromium
           libclang-rt-14-dev g++ locales postgresql)

# Packaging (scripts/package.sh): dpkg-shlibdeps and the file(1) it needs.
PKGS_PACKAGE=(dpkg-dev file)

want=("${PKGS_BUILD[@]}")
case "${1:-}" in
  --test) want+=("${PKGS_TEST[@]}") ;;
  --package) want+=("${PKGS_PACKAGE[@]}") ;;
  "") ;;
  *) echo "usage: deps.sh [--test|--package]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
