#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh - from a fresh Debian machine to a recorded day at the till.
#
# Installs what is missing, builds, runs the demo day (scripts/demo-day.jsonl:
# a coffee roastery's 28 sales on 2026-11-20, and two returns in December: a
# gift brought back by its recipient, part of a Dutch reseller's order) through
# the reference host into a fresh SQLite database, then prints what was
# recorded, the reseller report, the EC Sales List of both months, the
# returns in the purposes and gifts reports, and the journal's verification.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/deps.sh
# Only the product: no tests, no benchmarks (their packages are not
# installed by a plain scripts/deps.sh), no -Werror on a user's compiler.
scripts/build.sh "$root/build" -DBUILD_TESTING=OFF -DPOSINTENT_BENCH=OFF \
  -DPOSINTENT_WERROR=OFF

db=${DEMO_DB:-$root/build/demo.db}
rm -f "$db" "$db-wal" "$db-shm"
echo "== Running the demo day through pos-host (replies in build/demo-replies.jsonl)"
build/pos-host --manifest plugin.manifest --db "$db" \
  --events scripts/demo-day.jsonl >build/demo-replies.jsonl
echo "   $(wc -l <build/demo-replies.jsonl) events answered," \
  "$(grep -c '"ok":false' build/demo-replies.jsonl || true) refused (the mistyped VAT number among them)"
echo
echo "== Recorded sales"
build/posintent --db "$db" sales list
echo
echo "== One mixed basket, line by line"
build/posintent --db "$db" sale show roastery-berlin T2 S013
echo
echo "== Resellers, 2026-11-20"
build/posintent --db "$db" --manifest plugin.manifest report resellers \
  --from 2026-11-20 --to 2026-11-20 --format table
echo
echo "== EC Sales List (Zusammenfassende Meldung, the store is German), 2026-11"
build/posintent --db "$db" --manifest plugin.manifest report ec-sales-list \
  --period 2026-11 --format zm
echo
echo "== December: the returns count in the month they came back"
echo "-- Purposes (the gift mug and 3 of 10 kg for resale come off December's totals)"
build/posintent --db "$db" report purposes --by month --format table
echo "-- Gifts (Oma Hilde's mug: a gift return, refunded as a voucher)"
build/posintent --db "$db" report gifts --format table
echo "-- EC Sales List 2026-12: Koffiebar Utrecht's return, a negative line"
build/posintent --db "$db" --manifest plugin.manifest report ec-sales-list \
  --period 2026-12 --format zm
echo
echo "== The tamper-evident journal"
build/posintent --db "$db" verify
echo
echo "Database: $db"
