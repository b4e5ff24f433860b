#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Two tills, one database: pos-host processes that race (issue 10).

1. Two pos-host processes open the same store, terminal and sale id.  The
   events are interleaved one reply at a time, so the order is fixed, not
   left to the scheduler: till A completes first, then till B.  B's
   completion must be refused (`conflict`, with a sentence naming what is
   recorded under that id), never acknowledged, and the database must hold
   A's sale alone.
   Then the same race with identical content and attempt keys
   (docs/events.md, "Attempt keys"): B is refused, exits, and is started
   again; its resend of exactly the completion it sent matches A's record
   in everything but the key, and must be refused all the same (`conflict`,
   field `attempt`), while A's resend from a new process is replayed.
2. Several pos-host processes open a new database at the same moment:
   every one of them starts (the schema is created once, under a lock) and
   answers a ping.  Whatever the order they reach the lock in, all must
   succeed, so the check does not depend on the machine's speed.

usage: two_tills_test.py POS_HOST MANIFEST
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

host, manifest_path = sys.argv[1:3]
from checks import check, failures, finish


class Till:
    """One pos-host process, driven one event and one reply at a time."""

    def __init__(self, manifest, db):
        self.p = subprocess.Popen([host, "--manifest", manifest, "--db", db, "--quiet"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)

    def send(self, ev):
        try:
            self.p.stdin.write((json.dumps(ev) + "\n").encode())
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # it ended: said below, with its error output
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("pos-host ended: " + self.p.stderr.read().decode())
        return json.loads(line)

    def close(self):
        try:
            self.p.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        rc = self.p.wait()
        err = self.p.stderr.read().decode()
        self.p.stdout.close()
        self.p.stderr.close()
        return rc, err


with open(manifest_path, encoding="utf-8") as f:
    manifest = json.load(f)
# Waiting for another till's lock must not end a start on a loaded machine.
manifest["config"]["busy_timeout_ms"] = 600000

with tempfile.TemporaryDirectory(prefix="posintent-tills-") as tmp:
    mpath = os.path.join(tmp, "plugin.manifest")
    with open(mpath, "w", encoding="utf-8") as f:
        json.dump(manifest, f)

    # -- 1. the race on one sale id --------------------------------------------
    db = os.path.join(tmp, "race.db")
    # A opens (and creates) the database before B starts: this part is
    # about the sale, part 2 about opening.
    a = Till(mpath, db)
    check("A starts", a.send({"type": "ping"}).get("ok") is True)
    b = Till(mpath, db)
    check("B starts", b.send({"type": "ping"}).get("ok") is True)
    begin = dict(type="sale.begin", sale="R1", store="shop-9", terminal="T1",
                 cashier="x", at="2026-11-20T10:00:00+01:00")
    check("A begins", a.send(begin).get("ok") is True)
    check("A line", a.send(dict(type="sale.line", sale="R1", line="L1", qty=1,
                                unit_price=1190, net=1000, tax=190)).get("ok") is True)
    check("B begins", b.send(begin).get("ok") is True)
    check("B line", b.send(dict(type="sale.line", sale="R1", line="L1", qty=2,
                                unit_price=1190, net=2000, tax=380)).get("ok") is True)
    ra = a.send(dict(type="sale.complete", sale="R1", total=1190,
                     tenders=[{"type": "card", "amount": 1190}]))
    check("A's completion is recorded", ra.get("ok") is True and ra.get("recorded") is True,
          json.dumps(ra))
    rb = b.send(dict(type="sale.complete", sale="R1", total=2380,
                     tenders=[{"type": "card", "amount": 2380}]))
    err = rb.get("error", {})
    check("B's completion is refused, not acknowledged",
          rb.get("ok") is False and err.get("code") == "conflict", json.dumps(rb))
    msg = err.get("message", "")
    check("B's refusal names what is recorded", "11.90 EUR" in msg and "T1" in msg, msg)
    # Resent, B's completion is still refused.
    rb2 = b.send(dict(type="sale.complete", sale="R1", total=2380,
                      tenders=[{"type": "card", "amount": 2380}]))
    check("B's resend is refused", rb2.get("ok") is False and
          rb2.get("error", {}).get("code") == "conflict", json.dumps(rb2))
    # A's resend gets A's reply again.
    ra2 = a.send(dict(type="sale.complete", sale="R1", total=1190,
                      tenders=[{"type": "card", "amount": 1190}]))
    check("A's resend is replayed", ra2 == ra, json.dumps(ra2))
    for name, t in (("A", a), ("B", b)):
        rc, e = t.close()
        check(f"till {name} exits 0", rc == 0, e)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT terminal, total FROM sales WHERE sale='R1'").fetchall()
    con.close()
    check("one sale recorded, A's", rows == [("T1", 1190)], repr(rows))

    # -- 1b. the same content, with attempt keys, and a restart --------------
    def begin_key(key):
        return dict(begin, sale="R2", attempt=key)

    def complete_key(key):
        return dict(type="sale.complete", sale="R2", total=1190,
                    tenders=[{"type": "card", "amount": 1190}], attempt=key)

    line = dict(type="sale.line", sale="R2", line="L1", qty=1, unit_price=1190, net=1000,
                tax=190)
    a, b = Till(mpath, db), Till(mpath, db)
    check("A begins R2", a.send(begin_key("a-5f0e")).get("ok") is True)
    check("B begins R2", b.send(begin_key("b-c41d")).get("ok") is True)
    check("A line R2", a.send(line).get("ok") is True)
    check("B line R2 (the same)", b.send(line).get("ok") is True)
    ra = a.send(complete_key("a-5f0e"))
    check("A's R2 is recorded", ra.get("recorded") is True, json.dumps(ra))
    rb = b.send(complete_key("b-c41d"))
    check("B's R2 is refused", rb.get("error", {}).get("code") == "conflict", json.dumps(rb))
    for name, t in (("A", a), ("B", b)):
        rc, e = t.close()
        check(f"till {name} exits 0 (R2)", rc == 0, e)
    b = Till(mpath, db)  # B restarted: nothing of the race in memory
    rb = b.send(complete_key("b-c41d"))
    err = rb.get("error", {})
    check("restarted B's resend is refused, not acknowledged",
          rb.get("ok") is False and "recorded" not in rb and err.get("code") == "conflict"
          and err.get("field") == "attempt", json.dumps(rb))
    check("...naming what is recorded", "11.90 EUR" in err.get("message", "")
          and "T1" in err.get("message", ""), json.dumps(rb))
    rc, e = b.close()
    check("restarted B exits 0", rc == 0, e)
    a = Till(mpath, db)
    ra2 = a.send(complete_key("a-5f0e"))
    check("restarted A's resend is replayed", ra2 == ra, json.dumps(ra2))
    rc, e = a.close()
    check("restarted A exits 0", rc == 0, e)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT terminal, total, attempt FROM sales WHERE sale='R2'").fetchall()
    con.close()
    check("one R2 recorded, under A's key", rows == [("T1", 1190, "a-5f0e")], repr(rows))

    # -- 2. many tills open a new database at once ----------------------------
    for round_ in range(4):
        db = os.path.join(tmp, f"new{round_}.db")
        tills = [Till(mpath, db) for _ in range(5)]
        for i, t in enumerate(tills):
            try:
                r = t.send({"type": "ping"})
                check(f"round {round_}: till {i} answers", r.get("ok") is True, json.dumps(r))
            except RuntimeError as e:
                check(f"round {round_}: till {i} starts", False, str(e))
        for i, t in enumerate(tills):
            rc, e = t.close()
            check(f"round {round_}: till {i} exits 0", rc == 0, e.strip())

finish("two tills")
