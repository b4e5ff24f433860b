#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The interactive till names a customer account on file (A).

On a pseudo-terminal, as a cashier types (tests/test_till.py's Tty):
  - A, then the account's id and Enter: the sale copies the account
    (sale.customer {"account": ID}); the status line names it and its
    version, and its default purpose becomes the whole sale's;
  - A again offers the accounts named lately by number: two keystrokes
    (A, 1) name the same account again;
  - a closed and an unknown account are refused with the plugin's
    sentence on the status line, and the sale keeps its customer;
  - the sale is recorded with the account's id and evidence.
From a pipe, the same keys leave the same record (a line "1" picks).
Nothing here depends on how fast the machine is.

usage: till_account_test.py POS_HOST POSINTENT MANIFEST CATALOGUE
"""
import os
import re
import subprocess
import sys
import tempfile
import termios

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_till  # noqa: E402  (Tty, sales, check)
from test_till import Tty, check, truth, sales  # noqa: E402

host, cli, manifest, catalogue = sys.argv[1:5]


def make_db(tmp, name):
    db = os.path.join(tmp, name)
    ev = os.path.join(tmp, "ping.jsonl")
    with open(ev, "w") as f:
        f.write('{"type":"ping"}\n')
    p = subprocess.run([host, "--manifest", manifest, "--db", db, "--events", ev, "--quiet"],
                       capture_output=True, text=True, timeout=60)
    truth("the till creates its database: " + p.stderr, p.returncode == 0)
    for args in (["ACME-01", "--name", "Acme GmbH", "--kind", "business",
                  "--purpose", "resale", "--vat", "DE136695976"],
                 ["GONE-1", "--name", "Gone KG", "--kind", "business"]):
        r = subprocess.run([cli, "--db", db, "account", "add", *args],
                           capture_output=True, text=True, timeout=60)
        truth("account add: " + r.stderr, r.returncode == 0)
    r = subprocess.run([cli, "--db", db, "account", "close", "GONE-1"],
                       capture_output=True, text=True, timeout=60)
    truth("account close: " + r.stderr, r.returncode == 0)
    return db


def recorded(db):
    s = sales(db)
    return [(x["status"], x["customer_id"], x["purpose"],
             [(e["kind"], e["compact"], e["valid"]) for e in x["evidence"]]) for x in s]


WANT = [("completed", "ACME-01", "resale", [("vat", "DE136695976", 1)])]


def status(tty):
    rows = tty.screen()
    return rows[-1] if rows else ""


def pty_session(tmp):
    db = make_db(tmp, "pty.db")
    tty = Tty([host, "--manifest", manifest, "--db", db, "--interactive", "--catalogue",
               catalogue, "--cashier", "jonas", "--terminal", "T9"])
    cooked = termios.tcgetattr(tty.slave)[3] & (termios.ICANON | termios.ECHO)
    if not tty.wait_text("Catalogue (code  item  price):"):
        tty.proc.kill()
        tty.close()
        return
    tty.send("101\r")
    tty.wait(lambda r: tty.row("L1"), "L1 on screen")

    tty.send("A")
    tty.wait_text("Account id (Enter cancels):")
    tty.send("ACME-01\r")
    truth("pty: the account is named on the status line", tty.wait_text(
        "customer: account ACME-01 (version 1), vat DE136695976 valid, whole sale resale"))
    truth("pty: the header shows the account's customer",
          tty.wait_text("customer: ACME-01, DE136695976 ok"))

    # A closed account: refused, said on the status line, nothing changed.
    tty.send("A")
    tty.wait_text("Account id or 1 ACME-01 (Enter cancels):")
    tty.send("GONE-1\r")
    truth("pty: a closed account's refusal is on the status line",
          tty.wait_text("account GONE-1 not taken: account GONE-1 is closed since"))
    truth("pty: the sale keeps its customer after a refusal",
          any("customer: ACME-01, DE136695976 ok" in r for r in tty.screen()))
    tty.send("A")
    tty.wait_text("Account id or 1 ACME-01")
    tty.send("NOPE-9\r")
    truth("pty: an unknown account's refusal is on the status line",
          tty.wait_text("account NOPE-9 not taken: store roastery-berlin has no account "
                        "NOPE-9"))

    # Two keystrokes: A, then the number of an account named lately.
    before = tty.keys
    tty.send("A")
    tty.wait_text("Account id or 1 ACME-01")
    tty.send("1")
    check("pty: naming a recent account takes two keystrokes", tty.keys - before, 2)
    truth("pty: the pick names the account", tty.wait_text(
        "customer: account ACME-01 (version 1), vat DE136695976"))
    tty.send("T")
    truth("pty: the line is resale from the account's default purpose",
          tty.wait(lambda r: re.search(r"resale\*\s+reseller", tty.row("L1")),
                   "L1 resale for the whole sale"))

    tty.send("P")
    tty.wait_text("Pay 12.90 EUR")
    tty.send("\r")
    tty.wait_text("paid: 12.90 EUR by card, recorded.")
    tty.send("Q")
    try:
        check("pty: exit status after Q", tty.proc.wait(timeout=10), 0)
    except subprocess.TimeoutExpired:
        test_till.FAILURES.append("pty: Q did not end the till")
    check("pty: terminal restored after Q",
          tty.lflag() & (termios.ICANON | termios.ECHO), cooked)
    tty.close()
    check("pty: the sale is recorded under the account", recorded(db), WANT)


def pipe_session(tmp):
    db = make_db(tmp, "pipe.db")
    keys = "\n".join(["101", "A", "ACME-01", "A", "GONE-1", "A", "", "A", "1",
                      "P", "", "Q"]) + "\n"
    p = subprocess.run([host, "--manifest", manifest, "--db", db, "--interactive",
                        "--catalogue", catalogue], input=keys, capture_output=True,
                       text=True, timeout=120)
    out = p.stdout
    check("pipe: exit status", p.returncode, 0)
    truth("pipe: the account is named:\n" + out,
          "customer: account ACME-01 (version 1), vat DE136695976 valid, whole sale resale"
          in out)
    truth("pipe: the refusal is said:\n" + out,
          "account GONE-1 not taken: account GONE-1 is closed since" in out)
    truth("pipe: an empty answer names nothing:\n" + out,
          "no account named; nothing changed" in out)
    truth("pipe: a lone 1 picks the recent account:\n" + out,
          "Account id or 1 ACME-01 (Enter cancels): 1\ncustomer: account ACME-01" in out)
    check("pipe: the sale is recorded under the account", recorded(db), WANT)


with tempfile.TemporaryDirectory() as tmp:
    pipe_session(tmp)
    pty_session(tmp)
for f in test_till.FAILURES:
    print("FAIL", f)
print(f"till account: {test_till.CHECKS} checks, {len(test_till.FAILURES)} failed")
sys.exit(1 if test_till.FAILURES else 0)
