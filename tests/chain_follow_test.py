#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`posintent sync` as a service (issue 14, review findings 3 to 6).

Against the real, throwaway server of tests/pg_server.sh:

1. SIGTERM stops `sync --follow` between batches: while its first batch
   waits on a lock on the server, SIGTERM arrives; once the lock goes, that
   batch is committed, no other is shipped, sync says it stopped and exits
   0.  A later sync ships the rest.
2. Permanent failures end `sync --follow` at once with exit 3 and a clear
   error: a wrong password, a database that does not exist.  An
   unreachable server is retried (until SIGTERM, exit 0).
3. No message repeats a password: a server URL given as the till's
   database, to a command that takes a file, with a mistyped scheme, as a
   stray argument; a key=value string with a wrong password or a mistyped
   key.  libpq's key=value form is a server for --db (verify and reports
   agree with the URL form) and --to.
4. A sync whose batch waits on the server holds no read transaction on
   the till: `posintent erase` on the till meanwhile succeeds (exit 0,
   its WAL checkpoint not blocked), and the erasure reaches the server.

usage: chain_follow_test.py POS_HOST POSINTENT MANIFEST PG_STATE
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

import pgtest
from checks import check, finish
from crash_harness import Sale

pos_host, posintent_bin, manifest, state = sys.argv[1:5]
pg = pgtest.Server(state)
rng = random.Random(5)
psql = os.path.join(pg.bindir, "psql")

with open(manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args, **kw):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True, **kw)


def make_till(tmp, name, store, first, n):
    m = json.loads(json.dumps(base_manifest))
    m["config"]["store_id"] = store
    man = os.path.join(tmp, name + ".manifest")
    with open(man, "w", encoding="utf-8") as f:
        json.dump(m, f)
    db = os.path.join(tmp, name + ".db")
    payload = b"".join(Sale(first + i, rng, store, "T1").payload for i in range(n))
    p = subprocess.run([pos_host, "--manifest", man, "--db", db, "--quiet"],
                       input=payload, capture_output=True)
    check(f"{db}: the till records", p.returncode == 0, p.stderr.decode())
    return man, db


def until(what, cond, timeout=60):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            check(f"{what} (timed out)", False)
            return False
        time.sleep(0.05)
    return True


def hold_chains(url):
    """A psql session that locks posintent.chains against every batch's
    INSERT (which each batch runs after staging its rows)."""
    p = subprocess.Popen([psql, "-X", "-q", "-d", url], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, text=True)
    p.stdin.write("BEGIN; LOCK TABLE posintent.chains IN EXCLUSIVE MODE;\n")
    p.stdin.flush()
    until("the lock is held", lambda: pg.query(
        url, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE c.relname = 'chains' AND l.mode = 'ExclusiveLock' AND l.granted")
        == [["1"]])
    return p


def release(p):
    p.stdin.write("COMMIT;\n")
    p.stdin.close()
    p.wait(timeout=60)


def waiting(url):
    return int(pg.query(url, "SELECT count(*) FROM pg_stat_activity WHERE"
                        " wait_event_type = 'Lock' AND datname = current_database()")[0][0])


def entries(url, store):
    return int(pg.query(url, "SELECT count(*) FROM posintent.journal WHERE store ="
                        f" '{store}'")[0][0])


with tempfile.TemporaryDirectory(prefix="posintent-chain-follow-") as tmp:
    url = pg.new_database("follow")
    # A first till creates the central schema.
    _, db0 = make_till(tmp, "z", "shop-z", 100, 1)
    r = posintent("--db", db0, "sync", "--to", url)
    check("the schema is created", r.returncode == 0, r.stdout + r.stderr)

    # -- 1. SIGTERM between batches ------------------------------------------------
    man, db = make_till(tmp, "f", "shop-f", 1000, 30)
    lock = hold_chains(url)
    p = subprocess.Popen([posintent_bin, "--db", db, "sync", "--to", url, "--follow",
                          "--batch", "5", "--interval", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    until("1: the first batch waits on the lock", lambda: waiting(url) >= 1)
    p.send_signal(signal.SIGTERM)
    release(lock)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    check("1: SIGTERM: exit 0", p.returncode == 0, (p.returncode, out, err))
    check("1: SIGTERM: says it stopped", "stopped by SIGTERM between batches" in out,
          out + err)
    got = entries(url, "shop-f")
    check("1: the batch in flight was committed, and no other", got == 5, got)
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    head = c.execute("SELECT max(seq) FROM journal").fetchone()[0]
    c.close()
    r = posintent("--db", db, "sync", "--to", url)
    check("1: the next run ships the rest", r.returncode == 0 and
          f"shipped {head - 5} entries" in r.stdout, r.stdout + r.stderr)

    # -- 2. permanent failures end --follow; an unreachable server does not --------
    dbname = url.split("@/")[1].split("?")[0]
    for what, to, says in (
            ("a wrong password", pg.url(dbname, "wrong"), "password authentication failed"),
            ("a missing database", pg.url(dbname + "_missing"), "does not exist")):
        try:
            r = posintent("--db", db, "sync", "--to", to, "--follow", "--interval", "1",
                          timeout=120)
        except subprocess.TimeoutExpired:
            check(f"2: {what}: --follow ends (it retried instead)", False)
            continue
        check(f"2: {what}: exit 3", r.returncode == 3, (r.returncode, r.stderr))
        check(f"2: {what}: one clear line", says in r.stderr and
              "trying again will not help" in r.stderr and
              len(r.stderr.strip().splitlines()) == 1, r.stderr)
    errpath = os.path.join(tmp, "unreachable.err")
    with open(errpath, "w", encoding="utf-8") as ef:
        p = subprocess.Popen([posintent_bin, "--db", db, "sync", "--to",
                              f"postgresql://chain:x@/postgres?host={tmp}/nowhere",
                              "--follow", "--interval", "1"],
                             stdout=subprocess.PIPE, stderr=ef, text=True)

        def tries():
            with open(errpath, encoding="utf-8") as f:
                return f.read().count("cannot connect")
        until("2: an unreachable server is tried again", lambda: tries() >= 2)
        p.send_signal(signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
    check("2: an unreachable server: --follow retried until SIGTERM, exit 0",
          p.returncode == 0 and "stopped by SIGTERM" in out, (p.returncode, out))

    # -- 3. passwords are never echoed; key=value is a server ------------------------
    secret = "S3cretPW"
    surl = pg.url(dbname, secret)
    kv = f"host={pg.host} dbname={dbname} user=chain password="
    for what, args, status in (
            ("a URL as sync's till database", ["--db", surl, "sync", "--to", url], 2),
            ("a URL to a command that takes a file", ["--db", surl, "erase", "--sale",
                                                      "K1"], 3),
            ("a mistyped scheme", ["--db", surl.replace("postgresql", "postgresq"),
                                   "verify"], 3),
            ("a URL as a stray argument", ["sync", surl], 2),
            ("key=value with a wrong password", ["--db", kv + secret, "verify"], 3),
            ("key=value, quoted, with a mistyped key",
             ["--db", kv.replace("dbname", "dbnme") + f"'{secret} x'", "verify"], 3),
            ("a wrong password to --to", ["--db", db, "sync", "--to", kv + secret], 3)):
        r = posintent(*args)
        check(f"3: {what}: exit {status}", r.returncode == status,
              (r.returncode, r.stdout, r.stderr))
        check(f"3: {what}: the password is not repeated", secret not in r.stdout + r.stderr
              and r.stderr.strip() != "", r.stdout + r.stderr)
    r = posintent("--db", kv.replace("dbname", "dbnme") + secret, "verify")
    check("3: a mistyped key is named", '"dbnme"' in r.stderr, r.stderr)
    r = posintent("--db", surl, "sync", "--to", url)
    check("3: a URL as the till's database is called a server", "is a PostgreSQL server"
          in r.stderr and "chain:***@" in r.stderr, r.stderr)
    good = kv + pg.password
    r1, r2 = posintent("--db", good, "verify"), posintent("--db", url, "verify")
    check("3: key=value: verify as with the URL", r1.returncode == 0 and
          r1.stdout == r2.stdout, (r1.stdout, r1.stderr, r2.stdout))
    r1 = posintent("--db", good, "report", "purposes", "--store", "shop-f")
    r2 = posintent("--db", url, "report", "purposes", "--store", "shop-f")
    check("3: key=value: a report as with the URL", r1.returncode == 0 and
          r1.stdout == r2.stdout and r1.stdout.count("\n") > 1,
          (r1.stdout, r1.stderr, r2.stdout))
    r = posintent("--db", db, "sync", "--to", good)
    check("3: key=value as --to", r.returncode == 0 and "shipped 0 entries" in r.stdout,
          r.stdout + r.stderr)

    # -- 4. erase on the till while a sync waits on the server ------------------------
    first = 2000
    man4, db4 = make_till(tmp, "e", "shop-e", first, 3)
    r = posintent("--db", db4, "sync", "--to", url)
    check("4: first sync", r.returncode == 0, r.stdout + r.stderr)
    more = []
    while not any(x.customer for x in more):
        more.append(Sale(first + 100 + len(more), rng, "shop-e", "T1"))
    p = subprocess.run([pos_host, "--manifest", man4, "--db", db4, "--quiet"],
                       input=b"".join(x.payload for x in more), capture_output=True)
    check("4: more sales", p.returncode == 0, p.stderr.decode())
    target = next(x for x in more if x.customer)
    lock = hold_chains(url)
    base = waiting(url)
    p = subprocess.Popen([posintent_bin, "--db", db4, "sync", "--to", url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    until("4: the sync's batch waits on the server", lambda: waiting(url) >= base + 1)
    r = posintent("--db", db4, "erase", "--sale", target.id, "--store", "shop-e",
                  "--terminal", "T1")
    check("4: erase while sync waits: exit 0", r.returncode == 0,
          (r.returncode, r.stdout, r.stderr))
    release(lock)
    out, err = p.communicate(timeout=120)
    check("4: the waiting sync ends well", p.returncode == 0, out + err)
    r = posintent("--db", db4, "sync", "--to", url)
    check("4: a last sync", r.returncode == 0, r.stdout + r.stderr)
    left = pg.query(url, "SELECT coalesce(customer_name, '<erased>') FROM posintent.sales"
                    f" WHERE store = 'shop-e' AND sale = '{target.id}'")
    check("4: the erasure reached the server", left == [["<erased>"]], left)
    r = posintent("--db", url, "verify")
    check("4: central verify passes", r.returncode == 0, r.stdout + r.stderr)

finish("chain follow")
