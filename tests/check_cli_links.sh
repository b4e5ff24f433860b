#!/bin/sh
# SPDX-License-Identifier: MIT
# check_cli_links.sh POSINTENT POSINTENT_NET - no network library in posintent.
#
# Every posintent command pays at start-up for each library its program
# loads (docs/performance.md): libpq alone brought 21 more libraries and
# about 10,000 relocations.  The command lines that need a network library
# run in posintent-net (src/cli/netcmd.h).  This fails when libpq, libcurl,
# or the libraries they pull in (TLS, Kerberos, LDAP, SASL) reach
# posintent again, directly or through another library, and checks that
# posintent-net does load libpq, so that a broken ldd cannot pass for a
# clean posintent.
set -eu
cli=$1 net=$2
fails=0
forbidden='libpq\.|libcurl|libssl\.|libgnutls|libgssapi|libkrb5|libldap|liblber|libsasl2|libnghttp|libssh'
libs=$(ldd "$cli") || { echo "FAIL ldd $cli"; exit 1; }
bad=$(printf '%s\n' "$libs" | awk '{print $1}' | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then
  echo "FAIL $cli loads network libraries (they belong in posintent-net, src/cli/netcmd.h):"
  printf '    %s\n' $bad
  fails=$((fails + 1))
fi
ldd "$net" | grep -q 'libpq\.' || { echo "FAIL $net does not load libpq (ldd broken?)"; fails=$((fails + 1)); }
[ "$fails" -eq 0 ] || exit 1
echo "cli links: posintent loads $(printf '%s\n' "$libs" | grep -c '=>') libraries, none for a network; posintent-net has libpq"
