#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The interactive till answers a store script's prompt (sale.answer).

Driven from a pipe, as tests and scripts drive the till (docs/till.md):
  - scripts/examples/age_check.lua asks "18 or older? [y/n]" at P: one key,
    `y`, answers it; the sale is paid and recorded with the answer in its
    meta (the script's on_complete);
  - `n` answers too: the script keeps blocking, so the sale is not
    recorded, and the till says why;
  - a prompt without choices takes a line of text, which reaches the
    script (it stores it) -- and the sale is recorded;
  - pos-host --events passes sale.answer through to the plugin.
Nothing here depends on how fast the machine is.

usage: till_answer_test.py POS_HOST MANIFEST SCRIPTS_EXAMPLES
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

pos_host, manifest, examples = sys.argv[1:4]
FAILURES = []


def check(what, ok):
    if not ok:
        FAILURES.append(what)


CATALOGUE = {"currency": "EUR", "exponent": 2, "items": [
    {"code": "101", "sku": "BEAN-ETH", "name": "Ethiopia 250 g", "net": 1206, "tax": 84},
    {"code": "201", "sku": "LIQUEUR-COFFEE-05", "name": "Coffee liqueur 0.5 l",
     "net": 2092, "tax": 398}]}


def till(tmp, db, scripts, keys):
    cat = os.path.join(tmp, "cat.json")
    with open(cat, "w") as f:
        json.dump(CATALOGUE, f)
    p = subprocess.run([pos_host, "--manifest", manifest, "--db", db, "--scripts", scripts,
                        "--interactive", "--catalogue", cat],
                       input=keys, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout


def sales(db):
    if not os.path.exists(db):
        return []
    c = sqlite3.connect(db)
    try:
        return c.execute("SELECT total, meta FROM sales WHERE status='completed'").fetchall()
    finally:
        c.close()


with tempfile.TemporaryDirectory() as tmp:
    # 1. One key answers a prompt with choices; the sale is recorded.
    db = os.path.join(tmp, "yes.db")
    rc, out = till(tmp, db, examples, "201\nP\ny\nk\n")
    check("the till asks the script's question with one-key choices:\n" + out,
          "Check ID: is the buyer 18 or older? [y/n]: y" in out)
    check("the answer is taken:\n" + out, "answered age_18: yes" in out)
    rows = sales(db)
    check("the sale is recorded with the answer kept by the script: %r" % rows,
          len(rows) == 1 and rows[0][0] == 2490 and
          json.loads(rows[0][1]).get("age_18") == "yes")

    # 2. "n" is an answer too; the rule keeps blocking, nothing is recorded.
    db = os.path.join(tmp, "no.db")
    rc, out = till(tmp, db, examples, "201\nP\nn\nQ\ny\n")
    check("a no is answered and the block shown:\n" + out,
          "answered age_18: no" in out and
          "cannot complete yet: The buyer is under 18" in out)
    check("nothing recorded after a no: %r" % sales(db), sales(db) == [])

    # 3. A prompt without choices takes a line of text.
    d = os.path.join(tmp, "scripts")
    os.mkdir(d)
    with open(os.path.join(d, "note.lua"), "w") as f:
        f.write("return {\n"
                "  on_total = function(sale)\n"
                "    if sale.answers.note then return nil end\n"
                "    return { prompts = { { id = 'note', text = 'Delivery note?' } },\n"
                "             block = 'the delivery note is missing' }\n"
                "  end,\n"
                "  on_complete = function(sale) return { note = sale.answers.note } end,\n"
                "}\n")
    db = os.path.join(tmp, "note.db")
    rc, out = till(tmp, db, d, "101\nP\nLeave at the door\nk\n")
    check("a free-text question is asked:\n" + out,
          "Delivery note?: Leave at the door" in out)
    rows = sales(db)
    check("the typed answer reached the script: %r" % rows,
          len(rows) == 1 and json.loads(rows[0][1]).get("note") == "Leave at the door")

    # 4. pos-host --events passes sale.answer through.
    db = os.path.join(tmp, "events.db")
    events = [
        {"type": "sale.begin", "sale": "E1", "store": "roastery-berlin", "terminal": "T1",
         "at": "2026-11-20T16:00:00+01:00"},
        {"type": "sale.line", "sale": "E1", "line": "L1", "sku": "LIQUEUR-COFFEE-05",
         "qty": 1, "unit_price": 2490, "net": 2092, "tax": 398},
        {"type": "sale.answer", "sale": "E1", "prompt": "age_18", "value": "yes"},
        {"type": "sale.complete", "sale": "E1", "total": 2490}]
    p = subprocess.run([pos_host, "--manifest", manifest, "--db", db, "--scripts", examples,
                        "--events", "-"],
                       input="".join(json.dumps(e) + "\n" for e in events),
                       capture_output=True, text=True, timeout=120)
    replies = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    check("pos-host --events: %s" % p.stdout,
          len(replies) == 4 and replies[2].get("ok") is True and
          replies[2].get("value") == "yes" and replies[3].get("recorded") is True)

for f in FAILURES:
    print("FAIL:", f)
sys.exit(1 if FAILURES else 0)
