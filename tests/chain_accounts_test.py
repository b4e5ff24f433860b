#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Accounts shipped to PostgreSQL (issue 14: accounts left out of sync).

Against the real, throwaway server of tests/pg_server.sh, one till with
customer accounts added, updated and closed, and sales naming two of them:

1. The server holds every till column of accounts and account_evidence
   (a till schema that grows a column the central schema lacks fails
   here), and exactly the till's account versions and evidence.
2. Central verify passes (before this fix it reported the till:
   "entry N records account row X, which is missing").
3. A central account row or its evidence altered, or a version deleted,
   behind the journal's back fails central verify.
4. `erase --account` on the till, synced: the account's name is in no
   column of any table on the server, another account's name still is,
   and central verify passes.

usage: chain_accounts_test.py POS_HOST POSINTENT MANIFEST PG_STATE
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

import pgtest
from checks import check, finish

pos_host, posintent_bin, manifest, state = sys.argv[1:5]
pg = pgtest.Server(state)
STORE, TERM = "shop-a", "T1"
AT = "2026-11-28T10:00:00+01:00"
ERASED = "Erika Musterfrau"
KEPT = "Acme Wholesale GmbH"

with open(manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True)


def ring(man, db, events):
    payload = b"".join((json.dumps(e) + "\n").encode() for e in events)
    p = subprocess.run([pos_host, "--manifest", man, "--db", db, "--quiet"],
                       input=payload, capture_output=True)
    bad = [l for l in p.stdout.decode().splitlines() if '"ok":false' in l]
    check(f"{db}: pos-host ends well", p.returncode == 0 and not bad,
          p.stderr.decode() + str(bad[:2]))


def sale(sid, customer):
    """A one-line sale, paid by card, with `customer` (None: none)."""
    ev = [{"type": "sale.begin", "sale": sid, "store": STORE, "terminal": TERM,
           "cashier": "acct", "at": AT, "currency": "EUR"},
          {"type": "sale.line", "sale": sid, "line": "L1", "sku": "SKU-1",
           "name": "Item 1", "qty": 2, "unit_price": 1190, "net": 2000, "tax": 380}]
    if customer:
        ev.append({"type": "sale.customer", "sale": sid, "customer": customer})
    ev += [{"type": "sale.total", "sale": sid},
           {"type": "sale.complete", "sale": sid, "total": 2380,
            "tenders": [{"type": "card", "amount": 2380}]}]
    return ev


def cli(db, *args):
    r = posintent("--db", db, *args)
    check(" ".join(args[:2]) + " " + args[2] if len(args) > 2 else " ".join(args),
          r.returncode == 0, r.stdout + r.stderr)


def sync(db, url):
    r = posintent("--db", db, "sync", "--to", url)
    check("sync exits 0", r.returncode == 0, r.stdout + r.stderr)


def central_verify(url, label):
    r = posintent("--db", url, "verify")
    check(f"{label}: central verify passes", r.returncode == 0, r.stdout + r.stderr)


def server_holds(url, text):
    """How many rows of all the server's tables hold `text` in any column."""
    tables = [r[0] for r in pg.query(
        url, "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'posintent'")]
    n = 0
    for t in tables:
        p = pg.psql(url, f"SELECT count(*) FROM posintent.{t} x"
                    f" WHERE x::text LIKE '%{text}%'", check=False)
        n += int(p.stdout.strip() or 0)
    return n


with tempfile.TemporaryDirectory(prefix="posintent-chain-accounts-") as tmp:
    url = pg.new_database("accounts")
    m = json.loads(json.dumps(base_manifest))
    m["config"]["store_id"] = STORE
    man = os.path.join(tmp, "a.manifest")
    with open(man, "w", encoding="utf-8") as f:
        json.dump(m, f)
    db = os.path.join(tmp, "a.db")
    ring(man, db, sale("A-1", None))   # the till creates its database
    cli(db, "account", "add", "ACME-01", "--name", KEPT, "--kind", "business",
        "--purpose", "resale", "--vat", "DE129273398")
    cli(db, "account", "add", "P-7", "--name", ERASED, "--kind", "person")
    cli(db, "account", "add", "OLD-3", "--name", "Old Customer AG", "--kind",
        "business", "--vat", "ATU13585627")
    sync(db, url)
    # Versions shipped after their account's first, in one batch with sales.
    cli(db, "account", "update", "ACME-01", "--eori", "DE1234567890123")
    cli(db, "account", "close", "OLD-3")
    ring(man, db, sale("A-2", {"account": "ACME-01"}) + sale("A-3", {"account": "P-7"}))
    sync(db, url)

    # -- 1. every till column, and the same versions -------------------------
    till = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for t in ("accounts", "account_evidence", "salts"):
        mine = {r[1] for r in till.execute(f"PRAGMA table_info({t})")}
        theirs = {r[0] for r in pg.query(
            url, "SELECT column_name FROM information_schema.columns WHERE"
            f" table_schema = 'posintent' AND table_name = '{t}'")}
        check(f"the server's {t} holds every column of the till's", mine <= theirs,
              sorted(mine - theirs))
    want = sorted(tuple("" if v is None else str(v) for v in r) for r in till.execute(
        "SELECT id, store, account, version, name, kind, purpose, status, created_at,"
        " updated_at FROM accounts"))
    want_ev = sorted(tuple("" if v is None else str(v) for v in r) for r in till.execute(
        "SELECT account_id, seq, kind, input, compact, country FROM account_evidence"))
    named = till.execute("SELECT count(*) FROM sales WHERE customer_id IS NOT NULL"
                         ).fetchone()[0]
    till.close()
    check("the till holds 5 account versions", len(want) == 5, want)
    check("and two sales naming an account", named == 2, named)
    p = pg.psql(url, "SELECT id, store, account, version, coalesce(name, ''), kind,"
                " purpose, status, created_at, updated_at FROM posintent.accounts",
                check=False)
    got = sorted(tuple(l.split("\t")) for l in p.stdout.splitlines() if l)
    check("the server holds the till's account versions, column by column",
          got == want, (got, want))
    p = pg.psql(url, "SELECT account_id, seq, kind, input, compact, country"
                " FROM posintent.account_evidence", check=False)
    got = sorted(tuple(l.split("\t")) for l in p.stdout.splitlines() if l)
    check("and their evidence", got == want_ev and len(got) >= 3, (got, want_ev))

    # -- 2. central verify ---------------------------------------------------------
    central_verify(url, "with accounts added, updated and closed")
    sync(db, url)   # nothing new: shipping again changes nothing
    central_verify(url, "after a sync with nothing to ship")

    # -- 3. tampering with an account on the server --------------------------------
    ACME1 = ("(SELECT id FROM posintent.accounts WHERE account = 'ACME-01'"
             " AND version = 1)")
    for what, sql, undo in (
            ("an account's status", "UPDATE posintent.accounts SET status = 'closed'"
             " WHERE account = 'P-7'", "UPDATE posintent.accounts SET status = 'open'"
             " WHERE account = 'P-7'"),
            ("an account's name", "UPDATE posintent.accounts SET name = 'Someone Else'"
             " WHERE account = 'P-7'", f"UPDATE posintent.accounts SET name = '{ERASED}'"
             " WHERE account = 'P-7'"),
            ("an account's evidence", "UPDATE posintent.account_evidence SET input ="
             f" 'DE000000000' WHERE account_id = {ACME1}",
             "UPDATE posintent.account_evidence SET input = 'DE129273398'"
             f" WHERE account_id = {ACME1}"),
            ("a deleted account version", "CREATE TABLE saved AS SELECT * FROM"
             " posintent.accounts WHERE account = 'OLD-3' AND version = 2;"
             " DELETE FROM posintent.accounts WHERE account = 'OLD-3' AND version = 2",
             "INSERT INTO posintent.accounts SELECT * FROM saved; DROP TABLE saved")):
        pg.psql(url, sql, check=False)
        r = posintent("--db", url, "verify")
        check(f"{what}: central verify exits 1", r.returncode == 1, r.stdout + r.stderr)
        check(f"{what}: names the account", "NOT verified" in r.stdout and
              "account" in r.stdout, r.stdout)
        pg.psql(url, undo, check=False)
    central_verify(url, "after the tampering was undone")

    # -- 4. erasure of an account ----------------------------------------------------
    check(f"before the erasure the server holds {ERASED!r}",
          server_holds(url, "Musterfrau") >= 2, server_holds(url, "Musterfrau"))
    r = posintent("--db", db, "erase", "--account", "P-7")
    check("erase --account on the till", r.returncode == 0, r.stdout + r.stderr)
    sync(db, url)
    n = server_holds(url, "Musterfrau")
    check("the erased account's name is in no row on the server", n == 0, n)
    check("another account's name is kept", server_holds(url, "Acme Wholesale") >= 1,
          server_holds(url, "Acme Wholesale"))
    p = pg.psql(url, "SELECT count(*) FROM posintent.salts WHERE sale_id < 0", check=False)
    till = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n_salts = till.execute("SELECT count(*) FROM salts WHERE sale_id < 0").fetchone()[0]
    till.close()
    check("the server holds the till's account salts, the erased one gone",
          p.stdout.strip() == str(n_salts), (p.stdout, n_salts))
    central_verify(url, "after erase --account")

finish("chain accounts")
