#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Erasures shipped to PostgreSQL (issue 14, review findings 1 and 2).

Against the real, throwaway server of tests/pg_server.sh:

1. A void's reason is personal data: erased on the till after it was
   shipped, the next sync erases it on the server as well (with the
   customer's name of the same sale), and central verify passes.
2. Two syncs of one till at once: sync X reads a batch before an erasure
   and is held (a table lock, then SIGSTOP) before it merges it; sync Y
   ships the erasure meanwhile; X then goes on and is killed with SIGKILL
   before a later batch could repair anything.  The server must not hold
   the erased data again, and central verify passes.

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

    # -- 2. two syncs of one till at once ----------------------------------------
    url = pg.new_database("race")
    man, db, first = make_till(tmp, "g", "shop-6", 8000, 5)
    r = posintent("--db", db, "sync", "--to", url)
    check("2: first sync", r.returncode == 0, r.stdout + r.stderr)
    _, _, more = make_till(tmp, "g", "shop-6", 8100, 5)
    target = next(s for s in more if s.customer)
    psql = os.path.join(pg.bindir, "psql")

    def hold_chains():
        """A psql session that locks posintent.chains against every sync's
        INSERT (which each batch runs after staging its rows)."""
        p = subprocess.Popen([psql, "-X", "-q", "-d", url], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, text=True)
        p.stdin.write("BEGIN; LOCK TABLE posintent.chains IN EXCLUSIVE MODE;\n")
        p.stdin.flush()
        return p

    def release(p):
        p.stdin.write("COMMIT;\n")
        p.stdin.close()
        p.wait(timeout=60)

    def waiting():
        return int(pg.query(url, "SELECT count(*) FROM pg_stat_activity WHERE"
                            " wait_event_type = 'Lock' AND datname ="
                            " current_database()")[0][0])

    def until(what, cond, timeout=60):
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                check(f"2: {what} (timed out)", False)
                return False
            time.sleep(0.05)
        return True

    def server_customer():
        return pg.query(url, "SELECT coalesce(customer_name, '<erased>') FROM"
                        f" posintent.sales WHERE sale = '{target.id}'")

    def sync_bg():
        return subprocess.Popen([posintent_bin, "--db", db, "sync", "--to", url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    lock1 = hold_chains()
    until("the lock is held", lambda: pg.query(
        url, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE c.relname = 'chains' AND l.mode = 'ExclusiveLock' AND l.granted")
        == [["1"]])
    x = sync_bg()                      # reads its batch, then waits for the lock
    until("sync X waits with its batch staged", lambda: waiting() >= 1)
    os.kill(x.pid, signal.SIGSTOP)
    release(lock1)                     # X's INSERT runs; X itself is stopped
    r = posintent("--db", db, "erase", "--sale", target.id, "--store", "shop-6",
                  "--terminal", "T1")
    # X read its batch and ended its read before going to the server, so
    # nothing keeps an old copy in the -wal file: the erasure completes.
    check("2: erase on the till", r.returncode == 0, r.stdout + r.stderr)
    y = sync_bg()
    until("sync Y ends or waits for X",
          lambda: y.poll() is not None or waiting() >= 1)
    base = waiting()
    lock2 = hold_chains()              # queued behind X's batch: holds X's next one
    until("the second lock is queued", lambda: waiting() >= base + 1)
    os.kill(x.pid, signal.SIGCONT)
    until("X's first batch is committed",
          lambda: server_customer() not in ([], [["<erased>"]]))
    os.kill(x.pid, signal.SIGKILL)     # before any later batch could repair it
    x.wait()
    release(lock2)
    try:
        out, errs = y.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        y.kill()
        out, errs = y.communicate()
    check("2: sync Y ends well", y.returncode == 0, out + errs)
    check("2: the erased customer is not back on the server",
          server_customer() == [["<erased>"]], server_customer())
    r = posintent("--db", db, "sync", "--to", url)
    check("2: a last sync ends well", r.returncode == 0, r.stdout + r.stderr)
    check("2: the erased customer is not on the server after a last sync",
          server_customer() == [["<erased>"]], server_customer())
    central_verify(url, "2: after the race")

finish("chain erase")
