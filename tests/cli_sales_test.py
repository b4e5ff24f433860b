#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`posintent sales list` and `posintent sale show` over the demo day.

usage: cli_sales_test.py POS_HOST POSINTENT MANIFEST EVENTS
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

host, cli, manifest, events_path = sys.argv[1:5]
failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


events = [json.loads(l) for l in open(events_path, encoding="utf-8") if l.strip()]
completed = {e["sale"] for e in events if e["type"] == "sale.complete"}
voided = {e["sale"] for e in events if e["type"] == "sale.void"}
gift_sales = {e["sale"] for e in events if e["type"] == "sale.tag" and e["purpose"] == "gift"}

with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "day.db")
    subprocess.run([host, "--manifest", manifest, "--db", db, "--events", events_path,
                    "--quiet"], check=True, capture_output=True)

    def run(*args):
        return subprocess.run([cli, "--db", db, *args], capture_output=True, text=True,
                              cwd=tmp)

    r = run("sales", "list", "--format", "csv")
    check("sales list exit", r.returncode, 0)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    check("sales listed", sorted(x["sale"] for x in rows), sorted(completed | voided))
    check("voided listed as voided", sorted(x["sale"] for x in rows if x["status"] == "voided"),
          sorted(voided))
    s013 = next(x for x in rows if x["sale"] == "S013")
    check("S013 total in major units", (s013["currency"], s013["total"]), ("EUR", "66.60"))

    r = run("sales", "list", "--purpose", "gift", "--format", "json")
    got = sorted(x["sale"] for x in json.loads(r.stdout))
    check("--purpose gift", got, sorted(gift_sales & completed))

    r = run("sale", "show", "roastery-berlin", "T2", "S013")
    check("sale show exit", r.returncode, 0)
    for want in ("total              66.60", "treatment          reverse_charge",
                 "recipient_name     Mutter Berger", "compact            ATU13585627"):
        if want not in r.stdout:
            failures.append(f"sale show lacks {want!r}")
    check("unknown sale exit", run("sale", "show", "roastery-berlin", "T2", "NOPE").returncode, 1)
    for args in (["sales", "list", "--from", "2026-11-31"], ["sales", "list", "--purpose", "x"],
                 ["sales", "list", "--from", "2026-12-01", "--to", "2026-11-01"],
                 ["sales", "list", "--format", "xml"], ["sale", "show", "a"], ["sales", "wat"]):
        r = run(*args)
        check(f"{' '.join(args)}: exit", r.returncode, 2)
        if "posintent:" not in r.stderr:
            failures.append(f"{' '.join(args)}: no message on stderr")

for f in failures:
    print("FAIL", f)
print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
