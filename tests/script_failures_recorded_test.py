#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A store script that fails under fail_open is recorded with the sale.

A fail_open script crashes in on_total for some sales only (those with
beans; one with a named customer crashes with a sentence longer than the
bound, naming the customer).  Then:

  - each reply that ran the crash carries script_errors (as before);
  - exactly those sales are recorded with their failures (script_errors
    rows: hook, file:line, the first event, how often, the sentence), the
    long one cut at 255 bytes and marked truncated, in the reply too;
  - the journal entry chains them (format 6) and `verify` passes; a row
    changed or removed behind the journal's back, or added to a sale of
    an earlier format, makes `verify` fail;
  - `sales list` shows the count of exactly those sales, `sale show` the
    failures, `check` flags exactly the completed ones (rule
    script_failed, exit 1), and the reseller report warns;
  - erasing the named customer erases the sentence that echoed the name,
    and `verify` still passes;
  - a database of schema 9 with format-4 entries (tests/data/
    schema9_sales.sql, written by the release before) is migrated by the
    plugin, still verifies, and records new failures.

usage: script_failures_recorded_test.py POS_HOST POSINTENT MANIFEST SCHEMA9_SQL
"""
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from checks import check, finish

host, cli, manifest, schema9_sql = sys.argv[1:5]

BEAN = """return {
  on_total = function(sale)
    if sale.lines[1].sku == "BEANS" then
      local weight = sale.lines[1].details.weight_kg
      return { treatment = weight > 10 and "standard" or nil }
    end
  end,
}
"""
# Crashes with a sentence past the bound, naming the customer first.
NAMED = """return {
  on_total = function(sale)
    if sale.customer and sale.lines[1].sku == "GRINDER" then
      error("no grinder rule for " .. sale.customer.name .. ": " .. string.rep("x", 400))
    end
  end,
}
"""
# A different sentence at each call: past the 16 kept, only counted.
COUNTER = """local n = 0
return {
  on_total = function(sale)
    if sale.lines[1].sku == "CUPS" then
      n = n + 1
      error("call " .. n)
    end
  end,
}
"""
STORE = "roastery-berlin"
NAME = "Anna Beispiel"


def sale(sid, sku, hour, customer=None, void=False, totals=1):
    at = f"2026-11-20T{hour:02d}:00:00+01:00"
    ev = [{"type": "sale.begin", "sale": sid, "store": STORE, "terminal": "T1",
           "cashier": "mia", "at": at},
          {"type": "sale.line", "sale": sid, "line": "L1", "sku": sku, "name": sku.title(),
           "qty": 1, "unit_price": 1190, "net": 1000, "tax": 190}]
    if customer:
        ev.append({"type": "sale.customer", "sale": sid,
                   "customer": {"id": "C-7", "name": customer}})
    ev += [{"type": "sale.total", "sale": sid}] * totals
    if void:
        ev.append({"type": "sale.void", "sale": sid, "reason": "changed mind"})
    else:
        ev.append({"type": "sale.complete", "sale": sid, "total": 1190,
                   "tenders": [{"type": "card", "amount": 1190}]})
    return ev


def write_scripts(d):
    os.makedirs(d, exist_ok=True)
    for name, text in (("bean.lua", BEAN), ("named.lua", NAMED), ("counter.lua", COUNTER)):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)


def play(db, scripts, events, tmp):
    path = os.path.join(tmp, "events.jsonl")
    with open(path, "w") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
    r = subprocess.run([host, "--manifest", manifest, "--db", db, "--scripts", scripts,
                        "--events", path, "--quiet"], capture_output=True, text=True,
                       timeout=120)
    check("pos-host plays the events", r.returncode == 0, (r.returncode, r.stderr))
    return [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]


def run(db, *args):
    return subprocess.run([cli, "--db", db, *args], capture_output=True, text=True,
                          timeout=120)


def sql(db, q, *params):
    c = sqlite3.connect(db)
    try:
        rows = c.execute(q, params).fetchall()
        c.commit()
        return rows
    finally:
        c.close()


def verifies(db):
    r = run(db, "verify")
    return r.returncode == 0, r.stdout + r.stderr


def failures(db):
    if not sql(db, "SELECT 1 FROM sqlite_master WHERE name = 'script_errors'"):
        return {}  # a database that keeps none
    return {s: n for s, n in sql(
        db, "SELECT s.sale, sum(f.count) FROM script_errors f JOIN sales s"
            " ON s.id = f.sale_id GROUP BY s.sale")}


with tempfile.TemporaryDirectory() as tmp:
    scripts = os.path.join(tmp, "scripts")
    write_scripts(scripts)
    db = os.path.join(tmp, "shop.db")
    events = (sale("S1", "BEANS", 9) + sale("S2", "MUG", 10) +
              sale("S3", "GRINDER", 11, customer=NAME) +
              sale("S4", "BEANS", 12, totals=2) + sale("S5", "BEANS", 13, void=True) +
              sale("S6", "GRINDER", 14) + sale("S7", "CUPS", 16, totals=18))
    replies = play(db, scripts, events, tmp)

    # ---- the replies (as before) and the records ----------------------------
    totals = {r["sale"]: r for r in replies if r.get("type") == "sale.total"}
    check("the crashed total's reply lists the failure",
          [e["hook"] for e in totals["S1"].get("script_errors", [])] == ["on_total"],
          totals["S1"])
    check("a clean total's reply has none", "script_errors" not in totals["S2"], totals["S2"])
    long_reply = totals["S3"].get("script_errors", [{}])[0]
    check("the reply marks a cut sentence truncated",
          long_reply.get("truncated") is True and len(long_reply["message"].encode()) <= 255,
          long_reply)
    completes = [r for r in replies if r.get("type") == "sale.complete"]
    check("every completion is recorded", all(r.get("recorded") for r in completes),
          completes)

    got = failures(db)
    # S1: total + complete; S4: two totals + complete; S5 voided: one total.
    check("exactly the crashed sales are recorded with their failures",
          got == {"S1": 2, "S3": 2, "S4": 3, "S5": 1, "S7": 19}, got)
    rows = [] if not got else sql(db, "SELECT s.sale, f.seq, f.event, f.hook, f.location, f.count, f.truncated,"
                   " f.message FROM script_errors f JOIN sales s ON s.id = f.sale_id"
                   " ORDER BY s.sale, f.seq")
    s1 = [r for r in rows if r[0] == "S1"]
    check("one row per different failure, with hook, file:line, first event and count",
          [r[1:7] for r in s1] == [(1, "sale.total", "on_total", "scripts/bean.lua:4", 2, 0)],
          s1)
    check("the row has the sentence", s1 and "attempt to index a nil value" in s1[0][7], s1)
    s7 = [r for r in rows if r[0] == "S7"]
    check("past 16 different failures, one last row counts the rest",
          len(s7) == 17 and [r[5] for r in s7] == [1] * 16 + [3] and
          s7[-1][2:5] == ("", "", "") and s7[-1][7] is None and
          [r[7].split(": ")[-1] for r in s7[:16]] == [f"call {i}" for i in range(1, 17)],
          s7)
    s3 = [r for r in rows if r[0] == "S3"]
    check("the long sentence is kept to 255 bytes and marked truncated",
          len(s3) == 1 and s3[0][6] == 1 and len(s3[0][7].encode()) <= 255 and
          NAME in s3[0][7], s3)
    body = sql(db, "SELECT j.body FROM journal j JOIN sales s ON s.id = j.sale_id"
                   " WHERE j.kind = 'sale' AND s.sale = 'S1'")[0][0]
    check("the sale entry is format 6 and chains the failure",
          body.startswith('{"v":6,') and '"script_errors":[[1,"sale.total","on_total",'
          '"scripts/bean.lua:4",2,0]]}' in body, body)
    ok, out = verifies(db)
    check("verify passes", ok, out)

    # ---- what the reports show ---------------------------------------------
    r = run(db, "sales", "list", "--format", "csv")
    listed = {x["sale"]: x.get("script_errors") for x in csv.DictReader(io.StringIO(r.stdout))}
    check("sales list: the count of exactly those sales",
          listed == {"S1": "2", "S2": "0", "S3": "2", "S4": "3", "S5": "1", "S6": "0",
                     "S7": "19"},
          (r.returncode, listed, r.stderr))
    r = run(db, "sale", "show", STORE, "T1", "S3")
    check("sale show lists the failures, the cut one marked",
          r.returncode == 0 and "Script failures" in r.stdout and "[truncated]" in r.stdout
          and "scripts/named.lua:4" in r.stdout, r.stdout)
    r = run(db, "check", "--format", "csv")
    found = [(x["rule"], x["sale"]) for x in csv.DictReader(io.StringIO(r.stdout))
             if x["rule"] == "script_failed"]
    check("check flags exactly the completed sales with failures (exit 1)",
          r.returncode == 1 and
          found == [("script_failed", s) for s in ("S1", "S3", "S4", "S7")],
          (r.returncode, found, r.stdout, r.stderr))
    check("check's message names hook, place and count",
          "failed 3 times (first: on_total at scripts/bean.lua:4, in sale.total)" in r.stdout,
          r.stdout)
    r = run(db, "check", "--from", "2026-11-21", "--format", "csv")
    check("check: nothing outside the period", r.returncode == 0, (r.returncode, r.stdout))
    r = run(db, "report", "resellers", "--format", "csv")
    check("the reseller report warns about them",
          r.returncode == 0 and r.stderr.count("script_failed: sale") == 4, r.stderr)

    # ---- tampering shows ---------------------------------------------------
    for what, change, undo in (
            ("a count changed", "UPDATE script_errors SET count = 1 WHERE seq = 1 AND"
             " sale_id = (SELECT id FROM sales WHERE sale = 'S4')",
             "UPDATE script_errors SET count = 3 WHERE seq = 1 AND"
             " sale_id = (SELECT id FROM sales WHERE sale = 'S4')"),
            ("a sentence changed", "UPDATE script_errors SET message = 'nothing' WHERE"
             " sale_id = (SELECT id FROM sales WHERE sale = 'S1')", None),
            ("a failure deleted", "DELETE FROM script_errors WHERE"
             " sale_id = (SELECT id FROM sales WHERE sale = 'S4')", None),
            ("a failure added", "INSERT INTO script_errors VALUES((SELECT id FROM sales"
             " WHERE sale = 'S2'), 1, 'sale.total', 'on_total', 'x.lua:1', 1, 0, 'x')", None)):
        copy = os.path.join(tmp, "tampered.db")
        shutil.copy(db, copy)
        try:
            sql(copy, change)
        except sqlite3.OperationalError as e:
            check(f"verify fails: {what}", False, e)
            continue
        ok, out = verifies(copy)
        check(f"verify fails: {what}", not ok, out)

    # ---- erasure -----------------------------------------------------------
    r = run(db, "erase", "--customer-name", NAME)
    check("erase the customer", r.returncode == 0, (r.returncode, r.stderr))
    left = None if not got else sql(db, "SELECT f.message FROM script_errors f JOIN sales s ON s.id = f.sale_id"
                   " WHERE s.sale = 'S3'")
    check("the sentence that named the customer is erased", left == [(None,)], left)
    check("other sales keep theirs", failures(db).get("S1") == 2 and got and sql(
        db, "SELECT count(*) FROM script_errors WHERE message IS NULL AND hook <> ''")[0][0] == 1)
    ok, out = verifies(db)
    check("verify passes after the erasure", ok, out)
    r = run(db, "sale", "show", STORE, "T1", "S3")
    check("sale show: (erased)", "(erased)" in r.stdout and NAME not in r.stdout, r.stdout)

    # ---- a database of the release before ----------------------------------
    old = os.path.join(tmp, "old.db")
    c = sqlite3.connect(old)
    c.executescript(open(schema9_sql).read())
    c.close()
    check("the fixture is schema 9 with format-4 sale entries",
          sql(old, "PRAGMA user_version")[0][0] == 9 and
          sql(old, "SELECT count(*) FROM journal WHERE kind = 'sale' AND"
                   " body LIKE '{\"v\":4,%'")[0][0] > 0)
    before = sql(old, "SELECT count(*) FROM sales")[0][0]
    play(old, scripts, sale("N1", "BEANS", 15), tmp)
    check("migrated to the current schema",
          sql(old, "PRAGMA user_version")[0][0] == sql(db, "PRAGMA user_version")[0][0])
    check("the new sale is recorded with its failure", failures(old) == {"N1": 2},
          failures(old))
    check("the old sales are kept", sql(old, "SELECT count(*) FROM sales")[0][0] == before + 1)
    ok, out = verifies(old)
    check("the migrated database verifies, old entries and new", ok, out)
    r = run(old, "check", "--format", "csv")
    found = [x["sale"] for x in csv.DictReader(io.StringIO(r.stdout))
             if x["rule"] == "script_failed"]
    check("check flags only the new sale", found == ["N1"], (found, r.stderr))
    copy = os.path.join(tmp, "old-tampered.db")
    shutil.copy(old, copy)
    try:
        sql(copy, "INSERT INTO script_errors VALUES((SELECT min(id) FROM sales), 1,"
                  " 'sale.total', 'on_total', 'x.lua:1', 1, 0, 'x')")
        ok, out = verifies(copy)
        check("a failure added to a format-4 sale shows", not ok, out)
    except sqlite3.OperationalError as e:
        check("a failure added to a format-4 sale shows", False, e)

finish("script failures recorded")
