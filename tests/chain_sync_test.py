#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Many tills, one PostgreSQL (issue 14): `posintent sync` and central verify.

Against the real, throwaway server of tests/pg_server.sh:

1. Three tills (pos-host processes, each its own database) in two stores
   ring up sales: plain, gift, resale and mixed ones, voids of open sales,
   a void of a completed sale, partial returns.  All three are shipped;
   the server then holds exactly the tills' rows (sales compared column by
   column; lines, evidence, voids, returns, return lines counted), and its
   totals per store and terminal equal the sum of the tills'.
2. Resending is a no-op: a second sync ships nothing; a lost
   acknowledgement (the server's last entries deleted, their rows kept)
   makes sync ship them again, and no row is doubled.
3. An erasure on a till reaches the server: the person's data is gone
   there too, and every chain still verifies centrally.
4. sync is killed with SIGKILL at random moments, at least --kills times
   (while a till records on at the same moment, which must never wait on
   sync), and PostgreSQL is restarted once (immediate: a crash) while a
   sync runs; after a last sync every till's rows are on the server once.
5. Errors: an unreachable server, a wrong password, a file that is not a
   posintent database, a missing one, a server schema newer than this
   posintent, and a till that records sales another till already shipped
   under the same store, terminal and sale: each a clear message, exit 3,
   and nothing shipped.
6. Central verify reports an altered row, a gap and a reordering.

usage: chain_sync_test.py POS_HOST POSINTENT MANIFEST PG_STATE [--kills N]
"""
import argparse
import csv
import io
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

T0 = time.monotonic()


def step(what):
    print(f"[{time.monotonic() - T0:6.1f}s] {what}", flush=True)
from checks import check, failures, finish
from crash_harness import Sale

ap = argparse.ArgumentParser()
ap.add_argument("pos_host")
ap.add_argument("posintent")
ap.add_argument("manifest")
ap.add_argument("pg_state")
ap.add_argument("--kills", type=int, default=50)
ap.add_argument("--seed", type=int, default=None)
a = ap.parse_args()
seed = a.seed if a.seed is not None else int(time.time())
print(f"seed {seed}", flush=True)
rng = random.Random(seed)

pg = pgtest.Server(a.pg_state)
url = pg.new_database("chain")

with open(a.manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args):
    return subprocess.run([a.posintent, *args], capture_output=True, text=True)


def sync(db, to=None, *extra):
    return posintent("--db", db, "sync", "--to", to or url, *extra)


class Till:
    """One till: its own database, manifest (store) and terminal."""
    next_idx = 1

    def __init__(self, tmp, name, store, terminal):
        self.db = os.path.join(tmp, name + ".db")
        self.store, self.terminal = store, terminal
        m = json.loads(json.dumps(base_manifest))
        m["config"]["store_id"] = store
        m["config"]["busy_timeout_ms"] = 60000
        self.manifest = os.path.join(tmp, name + ".manifest")
        with open(self.manifest, "w", encoding="utf-8") as f:
            json.dump(m, f)
        self.sales = []

    def events_for(self, n):
        out = []
        for _ in range(n):
            s = Sale(Till.next_idx, rng, self.store, self.terminal)
            Till.next_idx += 1
            self.sales.append(s)
            out.append(s.payload)
        return b"".join(out)

    def start(self, payload):
        """Ring up `payload` (event lines) in a pos-host process."""
        p = subprocess.Popen([a.pos_host, "--manifest", self.manifest, "--db", self.db,
                              "--quiet"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.payload = payload
        return p

    def ring(self, payload):
        p = self.start(payload)
        return self.finish(p)

    def finish(self, p):
        out, err = p.communicate(p.payload)
        replies = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
        bad = [r for r in replies if not r.get("ok")]
        check(f"{self.db}: pos-host ends well", p.returncode == 0, err.decode())
        check(f"{self.db}: every event accepted", not bad, bad[:3])
        return replies


def return_event(till, sale, ret):
    """A return of one piece of the sale's first line of 2 or more pieces
    (else its whole first line), refunded exactly (docs/events.md)."""
    c = sqlite3.connect(f"file:{till.db}?mode=ro", uri=True)
    rows = c.execute("SELECT l.line, l.qty_milli, l.net, l.tax FROM lines l JOIN sales s"
                     " ON s.id = l.sale_id WHERE s.sale = ? ORDER BY l.seq",
                     (sale.id,)).fetchall()
    c.close()
    line, qm, net, tax = next((r for r in rows if r[1] >= 2000), rows[0])
    q = 1000 if qm >= 2000 else qm
    amount = sum((v * q * 2 + qm) // (2 * qm) for v in (net, tax))  # half up
    return {"type": "sale.return", "sale": sale.id, "store": till.store,
            "terminal": till.terminal, "return": ret, "at": "2026-11-29T12:00:00+01:00",
            "lines": [{"line": line, "qty": q / 1000}], "reason": "other",
            "reason_text": f"returned by customer {sale.idx}",
            "refund": [{"type": "cash", "amount": amount}]}


def till_rows(db):
    """What a till holds, as the server should: sales by key, counts."""
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    cols = ("store, terminal, sale, id, total, net, tax, status, customer_name, "
            "recipient_name, gift_message, meta, reply")
    sales = {tuple(map(str, r[:3])): tuple("" if v is None else str(v) for v in r)
             for r in c.execute(f"SELECT {cols} FROM sales")}
    counts = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("lines", "evidence", "voids", "salts", "journal", "returns",
                        "return_lines")}
    totals = {}
    for st, term, n, tot in c.execute(
            "SELECT store, terminal, count(*), sum(total) FROM sales s WHERE status ="
            " 'completed' AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"
            " GROUP BY store, terminal"):
        totals[(st, term)] = (str(n), str(tot))
    c.close()
    return sales, counts, totals


def server_rows():
    cols = ("store, terminal, sale, id, total, net, tax, status, customer_name, "
            "recipient_name, gift_message, meta, reply")
    sales = {}
    dup = 0
    for r in pg.query(url, f"SELECT {cols} FROM posintent.sales"):
        key = tuple(r[:3])
        dup += key in sales
        sales[key] = tuple(r)
    counts = {t: int(pg.query(url, f"SELECT count(*) FROM posintent.{t}")[0][0])
              for t in ("lines", "evidence", "voids", "salts", "journal", "returns",
                        "return_lines")}
    totals = {(r[0], r[1]): (r[2], r[3]) for r in pg.query(
        url, "SELECT store, terminal, count(*), sum(total) FROM posintent.sales s WHERE"
        " status = 'completed' AND NOT EXISTS (SELECT 1 FROM posintent.voids v WHERE"
        " v.store = s.store AND v.chain = s.chain AND v.sale_id = s.id)"
        " GROUP BY store, terminal")}
    return sales, counts, totals, dup


def compare(label, tills):
    """The server holds exactly the union of the tills' rows."""
    want_sales, want_counts, want_totals = {}, {}, {}
    for t in tills:
        s, c, tot = till_rows(t.db)
        want_sales.update(s)
        for k, v in c.items():
            want_counts[k] = want_counts.get(k, 0) + v
        want_totals.update(tot)
    got_sales, got_counts, got_totals, dup = server_rows()
    check(f"{label}: no sale twice on the server", dup == 0, dup)
    missing = set(want_sales) - set(got_sales)
    extra = set(got_sales) - set(want_sales)
    check(f"{label}: every till sale is on the server", not missing, sorted(missing)[:5])
    check(f"{label}: no sale on the server that no till holds", not extra,
          sorted(extra)[:5])
    differ = [k for k in want_sales if k in got_sales and want_sales[k] != got_sales[k]]
    check(f"{label}: every sale equal column by column", not differ,
          [(want_sales[k], got_sales[k]) for k in differ[:2]])
    check(f"{label}: lines, evidence, voids, salts, journal, returns counted alike",
          want_counts == got_counts, (want_counts, got_counts))
    check(f"{label}: totals per store and terminal equal the tills' sum",
          want_totals == got_totals, (want_totals, got_totals))
    return len(want_sales)


def central_verify(label, tills_expected):
    r = posintent("--db", url, "verify")
    check(f"{label}: central verify passes", r.returncode == 0, r.stdout + r.stderr)
    check(f"{label}: central verify walks every till",
          f"chain: {tills_expected} tills, 0 not verified" in r.stdout, r.stdout)
    return r


with tempfile.TemporaryDirectory(prefix="posintent-chain-") as tmp:
    A = Till(tmp, "a", "shop-1", "T1")
    B = Till(tmp, "b", "shop-1", "T2")
    C = Till(tmp, "c", "shop-2", "T1")
    tills = [A, B, C]

    step("1 tills")
    # -- 1. three tills, two stores ------------------------------------------
    for t in tills:
        t.ring(t.events_for(60))
    # A void of a completed sale, on B.
    done_b = next(s for s in B.sales if not s.void)
    B.ring((json.dumps({"type": "sale.void", "sale": done_b.id,
                        "reason": "returned the same day"}) + "\n").encode())
    # Partial returns on A, one of them of a resale sale, so that the
    # reports compared below count returns.
    resale_a = [s for s in A.sales if s.customer and not s.void][:2]
    check("A has resale sales to return", len(resale_a) == 2, len(A.sales))
    A.ring(b"".join((json.dumps(return_event(A, s, f"R-{s.idx}")) + "\n").encode()
                    for s in resale_a))
    for t in tills:
        r = sync(t.db)
        check(f"{t.db}: first sync exits 0", r.returncode == 0, r.stdout + r.stderr)
        check(f"{t.db}: says what it shipped", "shipped" in r.stdout, r.stdout)
    n = compare("after the first sync", tills)
    check("there are sales to compare", n >= 150, n)
    central_verify("after the first sync", 3)

    step("2 resend")
    # -- 2. resending is a no-op -----------------------------------------------
    before = server_rows()
    for t in tills:
        r = sync(t.db)
        check(f"{t.db}: a second sync ships nothing",
              r.returncode == 0 and "shipped 0 entries" in r.stdout, r.stdout + r.stderr)
    check("a second sync changes nothing", server_rows() == before)
    # A lost acknowledgement: the server lost A's last 4 entries (not their
    # rows, as when a COMMIT's answer never arrived and the next run finds
    # the rows there anyway), so sync ships them again.
    pg.psql(url, "DELETE FROM posintent.journal WHERE (store, chain, seq) IN (SELECT"
            " store, chain, seq FROM posintent.journal WHERE store = 'shop-1' AND chain ="
            " (SELECT chain FROM posintent.chains WHERE store = 'shop-1' ORDER BY"
            " first_at, chain LIMIT 1) ORDER BY seq DESC LIMIT 4)")
    resent = [sync(t.db) for t in (A, B)]
    check("the lost entries are shipped again",
          any("shipped 4 entries" in r.stdout for r in resent),
          [r.stdout for r in resent])
    compare("after a resend", tills)
    central_verify("after a resend", 3)

    step("3 erase")
    # -- 3. an erasure reaches the server --------------------------------------
    gift = next(s for s in A.sales if s.kind == "gift" and not s.void)
    name = f"Recipient {gift.idx}"
    check("the recipient is on the server before",
          pg.query(url, "SELECT count(*) FROM posintent.sales WHERE recipient_name ="
                   f" '{name}'") == [["1"]])
    r = posintent("--db", A.db, "erase", "--sale", gift.id, "--store", "shop-1",
                  "--terminal", "T1")
    check("erase on the till", r.returncode == 0, r.stdout + r.stderr)
    r = sync(A.db)
    check("the erasure is shipped", r.returncode == 0 and "shipped 1 entries" in r.stdout,
          r.stdout + r.stderr)
    left = pg.query(url, "SELECT count(*) FROM posintent.sales s WHERE recipient_name ="
                    f" '{name}' OR reply LIKE '%{name}%' OR EXISTS (SELECT 1 FROM"
                    " posintent.lines l WHERE l.recipient_name ="
                    f" '{name}')")
    check("the recipient's data is gone from the server too", left == [["0"]], left)
    compare("after the erasure", tills)
    central_verify("after the erasure", 3)

    step("4 kills")
    # -- 4. kills ---------------------------------------------------------------
    kills = attempts = restarted = 0
    till_waits = []
    while kills < a.kills and attempts < a.kills * 6:
        attempts += 1
        t = rng.choice(tills)
        # A till records while sync ships it: more work for the kills, and
        # the till must never wait on sync.
        host = t.start(t.events_for(rng.randint(5, 25)))
        p = subprocess.Popen([a.posintent, "--db", t.db, "sync", "--to", url,
                              "--batch", str(rng.choice([1, 2, 3]))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if kills == a.kills // 2 and not restarted:
            pg.restart()  # immediate: PostgreSQL's crash, while sync runs
            restarted = 1
        time.sleep(rng.uniform(0.0, 0.4))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        out, err = p.communicate()
        if p.returncode not in (0, -signal.SIGKILL):
            # A server restart may cut a sync off: that must say so and
            # keep what was committed, nothing else.
            check("a sync cut off by the server says so",
                  p.returncode == 3 and "server" in err, (p.returncode, err))
        t0 = time.monotonic()
        t.finish(host)
        till_waits.append(time.monotonic() - t0)
    print(f"kills: {kills} in {attempts} runs; server restarted {restarted}x", flush=True)
    check(f"sync was killed mid-way at least {a.kills} times", kills >= a.kills,
          (kills, attempts))
    check("the server was restarted once", restarted == 1)
    for t in tills:
        r = sync(t.db)
        check(f"{t.db}: the last sync exits 0", r.returncode == 0, r.stdout + r.stderr)
        check(f"{t.db}: and leaves nothing behind", "entry" in r.stdout and
              r.stdout.split("at entry ")[1].split(" of ")[0] ==
              r.stdout.split(" of ")[-1].strip(), r.stdout)
    n = compare("after the kills", tills)
    print(f"sales on the server: {n}", flush=True)
    central_verify("after the kills", 3)

    step("follow")
    # --follow ships sales as they land, and ends on SIGTERM.
    p = subprocess.Popen([a.posintent, "--db", C.db, "sync", "--to", url, "--follow",
                          "--interval", "1"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    C.ring(C.events_for(10))
    want = len(till_rows(C.db)[0])
    got = None
    for _ in range(120):
        got = int(pg.query(url, "SELECT count(*) FROM posintent.sales WHERE store ="
                           " 'shop-2'")[0][0])
        if got == want:
            break
        time.sleep(0.5)
    check("--follow ships the sales that land", got == want, (got, want))
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    check("--follow ends on SIGTERM, exit 0", p.returncode == 0, (p.returncode, err))
    compare("after --follow", tills)

    step("reports")
    # -- reports across the chain ----------------------------------------------
    # For one till the server's report is that till's own, byte for byte.
    for args in (["report", "resellers"], ["report", "resellers", "--detail"],
                 ["report", "purposes", "--by", "month"], ["report", "gifts"],
                 ["report", "resellers", "--format", "json"], ["export"],
                 ["report", "ec-sales-list", "--period", "2026-11"]):
        mine = posintent("--db", A.db, "--manifest", A.manifest, *args)
        central = posintent("--db", url, "--manifest", A.manifest, *args, "--store",
                            "shop-1", "--terminal", "T1")
        check(f"{' '.join(args)}: the till's report has rows",
              mine.returncode == 0 and mine.stdout.count("\n") > 1, mine.stderr)
        check(f"{' '.join(args)}: for one till, the server's report is the till's",
              central.returncode == 0 and central.stdout == mine.stdout,
              (central.stderr, mine.stdout[:300], central.stdout[:300]))

    # The chain's totals are the sum of the tills' reports.
    def resale_net(out):
        rows = list(csv.DictReader(io.StringIO(out)))
        return (round(sum(float(r["net"]) for r in rows), 2),
                sum(int(r["sales"]) for r in rows))

    per_till = [resale_net(posintent("--db", t.db, "report", "resellers").stdout)
                for t in tills]
    chain = resale_net(posintent("--db", url, "report", "resellers").stdout)
    check("the chain's reseller net and sales are the sum of the tills'",
          chain == (round(sum(p[0] for p in per_till), 2), sum(p[1] for p in per_till)),
          (chain, per_till))
    shop1 = resale_net(posintent("--db", url, "report", "resellers", "--store",
                                 "shop-1").stdout)
    check("--store: the sum of that store's tills",
          shop1 == (round(per_till[0][0] + per_till[1][0], 2), per_till[0][1] +
                    per_till[1][1]), (shop1, per_till))
    r = posintent("--db", A.db, "report", "resellers", "--terminal", "T1")
    check("--terminal on a till's database: a usage error", r.returncode == 2, r.stderr)

    step("5 errors")
    # -- 5. errors ----------------------------------------------------------------
    before = server_rows()
    notdb = os.path.join(tmp, "not.db")
    with open(notdb, "w", encoding="utf-8") as f:
        f.write("hello, not a database\n")
    other_sqlite = os.path.join(tmp, "other.db")
    sqlite3.connect(other_sqlite).executescript("CREATE TABLE x(a); INSERT INTO x VALUES(1);")
    newer_url = pg.new_database("newer")
    pg.psql(newer_url, "CREATE SCHEMA posintent; CREATE TABLE posintent.schema_version"
            "(version integer); INSERT INTO posintent.schema_version VALUES (99)")
    cases = [
        ("an unreachable server", A.db,
         f"postgresql://chain:x@/postgres?host={tmp}/nowhere",
         "cannot connect to the PostgreSQL server"),
        ("a wrong password", A.db, pg.url(url.split("@/")[1].split("?")[0], "wrong"),
         "password authentication failed"),
        ("a file that is not a database", notdb, url, "not a posintent database"),
        ("another application's SQLite file", other_sqlite, url, "not a posintent one"),
        ("a missing till database", os.path.join(tmp, "missing.db"), url,
         "there is no database"),
        ("a newer central schema", A.db, newer_url, "upgrade posintent"),
    ]
    for what, db, to, says in cases:
        r = sync(db, to)
        check(f"{what}: exit 3", r.returncode == 3, (r.returncode, r.stdout, r.stderr))
        check(f"{what}: a clear message", says in r.stderr and
              len(r.stderr.strip().splitlines()) == 1, r.stderr)
    check("the newer schema is left as it was",
          pg.query(newer_url, "SELECT version FROM posintent.schema_version") == [["99"]])
    check("no case shipped anything", server_rows() == before)
    # A till that records under A's store, terminal and sale ids.
    D = Till(tmp, "d", "shop-1", "T1")
    D.ring(b"".join(s.payload for s in A.sales[:3]))
    r = sync(D.db)
    check("a sale shipped by another till: exit 3", r.returncode == 3, r.stdout + r.stderr)
    check("a sale shipped by another till: named", "from another till database" in
          r.stderr and any(s.id in r.stderr for s in A.sales[:3]), r.stderr)
    check("a sale shipped by another till: nothing of its batch kept",
          server_rows() == before)

    step("6 tamper")
    # -- 6. central verify finds tampering ------------------------------------
    one = pg.query(url, "SELECT store, chain FROM posintent.chains ORDER BY store, chain"
                   " LIMIT 1")[0]
    where = f"store = '{one[0]}' AND chain = '{one[1]}'"
    pg.psql(url, f"UPDATE posintent.sales SET total = total + 1 WHERE chain = '{one[1]}'"
            " AND id = 2")
    # The entry that recorded sale row 2: not entry 2 when a void or a
    # return came first, which depends on the seed.
    entry = pg.query(url, "SELECT seq FROM posintent.journal WHERE "
                     f"{where} AND kind = 'sale' AND sale_id = 2")[0][0]
    r = posintent("--db", url, "verify")
    check("an altered row: exit 1", r.returncode == 1, r.stdout + r.stderr)
    check("an altered row: named", "NOT verified" in r.stdout and
          f"differs from entry {entry}" in r.stdout, (entry, r.stdout))
    pg.psql(url, f"UPDATE posintent.sales SET total = total - 1 WHERE chain = '{one[1]}'"
            " AND id = 2")
    pg.psql(url, "CREATE TABLE saved AS SELECT * FROM posintent.journal WHERE "
            f"{where} AND seq = 5; DELETE FROM posintent.journal WHERE {where} AND seq = 5")
    r = posintent("--db", url, "verify")
    check("a gap: exit 1", r.returncode == 1, r.stdout + r.stderr)
    check("a gap: named", "entries are missing" in r.stdout, r.stdout)
    pg.psql(url, "INSERT INTO posintent.journal SELECT * FROM saved")
    pg.psql(url, f"UPDATE posintent.journal SET seq = -seq WHERE {where} AND seq IN (3, 4);"
            f"UPDATE posintent.journal SET seq = 7 + seq WHERE {where} AND seq = -3;"
            f"UPDATE posintent.journal SET seq = 3 WHERE {where} AND seq = -4")
    r = posintent("--db", url, "verify")
    check("a reordering: exit 1", r.returncode == 1, r.stdout + r.stderr)
    check("a reordering: named", "reordered" in r.stdout, r.stdout)
    print(r.stdout.strip(), flush=True)

finish("chain sync")
