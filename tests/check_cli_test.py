#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`posintent check` and the reports' warnings on the demo day (issue 18,
point 2).

The demo roastery (Berlin, DE136695976) records the day of
scripts/demo-day.jsonl.  Worked out by hand from that file:
  - reverse-charge lines with tax: S013 L1 1.68, L2 0.78; S017 L1 22.90;
    S023 L1 9.16 (34.52 EUR in all);
  - exempt_resale lines with tax: S010 L1 38.24, L2 6.87 (45.11 EUR);
  - S012's buyer gave DE 136 695 976, the store's own VAT number.
Checked: the findings, exit 1, the summary on stderr; the same findings
as warnings of `report resellers` and `report ec-sales-list`; a clean
range exits 0; October's EC Sales List is empty; as an HMRC filing the
EUR sales are mixed_currency findings; usage errors exit 2; the CSV
dialects and the byte-order mark (issue 18.6) in report, export and check.

usage: check_cli_test.py POS_HOST POSINTENT MANIFEST EVENTS
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

host, cli, manifest, events = sys.argv[1:5]
from checks import check, failures, finish


def run(*args):
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=300)


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "day.db")
    r = subprocess.run([host, "--manifest", manifest, "--db", db, "--events", events,
                        "--quiet"], capture_output=True, text=True, timeout=300)
    check("the demo day records", r.returncode == 0, r.stderr)

    r = run("--db", db, "check")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    check("check: exit 1", r.returncode == 1, f"{r.returncode} {r.stderr!r}")
    check("check: the summary", r.stderr == "posintent: check: 7 findings to review\n",
          r.stderr)
    got = [(x["rule"], x["sale"], x["line"], x["amount"]) for x in rows]
    want = [("tax_on_untaxed_line", "S010", "L1", "38.24"),
            ("tax_on_untaxed_line", "S010", "L2", "6.87"),
            ("tax_on_untaxed_line", "S013", "L1", "1.68"),
            ("tax_on_untaxed_line", "S013", "L2", "0.78"),
            ("tax_on_untaxed_line", "S017", "L1", "22.90"),
            ("tax_on_untaxed_line", "S023", "L1", "9.16"),
            ("own_vat_number", "S012", "", "")]
    check("check: the findings", got == want, f"{got}")
    rc_tax = sum(round(float(x["amount"]) * 100) for x in rows
                 if x["rule"] == "tax_on_untaxed_line" and x["sale"] != "S010")
    check("check: 34.52 EUR on reverse-charge lines", rc_tax == 3452, f"{rc_tax}")
    check("check: each message names its sale and line",
          all(f"sale {x['sale']} " in x["message"] for x in rows) and
          "line L2: 6.87 EUR tax on a line with the exempt_resale hint" in rows[1]["message"],
          f"{rows[1]['message']!r}")
    j = run("--db", db, "check", "--format=json")
    check("check --format json", j.returncode == 1 and len(json.loads(j.stdout)) == 7,
          j.stderr)

    # A clean range: exit 0.
    r = run("--db", db, "check", "--from", "2026-11-21")
    check("check: a clean range exits 0", r.returncode == 0 and
          r.stderr.startswith("posintent: check: nothing needs review"),
          f"{r.returncode} {r.stderr!r}")
    check("check: a clean range lists no row", len(r.stdout.splitlines()) == 1, r.stdout)

    # The EC Sales List rules (per customer: AT, then NL): November's ZM has no finding of its own;
    # December has nothing to declare.
    r = run("--db", db, "check", "--period", "2026-11")
    check("check --period 2026-11: the same 7", r.returncode == 1 and
          len(list(csv.DictReader(io.StringIO(r.stdout)))) == 7, r.stdout)
    # December only credits the return of part of S017 (NL): nothing to
    # review; October, before the demo day, has nothing to declare.
    r = run("--db", db, "check", "--period", "2026-12")
    check("check --period 2026-12: clean", r.returncode == 0, f"{r.returncode} {r.stdout}")
    r = run("--db", db, "check", "--period", "2026-10")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    check("check --period 2026-10: esl_empty", r.returncode == 1 and
          [x["rule"] for x in rows] == ["esl_empty"], r.stdout)
    r = run("--db", db, "check", "--period", "2026-11", "--esl-format", "hmrc")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    mixed = [x["sale"] for x in rows if x["rule"] == "mixed_currency"]
    check("check as HMRC: the EUR sales are mixed_currency", mixed == ["S013", "S023", "S017"],
          f"{mixed}")

    # The reports warn of the same, on stderr, and still write their rows.
    r = run("--db", db, "report", "resellers")
    check("report resellers: exit 0", r.returncode == 0, r.stderr)
    warns = [l for l in r.stderr.splitlines() if l.startswith("posintent: report resellers: ")]
    check("report resellers: 7 warnings", len(warns) == 7, r.stderr)
    check("report resellers: names S012's own VAT number",
          any("own_vat_number: sale S012 " in l for l in warns), r.stderr)
    # Country columns: S010's California resale certificate is US-CA, never
    # "CA" (Canada); VAT numbers keep their prefix (issue 18, point 4).
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    countries = {x["identifier"]: x["country"] for x in rows}
    check("report resellers: a US state is US-CA",
          countries.get("CA:SREAA123-456789") == "US-CA" and
          countries.get("ATU13585627") == "AT", f"{countries}")
    r = run("--db", db, "report", "resellers", "--detail")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    check("report resellers --detail: US-CA",
          {x["country"] for x in rows if x["sale"] == "S010"} == {"US-CA"}, r.stdout[:300])
    r = run("--db", db, "report", "ec-sales-list", "--period", "2026-11", "--format", "zm")
    check("report ec-sales-list: exit 0", r.returncode == 0, r.stderr)
    check("report ec-sales-list: warns of S017's tax",
          "tax_on_untaxed_line: sale S017 (store roastery-berlin, terminal T2, 2026-11-20), "
          "line L1: 22.90 EUR tax" in r.stderr, r.stderr)

    # CSV for spreadsheets (issue 18.6): excel-de with a byte-order mark, in
    # every CSV command; the filing formats and non-CSV output refuse it.
    r = subprocess.run([cli, "--db", db, "--manifest", manifest, "report",
                        "ec-sales-list", "--period", "2026-11", "--csv-dialect", "excel-de",
                        "--bom"], capture_output=True, timeout=300)
    out = r.stdout.decode("utf-8")
    check("ec-sales-list excel-de: a byte-order mark, then ';' and decimal commas",
          r.returncode == 0 and out.startswith("\ufeffcountry;vat_number;currency;") and
          "\r\nAT;U13585627;EUR;2;3;166,08;goods\r\n" in out, out)
    check("ec-sales-list excel-de: NL 004495445B01 kept text, zeros and all",
          '\r\nNL;"=""004495445B01""";EUR;1;1;327,10;goods\r\n' in out, out)
    r = run("--db", db, "export", "--format", "csv", "--csv-dialect", "excel-de")
    check("export excel-de: ';' between the columns",
          r.returncode == 0 and r.stdout.startswith("store;terminal;sale;"), r.stdout[:100])
    r = run("--db", db, "check", "--period", "2026-11", "--csv-dialect", "excel", "--bom")
    check("check --bom: the byte-order mark first",
          r.returncode == 1 and r.stdout.startswith("\ufeffrule,day,store,"), r.stdout[:100])
    r = run("--db", db, "report", "resellers", "--csv-dialect", "excel-de")
    check("report resellers excel-de: exit 0, amounts with a decimal comma",
          r.returncode == 0 and ";roastery-berlin;2;3;166,08;11,62;" in r.stdout, r.stdout)
    plain = run("--db", db, "report", "resellers")
    explicit = run("--db", db, "report", "resellers", "--csv-dialect", "rfc4180")
    check("rfc4180 is the default, byte for byte", plain.stdout == explicit.stdout and
          ",roastery-berlin,2,3,166.08,11.62," in plain.stdout, explicit.stdout)
    for args, word in ((["report", "ec-sales-list", "--period", "2026-11", "--format", "zm",
                         "--bom"], "--bom"),
                       (["report", "ec-sales-list", "--period", "2026-11", "--format", "hmrc",
                         "--csv-dialect", "excel-de"], "--csv-dialect"),
                       (["report", "resellers", "--format", "json", "--csv-dialect",
                         "excel"], "--csv-dialect"),
                       (["report", "purposes", "--csv-dialect", "excel_de"], "'excel_de'"),
                       (["export", "--bom"], "--bom"),
                       (["check", "--format", "table", "--bom"], "--bom"),
                       (["report", "ec-sales-list", "--period", "2026-11", "--detail",
                         "--corrections"], "not both"),
                       (["report", "ec-sales-list", "--period", "2026-11", "--detail",
                         "--format", "zm"], "'zm'"),
                       (["report", "ec-sales-list", "--period", "2026-11", "--format",
                         "zm", "--totals"], "--totals"),
                       (["report", "purposes", "--format", "html", "--totals"],
                        "--totals")):
        r = run("--db", db, *args)
        check(f"{' '.join(args)}: usage error", r.returncode == 2 and not r.stdout and
              len(r.stderr.splitlines()) == 1 and word in r.stderr, f"{r.returncode} {r.stderr!r}")

    # The lines behind November's list (issue 18.5): by hand from the demo
    # day, AT's 166.08 is S013 L1 24.12 + L2 11.12 + S023 L1 130.84.
    r = run("--db", db, "--manifest", manifest, "report", "ec-sales-list", "--period",
            "2026-11", "--detail")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    at = [(x["sale"], x["line"], x["net"], x["treatment"], x["record"]) for x in rows
          if x["country"] == "AT"]
    check("ec-sales-list --detail: AT's lines, each with sale, line and treatment",
          r.returncode == 0 and at == [("S013", "L1", "24.12", "reverse_charge", "sale"),
                                       ("S013", "L2", "11.12", "reverse_charge", "sale"),
                                       ("S023", "L1", "130.84", "reverse_charge", "sale")],
          f"{at} {r.stderr}")
    r = run("--db", db, "--manifest", manifest, "report", "ec-sales-list", "--period",
            "2026-11", "--detail", "--totals")
    check("ec-sales-list --detail --totals: the sum of the lines",
          r.stdout.endswith("\nTotal,,,EUR,,,,,,,,493.18\n"), r.stdout[-200:])

    # Usage errors: exit 2, one line.
    for args, word in ((["--period", "2026-11", "--from", "2026-11-01"], "not both"),
                       (["--esl-format", "xml"], "'xml'"),
                       (["--format", "jsonl"], "'jsonl'"),
                       (["--period", "2026-13"], "--period"),
                       (["--from", "2026-02-30"], "--from")):
        r = run("--db", db, "check", *args)
        check(f"check {' '.join(args)}: usage error", r.returncode == 2 and not r.stdout and
              len(r.stderr.splitlines()) == 1 and word in r.stderr and
              r.stderr.rstrip().endswith("(try 'posintent help check')"),
              f"{r.returncode} {r.stderr!r}")

finish("check cli")
