#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The HMRC EC Sales List in sterling at the accountant's rates (issue 18,
point 3): `report ec-sales-list --format hmrc --rates FILE`.

A Northern Irish shop (XI123456782) sells for resale to three EU VAT
numbers in November and December 2026, in GBP, EUR and USD.  The rates
file (tests/data/hmrc_rates_2026_q4.csv) is written by hand in HMRC's
monthly CSV layout, two months concatenated.  Worked out by hand:

  S1 2026-11-05 DE GBP 1000.00                   -> 1000.00
  S2 2026-11-10 DE EUR 1156.40 at 1.1564         -> 1000.00
  S3 2026-11-12 FR EUR  123.45 at 1.1564 = 106.7537...  -> 106.75
  S5 2026-11-20 NL USD  200.00 at 1.3404 = 149.2091...  -> 149.21
  S4 2026-12-03 FR EUR  500.00 at 1.1700 = 427.3504...  -> 427.35

so November declares DE 2000, FR 106, NL 149 and the quarter DE 2000,
FR 534 (106.75 + 427.35), NL 149 (tests/expected/esl_*_rates.csv).

usage: esl_rates_test.py POS_HOST POSINTENT MANIFEST
"""
import json
import os
import subprocess
import sys
import tempfile

host, cli, manifest = sys.argv[1:4]
from checks import check, finish

here = os.path.dirname(os.path.abspath(__file__))
RATES = os.path.join(here, "data", "hmrc_rates_2026_q4.csv")


def expected(name):
    with open(os.path.join(here, "expected", name), "rb") as f:
        return f.read()


def sale(sid, day, cur, net, vat):
    return [
        {"type": "sale.begin", "sale": sid, "store": "belfast", "terminal": "T1",
         "at": f"{day}T10:00:00+00:00", "currency": cur},
        {"type": "sale.line", "sale": sid, "line": "L1", "qty": 1, "unit_price": net,
         "net": net, "tax": 0, "tax_rate_bp": 0, "tax_code": "RC"},
        {"type": "sale.customer", "sale": sid,
         "customer": {"id": "C-" + sid, "name": "Reseller " + sid, "org": True, "vat": vat}},
        {"type": "sale.tag", "sale": sid, "purpose": "resale"},
        {"type": "sale.complete", "sale": sid, "total": net},
    ]


with tempfile.TemporaryDirectory() as tmp:
    with open(manifest, encoding="utf-8") as f:
        m = json.load(f)
    c = m["config"]
    c.update({"store_id": "belfast", "store_country": "XI", "currency": "GBP",
              "store_vat": "XI123456782", "branch": "000", "contact_name": "A & N Other"})
    db = os.path.join(tmp, "belfast.db")
    c["database"] = db
    man = os.path.join(tmp, "belfast.manifest")
    with open(man, "w", encoding="utf-8") as f:
        json.dump(m, f)
    events = (sale("S1", "2026-11-05", "GBP", 100000, "DE136695976") +
              sale("S2", "2026-11-10", "EUR", 115640, "DE 136 695 976") +
              sale("S3", "2026-11-12", "EUR", 12345, "FR40303265045") +
              sale("S5", "2026-11-20", "USD", 20000, "NL004495445B01") +
              sale("S4", "2026-12-03", "EUR", 50000, "FR40303265045"))
    path = os.path.join(tmp, "events.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(json.dumps(e) + "\n" for e in events))
    r = subprocess.run([host, "--manifest", man, "--db", db, "--events", path, "--quiet"],
                       capture_output=True, text=True, timeout=300)
    bad = [l for l in r.stdout.splitlines() if '"ok":false' in l]
    check("the sales are recorded", r.returncode == 0 and not bad, (r.stderr, bad))

    def run(*args):
        return subprocess.run([cli, "--manifest", man, "--db", db, *args],
                              capture_output=True, timeout=300)

    # Without rates, the EUR and USD sales stop the HMRC file, saying how to
    # convert them.
    r = run("report", "ec-sales-list", "--period", "2026-11", "--format", "hmrc")
    check("without --rates: exit 3, nothing written", r.returncode == 3 and r.stdout == b"",
          (r.returncode, r.stdout))
    check("...and the message names --rates", b"--rates" in r.stderr, r.stderr)

    # With rates: the month, the quarter, the lines behind them.
    r = run("report", "ec-sales-list", "--period", "2026-11", "--format", "hmrc",
            "--rates", RATES)
    check("2026-11 in sterling: exit 0", r.returncode == 0, r.stderr)
    check("2026-11 in sterling: the expected file",
          r.stdout == expected("esl_hmrc_2026_11_rates.csv"), r.stdout)
    err = r.stderr.decode()
    rates_file = os.path.basename(RATES)
    check("the rates used are shown: EUR",
          "converted 2 EUR lines at 1.1564 EUR per GBP 1 (2026-11-01 to 2026-11-30; "
          in err and f"{rates_file} line 2)" in err, err)
    check("the rates used are shown: USD",
          "converted 1 USD line at 1.3404 USD per GBP 1 (2026-11-01 to 2026-11-30; " in err,
          err)
    check("a rate not used is not shown", "KRW" not in err and "1.1700" not in err, err)
    check("no mixed_currency warning once the filing converts", "mixed_currency" not in err,
          err)
    r = run("report", "ec-sales-list", "--period", "2026-Q4", "--format", "hmrc",
            "--rates", RATES)
    check("2026-Q4 in sterling: two months' rates",
          r.returncode == 0 and r.stdout == expected("esl_hmrc_2026_q4_rates.csv"),
          (r.stdout, r.stderr))
    check("the quarter shows the December rate", b"at 1.1700 EUR per GBP 1" in r.stderr,
          r.stderr)
    r = run("report", "ec-sales-list", "--period", "2026-11", "--detail", "--rates", RATES)
    check("--detail --rates: every line with its rate and pounds",
          r.returncode == 0 and r.stdout == expected("esl_detail_2026_11_rates.csv"),
          (r.stdout, r.stderr))

    # A currency missing from the file: an error naming it and the period.
    only_eur = os.path.join(tmp, "eur.csv")
    with open(RATES, encoding="utf-8") as f:
        keep = [l for l in f if "USD" not in l]
    with open(only_eur, "w", encoding="utf-8") as f:
        f.writelines(keep)
    r = run("report", "ec-sales-list", "--period", "2026-11", "--format", "hmrc",
            "--rates", only_eur)
    check("a missing currency: exit 3, nothing written",
          r.returncode == 3 and r.stdout == b"", (r.returncode, r.stdout))
    check("...naming the currency, its day and the period",
          b"no USD rate for 2026-11-20" in r.stderr and b"2026-11-01 to 2026-11-30" in r.stderr,
          r.stderr)

    # Bad rates files: each refused, naming the line; nothing written.
    header = "Country/Territories,Currency,Currency Code,Currency Units per \u00a31,Start date,End date\n"
    for what, body, say in (
            ("a decimal comma", header + "Eurozone,Euro,EUR,\"1,1564\",01/11/2026,30/11/2026\n",
             b"line 2: Currency Units per"),
            ("a zero rate", header + "Eurozone,Euro,EUR,0,01/11/2026,30/11/2026\n",
             b"line 2: Currency Units per"),
            ("seven decimals", header + "Eurozone,Euro,EUR,1.1564001,01/11/2026,30/11/2026\n",
             b"line 2: Currency Units per"),
            ("a bad date", header + "Eurozone,Euro,EUR,1.1564,31/11/2026,30/11/2026\n",
             b"line 2: Start date"),
            ("an end before the start", header + "Eurozone,Euro,EUR,1.1564,01/11/2026,"
             "01/10/2026\n", b"line 2: End date"),
            ("a lower-case code", header + "Eurozone,Euro,eur,1.1564,01/11/2026,30/11/2026\n",
             b"line 2: Currency Code"),
            ("two rates for one day", header + "Eurozone,Euro,EUR,1.1564,01/11/2026,"
             "30/11/2026\nIreland,Euro,EUR,1.1565,01/11/2026,30/11/2026\n",
             b"lines 2 and 3: two rates for EUR"),
            ("no header", "Eurozone,Euro,EUR,1.1564,01/11/2026,30/11/2026\n",
             b"line 1: no header"),
            ("no rate at all", header, b"holds no exchange rate")):
        p = os.path.join(tmp, "bad.csv")
        with open(p, "w", encoding="utf-8") as f:
            f.write(body)
        r = run("report", "ec-sales-list", "--period", "2026-11", "--format", "hmrc",
                "--rates", p)
        check(f"rates file with {what}: exit 3, nothing written, says why",
              r.returncode == 3 and r.stdout == b"" and say in r.stderr,
              (r.returncode, r.stderr))
    r = run("report", "ec-sales-list", "--period", "2026-11", "--format", "hmrc",
            "--rates", os.path.join(tmp, "missing.csv"))
    check("a missing rates file: exit 3", r.returncode == 3 and b"missing.csv" in r.stderr,
          r.stderr)

    # Usage: --rates with the ZM, with plain CSV, with --corrections.
    for args in (["--format", "zm"], ["--format", "csv"], ["--corrections"]):
        r = run("report", "ec-sales-list", "--period", "2026-11", *args, "--rates", RATES)
        check(f"--rates with {args}: usage error", r.returncode == 2 and
              b"--rates" in r.stderr, (r.returncode, r.stderr))

finish("esl rates")
