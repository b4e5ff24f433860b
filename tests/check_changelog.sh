#!/bin/sh
# SPDX-License-Identifier: MIT
# check_changelog.sh SRC - the CHANGELOG's newest row names the ABI in
# include/posplug.h and the schema version in src/store/store.h, so that a bump of
# either cannot ship without saying what a downgrade does.
set -eu
src=$1
major=$(sed -n 's/^#define POSPLUG_ABI_MAJOR \([0-9]*\)u\{0,1\}$/\1/p' "$src/include/posplug.h")
minor=$(sed -n 's/^#define POSPLUG_ABI_MINOR \([0-9]*\)u\{0,1\}$/\1/p' "$src/include/posplug.h")
schema=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$src/src/store/store.h")
[ -n "$major" ] && [ -n "$minor" ] && [ -n "$schema" ] ||
  { echo "FAIL cannot read the ABI ($major.$minor) or schema ($schema) version"; exit 1; }
row=$(grep -m1 '^| Unreleased |\|^| [0-9][0-9.]* |' "$src/CHANGELOG.md" || true)
want="| $major.$minor | $schema |"
case $row in
  *"$want"*) echo "changelog: newest row has ABI $major.$minor, schema $schema: ok" ;;
  *) echo "FAIL CHANGELOG.md's newest row is '$row'; it must carry ABI $major.$minor and schema $schema"; exit 1 ;;
esac
