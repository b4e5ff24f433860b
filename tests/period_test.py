#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Filed periods stay filed (issue 18), through the till and the CLI.

A Berlin roastery sells to an Austrian and a Dutch reseller in a month
that is over (two months before this one, so that it may be closed
whatever today's date is), the accountant files that month's ZM and
closes it; then, in this month, the till voids the Dutch sale.  Checked:
the closed month's report regenerates byte for byte with the recorded
SHA-256; the month of the void shows the credit against the same VAT
number; --corrections lists it; closing again, or closing this month, is
refused; verify passes, and fails once the period entry is edited.

usage: period_test.py POS_HOST POSINTENT MANIFEST
"""
import csv
import datetime
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

host, cli, manifest = sys.argv[1:4]
from checks import check, failures, finish


def month_before(d, n):
    y, m = d.year, d.month - n
    while m < 1:
        y, m = y - 1, m + 12
    return datetime.date(y, m, 1)


today = datetime.datetime.now(datetime.timezone.utc).date()
filed = month_before(today, 2)  # over in every time zone, whatever the day
period = f"{filed:%Y-%m}"
this_month = f"{today:%Y-%m}"


def sale(sid, day, vat, name, net):
    return [
        {"type": "sale.begin", "sale": sid, "store": "roastery-berlin", "terminal": "T1",
         "cashier": "mia", "at": f"{day}T10:00:00+01:00", "currency": "EUR"},
        {"type": "sale.line", "sale": sid, "line": "L1", "sku": "BEAN-HOUSE",
         "name": "House Espresso 1 kg", "qty": 1, "unit_price": net, "net": net, "tax": 0},
        {"type": "sale.customer", "sale": sid,
         "customer": {"id": "C-" + sid, "name": name, "org": True, "vat": vat}},
        {"type": "sale.tag", "sale": sid, "purpose": "resale"},
        {"type": "sale.complete", "sale": sid, "total": net},
    ]


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "shop.db")

    def till(events):
        path = os.path.join(tmp, "events.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")
        r = subprocess.run([host, "--manifest", manifest, "--db", db, "--events", path],
                           capture_output=True, text=True)
        replies = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        check("till exit", r.returncode == 0, r.stderr)
        check("every event accepted", all(x.get("ok") for x in replies),
              [x for x in replies if not x.get("ok")])

    def run(*args):
        return subprocess.run([cli, "--db", db, *args], capture_output=True, cwd=tmp)

    def zm(p):
        r = run("report", "ec-sales-list", "--period", p, "--format", "zm")
        check(f"ZM {p} exit", r.returncode == 0, r.stderr)
        return r.stdout

    day = f"{filed:%Y-%m}-15"
    till(sale("S1", day, "ATU 135 856 27", "Kaffeehaus Wien OG", 16651) +
         sale("S2", day, "NL 0044.95.445.B01", "Koffiebar Utrecht B.V.", 32710))
    before = zm(period)
    check("the month's ZM", before == (b"#v3.0\r\nUSt-IdNr.,Betrag(EUR),Art der Leistung\r\n"
                                       b"ATU13585627,167,L\r\nNL004495445B01,327,L\r\n"),
          before)
    head_before = run("verify").stdout.decode().split("head: ")[1].split()

    # ---- closing ----------------------------------------------------------
    r = run("period", "close", "--period", this_month, "--format", "zm")
    check("this month cannot be closed", r.returncode == 1 and b"not over" in r.stderr,
          (r.returncode, r.stderr))
    r = run("period", "close", "--period", period, "--format", "zm")
    check("close exit", r.returncode == 0, r.stderr)
    check("close writes the filing", r.stdout == before, r.stdout)
    filed_hash = hashlib.sha256(r.stdout).hexdigest()
    check("close names the hash", filed_hash.encode() in r.stderr, r.stderr)
    r = run("period", "close", "--period", period, "--format", "zm")
    check("closing twice is refused", r.returncode == 1 and b"was closed" in r.stderr,
          (r.returncode, r.stderr))
    check("...writing nothing", r.stdout == b"", r.stdout)
    r = run("period", "list")
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
    check("one closed period listed", len(rows) == 1, rows)
    row = rows[0] if rows else {}
    check("listed period", row.get("period") == period and row.get("format") == "zm", row)
    check("listed hash is the filing's", row.get("sha256") == filed_hash, row)
    check("listed head is the journal's at closing",
          [row.get("head_seq"), row.get("head")] == head_before, (row, head_before))

    # ---- a void in this month --------------------------------------------
    till([{"type": "sale.void", "sale": "S2", "reason": "returned unopened"}])
    r = run("export", "--format", "jsonl")
    s2 = next(json.loads(l) for l in r.stdout.splitlines() if b'"S2"' in l)
    void_at = datetime.datetime.fromisoformat(s2["voided"]["at"].replace("Z", "+00:00"))
    # The void's day on the sale's clock (+01:00), as the reports take it.
    void_day = (void_at + datetime.timedelta(hours=1)).date()
    void_month = f"{void_day:%Y-%m}"

    after = zm(period)
    check("the closed month regenerates byte for byte", after == before, after)
    check("...with the recorded hash", hashlib.sha256(after).hexdigest() == filed_hash)
    credit = zm(void_month)
    check("the void's month shows the credit",
          credit == (b"#v3.0\r\nUSt-IdNr.,Betrag(EUR),Art der Leistung\r\n"
                     b"NL004495445B01,-327,L\r\n"), credit)
    r = run("report", "ec-sales-list", "--corrections", "--period", period)
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
    check("--corrections lists the void", [(x["sale"], x["vat_number"], x["net"],
                                            x["void_day"], x["sale_day"]) for x in rows]
          == [("S2", "004495445B01", "-327.10", f"{void_day}", day)], rows)

    # ---- the chain ---------------------------------------------------------
    r = run("verify")
    check("verify passes", r.returncode == 0, r.stdout + r.stderr)
    con = sqlite3.connect(db)
    seq, = con.execute("SELECT seq FROM journal WHERE kind = 'period'").fetchone()
    con.execute("UPDATE journal SET body = replace(body, ?, ?) WHERE seq = ?",
                (filed_hash, "0" * 64, seq))
    con.commit()
    con.close()
    r = run("verify")
    check("verify fails after the period entry is edited",
          r.returncode == 1 and f"entry {seq}".encode() in r.stdout + r.stderr,
          (r.returncode, r.stdout, r.stderr))

finish("period checks")
