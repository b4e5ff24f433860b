#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Erasures shipped to PostgreSQL (issue 14, review finding 1).

Against the real, throwaway server of tests/pg_server.sh:

1. A void's reason is personal data: erased on the till after it was
   shipped, the next sync erases it on the server as well (with the
   customer's name of the same sale), and central verify passes.

usage: chain_erase_test.py POS_HOST POSINTENT MANIFEST PG_STATE
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

import pgtest
from checks import check, finish
from crash_harness import Sale

pos_host, posintent_bin, manifest, state = sys.argv[1:5]
pg = pgtest.Server(state)
rng = random.Random(14)

with open(manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True)


def make_till(tmp, name, store, first, n):
    """A till database with n sales K<first>...; the Sale objects."""
    m = json.loads(json.dumps(base_manifest))
    m["config"]["store_id"] = store
    m["config"]["busy_timeout_ms"] = 60000
    path = os.path.join(tmp, name + ".manifest")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(m, f)
    db = os.path.join(tmp, name + ".db")
    sales = []
    payload = b""
    i = first
    # Make sure a sale with a customer's name is among them.
    while len(sales) < n or not any(s.customer for s in sales):
        s = Sale(i, rng, store, "T1")
        i += 1
        sales.append(s)
        payload += s.payload
    ring(path, db, payload)
    return path, db, sales


def ring(path, db, payload):
    p = subprocess.run([pos_host, "--manifest", path, "--db", db, "--quiet"],
                       input=payload, capture_output=True)
    bad = [l for l in p.stdout.decode().splitlines() if '"ok":false' in l]
    check(f"{db}: pos-host ends well", p.returncode == 0 and not bad,
          p.stderr.decode() + str(bad[:2]))


def central_verify(url, label):
    r = posintent("--db", url, "verify")
    check(f"{label}: central verify passes", r.returncode == 0, r.stdout + r.stderr)


with tempfile.TemporaryDirectory(prefix="posintent-chain-erase-") as tmp:
    # -- 1. a void's reason ----------------------------------------------------
    url = pg.new_database("erase")
    man, db, sales = make_till(tmp, "f", "shop-5", 7000, 10)
    done = next(s for s in sales if s.customer and not s.void)
    r = posintent("--db", db, "sync", "--to", url)
    check("1: first sync", r.returncode == 0, r.stdout + r.stderr)
    reason = "customer Max Mustermann returned it"
    ring(man, db, (json.dumps({"type": "sale.void", "sale": done.id, "store": "shop-5",
                               "terminal": "T1", "reason": reason}) + "\n").encode())
    r = posintent("--db", db, "sync", "--to", url)
    check("1: the void ships", r.returncode == 0, r.stdout + r.stderr)
    check("1: the reason is on the server",
          pg.query(url, "SELECT count(*) FROM posintent.voids WHERE reason ="
                   f" '{reason}'") == [["1"]])
    r = posintent("--db", db, "erase", "--sale", done.id, "--store", "shop-5",
                  "--terminal", "T1")
    check("1: erase on the till", r.returncode == 0, r.stdout + r.stderr)
    r = posintent("--db", db, "sync", "--to", url)
    check("1: the erasure ships", r.returncode == 0, r.stdout + r.stderr)
    left = pg.query(url, "SELECT (SELECT count(*) FROM posintent.voids WHERE reason ="
                    f" '{reason}'), (SELECT count(*) FROM posintent.sales WHERE sale ="
                    f" '{done.id}' AND customer_name IS NOT NULL)")
    check("1: the void's reason and the customer are gone from the server",
          left == [["0", "0"]], left)
    central_verify(url, "1: after the erasure")


finish("chain erase")
