#!/usr/bin/python3
"""Crash safety: SIGKILL pos-host at random moments, restart, resend.

A stream of generated sales goes through the reference host (pos-host) into
one database.  A timer kills the host with SIGKILL at a random moment (while
it parses, runs hooks, writes, commits or starts up); the harness then
restarts it on the same database and, as a real till would, resends every
sale whose completion it had not seen acknowledged: the whole sale, begin,
lines, ..., complete.  A resent sale that had in fact been committed before
the kill gets `already_recorded` for its begin, `sale_completed` (or
`sale_voided`) for its other events and the stored reply for its
completion; that counts as its acknowledgement.

Afterwards:
  - every acknowledged sale is in the database exactly once, with its
    amounts, lines and evidence complete (no sale half-recorded), its
    stored reply equal to the acknowledgement the till got, and no row
    exists that was never acknowledged;
  - PRAGMA integrity_check says ok and foreign_key_check finds nothing;
  - `posintent verify` verifies the journal, with one entry per sale.

usage: crash_harness.py POS_HOST POSINTENT MANIFEST [--kills N] [--sales M]
                        [--seed S] [--scripts DIR] [--window W] [--keep DIR]

  --kills N    SIGKILLs to survive (default 100; CI runs 20)
  --sales M    sales to acknowledge at least (default 1000); more are
               generated when the kills outlast them
  --seed S     RNG seed (default: time-based; printed, so a run can be
               replayed with the same sales and kill schedule)
  --scripts D  store scripts directory passed to pos-host (Lua hooks)
  --window W   sales in flight at once (default 4)
  --keep DIR   keep the database and host logs in DIR

Full run by hand (about a minute):
  tests/crash_harness.py build/pos-host build/posintent build/plugin.manifest \\
      --kills 200 --sales 5000

Exit status: 0 all checks passed, 1 a check failed, 2 usage error.
"""
import argparse
import collections
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

# Reseller evidence that the validator accepts (see tests of src/taxid.c).
VALID_VAT = ["DE129273398", "ATU13585627"]


class Sale:
    """One generated sale: its events and what the database must hold."""

    def __init__(self, idx, rng, store):
        self.idx = idx
        self.id = f"K{idx:06d}"
        self.store = store
        self.terminal = "T%d" % rng.randint(1, 3)
        secs = idx % 36000
        at = "2026-11-%02dT%02d:%02d:%02d+01:00" % (
            1 + idx // 36000 % 28, 8 + secs // 3600, secs // 60 % 60, secs % 60)
        self.lines = []
        nlines = rng.randint(1, 5)
        for i in range(nlines):
            qty = rng.randint(1, 4)
            unit = rng.randint(50, 20000)
            gross = unit * qty
            tax = gross * rng.choice([7, 19]) // 119
            self.lines.append(dict(line=f"L{i + 1}", sku=f"SKU-{rng.randint(1, 40)}",
                                   name=f"Item {rng.randint(1, 999)}", qty=qty,
                                   unit_price=unit, net=gross - tax, tax=tax))
        kind = rng.random()
        self.customer = None
        self.tags = []
        if kind < 0.45:
            self.kind = "plain"
        elif kind < 0.65:
            self.kind = "gift"
            self.tags.append(dict(purpose="gift", recipient={
                "name": f"Recipient {idx}", "contact": f"r{idx}@example.org"},
                gift_receipt=True, message="Alles Gute"))
        elif kind < 0.80:
            self.kind = "resale"
            self.customer = {"id": f"C{rng.randint(1, 50)}", "name": "Reseller GmbH",
                             "org": True, "vat": rng.choice(VALID_VAT)}
            self.tags.append(dict(purpose="resale"))
        else:
            self.kind = "mixed"
            self.customer = {"id": f"C{rng.randint(1, 50)}", "name": "Café Mixed",
                             "org": True, "vat": rng.choice(VALID_VAT)}
            self.tags.append(dict(purpose="resale", line="L1"))
            if nlines > 1:
                self.tags.append(dict(purpose="gift", line="L2",
                                      recipient={"name": "Oma"}, gift_receipt=False))
        self.void = rng.random() < 0.05
        self.net = sum(l["net"] for l in self.lines)
        self.tax = sum(l["tax"] for l in self.lines)
        ev = [dict(type="sale.begin", sale=self.id, store=store, terminal=self.terminal,
                   cashier="crash", at=at, currency="EUR")]
        for l in self.lines:
            ev.append(dict(type="sale.line", sale=self.id, **l))
        if self.customer:
            ev.append(dict(type="sale.customer", sale=self.id, customer=self.customer))
        for t in self.tags:
            ev.append(dict(type="sale.tag", sale=self.id, **t))
        ev.append(dict(type="sale.total", sale=self.id))
        if self.void:
            ev.append(dict(type="sale.void", sale=self.id, reason="changed mind"))
        else:
            ev.append(dict(type="sale.complete", sale=self.id,
                           total=self.net + self.tax,
                           tenders=[{"type": "card", "amount": self.net + self.tax}]))
        self.events = ev
        self.payload = "".join(json.dumps(e, ensure_ascii=False) + "\n"
                               for e in ev).encode()
        self.sends = 0
        self.ack = None         # the reply that acknowledged it
        self.ack_by_resend = False


class Harness:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        with open(a.manifest, encoding="utf-8") as f:
            self.store = json.load(f)["config"]["store_id"]
        self.sales = []
        self.failures = []
        self.counts = collections.Counter()
        self.per_sale = 0.002      # seconds; calibrated by the first run
        self.startup = 0.010

    def fail(self, msg):
        self.failures.append(msg)
        print("FAIL", msg, flush=True)

    def new_sale(self):
        s = Sale(len(self.sales) + 1, self.rng, self.store)
        self.sales.append(s)
        return s

    # -- one host process --------------------------------------------------

    def judge(self, s, replies):
        """Check a sale's replies; mark it acknowledged when it is."""
        first, last = replies[0], replies[-1]
        resend = s.sends > 1
        if first.get("ok"):
            mid_ok = all(r.get("ok") for r in replies[1:-1])
            if not mid_ok:
                bad = next(r for r in replies[1:-1] if not r.get("ok"))
                self.fail(f"{s.id}: an event was refused: {json.dumps(bad)}")
        else:
            code = first.get("error", {}).get("code")
            if code != "already_recorded" or not resend:
                self.fail(f"{s.id}: begin refused ({'resend' if resend else 'first send'})"
                          f": {json.dumps(first)}")
                return
            want = "sale_voided" if s.void else "sale_completed"
            for r in replies[1:-1]:
                if r.get("ok") or r.get("error", {}).get("code") != want:
                    self.fail(f"{s.id}: resent event after already_recorded: "
                              f"{json.dumps(r)} (wanted {want})")
                    break
            self.counts["resent, found recorded"] += 1
            s.ack_by_resend = True
        if not last.get("ok"):
            self.fail(f"{s.id}: final event refused: {json.dumps(last)}")
            return
        if not s.void and (last.get("recorded") is not True or
                           last.get("total") != s.net + s.tax):
            self.fail(f"{s.id}: completion reply is wrong: {json.dumps(last)}")
            return
        s.ack = last
        self.counts["sales acknowledged"] += 1

    def run_host(self, queue, kill_delay, target_kill):
        """Run one host process over `queue`; returns the unacknowledged
        sales (in order) when it died, or [] when it finished."""
        cmd = [self.a.pos_host, "--manifest", self.a.manifest, "--db", self.db,
               "--quiet"]
        if self.a.scripts:
            cmd += ["--scripts", self.a.scripts]
        log = open(self.log_path, "ab")
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=log)
        log.close()
        self.counts["host starts"] += 1
        killed = threading.Event()

        def kill():
            killed.set()
            try:
                proc.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = None
        if kill_delay is not None:
            timer = threading.Timer(kill_delay, kill)
            timer.start()
        inflight = collections.deque()
        pos = 0
        dead = False
        first_reply = None
        done_sales = 0
        try:
            while not dead and (pos < len(queue) or inflight):
                while pos < len(queue) and len(inflight) < self.a.window:
                    s = queue[pos]
                    pos += 1
                    s.sends += 1
                    self.counts["events sent"] += len(s.events)
                    if s.sends > 1:
                        self.counts["sales resent"] += 1
                    inflight.append(s)
                    try:
                        proc.stdin.write(s.payload)
                        proc.stdin.flush()
                    except (BrokenPipeError, OSError):
                        dead = True
                        break
                    if target_kill is not None and s is target_kill[0]:
                        # Aim at the commit: kill shortly after the sale's
                        # completion went out, before its reply is read.
                        t = threading.Timer(target_kill[1], kill)
                        t.start()
                        timer = t
                if dead:
                    break
                s = inflight[0]
                replies = []
                for _ in s.events:
                    line = proc.stdout.readline()
                    if not line:
                        dead = True
                        break
                    if first_reply is None:
                        first_reply = time.monotonic() - started
                    try:
                        replies.append(json.loads(line))
                    except ValueError:
                        self.fail(f"{s.id}: reply is not JSON: {line!r}")
                        replies.append({})
                if dead:
                    break
                inflight.popleft()
                self.judge(s, replies)
                done_sales += 1
        finally:
            if timer is not None:
                timer.cancel()
        if not dead:
            proc.stdin.close()
        proc.stdout.close()
        rc = proc.wait()
        elapsed = time.monotonic() - started
        if dead or rc != 0:
            if not killed.is_set() or rc != -signal.SIGKILL:
                self.fail(f"pos-host died on its own (exit {rc}); see {self.log_path}")
            else:
                self.counts["kills survived"] += 1
                if first_reply is None:
                    self.counts["kills before a reply"] += 1
            # Everything sent but not acknowledged goes again, then the rest.
            return list(inflight) + [s for s in queue[pos:]]
        if first_reply is not None and done_sales >= 10:
            self.startup = first_reply
            self.per_sale = max((elapsed - first_reply) / done_sales, 1e-4)
        return []

    # -- the whole run ---------------------------------------------------------

    def run(self, workdir):
        self.db = os.path.join(workdir, "crash.db")
        self.log_path = os.path.join(workdir, "pos-host.log")
        pending = collections.deque()
        # A few kills while the host creates and migrates the fresh database.
        for _ in range(min(3, self.a.kills)):
            batch = list(pending) + [self.new_sale() for _ in range(5)]
            pending = collections.deque(
                self.run_host(batch, self.rng.uniform(0, 0.008), None))
        # Calibrate on a short undisturbed run: startup and time per sale.
        calib = list(pending) + [self.new_sale() for _ in range(20)]
        pending.clear()
        self.run_host(calib, None, None)
        while self.counts["kills survived"] < self.a.kills or \
                len(self.sales) < self.a.sales or pending:
            if len(self.failures) > 20:
                break
            want_kill = self.counts["kills survived"] < self.a.kills
            # A batch: what is pending first, then new sales.
            batch = list(pending)
            pending.clear()
            while len(batch) < 40 and (len(self.sales) < self.a.sales or want_kill):
                batch.append(self.new_sale())
            if not batch:
                break
            kill_delay = target = None
            if want_kill:
                if self.rng.random() < 0.35:
                    # Aimed: just after some sale's completion was written.
                    target = (self.rng.choice(batch[:20]),
                              self.rng.uniform(0, 2 * self.per_sale))
                else:
                    # Anywhere: startup, parsing, hooks, commit, idle.
                    kill_delay = self.rng.uniform(
                        0, self.startup + self.per_sale * min(len(batch), 25))
            left = self.run_host(batch, kill_delay, target)
            pending.extend(left)
        self.counts["sales generated"] = len(self.sales)

    # -- checks -----------------------------------------------------------------

    def check(self):
        acked = [s for s in self.sales if s.ack is not None]
        for s in self.sales:
            if s.ack is None:
                self.fail(f"{s.id}: never acknowledged")
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        ic = con.execute("PRAGMA integrity_check").fetchall()
        if ic != [("ok",)]:
            self.fail(f"integrity_check: {ic}")
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            self.fail(f"foreign_key_check: {fk[:5]}")
        dup = con.execute("SELECT store, terminal, sale, count(*) FROM sales "
                          "GROUP BY store, terminal, sale HAVING count(*) > 1").fetchall()
        if dup:
            self.fail(f"sales recorded twice: {dup[:5]}")
        nrows = con.execute("SELECT count(*) FROM sales").fetchone()[0]
        if nrows != len(acked):
            self.fail(f"{nrows} sales in the database, {len(acked)} acknowledged")
        orphans = con.execute(
            "SELECT (SELECT count(*) FROM lines WHERE sale_id NOT IN (SELECT id FROM sales))"
            " + (SELECT count(*) FROM evidence WHERE sale_id NOT IN"
            " (SELECT id FROM sales))").fetchone()[0]
        if orphans:
            self.fail(f"{orphans} line or evidence rows belong to no sale")
        for s in acked:
            row = con.execute(
                "SELECT id, status, net, tax, total, reply FROM sales "
                "WHERE store=? AND terminal=? AND sale=?",
                (s.store, s.terminal, s.id)).fetchall()
            if len(row) != 1:
                self.fail(f"{s.id}: {len(row)} rows for an acknowledged sale")
                continue
            rid, status, net, tax, total, reply = row[0]
            want_status = "voided" if s.void else "completed"
            if status != want_status or net != s.net or tax != s.tax or \
                    total != (0 if s.void else s.net + s.tax):
                self.fail(f"{s.id}: recorded {status} {net}+{tax}={total}, "
                          f"wanted {want_status} {s.net}+{s.tax}")
            lines = con.execute("SELECT line, net, tax FROM lines WHERE sale_id=? "
                                "ORDER BY seq", (rid,)).fetchall()
            want = [(l["line"], l["net"], l["tax"]) for l in s.lines]
            if lines != want:
                self.fail(f"{s.id}: lines {lines} != {want} (half-recorded?)")
            nev = con.execute("SELECT count(*) FROM evidence WHERE sale_id=?",
                              (rid,)).fetchone()[0]
            if nev != (1 if s.customer else 0):
                self.fail(f"{s.id}: {nev} evidence rows")
            if not s.void:
                try:
                    stored = json.loads(reply)
                except ValueError:
                    stored = None
                if stored != s.ack:
                    self.fail(f"{s.id}: stored reply differs from the acknowledgement")
            self.counts["sales checked"] += 1
        con.close()
        r = subprocess.run([self.a.posintent, "--db", self.db, "verify"],
                           capture_output=True, text=True)
        m = re.search(r"verified, (\d+) entries \((\d+) sales\)", r.stdout)
        if r.returncode != 0 or not m:
            self.fail(f"posintent verify: exit {r.returncode}: {r.stdout}{r.stderr}")
        elif int(m.group(2)) != len(acked):
            self.fail(f"journal has {m.group(2)} sales, {len(acked)} acknowledged")
        else:
            self.counts["journal entries verified"] = int(m.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("pos_host")
    p.add_argument("posintent")
    p.add_argument("manifest")
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--sales", type=int, default=1000)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--scripts", default=None)
    p.add_argument("--window", type=int, default=4)
    p.add_argument("--keep", default=None)
    a = p.parse_args()
    if a.seed is None:
        a.seed = int(time.time() * 1000) % 1000000007
    if a.kills < 0 or a.sales < 1 or a.window < 1:
        p.error("--kills >= 0, --sales >= 1, --window >= 1")
    print(f"crash harness: seed {a.seed}, kills {a.kills}, sales {a.sales}"
          f"{', scripts ' + a.scripts if a.scripts else ''}", flush=True)
    h = Harness(a)
    t0 = time.monotonic()
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
        h.run(a.keep)
        h.check()
    else:
        with tempfile.TemporaryDirectory(prefix="posintent-crash-") as d:
            h.run(d)
            h.check()
            if h.failures and os.path.exists(h.log_path):
                with open(h.log_path, errors="replace") as f:
                    tail = f.read()[-3000:]
                print("--- pos-host log (tail)\n" + tail)
    for k in ("kills survived", "kills before a reply", "host starts", "sales generated", "sales acknowledged",
              "sales resent", "resent, found recorded", "events sent", "sales checked",
              "journal entries verified"):
        print(f"  {k:26} {h.counts[k]}")
    print(f"  {'seconds':26} {time.monotonic() - t0:.1f}")
    if h.failures:
        print(f"crash harness: {len(h.failures)} failures (seed {a.seed})")
        return 1
    print("crash harness: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
