#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Schema 7 -> 8: fewer pages per sale, the same records and reports.

Schema 8 drops the partial index lines_reseller (issue 16: it cost a
resale sale about 2.2 of its 14.9 pages written; store.c says why).  On the
demo day:

1. a new database has schema 8 and no lines_reseller, and keeps every
   other index (sales_resale above all, which the EC Sales List needs);
2. a schema-7 database, as the previous release leaves it (the same rows
   with lines_reseller, without the later verifications table and line
   tax columns, and user_version 7), is refused by the CLI until
   the plugin opened it once, and is left unchanged by that refusal;
3. opened once by the plugin (pos-host, a ping), it is at schema 8 without
   lines_reseller, holds the same rows, verifies with the same journal
   head, and every report and export is byte for byte the new database's.

usage: schema_upgrade_test.py POS_HOST POSINTENT MANIFEST EVENTS
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from checks import check, finish

host, cli, manifest, events = sys.argv[1:5]

# Migration 1 -> 2's index, as every release from schema 2 to 7 made it.
LINES_RESELLER = ("CREATE INDEX IF NOT EXISTS lines_reseller ON lines(sale_id, net, tax)"
                  " WHERE status = 'reseller'")
REPORTS = [
    ["report", "resellers", "--format", "csv"],
    ["report", "resellers", "--detail", "--format", "csv"],
    ["report", "resellers", "--from", "2026-12-01", "--to", "2026-12-31", "--format", "json"],
    ["report", "ec-sales-list", "--period", "2026-Q4", "--format", "csv"],
    ["report", "ec-sales-list", "--period", "2026-12", "--corrections", "--format", "csv"],
    ["report", "purposes", "--by", "month", "--format", "csv"],
    ["report", "gifts", "--format", "csv"],
    ["export", "--format", "jsonl"],
    ["verify"],
]
TABLES = ["sales", "lines", "evidence", "voids", "journal", "salts", "returns",
          "return_lines", "accounts", "account_evidence", "meta"]


def sql(db, q):
    c = sqlite3.connect(db)
    try:
        return c.execute(q).fetchall()
    finally:
        c.close()


def indexes(db):
    return sorted(r[0] for r in sql(db, "SELECT name FROM sqlite_master WHERE type='index'"))


def version(db):
    return sql(db, "PRAGMA user_version")[0][0]


def counts(db):
    return {t: sql(db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


def run_cli(db, args):
    return subprocess.run([cli, "--db", db, *args], capture_output=True, text=True)


def open_with_plugin(db):
    r = subprocess.run([host, "--manifest", manifest, "--db", db, "--quiet"],
                       input='{"type":"ping"}\n', capture_output=True, text=True)
    check(f"pos-host opens {os.path.basename(db)}", r.returncode == 0 and '"ok":true' in r.stdout,
          (r.returncode, r.stdout, r.stderr))


with tempfile.TemporaryDirectory() as tmp:
    new = os.path.join(tmp, "new.db")
    subprocess.run([host, "--manifest", manifest, "--db", new, "--events", events, "--quiet"],
                   check=True, capture_output=True)

    # ---- 1. a new database --------------------------------------------------
    check("a new database is at schema 8 or later", version(new) >= 8, version(new))
    new_indexes = indexes(new)
    check("a new database has no lines_reseller", "lines_reseller" not in new_indexes,
          new_indexes)
    for keep in ("sales_resale", "sales_day", "sales_sale", "evidence_sale"):
        check(f"a new database keeps {keep}", keep in new_indexes, new_indexes)
    want = {tuple(a): run_cli(new, a) for a in REPORTS}
    for args, r in want.items():
        check(f"{list(args)} on the new database: exit 0, output", r.returncode == 0 and r.stdout,
              (r.returncode, r.stderr))
    new_counts = counts(new)
    check("the demo day has resale lines (the dropped index had rows)",
          sql(new, "SELECT count(*) FROM lines WHERE status='reseller'")[0][0] > 0)

    # ---- 2. a schema-7 database, as the previous release left it -----------
    old = os.path.join(tmp, "old.db")
    shutil.copy(new, old)
    c = sqlite3.connect(old)
    c.execute(LINES_RESELLER)
    # What migrations after 8 add (9: the verifications table, its index and
    # triggers; 10, 11 below) is not in a schema-7 database either; the demo day has no
    # verification, so no row or journal entry goes with it.
    check("the demo day has no verification to lose",
          c.execute("SELECT count(*) FROM journal WHERE kind='verification'").fetchone()[0] == 0)
    c.execute("DROP TABLE IF EXISTS verifications")
    # 10: lines.tax_rate_bp and tax_code; the demo day sends none.
    check("the demo day has no line tax rate or code to lose",
          c.execute("SELECT count(*) FROM lines WHERE tax_rate_bp IS NOT NULL"
                    " OR tax_code IS NOT NULL").fetchone()[0] == 0)
    c.execute("ALTER TABLE lines DROP COLUMN tax_rate_bp")
    c.execute("ALTER TABLE lines DROP COLUMN tax_code")
    # Nor the script_errors table of 11; the demo day's scripts never fail.
    check("the demo day has no script failure to lose",
          c.execute("SELECT count(*) FROM script_errors").fetchone()[0] == 0)
    c.execute("DROP TABLE IF EXISTS script_errors")
    c.execute("PRAGMA user_version=7")
    c.commit()
    c.close()
    check("the schema-7 copy has lines_reseller", "lines_reseller" in indexes(old))
    r = run_cli(old, ["report", "resellers"])
    check("the CLI refuses a schema-7 database until the plugin opened it (exit 3, says so)",
          r.returncode == 3 and "open it once with the plugin" in r.stderr,
          (r.returncode, r.stderr))
    check("the refusal leaves it at schema 7, with its index",
          version(old) == 7 and "lines_reseller" in indexes(old), (version(old), indexes(old)))

    # ---- 3. the plugin migrates it ---------------------------------------------
    open_with_plugin(old)
    check("migrated: at the new database's schema", version(old) == version(new),
          (version(old), version(new)))
    check("migrated: lines_reseller is gone, every other index kept",
          indexes(old) == new_indexes, (indexes(old), new_indexes))
    check("migrated: the same rows in every table", counts(old) == new_counts,
          (counts(old), new_counts))
    for args, w in want.items():
        r = run_cli(old, list(args))
        check(f"migrated: {list(args)} is the new database's, byte for byte",
              (r.returncode, r.stdout) == (w.returncode, w.stdout),
              (r.returncode, r.stderr, r.stdout[:200], w.stdout[:200]))
    # Opening it again changes nothing (each migration runs once).
    open_with_plugin(old)
    check("a second open migrates nothing", version(old) == version(new) and
          indexes(old) == new_indexes and counts(old) == new_counts)

    # ---- 4. a schema-9 database with journal format 4 -----------------------
    # Written by the release before line tax rates (tests/data/
    # schema9_format4.sql): migrated to schema 10, its format-4 sale
    # entries still verify, its lines have no rate or code, a new sale
    # with them is chained in format 5 or later, and a rate set behind the journal's
    # back on an old line shows.
    f4 = os.path.join(tmp, "f4.db")
    c = sqlite3.connect(f4)
    c.executescript(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                      "schema9_format4.sql")).read())
    c.close()
    check("the fixture is at schema 9", version(f4) == 9, version(f4))
    open_with_plugin(f4)
    check("schema 9 -> the new schema", version(f4) == version(new), version(f4))
    r = run_cli(f4, ["verify"])
    check("format-4 entries verify after the migration", r.returncode == 0,
          r.stdout + r.stderr)
    check("old lines have no rate or code",
          sql(f4, "SELECT count(*) FROM lines WHERE tax_rate_bp IS NOT NULL"
                  " OR tax_code IS NOT NULL")[0][0] == 0)
    r = run_cli(f4, ["report", "tax-rates", "--format", "csv"])
    lines_total = sql(f4, "SELECT count(*) FROM lines l JOIN sales s ON s.id = l.sale_id"
                          " WHERE s.status = 'completed' AND NOT EXISTS"
                          " (SELECT 1 FROM voids v WHERE v.sale_id = s.id)")[0][0]
    rows = [x.split(",") for x in r.stdout.splitlines()[1:]]
    check("report tax-rates on old lines: every line under no rate",
          r.returncode == 0 and rows and all(x[4] == "" and x[5] == "" for x in rows) and
          sum(int(x[7]) for x in rows) == lines_total, (r.stderr, rows, lines_total))
    ev = ('{"type":"sale.begin","sale":"N1","store":"roastery-berlin","terminal":"T1",'
          '"at":"2026-12-05T10:00:00+01:00","currency":"EUR"}\n'
          '{"type":"sale.line","sale":"N1","line":"L1","qty":1,"unit_price":1190,'
          '"net":1000,"tax":190,"tax_rate_bp":1900,"tax_code":"S"}\n'
          '{"type":"sale.complete","sale":"N1","total":1190}\n')
    r = subprocess.run([host, "--manifest", manifest, "--db", f4, "--quiet"], input=ev,
                       capture_output=True, text=True)
    check("a new sale on the migrated database", r.returncode == 0 and
          r.stdout.count('"ok":true') == 3, r.stdout + r.stderr)
    formats = sql(f4, "SELECT DISTINCT substr(body, 1, 7) FROM journal WHERE kind = 'sale'"
                      " ORDER BY 1")
    # The newest format: 5 added the line tax, 6 the script failures.
    check("old entries stay format 4, the new one is the newest format (6)",
          formats == [('{"v":4,',), ('{"v":6,',)], formats)
    r = run_cli(f4, ["verify"])
    check("formats 4 and 6 verify side by side", r.returncode == 0, r.stdout + r.stderr)
    c = sqlite3.connect(f4)
    c.execute("UPDATE lines SET tax_rate_bp = 700 WHERE sale_id ="
              " (SELECT min(id) FROM sales) AND seq = 1")
    c.commit()
    c.close()
    r = run_cli(f4, ["verify"])
    check("a rate set on a format-4 line behind the journal's back shows",
          r.returncode != 0 and "differs" in r.stdout + r.stderr, r.stdout + r.stderr)

finish("schema upgrade")
