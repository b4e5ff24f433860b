#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Integration test: the demo day through pos-host, checked row by row.

Runs the reference host over scripts/demo-day.jsonl into a fresh database,
then works out on its own, from the events alone, what the day must have
recorded: which sales completed or were voided, every line with its purpose
and buyer status, amounts, gift details and the reseller identifiers (VAT
numbers judged by python-stdnum, the reference, not by our validator), and
each return (sale.return) with its business day and each returned line's
share, priced here from the line sold, with the purpose and status the line
was sold with.  The database must match that exactly.

usage: demo_day_test.py POS_HOST MANIFEST EVENTS [VALGRIND...]
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

from stdnum.eu import vat as euvat

STORE_COUNTRY = "DE"
EU = set("AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT "
         "RO SE SI SK XI".split())
STATUS = {"own_use": "consumer", "gift": "customer", "resale": "reseller"}


def prorate(amount, part, whole):
    """amount * part / whole, rounded half up (docs/events.md, sale.return)."""
    return (2 * amount * part + whole) // (2 * whole)


def expected_day(events):
    """Replay the events with the product's documented rules."""
    sales, refused = {}, []
    for i, ev in enumerate(events):
        t, sid = ev["type"], ev.get("sale")
        if t == "sale.begin":
            sales[sid] = dict(id=sid, terminal=ev["terminal"], lines={}, order=[],
                              purpose=None, gift={}, customer=None, state="open",
                              currency=ev.get("currency", "EUR"))
            continue
        s = sales[sid]
        if t == "sale.line":
            if ev.get("remove") or ev.get("qty") == 0:
                del s["lines"][ev["line"]]
                s["order"].remove(ev["line"])
            elif ev["line"] in s["lines"]:
                s["lines"][ev["line"]].update(net=ev["net"], tax=ev["tax"], qty=ev["qty"])
            else:
                s["lines"][ev["line"]] = dict(net=ev["net"], tax=ev["tax"], qty=ev["qty"],
                                              sku=ev["sku"], purpose=None, gift=None)
                s["order"].append(ev["line"])
        elif t == "sale.customer":
            s["customer"] = ev["customer"]
        elif t == "sale.tag":
            if ev["purpose"] == "resale" and not reseller_ok(s["customer"]):
                refused.append(i)  # the block policy refuses it
                continue
            gift = dict(recipient=ev.get("recipient", {}), message=ev.get("message"),
                        receipt=ev.get("gift_receipt")) if ev["purpose"] == "gift" else None
            if "line" in ev:
                s["lines"][ev["line"]].update(purpose=ev["purpose"], gift=gift)
            else:
                s["purpose"], s["gift"] = ev["purpose"], gift
        elif t == "sale.complete":
            assert ev["total"] == sum(l["net"] + l["tax"] for l in s["lines"].values())
            s["state"] = "completed"
        elif t == "sale.void":
            s["state"] = "voided"
        elif t == "sale.return":
            lines = []
            for rl in ev["lines"]:
                l = s["lines"][rl["line"]]
                sold, q = round(l["qty"] * 1000), round(rl["qty"] * 1000)
                before = l.setdefault("returned", 0)
                l["returned"] = before + q
                p = l["purpose"] or s["purpose"] or "own_use"
                lines.append((rl["line"], q,
                              prorate(l["net"], before + q, sold) - prorate(l["net"], before, sold),
                              prorate(l["tax"], before + q, sold) - prorate(l["tax"], before, sold),
                              p, STATUS[p]))
            s.setdefault("returns", []).append(dict(
                id=ev["return"], day=ev["at"][:10], reason=ev["reason"], lines=lines,
                refund=sum(t["amount"] for t in ev["refund"])))
    return sales, refused


def reseller_ok(customer):
    if not customer:
        return False
    if "vat" in customer:
        return euvat.is_valid(customer["vat"])
    return "eori" in customer or "resale_cert" in customer


def reseller_identity(customer):
    if "vat" in customer:
        return "vat", euvat.compact(customer["vat"])
    if "eori" in customer:
        return "eori", customer["eori"].replace(" ", "").upper()
    rc = customer["resale_cert"]
    return "resale_cert", rc["state"] + ":" + rc["number"].replace(" ", "").upper()


def treatment(kind, ident):
    if kind == "resale_cert":
        return "exempt_resale"
    if kind == "vat" and ident[:2] in EU and ident[:2] != STORE_COUNTRY:
        return "reverse_charge"
    return "standard"


def main():
    host, manifest, events_path = sys.argv[1:4]
    wrapper = sys.argv[4:]
    events = [json.loads(l) for l in open(events_path, encoding="utf-8")
              if l.strip() and not l.startswith("#")]
    sales, refused = expected_day(events)
    failures = []

    def check(what, got, want):
        if got != want:
            failures.append(f"{what}: got {got!r}, want {want!r}")

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "day.db")
        run = subprocess.run(wrapper + [host, "--manifest", manifest, "--db", db,
                                        "--events", events_path, "--quiet"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            print(f"pos-host exited {run.returncode}")
            return 1
        replies = [json.loads(l) for l in run.stdout.splitlines()]
        check("replies", len(replies), len(events))
        bad = [i for i, r in enumerate(replies) if not r["ok"]]
        check("refused events", bad, refused)
        for i in bad:
            check(f"event {i} error code", replies[i]["error"]["code"], "reseller_evidence")
        check("database mode", oct(os.stat(db).st_mode & 0o777), "0o600")

        con = sqlite3.connect(db)
        rows = {r[0]: r for r in con.execute(
            "SELECT sale, status, purpose, net, tax, total, reseller_kind, reseller_id,"
            " reseller_valid, treatment, terminal, currency,"
            " EXISTS(SELECT 1 FROM voids v WHERE v.sale_id=sales.id) FROM sales")}
        check("sales recorded", sorted(rows), sorted(sales))
        n_lines = 0
        for sid, s in sales.items():
            r = rows.get(sid)
            if r is None:
                continue
            check(f"{sid} status", r[1], s["state"])
            check(f"{sid} voided", r[12], 1 if s["state"] == "voided" else 0)
            check(f"{sid} terminal", r[10], s["terminal"])
            net = sum(l["net"] for l in s["lines"].values())
            tax = sum(l["tax"] for l in s["lines"].values())
            check(f"{sid} net", r[3], net)
            check(f"{sid} tax", r[4], tax)
            if s["state"] == "completed":
                check(f"{sid} total", r[5], net + tax)
            line_purposes = [s["lines"][l]["purpose"] or s["purpose"] or "own_use"
                             for l in s["order"]]
            has_resale = "resale" in line_purposes and s["state"] == "completed"
            if has_resale:
                kind, ident = reseller_identity(s["customer"])
                check(f"{sid} reseller", (r[6], r[7], r[8]), (kind, ident, 1))
                check(f"{sid} treatment", r[9], treatment(kind, ident))
            else:
                check(f"{sid} reseller", r[7], None)
            got = con.execute(
                "SELECT l.line, l.purpose, l.status, l.net, l.tax, l.qty_milli,"
                " l.recipient_name, l.gift_message, l.gift_receipt"
                " FROM lines l JOIN sales s ON s.id=l.sale_id"
                " WHERE s.sale=? ORDER BY seq", (sid,)).fetchall()
            want = []
            for lid, p in zip(s["order"], line_purposes):
                l = s["lines"][lid]
                g = (l["gift"] if l["purpose"] else s["gift"]) if p == "gift" else None
                g = g or {}
                want.append((lid, p, STATUS[p], l["net"], l["tax"], round(l["qty"] * 1000),
                             (g.get("recipient") or {}).get("name"), g.get("message"),
                             1 if g.get("receipt") else 0))
            check(f"{sid} lines", got, want)
            n_lines += len(want)
        check("line rows", con.execute("SELECT count(*) FROM lines").fetchone()[0], n_lines)
        n_returns = 0
        for sid, s in sales.items():
            for rt in s.get("returns", []):
                n_returns += 1
                got = con.execute(
                    "SELECT s.sale, r.day, r.reason, r.net, r.tax, r.total FROM returns r"
                    " JOIN sales s ON s.id = r.sale_id WHERE r.ret = ?", (rt["id"],)).fetchall()
                net = sum(l[2] for l in rt["lines"])
                tax = sum(l[3] for l in rt["lines"])
                check(f"return {rt['id']}", got,
                      [(sid, rt["day"], rt["reason"], net, tax, net + tax)])
                check(f"return {rt['id']} refund", rt["refund"], net + tax)
                got = con.execute(
                    "SELECT rl.line, rl.qty_milli, rl.net, rl.tax, rl.purpose, rl.status"
                    " FROM return_lines rl JOIN returns r ON r.id = rl.return_id"
                    " WHERE r.ret = ? ORDER BY rl.seq", (rt["id"],)).fetchall()
                check(f"return {rt['id']} lines", got, rt["lines"])
        check("return rows", con.execute("SELECT count(*) FROM returns").fetchone()[0],
              n_returns)
        check("integrity", con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        con.close()

    for f in failures:
        print("FAIL", f)
    completed = sum(1 for s in sales.values() if s["state"] == "completed")
    n_returns = sum(len(s.get("returns", [])) for s in sales.values())
    print(f"demo day: {len(events)} events, {len(sales)} sales ({completed} completed),"
          f" {n_lines} lines and {n_returns} returns checked,"
          f" {len(refused)} refusal(s) expected")
    print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
