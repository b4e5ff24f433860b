#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Crash safety: SIGKILL pos-host at random moments, restart, resend.

Streams of generated sales go through the reference host (pos-host) into
one database: by default two tills at once (two pos-host processes, one
terminal each), half of the sales in the manifest's store and half in a
store that is not the manifest's.  Timers kill the hosts with SIGKILL at
random moments (while one parses, runs hooks, writes, commits or starts
up, or creates the database); the harness then restarts that till on the
same database and, as a real till would, resends exactly the event whose
reply it had not seen: the sale's completion (or void), unchanged, which
names neither store nor terminal.  When the plugin answers unknown_sale
(the sale was never recorded: the kill came before), the till rings the
whole sale up again: begin, lines, ..., complete.  A resent completion
of a sale committed before the kill gets the stored reply; that counts as
its acknowledgement.

Afterwards:
  - every sale was acknowledged exactly once;
  - every acknowledged sale is in the database exactly once (none lost,
    none duplicated), with its amounts, lines and evidence complete (no
    sale half-recorded), its stored reply equal to the acknowledgement
    the till got, and no row exists that was never acknowledged;
  - PRAGMA integrity_check says ok and foreign_key_check finds nothing;
  - `posintent verify` verifies the journal, with one entry per sale.

usage: crash_harness.py POS_HOST POSINTENT MANIFEST [--kills N] [--sales M]
                        [--tills T] [--seed S] [--scripts DIR] [--window W]
                        [--keep DIR]

  --kills N    SIGKILLs to survive, all tills together (default 100)
  --sales M    sales to acknowledge at least (default 1000); more are
               generated when the kills outlast them
  --tills T    pos-host processes on the database at once (default 2)
  --seed S     RNG seed (default: time-based; printed, so a run can be
               replayed with the same sales and kill schedules; with two
               tills the interleaving still differs)
  --scripts D  store scripts directory passed to pos-host (Lua hooks)
  --window W   sales in flight at once per till (default 4)
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

# Reseller evidence that the validator accepts (see tests of src/taxid/taxid.c).
VALID_VAT = ["DE129273398", "ATU13585627"]


class Sale:
    """One generated sale: its events and what the database must hold."""

    def __init__(self, idx, rng, store, terminal=None):
        self.idx = idx
        self.id = f"K{idx:06d}"
        self.store = store
        # tests/soak.py makes sales without a till: any of three terminals.
        self.terminal = terminal or "T%d" % rng.randint(1, 3)
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
        # Most sales carry an attempt key (docs/events.md), on sale.begin
        # and on the final event, so resends are judged by it; the rest are
        # an older host's, judged by content.
        key = {"attempt": "%032x" % rng.getrandbits(128)} if rng.random() < 0.8 else {}
        ev = [dict(type="sale.begin", sale=self.id, store=store, terminal=self.terminal,
                   cashier="crash", at=at, currency="EUR", **key)]
        for l in self.lines:
            ev.append(dict(type="sale.line", sale=self.id, **l))
        if self.customer:
            ev.append(dict(type="sale.customer", sale=self.id, customer=self.customer))
        for t in self.tags:
            ev.append(dict(type="sale.tag", sale=self.id, **t))
        ev.append(dict(type="sale.total", sale=self.id))
        if self.void:
            ev.append(dict(type="sale.void", sale=self.id, reason="changed mind", **key))
        else:
            ev.append(dict(type="sale.complete", sale=self.id,
                           total=self.net + self.tax,
                           tenders=[{"type": "card", "amount": self.net + self.tax}],
                           **key))
        self.events = ev
        self.payload = "".join(json.dumps(e, ensure_ascii=False) + "\n"
                               for e in ev).encode()
        # What a till resends when it did not see the final reply: that
        # event exactly as it was sent (no store, no terminal in it).
        self.final = (json.dumps(ev[-1], ensure_ascii=False) + "\n").encode()
        self.sends = 0
        self.ack = None         # the reply that acknowledged it
        self.acks = 0           # how many replies acknowledged it
        self.ack_by_resend = False


class Till:
    """One till: a terminal, its own random schedule, its pending sales."""

    def __init__(self, idx, seed):
        self.idx = idx
        self.terminal = f"T{idx + 1}"
        self.rng = random.Random(seed * 31 + idx)
        self.pending = collections.deque()


class Harness:
    OTHER_STORE = "branch-elsewhere"   # a store that is not the manifest's

    def __init__(self, a):
        self.a = a
        with open(a.manifest, encoding="utf-8") as f:
            self.store = json.load(f)["config"]["store_id"]
        assert self.store != self.OTHER_STORE
        self.sales = []
        self.failures = []
        self.counts = collections.Counter()
        self.lock = threading.Lock()
        self.per_sale = 0.002      # seconds; calibrated by the first run
        self.startup = 0.010

    def fail(self, msg):
        with self.lock:
            self.failures.append(msg)
        print("FAIL", msg, flush=True)

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def new_sale(self, till):
        store = self.store if till.rng.random() < 0.5 else self.OTHER_STORE
        with self.lock:
            idx = len(self.sales) + 1
            s = Sale(idx, till.rng, store, till.terminal)
            self.sales.append(s)
        return s

    def acknowledge(self, s, reply):
        s.ack = reply
        s.acks += 1
        if s.acks > 1:
            self.fail(f"{s.id}: acknowledged {s.acks} times")
        self.count("sales acknowledged")

    # -- one host process --------------------------------------------------

    def final_ok(self, s, last):
        """Is `last` a correct acknowledgement of sale s's final event?"""
        if not last.get("ok"):
            return False
        if s.void:
            return last.get("voided") is True
        return last.get("recorded") is True and last.get("total") == s.net + s.tax

    def judge(self, s, replies):
        """Check the replies to a whole sale; mark it acknowledged."""
        bad = next((r for r in replies[:-1] if not r.get("ok")), None)
        if bad is not None:
            self.fail(f"{s.id}: an event was refused (send {s.sends}): {json.dumps(bad)}")
            return
        if not self.final_ok(s, replies[-1]):
            self.fail(f"{s.id}: final reply is wrong: {json.dumps(replies[-1])}")
            return
        self.acknowledge(s, replies[-1])

    def judge_resend(self, s, reply):
        """The reply to a resent final event: an acknowledgement, or
        unknown_sale (never recorded: ring the sale up again).  Returns
        True when the whole sale must be sent."""
        code = reply.get("error", {}).get("code")
        if not reply.get("ok") and code == "unknown_sale":
            self.count("resent, not recorded")
            return True
        if not self.final_ok(s, reply):
            self.fail(f"{s.id}: resent {s.events[-1]['type']} answered {json.dumps(reply)}")
            return False
        self.count("resent, found recorded")
        s.ack_by_resend = True
        self.acknowledge(s, reply)
        return False

    def run_host(self, till, queue, kill_delay, target_kill):
        """Run one host process of `till` over `queue`; returns the
        unacknowledged sales (in order) when it died, or [] when it
        finished."""
        cmd = [self.a.pos_host, "--manifest", self.a.manifest, "--db", self.db,
               "--quiet"]
        if self.a.scripts:
            cmd += ["--scripts", self.a.scripts]
        log = open(self.log_path, "ab")
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=log)
        log.close()
        self.count("host starts")
        killed = threading.Event()
        timers = []

        def kill():
            killed.set()
            try:
                proc.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass

        def arm(delay):
            t = threading.Timer(delay, kill)
            t.start()
            timers.append(t)

        def write(data):
            try:
                proc.stdin.write(data)
                proc.stdin.flush()
                return True
            except (BrokenPipeError, OSError):
                return False

        def read_replies(s, n):
            out = []
            for _ in range(n):
                line = proc.stdout.readline()
                if not line:
                    return None
                try:
                    out.append(json.loads(line))
                except ValueError:
                    self.fail(f"{s.id}: reply is not JSON: {line!r}")
                    out.append({})
            return out

        if kill_delay is not None:
            arm(kill_delay)
        fresh = collections.deque(s for s in queue if s.sends == 0)
        resends = collections.deque(s for s in queue if s.sends > 0)
        inflight = collections.deque()
        dead = False
        first_reply = None
        done_sales = 0
        try:
            # Resends first, one at a time: the till waits for each answer.
            while resends and not dead:
                s = resends[0]
                s.sends += 1
                self.count("sales resent")
                self.count("events sent")
                if not write(s.final):
                    dead = True
                    break
                r = read_replies(s, 1)
                if r is None:
                    dead = True
                    break
                if self.judge_resend(s, r[0]):
                    self.count("events sent", len(s.events))
                    if not write(s.payload):
                        dead = True
                        break
                    r = read_replies(s, len(s.events))
                    if r is None:
                        dead = True
                        break
                    self.judge(s, r)
                resends.popleft()
            # Then new sales, a window of them in flight.
            while not dead and (fresh or inflight):
                while fresh and len(inflight) < self.a.window:
                    s = fresh.popleft()
                    s.sends += 1
                    self.count("events sent", len(s.events))
                    inflight.append(s)
                    if not write(s.payload):
                        dead = True
                        break
                    if target_kill is not None and s is target_kill[0]:
                        # Aim at the commit: kill shortly after the sale's
                        # completion went out, before its reply is read.
                        arm(target_kill[1])
                if dead:
                    break
                s = inflight[0]
                r = read_replies(s, len(s.events))
                if r is None:
                    dead = True
                    break
                if first_reply is None:
                    first_reply = time.monotonic() - started
                inflight.popleft()
                self.judge(s, r)
                done_sales += 1
        finally:
            for t in timers:
                t.cancel()
        if not dead:
            proc.stdin.close()
        proc.stdout.close()
        rc = proc.wait()
        elapsed = time.monotonic() - started
        if dead or rc != 0:
            if not killed.is_set() or rc != -signal.SIGKILL:
                self.fail(f"pos-host of till {till.terminal} died on its own (exit {rc});"
                          f" see {self.log_path}")
            else:
                self.count("kills survived")
                if first_reply is None:
                    self.count("kills before a reply")
            # Everything sent but not acknowledged goes again, then the rest.
            return [s for s in list(resends) + list(inflight) + list(fresh)
                    if s.ack is None]
        if first_reply is not None and done_sales >= 10:
            with self.lock:
                self.startup = first_reply
                self.per_sale = max((elapsed - first_reply) / done_sales, 1e-4)
        return []

    # -- the whole run ---------------------------------------------------------

    def kills_wanted(self):
        with self.lock:
            return self.counts["kills survived"] < self.a.kills

    def sales_wanted(self):
        with self.lock:
            return len(self.sales) < self.a.sales

    def run_till(self, till):
        try:
            self.till_loop(till)
        except Exception as e:  # a harness bug must fail the run, not hang it
            self.fail(f"till {till.terminal}: {type(e).__name__}: {e}")

    def till_loop(self, till):
        rng = till.rng
        # A few kills while the tills create and migrate the fresh database
        # together.
        for _ in range(min(2, self.a.kills)):
            batch = list(till.pending) + [self.new_sale(till) for _ in range(5)]
            till.pending = collections.deque(
                self.run_host(till, batch, rng.uniform(0, 0.008), None))
        # An undisturbed run: calibrates startup and time per sale.
        calib = list(till.pending) + [self.new_sale(till) for _ in range(20)]
        till.pending.clear()
        till.pending.extend(self.run_host(till, calib, None, None))
        while self.kills_wanted() or self.sales_wanted() or till.pending:
            if len(self.failures) > 20:
                break
            want_kill = self.kills_wanted()
            batch = list(till.pending)
            till.pending.clear()
            while len(batch) < 40 and (self.sales_wanted() or want_kill):
                batch.append(self.new_sale(till))
            if not batch:
                break
            kill_delay = target = None
            fresh = [s for s in batch if s.sends == 0]
            if want_kill:
                if fresh and rng.random() < 0.35:
                    # Aimed: just after some sale's completion was written.
                    target = (rng.choice(fresh[:20]), rng.uniform(0, 2 * self.per_sale))
                else:
                    # Anywhere: startup, parsing, hooks, commit, idle.
                    kill_delay = rng.uniform(
                        0, self.startup + self.per_sale * min(len(batch), 25))
            till.pending.extend(self.run_host(till, batch, kill_delay, target))

    def run(self, workdir):
        self.db = os.path.join(workdir, "crash.db")
        self.log_path = os.path.join(workdir, "pos-host.log")
        tills = [Till(i, self.a.seed) for i in range(self.a.tills)]
        threads = [threading.Thread(target=self.run_till, args=(t,)) for t in tills]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.counts["sales generated"] = len(self.sales)

    # -- checks -----------------------------------------------------------------

    def check(self):
        acked = [s for s in self.sales if s.ack is not None]
        for s in self.sales:
            if s.ack is None:
                self.fail(f"{s.id}: never acknowledged")
            elif s.acks == 1:
                self.counts["acknowledged exactly once"] += 1
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        ic = con.execute("PRAGMA integrity_check").fetchall()
        if ic != [("ok",)]:
            self.fail(f"integrity_check: {ic}")
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            self.fail(f"foreign_key_check: {fk[:5]}")
        dup = con.execute("SELECT store, terminal, sale, count(*) FROM sales "
                          "GROUP BY store, terminal, sale HAVING count(*) > 1").fetchall()
        self.counts["duplicated"] = sum(n - 1 for *_, n in dup)
        if dup:
            self.fail(f"sales recorded twice: {dup[:5]}")
        self.counts["other store's sales"] = con.execute(
            "SELECT count(*) FROM sales WHERE store=?", (self.OTHER_STORE,)).fetchone()[0]
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
                if not row:
                    self.counts["lost"] += 1
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
    p.add_argument("--tills", type=int, default=2)
    p.add_argument("--keep", default=None)
    a = p.parse_args()
    if a.seed is None:
        a.seed = int(time.time() * 1000) % 1000000007
    if a.kills < 0 or a.sales < 1 or a.window < 1 or a.tills < 1:
        p.error("--kills >= 0, --sales >= 1, --window >= 1, --tills >= 1")
    print(f"crash harness: seed {a.seed}, kills {a.kills}, sales {a.sales}, "
          f"tills {a.tills}"
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
    for k in ("kills survived", "kills before a reply", "host starts", "sales generated",
              "sales acknowledged", "acknowledged exactly once", "lost", "duplicated",
              "other store's sales", "sales resent", "resent, found recorded",
              "resent, not recorded", "events sent", "sales checked",
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
