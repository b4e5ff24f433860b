#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_sync.sh BUILD_DIR [SALES] - posintent sync against raw COPY, and a
# report across the chain against a hand-written GROUP BY, in one run.
#
#   1. gen_sales fills a till database with SALES synthetic sales (default
#      20000; bench/gen_sales.c says what is in them);
#   2. a throwaway PostgreSQL (tests/pg_server.sh) in a temporary folder;
#   3. `posintent sync` ships the till into one database, timed; the same
#      rows, exported beforehand by the sqlite3 shell in the central
#      tables' column order, are loaded with psql's \copy into the same
#      tables of another database, timed: the ingest rate as sales/s and
#      lines/s, and its ratio to raw COPY (issue 14's target: >= 50 %);
#   4. `report resellers --db postgresql://...` (the chain's report: the
#      rows read back into an in-memory till database, see
#      docs/chain.md) against psql running a hand-written GROUP BY of the
#      same report over the central tables (target: <= 1.5x).
# Prints the figures; never a test.  Not chain-scale: 10 million sales need
# the reports to run as SQL on PostgreSQL itself (docs/chain.md).
set -euo pipefail
build=${1:?usage: bench_sync.sh BUILD_DIR [SALES]}
sales=${2:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/posintent-bench-sync.XXXXXX)
state=$work/pg.env
trap '"$root/tests/pg_server.sh" stop "$state" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

now() { date +%s.%N; }
"$build/bench/gen_sales" "$work/till.db" "$sales" >/dev/null
"$root/tests/pg_server.sh" start "$state" >/dev/null
# shellcheck disable=SC1090
. "$state"
export PGPASSWORD=$PG_PASSWORD
psql=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" "$PG_URL" -c "CREATE DATABASE synced" -c "CREATE DATABASE copied"
synced="postgresql://chain:$PG_PASSWORD@/synced?host=$PG_HOST"
copied="postgresql://chain:$PG_PASSWORD@/copied?host=$PG_HOST"

# The raw rows, in the central tables' order (src/chain/central.c).
db=$work/till.db
chain=$(sqlite3 "$db" "SELECT hash FROM journal WHERE seq = 1")
home=$(sqlite3 "$db" "SELECT coalesce(nullif((SELECT value FROM meta WHERE key = 'store_id'), ''), (SELECT store FROM sales ORDER BY id LIMIT 1), '')")
of() { echo "(SELECT store FROM sales WHERE sales.id = $1.sale_id)"; }
sqlite3 -csv "$db" "SELECT '$chain', * FROM sales" >"$work/sales.csv"
sqlite3 -csv "$db" "SELECT $(of lines), '$chain', * FROM lines" >"$work/lines.csv"
sqlite3 -csv "$db" "SELECT $(of evidence), '$chain', * FROM evidence" >"$work/evidence.csv"
sqlite3 -csv "$db" "SELECT $(of voids), '$chain', * FROM voids" >"$work/voids.csv"
sqlite3 -csv "$db" "SELECT $(of salts), '$chain', sale_id, field, '\\x' || hex(salt) FROM salts" >"$work/salts.csv"
sqlite3 -csv "$db" "SELECT '$home', '$chain', * FROM journal" >"$work/journal.csv"
nsales=$(sqlite3 "$db" "SELECT count(*) FROM sales")
nlines=$(sqlite3 "$db" "SELECT count(*) FROM lines")

# The schema in "copied": a sync, then emptied (untimed).
"$build/posintent" --db "$db" sync --to "$copied" >/dev/null
"${psql[@]}" "$copied" -c "TRUNCATE posintent.sales, posintent.lines, posintent.evidence,
  posintent.voids, posintent.salts, posintent.journal, posintent.chains"

t0=$(now)
"$build/posintent" --db "$db" sync --to "$synced" >/dev/null
t1=$(now)
"${psql[@]}" "$copied" -c "\\copy posintent.sales FROM '$work/sales.csv' csv" \
  -c "\\copy posintent.lines FROM '$work/lines.csv' csv" \
  -c "\\copy posintent.evidence FROM '$work/evidence.csv' csv" \
  -c "\\copy posintent.voids FROM '$work/voids.csv' csv" \
  -c "\\copy posintent.salts FROM '$work/salts.csv' csv" \
  -c "\\copy posintent.journal FROM '$work/journal.csv' csv"
t2=$(now)
awk -v s="$nsales" -v l="$nlines" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
  sync = b - a; raw = c - b;
  printf "ingest: %d sales, %d lines: sync %.2f s (%.0f sales/s, %.0f lines/s), raw COPY %.2f s: sync at %.0f %% of raw COPY\n",
         s, l, sync, s / sync, l / sync, raw, 100 * raw / sync }'

# The reseller report: posintent across the chain against a GROUP BY.
t0=$(now)
"$build/posintent" --db "$synced" report resellers --from 2024-01-01 --to 2024-12-31 >"$work/report.csv"
t1=$(now)
"${psql[@]}" "$synced" -A -t -c "
  SELECT coalesce(s.reseller_id, ''), coalesce(s.reseller_kind, ''), s.reseller_valid,
         coalesce(s.reseller_country, ''), s.currency, count(*), sum(l.n), sum(l.net),
         sum(l.tax), min(s.day), max(s.day)
  FROM (SELECT store, chain, sale_id, count(*) AS n, sum(net) AS net, sum(tax) AS tax
        FROM posintent.lines WHERE status = 'reseller' GROUP BY store, chain, sale_id) l
  JOIN posintent.sales s ON s.store = l.store AND s.chain = l.chain AND s.id = l.sale_id
  WHERE s.status = 'completed' AND s.day BETWEEN '2024-01-01' AND '2024-12-31'
    AND NOT EXISTS (SELECT 1 FROM posintent.voids v WHERE v.store = s.store
                    AND v.chain = s.chain AND v.sale_id = s.id)
  GROUP BY 1, 2, 3, 4, 5" >"$work/groupby.txt"
t2=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v r="$(($(wc -l <"$work/report.csv") - 1))" \
    -v g="$(wc -l <"$work/groupby.txt")" 'BEGIN {
  printf "report resellers: posintent %.2f s (%d rows), hand-written GROUP BY %.2f s (%d rows): %.1fx\n",
         b - a, r, c - b, g, (b - a) / (c - b) }'
