#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A tax rate and code per line, reported per rate (issue 18, point 7).

Through the till: every bad tax_rate_bp and tax_code is refused naming
its field, and nothing of the refused line is kept; the rate and code are
stored with the line, seen by a Lua hook, chained in the journal
(verify passes, and fails once a rate or code is edited in the database).
Through the CLI: `report tax-rates` gives, per period, store, currency,
treatment, rate and code, the sales, lines, net and tax, less returns at
the rate the line was sold at.  The expected figures are totalled here
from the events sent and the return replies, never typed in.

usage: tax_rates_test.py POS_HOST POSINTENT MANIFEST
"""
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from decimal import Decimal

host, cli, manifest = sys.argv[1:4]
from checks import check, finish

STORE = "roastery-berlin"


def begin(sid, day, currency="EUR"):
    return {"type": "sale.begin", "sale": sid, "store": STORE, "terminal": "T1",
            "cashier": "mia", "at": f"{day}T10:00:00+01:00", "currency": currency}


def line(sid, lid, net, tax, qty=1, rate=None, code=None):
    e = {"type": "sale.line", "sale": sid, "line": lid, "sku": "SKU-" + lid,
         "name": "Item " + lid, "qty": qty, "unit_price": (net + tax) // qty,
         "net": net, "tax": tax}
    if rate is not None:
        e["tax_rate_bp"] = rate
    if code is not None:
        e["tax_code"] = code
    return e


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "shop.db")
    scripts = os.path.join(tmp, "scripts")
    os.mkdir(scripts)
    with open(os.path.join(scripts, "rates.lua"), "w") as f:
        f.write('return { on_total = function(sale, decision)\n'
                '  local out = {}\n'
                '  for _, l in ipairs(sale.lines) do\n'
                '    out[#out + 1] = l.line .. " " .. tostring(l.tax_rate_bp) .. " " ..\n'
                '                    tostring(l.tax_code)\n'
                '  end\n'
                '  return { receipt = out }\n'
                'end }\n')

    def till(events):
        path = os.path.join(tmp, "events.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")
        r = subprocess.run([host, "--manifest", manifest, "--db", db, "--scripts", scripts,
                            "--events", path, "--quiet"],
                           capture_output=True, text=True, timeout=300)
        check("till exit", r.returncode == 0, r.stderr)
        return [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]

    def run(*args):
        return subprocess.run([cli, "--db", db, *args], capture_output=True, text=True,
                              timeout=300)

    # ---- validation: each refusal names its field; nothing is kept -------
    bad = [("tax_rate_bp", 19.5, "bad_value"), ("tax_rate_bp", -1, "bad_value"),
           ("tax_rate_bp", 10001, "bad_value"), ("tax_rate_bp", "19", "bad_type"),
           ("tax_rate_bp", None, "bad_type"), ("tax_rate_bp", True, "bad_type"),
           ("tax_code", "", "bad_value"), ("tax_code", "s", "bad_value"),
           ("tax_code", "S S", "bad_value"), ("tax_code", "A" * 17, "too_long"),
           ("tax_code", 7, "bad_type"), ("tax_code", None, "bad_type"),
           ("tax_code", "DE\u00e4", "bad_value")]
    evs = [begin("V1", "2026-10-05")]
    for field, value, _ in bad:
        e = line("V1", "L1", 1000, 190, rate=1900, code="S")
        e[field] = value
        evs.append(e)
    evs.append(line("V1", "L2", 500, 35, rate=700, code="R"))
    evs.append({"type": "sale.void", "sale": "V1", "reason": "test"})
    replies = till(evs)
    for (field, value, code), r in zip(bad, replies[1:1 + len(bad)]):
        err = r.get("error", {})
        check(f"{field}={value!r} refused", r.get("ok") is False and
              err.get("field") == field and err.get("code") == code and
              field in err.get("message", ""), r)
    ok = replies[1 + len(bad)]
    check("the refused lines left nothing: the next line is the sale's only one",
          ok.get("ok") and ok.get("lines") == 1 and ok.get("net") == 500, ok)

    # ---- sales with rates, codes, neither; two currencies; returns -------
    sales = {
        # sid: (day, currency, [(line, net, tax, qty, rate, code)], resale VAT or None)
        "S1": ("2026-11-03", "EUR", [("L1", 10000, 1900, 1, 1900, "S"),
                                     ("L2", 2000, 140, 2, 700, "R"),
                                     ("L3", 4000, 0, 1, 0, "Z")], None),
        "S2": ("2026-11-03", "EUR", [("L1", 3000, 570, 1, 1900, "S"),
                                     ("L2", 1000, 70, 1, 700, None)], None),
        "S3": ("2026-11-20", "EUR", [("L1", 1500, 0, 3, None, "E"),
                                     ("L2", 800, 152, 1, None, None)], None),
        "S4": ("2026-11-21", "EUR", [("L1", 16651, 0, 1, 0, "RC")], "ATU 135 856 27"),
        "S5": ("2026-11-22", "GBP", [("L1", 2500, 500, 1, 2000, "S"),
                                     ("L2", 1200, 60, 1, 500, "L")], None),
        "S6": ("2026-12-01", "EUR", [("L1", 5550, 305, 1, 550, None)], None),
    }
    evs = []
    for sid, (day, cur, lines, vat) in sales.items():
        evs.append(begin(sid, day, cur))
        for lid, net, tax, qty, rate, code in lines:
            evs.append(line(sid, lid, net, tax, qty, rate, code))
        if vat:
            evs.append({"type": "sale.customer", "sale": sid,
                        "customer": {"id": "C-" + sid, "name": "Kaffeehaus Wien OG",
                                     "org": True, "vat": vat}})
            evs.append({"type": "sale.tag", "sale": sid, "purpose": "resale"})
        evs.append({"type": "sale.total", "sale": sid})
        total = sum(net + tax for _, net, tax, *_ in lines)
        evs.append({"type": "sale.complete", "sale": sid, "total": total})
    # Returns in December: one of S1's two L2 and all of S3 L1.
    returns = [("S1", "R1", [("L2", 1)]), ("S3", "R2", [("L1", 3)])]
    for sid, rid, rl in returns:
        # The refund must pay the returned lines exactly; these quantities
        # divide their lines' amounts evenly.  What each line comes to is
        # read back from the return's reply below.
        by_line = {l[0]: l for l in sales[sid][2]}
        refund = sum((by_line[l][1] + by_line[l][2]) * q // by_line[l][3] for l, q in rl)
        evs.append({"type": "sale.return", "sale": sid, "store": STORE, "terminal": "T1",
                    "return": rid, "at": "2026-12-02T11:00:00+01:00",
                    "lines": [{"line": l, "qty": q} for l, q in rl],
                    "reason": "unwanted", "refund": [{"type": "cash", "amount": refund}]})
    replies = till(evs)
    check("every sale event accepted", all(r.get("ok") for r in replies),
          [r for r in replies if not r.get("ok")])
    if not all(r.get("ok") for r in replies):
        finish("tax rates")

    # The hook sees each line's rate and code (nil when not sent).
    totals = {r["sale"]: r for r in replies if r.get("type") == "sale.total"}
    receipt = totals.get("S3", {}).get("receipt", [])
    check("a hook sees tax_rate_bp and tax_code (nil when not sent)",
          "L1 nil E" in receipt and "L2 nil nil" in receipt, totals.get("S3"))
    receipt = totals.get("S1", {}).get("receipt", [])
    check("a hook sees the rate as an integer", "L1 1900 S" in receipt and
          "L3 0 Z" in receipt, receipt)

    # Stored with the line.
    con = sqlite3.connect(db)
    got = con.execute("SELECT s.sale, l.line, l.tax_rate_bp, l.tax_code FROM lines l"
                      " JOIN sales s ON s.id = l.sale_id WHERE s.sale = 'S3'"
                      " ORDER BY l.seq").fetchall()
    con.close()
    check("rate and code stored with the line (NULL when not sent)",
          got == [("S3", "L1", None, "E"), ("S3", "L2", None, None)], got)

    # ---- expected figures, totalled here -----------------------------------
    want = defaultdict(lambda: [set(), 0, 0, 0, set(), 0, 0])
    treat = lambda vat: "reverse_charge" if vat else "standard"
    for sid, (day, cur, lines, vat) in sales.items():
        for lid, net, tax, qty, rate, code in lines:
            g = want[(day[:7], STORE, cur, treat(vat), rate, code)]
            g[0].add(sid)
            g[1] += 1
            g[2] += net
            g[3] += tax
    ret_replies = {r["return"]: r for r in replies if r.get("type") == "sale.return"}
    for sid, rid, _ in returns:
        rr = ret_replies[rid]
        day, cur, lines, vat = sales[sid]
        by_line = {l[0]: l for l in lines}
        for rl in rr["lines"]:
            _, net, tax, qty, rate, code = by_line[rl["line"]]
            g = want[(rr["day"][:7], STORE, cur, treat(vat), rate, code)]
            g[4].add(rid)
            g[2] -= rl["net"]
            g[3] -= rl["tax"]
            g[5] += rl["net"]
            g[6] += rl["tax"]

    def money(v, cur):
        return str(Decimal(v).scaleb(-2).quantize(Decimal("0.01")))

    def rate_text(bp):
        return "" if bp is None else f"{bp // 100}.{bp % 100:02d}"

    def key(k):
        return (k[0], k[1], k[2], k[3], -1 if k[4] is None else k[4], k[5] or "")

    want_rows = [[k[0], k[1], k[2], k[3], rate_text(k[4]), k[5] or "", str(len(g[0])),
                  str(g[1]), money(g[2], k[2]), money(g[3], k[2]), str(len(g[4])),
                  money(g[5], k[2]), money(g[6], k[2])]
                 for k, g in sorted(want.items(), key=lambda kv: key(kv[0]))]

    r = run("report", "tax-rates", "--by", "month")
    check("report tax-rates exit 0", r.returncode == 0, r.stderr)
    rows = list(csv.reader(io.StringIO(r.stdout)))
    check("the columns", rows[:1] == [["period", "store", "currency", "treatment",
                                       "tax_rate", "tax_code", "sales", "lines", "net",
                                       "tax", "returns", "returned_net",
                                       "returned_tax"]], rows[:1])
    check("the figures per rate", rows[1:] == want_rows,
          "\n got " + "\n     ".join(map(str, rows[1:])) +
          "\nwant " + "\n     ".join(map(str, want_rows)))

    # Totals per currency: net and tax of all rows of that currency.
    r = run("report", "tax-rates", "--by", "month", "--totals", "--format", "json")
    check("json exit 0", r.returncode == 0, r.stderr)
    js = json.loads(r.stdout) if r.returncode == 0 else []
    tot = [x for x in js if x.get("period") == "Total"]
    for cur in ("EUR", "GBP"):
        net = sum(Decimal(x[8]) for x in want_rows if x[2] == cur)
        tax = sum(Decimal(x[9]) for x in want_rows if x[2] == cur)
        t = [x for x in tot if x.get("currency") == cur]
        check(f"json total {cur}", len(t) == 1 and Decimal(str(t[0]["net"])) == net and
              Decimal(str(t[0]["tax"])) == tax, (t, net, tax))
    check("json rows as csv", len(js) - len(tot) == len(want_rows), len(js))

    # The whole range as one period, and a German spreadsheet's CSV.
    r = run("report", "tax-rates", "--from", "2026-11-01", "--to", "2026-11-30")
    nov = [x for x in csv.DictReader(io.StringIO(r.stdout))]
    check("one period: the range", {x["period"] for x in nov} == {"2026-11-01/2026-11-30"},
          nov)
    r = run("report", "tax-rates", "--csv-dialect", "excel-de", "--by", "month")
    check("excel-de: the rate with a decimal comma",
          ";19,00;" in r.stdout and ";5,50;" in r.stdout, r.stdout)
    r = run("report", "tax-rates", "--format", "html", "--by", "month")
    check("html", r.returncode == 0 and "Sales by tax rate" in r.stdout and
          "<td class=\"n\">19.00</td>" in r.stdout, r.stderr)
    r = run("report", "tax-rates", "--by", "year")
    check("usage error exit 2", r.returncode == 2 and "--by" in r.stderr, r.stderr)

    # The export carries them, line by line.
    r = run("export", "--format", "jsonl")
    s1 = next((json.loads(x) for x in r.stdout.splitlines() if '"sale":"S1"' in x), {})
    got = [(x.get("line"), x.get("tax_rate"), x.get("tax_code")) for x in s1.get("lines", [])]
    check("export jsonl: tax_rate and tax_code per line",
          got == [("L1", 19.0, "S"), ("L2", 7.0, "R"), ("L3", 0.0, "Z")], got)
    r = run("export", "--format", "csv")
    ex = [x for x in csv.DictReader(io.StringIO(r.stdout)) if x["sale"] == "S3"]
    got = [(x["line"], x["line_tax_rate"], x["line_tax_code"], x["record"]) for x in ex]
    check("export csv: line_tax_rate and line_tax_code, on return rows too",
          got == [("L1", "", "E", "sale"), ("L2", "", "", "sale"), ("L1", "", "E", "return")],
          got)

    # ---- the journal chains them -------------------------------------------
    r = run("verify")
    check("verify passes", r.returncode == 0, r.stdout + r.stderr)
    for col, value in (("tax_rate_bp", 700), ("tax_code", "'Z'")):
        copy = os.path.join(tmp, f"edited-{col}.db")
        con = sqlite3.connect(db)
        con.execute(f"VACUUM INTO '{copy}'")
        con.close()
        con = sqlite3.connect(copy)
        con.execute(f"UPDATE lines SET {col} = {value} WHERE line = 'L1' AND sale_id ="
                    " (SELECT id FROM sales WHERE sale = 'S1')")
        con.commit()
        con.close()
        r = subprocess.run([cli, "--db", copy, "verify"], capture_output=True, text=True)
        check(f"verify fails once lines.{col} is edited", r.returncode != 0,
              r.stdout + r.stderr)

finish("tax rates")
