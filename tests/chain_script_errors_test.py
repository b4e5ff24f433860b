#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Script failures recorded with sales, shipped to PostgreSQL (issue 17.4).

Against the real, throwaway server of tests/pg_server.sh, one till whose
store script crashes in on_total (fail_open) for every sale with beans
(tests/data/failing-scripts):

1. The server holds every column of the till's script_errors, and exactly
   its rows.
2. Central verify passes (the sale entries of format 5 chain them).
3. Erasing a customer on the till erases the sentence of their sale's
   failure on the server too, and central verify still passes.
4. A failure's count altered, or a failure deleted, on the server fails
   central verify.

usage: chain_script_errors_test.py POS_HOST POSINTENT MANIFEST PG_STATE SCRIPTS
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

import pgtest
from checks import check, finish

pos_host, posintent_bin, manifest, state, scripts = sys.argv[1:6]
pg = pgtest.Server(state)
STORE, TERM = "shop-f", "T1"

with open(manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True)


def sale(n, sku, name=None):
    sid = f"F{n}"
    ev = [{"type": "sale.begin", "sale": sid, "store": STORE, "terminal": TERM,
           "cashier": "mia", "at": f"2026-11-20T{8 + n:02d}:00:00+01:00"},
          {"type": "sale.line", "sale": sid, "line": "L1", "sku": sku, "name": sku,
           "qty": 1, "unit_price": 1190, "net": 1000, "tax": 190}]
    if name:
        ev.append({"type": "sale.customer", "sale": sid,
                   "customer": {"id": f"C-{n}", "name": name}})
    ev += [{"type": "sale.total", "sale": sid},
           {"type": "sale.complete", "sale": sid, "total": 1190,
            "tenders": [{"type": "card", "amount": 1190}]}]
    return ev


def rows(url_or_db):
    q = ("SELECT s.sale, f.seq, f.event, f.hook, f.location, f.count, f.truncated,"
         " coalesce(f.message, '<erased>') FROM {p}script_errors f JOIN {p}sales s"
         " ON s.id = f.sale_id{j} ORDER BY 1, 2")
    if url_or_db.endswith(".db"):
        c = sqlite3.connect(f"file:{url_or_db}?mode=ro", uri=True)
        got = [tuple(str(v) for v in r) for r in c.execute(q.format(p="", j=""))]
        c.close()
        return got
    p = pg.psql(url_or_db, q.format(p="posintent.", j=" AND s.store = f.store"
                                    " AND s.chain = f.chain"), check=False)
    return [tuple(l.split("\t")) for l in p.stdout.splitlines() if l]


def central_verify(url, label):
    r = posintent("--db", url, "verify")
    check(f"{label}: central verify passes", r.returncode == 0, r.stdout + r.stderr)


with tempfile.TemporaryDirectory(prefix="posintent-chain-script-errors-") as tmp:
    url = pg.new_database("scripterrors")
    m = json.loads(json.dumps(base_manifest))
    m["config"]["store_id"] = STORE
    m["config"]["scripts"]["dir"] = scripts
    man = os.path.join(tmp, "f.manifest")
    with open(man, "w", encoding="utf-8") as f:
        json.dump(m, f)
    db = os.path.join(tmp, "f.db")
    events = sale(1, "BEAN") + sale(2, "MUG") + sale(3, "BEAN", "Anna Beispiel")
    p = subprocess.run([pos_host, "--manifest", man, "--db", db, "--quiet"],
                       input="".join(json.dumps(e) + "\n" for e in events),
                       capture_output=True, text=True)
    check("pos-host records the sales", p.returncode == 0 and
          p.stdout.count('"recorded":true') == 3, p.stdout + p.stderr)
    till = rows(db)
    check("the till recorded the two failing sales' failures",
          [r[0] for r in till] == ["F1", "F3"], till)
    r = posintent("--db", db, "sync", "--to", url)
    check("sync exits 0", r.returncode == 0, r.stdout + r.stderr)

    # -- 1. the columns and rows ------------------------------------------------
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    mine = {x[1] for x in c.execute("PRAGMA table_info(script_errors)")}
    c.close()
    theirs = {x[0] for x in pg.query(
        url, "SELECT column_name FROM information_schema.columns WHERE"
        " table_schema = 'posintent' AND table_name = 'script_errors'")}
    check("the server's script_errors holds every column of the till's", mine <= theirs,
          sorted(mine - theirs))
    check("the server holds the till's failures, column by column", rows(url) == till,
          (rows(url), till))

    # -- 2. central verify -----------------------------------------------------
    central_verify(url, "shipped")

    # -- 3. an erasure ships --------------------------------------------------
    r = posintent("--db", db, "erase", "--customer", "C-3")
    check("erase on the till", r.returncode == 0, r.stdout + r.stderr)
    r = posintent("--db", db, "sync", "--to", url)
    check("sync of the erasure exits 0", r.returncode == 0, r.stdout + r.stderr)
    got = rows(url)
    check("the erased sentence is gone from the server, the other kept",
          [x[7] == "<erased>" for x in got] == [False, True] and got == rows(db), got)
    central_verify(url, "after the erasure")

    # -- 4. tampering on the server -------------------------------------------
    for what, sql, undo in (
            ("a failure's count", "UPDATE posintent.script_errors SET count = count + 1",
             "UPDATE posintent.script_errors SET count = count - 1"),
            ("a deleted failure", "CREATE TABLE saved AS SELECT * FROM"
             " posintent.script_errors; DELETE FROM posintent.script_errors",
             "INSERT INTO posintent.script_errors SELECT * FROM saved; DROP TABLE saved")):
        pg.psql(url, sql, check=False)
        r = posintent("--db", url, "verify")
        check(f"{what}: central verify exits 1", r.returncode == 1 and
              "NOT verified" in r.stdout, r.stdout + r.stderr)
        pg.psql(url, undo, check=False)
    central_verify(url, "after the tampering was undone")

finish("chain script errors")
