#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Central verify covers what the chain reports read (issue 14, review
findings 3 and 4).

Against the real, throwaway server of tests/pg_server.sh, two tills of
store shop-1 (T1, T2) are shipped, then the server is tampered with:

1. A sale (and its lines) of a till the server's `chains` does not list is
   inserted: the store's report is unchanged (it reads only listed tills)
   and central verify fails, naming the rows.
2. A till's `chains` row is deleted: central verify fails.
3. A line is moved to another store: central verify fails (it loads child
   rows joined to their sale by store, as the reports do).

Each tampering is undone before the next; verify passes at the end.

usage: chain_orphans_test.py POS_HOST POSINTENT MANIFEST PG_STATE
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import pgtest
from checks import check, finish
from crash_harness import Sale

pos_host, posintent_bin, manifest, state = sys.argv[1:5]
pg = pgtest.Server(state)
rng = random.Random(3)
url = pg.new_database("orphans")

with open(manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True)


def make_till(tmp, name, store, terminal, first, n):
    m = json.loads(json.dumps(base_manifest))
    m["config"]["store_id"] = store
    path = os.path.join(tmp, name + ".manifest")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(m, f)
    db = os.path.join(tmp, name + ".db")
    payload = b"".join(Sale(first + i, rng, store, terminal).payload for i in range(n))
    p = subprocess.run([pos_host, "--manifest", path, "--db", db, "--quiet"],
                       input=payload, capture_output=True)
    bad = [l for l in p.stdout.decode().splitlines() if '"ok":false' in l]
    check(f"{db}: pos-host ends well", p.returncode == 0 and not bad,
          p.stderr.decode() + str(bad[:2]))
    r = posintent("--db", db, "sync", "--to", url)
    check(f"{db}: sync", r.returncode == 0, r.stdout + r.stderr)
    return db


def report():
    r = posintent("--db", url, "report", "purposes", "--format", "csv", "--store", "shop-1")
    check("the report runs", r.returncode == 0, r.stdout + r.stderr)
    return r.stdout


def verify():
    return posintent("--db", url, "verify")


def sql(s):
    return pg.psql(url, s)


with tempfile.TemporaryDirectory(prefix="posintent-chain-orphans-") as tmp:
    make_till(tmp, "a", "shop-1", "T1", 1, 20)
    make_till(tmp, "c", "shop-1", "T2", 201, 15)
    chain_a = pg.query(url, "SELECT chain FROM posintent.chains c WHERE EXISTS (SELECT 1"
                       " FROM posintent.sales s WHERE s.chain = c.chain AND"
                       " s.terminal = 'T1')")[0][0]
    r = verify()
    check("verify passes before tampering", r.returncode == 0, r.stdout + r.stderr)
    before = report()

    # -- 1. a sale of no listed till -------------------------------------------
    sql("CREATE TEMP TABLE s AS SELECT * FROM posintent.sales WHERE chain ="
        f" '{chain_a}' AND id = 1; UPDATE s SET chain = 'fake', terminal = 'T9';"
        " INSERT INTO posintent.sales SELECT * FROM s;"
        " CREATE TEMP TABLE l AS SELECT * FROM posintent.lines WHERE chain ="
        f" '{chain_a}' AND sale_id = 1; UPDATE l SET chain = 'fake';"
        " INSERT INTO posintent.lines SELECT * FROM l")
    check("1: the report does not read a till that chains does not list",
          report() == before)
    r = verify()
    check("1: verify fails on a sale of no listed till",
          r.returncode == 1 and "fake" in r.stdout and "chains" in r.stdout,
          r.stdout + r.stderr)
    sql("DELETE FROM posintent.lines WHERE chain = 'fake';"
        " DELETE FROM posintent.sales WHERE chain = 'fake'")

    # -- 2. a till's chains row deleted ----------------------------------------
    sql("CREATE TABLE posintent.keep AS SELECT * FROM posintent.chains WHERE chain ="
        f" '{chain_a}'; DELETE FROM posintent.chains WHERE chain = '{chain_a}'")
    r = verify()
    check("2: verify fails when a till's chains row is gone",
          r.returncode == 1 and chain_a[:12] in r.stdout, r.stdout + r.stderr)
    sql("INSERT INTO posintent.chains SELECT * FROM posintent.keep;"
        " DROP TABLE posintent.keep")

    # -- 3. a line moved to another store ----------------------------------------
    sql(f"UPDATE posintent.lines SET store = 'zz' WHERE chain = '{chain_a}' AND"
        " sale_id = 1")
    r = verify()
    check("3: verify fails when a line is moved to another store",
          r.returncode == 1, r.stdout + r.stderr)
    sql(f"UPDATE posintent.lines SET store = 'shop-1' WHERE chain = '{chain_a}' AND"
        " sale_id = 1")

    r = verify()
    check("verify passes once every tampering is undone", r.returncode == 0,
          r.stdout + r.stderr)
    check("the report is as before", report() == before)

finish("chain orphans")
