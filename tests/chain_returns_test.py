#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Returns shipped to PostgreSQL (issue 14, review finding 1).

Against the real, throwaway server of tests/pg_server.sh, one till with
sales, partial returns (one shipped after its sale, one in the same batch
as its sale), a void and an erasure of a sale with a return:

1. The server holds every till column of every till table (a till schema
   that grows a column the central schema lacks fails here), and exactly
   the till's returns and return lines.
2. The erasure of a sale erases its return's reason_text on the server.
3. Central verify passes.
4. Every chain report, for the till's store and terminal, is the till's
   own byte for byte (returns count in the reseller report and the EC
   Sales List).
5. A central return row or return line, or a line's tax rate, altered
   behind the journal's back fails central verify.
A sale with tax rates and codes on its lines (issue 18.7) is shipped
with them, and report tax-rates is the till's too.

usage: chain_returns_test.py POS_HOST POSINTENT MANIFEST PG_STATE
"""
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile

import pgtest
from checks import check, finish
from crash_harness import Sale

pos_host, posintent_bin, manifest, state = sys.argv[1:5]
pg = pgtest.Server(state)
rng = random.Random(6)
STORE, TERM = "shop-r", "T1"
RETURN_AT = "2026-11-29T12:00:00+01:00"

with open(manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True)


def ring(man, db, events):
    payload = b"".join(e if isinstance(e, bytes) else
                       (json.dumps(e) + "\n").encode() for e in events)
    p = subprocess.run([pos_host, "--manifest", man, "--db", db, "--quiet"],
                       input=payload, capture_output=True)
    bad = [l for l in p.stdout.decode().splitlines() if '"ok":false' in l]
    check(f"{db}: pos-host ends well", p.returncode == 0 and not bad,
          p.stderr.decode() + str(bad[:2]))


def half_up(num, den):
    return (num * 2 + den) // (2 * den)


def return_event(db, sale, ret, text):
    """A return of one piece of the sale's first line of 2 or more pieces
    (else its whole first line), refunded in cash exactly."""
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = c.execute("SELECT l.line, l.qty_milli, l.net, l.tax FROM lines l JOIN sales s"
                     " ON s.id = l.sale_id WHERE s.sale = ? ORDER BY l.seq",
                     (sale.id,)).fetchall()
    c.close()
    line, qm, net, tax = next((r for r in rows if r[1] >= 2000), rows[0])
    q = 1000 if qm >= 2000 else qm
    amount = half_up(net * q, qm) + half_up(tax * q, qm)
    return {"type": "sale.return", "sale": sale.id, "store": STORE, "terminal": TERM,
            "return": ret, "at": RETURN_AT, "lines": [{"line": line, "qty": q / 1000}],
            "reason": "other", "reason_text": text,
            "refund": [{"type": "cash", "amount": amount}]}


def sync(db, url):
    r = posintent("--db", db, "sync", "--to", url)
    check("sync exits 0", r.returncode == 0, r.stdout + r.stderr)
    return r


def central_verify(url, label):
    r = posintent("--db", url, "verify")
    check(f"{label}: central verify passes", r.returncode == 0, r.stdout + r.stderr)
    return r


with tempfile.TemporaryDirectory(prefix="posintent-chain-returns-") as tmp:
    url = pg.new_database("returns")
    m = json.loads(json.dumps(base_manifest))
    m["config"]["store_id"] = STORE
    man = os.path.join(tmp, "r.manifest")
    with open(man, "w", encoding="utf-8") as f:
        json.dump(m, f)
    db = os.path.join(tmp, "r.db")
    sales = []
    i = 9000
    # Enough sales for two resale ones and a third completed one.
    while len(sales) < 12 or sum(1 for s in sales if s.customer and not s.void) < 3:
        sales.append(Sale(i, rng, STORE, TERM))
        i += 1
    ring(man, db, [s.payload for s in sales])
    # A sale whose lines carry the host's tax rate and code (schema 10,
    # journal format 5, central schema 6): shipped, verified, reported.
    ring(man, db, [
        {"type": "sale.begin", "sale": "TR-1", "store": STORE, "terminal": TERM,
         "at": "2026-11-27T10:00:00+01:00", "currency": "EUR"},
        {"type": "sale.line", "sale": "TR-1", "line": "L1", "qty": 1, "unit_price": 1190,
         "net": 1000, "tax": 190, "tax_rate_bp": 1900, "tax_code": "S"},
        {"type": "sale.line", "sale": "TR-1", "line": "L2", "qty": 1, "unit_price": 535,
         "net": 500, "tax": 35, "tax_rate_bp": 700},
        {"type": "sale.complete", "sale": "TR-1", "total": 1725}])
    resold = [s for s in sales if s.customer and not s.void]
    first, second, gone = resold[0], resold[1], resold[2]
    voided = next(s for s in sales if not s.void and not s.customer)

    # A return shipped after its sale.
    sync(db, url)
    ring(man, db, [return_event(db, first, "R-1", "Anna Beispiel returned it")])
    sync(db, url)
    # A return shipped in the same batch as a void and another return.
    ring(man, db, [return_event(db, second, "R-2", "Max Mustermann, torn bag"),
                   {"type": "sale.void", "sale": voided.id, "store": STORE,
                    "terminal": TERM, "reason": "wrong till"},
                   return_event(db, gone, "R-3", "Erika Musterfrau, wrong size")])
    sync(db, url)
    # Erase the sale whose return names Erika: its reason_text goes too.
    r = posintent("--db", db, "erase", "--sale", gone.id, "--store", STORE,
                  "--terminal", TERM)
    check("erase on the till", r.returncode == 0, r.stdout + r.stderr)
    sync(db, url)

    # -- 1. every till column, and the same returns --------------------------
    till = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for t in ("sales", "lines", "evidence", "voids", "salts", "journal", "returns",
              "return_lines"):
        mine = {r[1] for r in till.execute(f"PRAGMA table_info({t})")}
        theirs = {r[0] for r in pg.query(
            url, "SELECT column_name FROM information_schema.columns WHERE"
            f" table_schema = 'posintent' AND table_name = '{t}'")}
        check(f"the server's {t} holds every column of the till's", mine <= theirs,
              sorted(mine - theirs))
    n_ret = till.execute("SELECT count(*) FROM returns").fetchone()[0]
    n_rl = till.execute("SELECT count(*) FROM return_lines").fetchone()[0]
    check("the till recorded three returns", n_ret == 3, n_ret)
    want = sorted(tuple("" if v is None else str(v) for v in r) for r in till.execute(
        "SELECT ret, at, day, reason, coalesce(reason_text, '<erased>'), net, tax,"
        " total, refund, reply FROM returns"))
    till.close()
    p = pg.psql(url, "SELECT ret, at, day, reason, coalesce(reason_text, '<erased>'),"
                " net, tax, total, refund, reply FROM posintent.returns", check=False)
    got = sorted(tuple(l.split("\t")) for l in p.stdout.splitlines() if l)
    check("the server holds the till's returns, column by column", got == want,
          (got, want))
    p = pg.psql(url, "SELECT count(*) FROM posintent.return_lines", check=False)
    check("and its return lines", p.stdout.strip() == str(n_rl), p.stdout + p.stderr)
    p = pg.psql(url, "SELECT l.line, l.tax_rate_bp, coalesce(l.tax_code, '-')"
                " FROM posintent.lines l JOIN posintent.sales s ON s.chain = l.chain"
                " AND s.store = l.store AND s.id = l.sale_id WHERE s.sale = 'TR-1'"
                " ORDER BY l.seq", check=False)
    check("the server holds each line's tax rate and code",
          p.stdout.split() == ["L1", "1900", "S", "L2", "700", "-"], p.stdout + p.stderr)

    # -- 2. the erasure reached the return's text --------------------------------
    p = pg.psql(url, "SELECT count(*) FROM posintent.returns WHERE reason_text"
                " LIKE '%Erika%'", check=False)
    check("the erased return's text is gone from the server", p.stdout.strip() == "0",
          p.stdout + p.stderr)
    p = pg.psql(url, "SELECT count(*) FROM posintent.returns WHERE reason_text"
                " LIKE '%Anna%'", check=False)
    check("another return's text is kept", p.stdout.strip() == "1", p.stdout + p.stderr)

    # -- 3. central verify --------------------------------------------------------
    central_verify(url, "after returns, a void and an erasure")

    # -- 4. the chain's reports are the till's -------------------------------------
    for args in (["report", "resellers"], ["report", "resellers", "--detail"],
                 ["report", "resellers", "--format", "json"],
                 ["report", "purposes", "--by", "month"], ["report", "gifts"],
                 ["report", "tax-rates", "--by", "month"],
                 ["export"], ["report", "ec-sales-list", "--period", "2026-11"],
                 ["report", "ec-sales-list", "--period", "2026-Q4"]):
        mine = posintent("--db", db, "--manifest", man, *args)
        central = posintent("--db", url, "--manifest", man, *args, "--store", STORE,
                            "--terminal", TERM)
        check(f"{' '.join(args)}: the till's report has rows",
              mine.returncode == 0 and mine.stdout.count("\n") > 1, mine.stderr)
        check(f"{' '.join(args)}: the server's report is the till's, byte for byte",
              central.returncode == 0 and central.stdout == mine.stdout,
              (central.stderr, mine.stdout[-600:], central.stdout[-600:]))
    rows = [l.split(",") for l in
            posintent("--db", db, "report", "resellers").stdout.strip().splitlines()]
    col = rows[0].index("returned_net")
    returned = sum(float(r[col]) for r in rows[1:] if r[col])
    check("the compared reseller report counts the returns", returned > 0, rows)

    # -- 5. tampering with a return on the server -----------------------------------
    for what, sql, undo in (
            ("a return's amount", "UPDATE posintent.returns SET net = net + 1 WHERE"
             " ret = 'R-1'", "UPDATE posintent.returns SET net = net - 1 WHERE"
             " ret = 'R-1'"),
            ("a return line's quantity", "UPDATE posintent.return_lines SET qty_milli ="
             " qty_milli + 1 WHERE return_id = (SELECT id FROM posintent.returns WHERE"
             " ret = 'R-2')", "UPDATE posintent.return_lines SET qty_milli ="
             " qty_milli - 1 WHERE return_id = (SELECT id FROM posintent.returns WHERE"
             " ret = 'R-2')"),
            ("a deleted return", "CREATE TABLE saved AS SELECT * FROM posintent.returns"
             " WHERE ret = 'R-1'; DELETE FROM posintent.returns WHERE ret = 'R-1'",
             "INSERT INTO posintent.returns SELECT * FROM saved; DROP TABLE saved"),
            ("a line's tax rate", "UPDATE posintent.lines SET tax_rate_bp = 700 WHERE"
             " line = 'L1' AND tax_rate_bp = 1900", "UPDATE posintent.lines SET"
             " tax_rate_bp = 1900 WHERE line = 'L1' AND tax_rate_bp = 700")):
        pg.psql(url, sql, check=False)
        r = posintent("--db", url, "verify")
        check(f"{what}: central verify exits 1", r.returncode == 1, r.stdout + r.stderr)
        named = "return" if "return" in what else "sale"
        check(f"{what}: names the {named}", "NOT verified" in r.stdout and
              named in r.stdout, r.stdout)
        pg.psql(url, undo, check=False)
    central_verify(url, "after the tampering was undone")

finish("chain returns")
