#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Central verify's verdicts on what is not there (issue 14, review
finding 2).

Against the real, throwaway server of tests/pg_server.sh:

1. A database that holds no till (a fresh one, as an auditor who mistyped
   the database name would reach): verify exits 1 and says that nothing
   was verified, never "0 not verified" with exit 0.
2. A till's last journal entries deleted on the server (with or without
   the sales they record): the chain that is left still links, yet verify
   exits 1, naming the entries the server acknowledged to the till and no
   longer holds.  A sync from the till ships them again and verify passes.
3. The server's record of what it acknowledged (posintent.acks) deleted:
   verify exits 1 and says the tail cannot be checked.

usage: chain_verify_test.py POS_HOST POSINTENT MANIFEST PG_STATE
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
rng = random.Random(2)

with open(manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True)


with tempfile.TemporaryDirectory(prefix="posintent-chain-verify-") as tmp:
    # -- 1. nothing on the server ------------------------------------------------
    empty = pg.new_database("empty")
    r = posintent("--db", empty, "verify")
    check("1: an empty server: exit 1", r.returncode == 1, (r.returncode, r.stdout, r.stderr))
    check("1: says nothing was verified", "NOTHING verified" in r.stdout and
          "0 not verified" not in r.stdout, r.stdout)

    # -- 2. a deleted tail --------------------------------------------------------
    url = pg.new_database("tail")
    m = json.loads(json.dumps(base_manifest))
    m["config"]["store_id"] = "shop-t"
    man = os.path.join(tmp, "t.manifest")
    with open(man, "w", encoding="utf-8") as f:
        json.dump(m, f)
    db = os.path.join(tmp, "t.db")
    payload = b"".join(Sale(5000 + i, rng, "shop-t", "T1").payload for i in range(12))
    p = subprocess.run([pos_host, "--manifest", man, "--db", db, "--quiet"],
                       input=payload, capture_output=True)
    check("the till records", p.returncode == 0, p.stderr.decode())
    r = posintent("--db", db, "sync", "--to", url, "--batch", "5")
    check("sync", r.returncode == 0, r.stdout + r.stderr)
    head = int(pg.query(url, "SELECT max(seq) FROM posintent.journal")[0][0])
    check("the till has entries to lose", head >= 12, head)
    r = posintent("--db", url, "verify")
    check("2: verify passes before", r.returncode == 0, r.stdout + r.stderr)

    pg.psql(url, f"DELETE FROM posintent.journal WHERE seq > {head - 2}")
    r = posintent("--db", url, "verify")
    check("2: the last 2 entries deleted: exit 1", r.returncode == 1, r.stdout + r.stderr)
    check("2: named", "NOT verified" in r.stdout and
          f"entries {head - 1} to {head} were deleted on the server" in r.stdout, r.stdout)

    r = posintent("--db", db, "sync", "--to", url)
    check("2: a sync ships the lost entries again", r.returncode == 0 and
          "shipped 2 entries" in r.stdout, r.stdout + r.stderr)
    r = posintent("--db", url, "verify")
    check("2: verify passes again", r.returncode == 0, r.stdout + r.stderr)

    # The sales of the last 3 entries deleted as well, as a thief of the
    # last sales would: the rest of the chain verifies on its own.
    gone = f"(SELECT sale_id FROM posintent.journal WHERE seq > {head - 3})"
    pg.psql(url, "".join(f"DELETE FROM posintent.{t} WHERE sale_id IN {gone};"
                         for t in ("lines", "evidence", "salts", "voids")) +
            f"DELETE FROM posintent.sales WHERE id IN {gone};"
            f"DELETE FROM posintent.journal WHERE seq > {head - 3}")
    r = posintent("--db", url, "verify")
    check("2: entries and their sales deleted: exit 1", r.returncode == 1,
          r.stdout + r.stderr)
    check("2: named with the acknowledged head",
          f"ends at entry {head - 3}, but the server acknowledged entries up to {head}"
          in r.stdout, r.stdout)
    r = posintent("--db", db, "sync", "--to", url)
    check("2: a sync ships the lost entries again", r.returncode == 0 and
          "shipped 3 entries" in r.stdout, r.stdout + r.stderr)
    r = posintent("--db", url, "verify")
    check("2: verify passes again", r.returncode == 0, r.stdout + r.stderr)

    # -- 3. the acknowledgement deleted -------------------------------------------
    pg.psql(url, "DELETE FROM posintent.acks", check=False)
    r = posintent("--db", url, "verify")
    check("3: no acknowledgement on record: exit 1", r.returncode == 1, r.stdout + r.stderr)
    check("3: named", "acknowledged" in r.stdout and "cannot be checked" in r.stdout,
          r.stdout)

finish("chain verify")
