#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`posintent report evidence --expiring-within Nd` (issue 15, part 4).

  - lists each resale certificate of an open account that expires within
    the window or has expired, with kind (expired / expiring), store,
    account, name, state, number, expiry and days left, most urgent first;
  - leaves out certificates beyond the window, certificates without an
    expiry, numbers that never expire, and closed accounts; warns of an
    expiry that is not a date (a row edited behind its back);
  - csv, json and table like the other reports; --store filters;
  - the window is parsed strictly: a usage error (exit 2) naming
    --expiring-within and what is wrong.

usage: report_evidence_test.py POS_HOST POSINTENT_CLI MANIFEST
"""
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile

host, cli, manifest = sys.argv[1:4]
from checks import check, finish


def run(*args):
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=60)


def day(delta):
    return (datetime.datetime.now(datetime.timezone.utc).date() +
            datetime.timedelta(days=delta)).isoformat()


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "till.db")
    ev = os.path.join(tmp, "ping.jsonl")
    with open(ev, "w") as f:
        f.write('{"type":"ping"}\n')
    p = subprocess.run([host, "--manifest", manifest, "--db", db, "--events", ev, "--quiet"],
                       capture_output=True, text=True, timeout=60)
    check("the till creates its database", p.returncode == 0, p.stderr)

    def cert(state, number, expires):
        return f"--cert=state={state},number={number},signed={day(-100)},expires={expires}"

    adds = [
        ["TEX-9", "--name", "Tex Resale LLC", "--kind", "business",
         cert("TX", "1-23-4567890", day(10)), cert("CA", "SR-EAA-123456", day(400))],
        ["OK-1", "--name", "Okie Wholesale", "--kind", "business",
         cert("OK", "OK-778899", day(40))],
        ["NY-2", "--name", "Empire Goods", "--kind", "business",
         cert("NY", "NY-5555", day(5))],
        ["ACME-01", "--name", "Acme GmbH", "--kind", "business", "--vat", "DE136695976"],
        ["OTHER-1", "--store", "roastery-hamburg", "--name", "Hamburg Kaffee",
         "--kind", "business", cert("TX", "9-99-9999999", day(3))],
    ]
    for a in adds:
        r = run("--db", db, "account", "add", *a)
        check(f"account add {a[0]}", r.returncode == 0, r.stderr)
    r = run("--db", db, "account", "close", "NY-2")
    check("account close NY-2", r.returncode == 0, r.stderr)

    # On day +20: TX (+10) has expired, OK (+40) expires within 30 days;
    # CA (+400) does not; NY-2 is closed; ACME has no certificate.
    on = day(20)
    r = run("--db", db, "report", "evidence", "--expiring-within", "30d", "--on", on,
            "--store", "roastery-berlin", "--format", "json")
    check("report evidence exits 0", r.returncode == 0, r.stderr)
    rows = json.loads(r.stdout) if r.returncode == 0 else []
    want = [
        {"kind": "expired", "store": "roastery-berlin", "account": "TEX-9",
         "name": "Tex Resale LLC", "evidence": "resale_cert", "state": "TX",
         "number": "1-23-4567890", "expires": day(10), "days_left": -10},
        {"kind": "expiring", "store": "roastery-berlin", "account": "OK-1",
         "name": "Okie Wholesale", "evidence": "resale_cert", "state": "OK",
         "number": "OK-778899", "expires": day(40), "days_left": 20},
    ]
    check("the expired and the expiring certificate, most urgent first", rows == want,
          json.dumps(rows, indent=1))

    # Every store, CSV: the other store's certificate (expired on day +3)
    # comes between, by days left.
    r = run("--db", db, "report", "evidence", "--expiring-within=30d", f"--on={on}")
    check("csv is the default", r.returncode == 0 and r.stdout.startswith(
        "kind,store,account,name,evidence,state,number,expires,days_left\n"), r.stdout)
    got = [(x["account"], x["days_left"]) for x in csv.DictReader(io.StringIO(r.stdout))]
    check("without --store, every store's accounts",
          got == [("OTHER-1", "-17"), ("TEX-9", "-10"), ("OK-1", "20")], str(got))

    # Today with the default window (30d): only TX (+10) is due; nothing
    # has expired yet, and a 0d window lists only what expires today.
    r = run("--db", db, "report", "evidence", "--store", "roastery-berlin",
            "--format", "json")
    rows = json.loads(r.stdout) if r.returncode == 0 else []
    check("the default window is 30 days from today",
          [(x["account"], x["kind"], x["days_left"]) for x in rows] ==
          [("TEX-9", "expiring", 10)], r.stdout + r.stderr)
    r = run("--db", db, "report", "evidence", "--expiring-within", "0d", "--on", day(10),
            "--store", "roastery-berlin", "--format", "json")
    rows = json.loads(r.stdout) if r.returncode == 0 else []
    check("0d: what expires on the day itself (its last valid day)",
          [(x["account"], x["kind"], x["days_left"]) for x in rows] ==
          [("TEX-9", "expiring", 0)], r.stdout + r.stderr)

    r = run("--db", db, "report", "evidence", "--on", on, "--format", "table")
    check("table format", r.returncode == 0 and "days_left" in r.stdout.splitlines()[0]
          and "OK-778899" in r.stdout, r.stdout + r.stderr)
    r = run("--db", db, "report", "evidence", "--on", day(-400), "--format", "json")
    check("an empty report is an empty array", r.returncode == 0 and
          json.loads(r.stdout) == [], r.stdout + r.stderr)

    # Strict parsing: exit 2, the option named, the reason given.
    for bad, why in [("30", "has no unit"), ("3w", "the unit must be d"),
                     ("d", "whole number"), ("-5d", "whole number"),
                     ("30 d", "the unit must be d"), ("30dd", "the unit must be d"),
                     ("3651d", "at most 3650d"), ("99999999999999999999d", "at most"),
                     ("", "needs a value")]:
        r = run("--db", db, "report", "evidence", "--expiring-within", bad)
        check(f"--expiring-within '{bad}' is a usage error naming the field",
              r.returncode == 2 and "--expiring-within" in r.stderr and why in r.stderr
              and r.stdout == "", f"exit {r.returncode}: {r.stderr}")
    for args, words in [(["--on", "2026-02-30"], ["--on", "real date"]),
                        (["--from", "2026-01-01"], ["--from"]),
                        (["--format", "html"], ["--format", "'html'"]),
                        (["--detail"], ["--detail"])]:
        r = run("--db", db, "report", "evidence", *args)
        check(f"report evidence {' '.join(args)}: usage error",
              r.returncode == 2 and all(w in r.stderr for w in words),
              f"exit {r.returncode}: {r.stderr}")
    r = run("--db", "postgresql://127.0.0.1:1/none", "report", "evidence")
    check("the chain's server is refused, saying why",
          r.returncode == 2 and "till's database" in r.stderr, r.stderr)
    # A row edited behind the accounts' back: said on stderr, not skipped
    # in silence; the report still runs.
    import sqlite3
    con = sqlite3.connect(db)
    con.execute("UPDATE account_evidence SET expires='2027-02-30' WHERE state='OK'")
    con.commit()
    con.close()
    r = run("--db", db, "report", "evidence", "--on", on, "--format", "json")
    check("an expiry that is not a date is warned of",
          r.returncode == 0 and "OK certificate's expiry '2027-02-30' is not a date"
          in r.stderr and "OK-1" not in r.stdout, f"exit {r.returncode}: {r.stderr}")
    r = run("report", "evidence", "--help")
    check("--help", r.returncode == 0 and "--expiring-within" in r.stdout, r.stderr)

finish("report evidence")
