#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`posintent script test` is an honest test of a store's scripts.

  - a hook error fails the run (exit 1), also without any expectation, and
    the summary counts the errors; --allow-errors accepts them;
  - a failed expectation is printed with the actual answer or reply beside
    the expected one;
  - expectations can name an event by its "id" (a fixture-only member the
    engine never sees) and a hook call by the event and type that caused it;
  - report_rows must have exactly the columns of the report they name, and
    report_row(row, report) gets that report's name;
  - a fixture's "accounts" are put on file first (an id given again is its
    next version), and hooks read the account the sale names
    (customer.account {id, version}) and a certificate's days_left; a bad
    account is refused naming the member.

usage: script_test_cli_test.py POSINTENT_CLI
"""
import json
import os
import subprocess
import sys
import tempfile

cli = sys.argv[1]
from checks import check, failures, finish


BEGIN = {"type": "sale.begin", "sale": "S1", "store": "test-store", "terminal": "T1",
         "at": "2026-11-20T10:00:00Z"}
LINE = {"type": "sale.line", "sale": "S1", "line": "L1", "sku": "BEANS", "name": "Beans",
        "qty": 1, "unit_price": 100, "net": 100, "tax": 0}
TOTAL = {"type": "sale.total", "sale": "S1"}
COMPLETE = {"type": "sale.complete", "sale": "S1", "total": 100}

CRASH = """return {
  on_sale_begin = function(sale) local x = nil; return x.y end,
  on_total = function(sale) local x = nil; return x.y end,
}
"""
RECEIPT = """return {
  on_total = function(sale)
    return { receipt = { "Thank you, " .. sale.id } }
  end,
  report_row = function(row, report) return { region = "eu", source = report } end,
}
"""


def run(tmp, script, fixture, *extra):
    d = os.path.join(tmp, "scripts")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rule.lua"), "w") as f:
        f.write(script)
    fp = os.path.join(tmp, "fx.json")
    with open(fp, "w") as f:
        json.dump(fixture, f)
    p = subprocess.run([cli, "script", "test", d, "--sale", fp, *extra],
                       capture_output=True, text=True, timeout=60)
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    return p.returncode, lines, p.stderr


with tempfile.TemporaryDirectory() as tmp:
    sale = {"events": [BEGIN, LINE, TOTAL, COMPLETE]}

    # A script that crashes on every call, and a fixture with no expectation.
    rc, out, err = run(tmp, CRASH, sale)
    summary = out[-1] if out else {}
    check("a crashing script fails the run", rc == 1, f"exit {rc}")
    check("the summary counts the hook errors", summary.get("hook_errors") == 3,
          str(summary))
    check("stderr says how many hooks failed", "3 hook calls failed" in err, err)
    rc, out, err = run(tmp, CRASH, sale, "--allow-errors")
    check("--allow-errors accepts hook errors", rc == 0, f"exit {rc}: {err}")
    check("--allow-errors still counts them", out and out[-1].get("hook_errors") == 3,
          str(out[-1:]))

    # A hook call is tagged with the event that caused it.
    rc, out, err = run(tmp, RECEIPT, sale)
    calls = [o for o in out if o.get("hook") == "on_total"]
    check("hook calls carry the event's index and type",
          [(c.get("event"), c.get("type")) for c in calls] ==
          [(2, "sale.total"), (3, "sale.complete")], str(calls))
    check("a clean run exits 0", rc == 0, f"exit {rc}: {err}")

    # Expectations by event id and type; a failure shows the actual value.
    labelled = {"events": [BEGIN, LINE, dict(TOTAL, id="first total"), COMPLETE],
                "expect": [
                    {"event": "first total", "contains": {"can_complete": True}},
                    {"hook": "on_total", "event": "first total",
                     "contains": {"receipt": ["Thank you, S1"]}},
                    {"hook": "on_total", "type": "sale.complete",
                     "contains": {"result": "amend"}},
                    {"event": "first total", "contains": {"receipt": ["Thank you!"]}},
                    {"hook": "on_total", "event": "no such id"},
                ]}
    rc, out, err = run(tmp, RECEIPT, labelled)
    summary = out[-1] if out else {}
    check("two of five expectations fail", (rc, summary.get("failed")) == (1, 2),
          f"exit {rc}, {summary}, {err}")
    replies = [o for o in out if o.get("type") == "sale.total" and "reply" in o]
    check("the event's id is not sent to the engine",
          replies and replies[0]["reply"].get("ok") is True, str(replies))
    check("the label is on the reply record", replies and replies[0].get("id") ==
          "first total", str(replies))
    check("expectation 3 is the one reported", "expectation 3 failed" in err and
          "expectation 0 failed" not in err and "expectation 1 failed" not in err, err)
    check("the expected value is shown", 'expected: {"receipt":["Thank you!"]}' in err, err)
    check("the actual reply is shown beside it",
          "actual reply (event 2, sale.total)" in err and '"Thank you, S1"' in err, err)
    check("an expectation matching nothing says so",
          "no hook call matches" in err, err)

    # Report rows must have the real columns of the report named.
    row = {"identifier": "ATU13585627", "kind": "vat", "verdict": "valid",
           "name": "Wien KG", "country": "AT", "currency": "EUR",
           "store": "roastery-berlin", "sales": 1,
           "lines": 1, "net": "10.00", "tax": "0.00", "first_sale": "2026-11-20",
           "last_sale": "2026-11-20",
       "returned_net": "0.00", "returned_tax": "0.00", "verification": "unverified",
       "consultation": ""}
    rc, out, err = run(tmp, RECEIPT, {"events": [], "report": "resellers",
                                      "report_rows": [row],
                                      "expect": [{"type": "report_row",
                                                  "contains": {"region": "eu",
                                                               "source": "resellers"}}]})
    check("real resellers rows pass, and report_row is told the report", rc == 0,
          f"exit {rc}: {err}")
    short = {k: v for k, v in row.items() if k != "last_sale"}
    rc, out, err = run(tmp, RECEIPT, {"events": [], "report": "resellers",
                                      "report_rows": [dict(short, region_x=1)]})
    check("a row without a real column fails", rc == 1, f"exit {rc}")
    check("the missing column is named", 'no column "last_sale"' in err, err)
    check("a column the report lacks is named", '"region_x"' in err, err)
    # Every row of every report names its store (issue 17.7): a row of the
    # old shape, without it, tests a hook on rows the reports never send.
    rc, out, err = run(tmp, RECEIPT, {"events": [], "report": "resellers",
                                      "report_rows": [{k: v for k, v in row.items()
                                                       if k != "store"}]})
    check("a resellers row without store fails", rc == 1 and 'no column "store"' in err,
          f"exit {rc}: {err}")
    prow = {"period": "2026-11", "store": "roastery-berlin", "currency": "EUR",
            "purpose": "resale", "status": "reseller", "sales": 1, "lines": 1,
            "net": "10.00", "tax": "0.00", "returns": 0, "returned_net": "0.00",
            "returned_tax": "0.00"}
    rc, out, err = run(tmp, RECEIPT, {"events": [], "report": "purposes",
                                      "report_rows": [prow],
                                      "expect": [{"type": "report_row",
                                                  "contains": {"source": "purposes",
                                                               "store": "roastery-berlin"}}]})
    check("real purposes rows pass, with their store", rc == 0, f"exit {rc}: {err}")
    rc, out, err = run(tmp, RECEIPT, {"events": [], "report_rows": [row]})
    check("rows without the report's name fail", rc == 1 and '"report"' in err,
          f"exit {rc}: {err}")
    rc, out, err = run(tmp, RECEIPT, {"events": [], "report": "gifts",
                                      "report_rows": [row]})
    check("resellers rows are not gifts rows", rc == 1 and 'no column "recipient"' in err,
          f"exit {rc}: {err}")

    # Accounts on file, and what the hooks see of the account named.
    ACCOUNT = """return {
  validate_party = function(party, sale)
    local a = party.account
    pos.log("info", "party account " .. (a and (a.id .. " v" .. a.version) or "none"))
  end,
  on_total = function(sale)
    local c = sale.customer
    local e = c and c.evidence[1]
    return { receipt = { "account " .. (c and c.account and c.account.id or "none")
                         .. " v" .. tostring(c and c.account and c.account.version)
                         .. " days_left " .. tostring(e and e.days_left) } }
  end,
}
"""
    cert = [{"state": "TX", "number": "1-23-4567890", "signed": "2026-01-15",
             "expires": "2026-12-31"}]
    accounts = [{"id": "TEX-9", "name": "Tex", "kind": "business", "certs": cert},
                {"id": "TEX-9", "name": "Tex Holdings", "kind": "business", "certs": cert}]
    named = {"now_ms": 1795000000000, "accounts": accounts,
             "events": [BEGIN, LINE,
                        {"type": "sale.customer", "sale": "S1",
                         "customer": {"account": "TEX-9"}}, TOTAL],
             "expect": [{"hook": "on_total",
                         "contains": {"receipt": ["account TEX-9 v2 days_left 41"]}},
                        {"log": "party account TEX-9 v2"}]}
    rc, out, err = run(tmp, ACCOUNT, named)
    check("hooks read the account named, its version and days_left", rc == 0,
          f"exit {rc}: {err} {[o for o in out if o.get('hook') == 'on_total']}")
    typed = dict(named, events=[BEGIN, LINE,
                                {"type": "sale.customer", "sale": "S1",
                                 "customer": {"id": "TEX-9", "name": "Tex", "org": True,
                                              "resale_cert": {"state": "TX",
                                                              "number": "1-23-4567890",
                                                              "expires": "2026-11-19"}}},
                                TOTAL],
                 expect=[{"hook": "on_total",
                          "contains": {"receipt": ["account none vnil days_left -1"]}}])
    rc, out, err = run(tmp, ACCOUNT, typed)
    check("a typed customer has no account; an expired certificate counts below 0",
          rc == 0, f"exit {rc}: {err} {[o for o in out if o.get('hook') == 'on_total']}")
    rc, out, err = run(tmp, ACCOUNT, dict(named, accounts=[dict(accounts[0], colour="red")]))
    check("an account member that does not exist is refused, named",
          rc == 1 and '"colour"' in err and "accounts[0]" in err, f"exit {rc}: {err}")
    bad_cert = [dict(cert[0], expires="2026-13-01")]
    rc, out, err = run(tmp, ACCOUNT, dict(named, accounts=[dict(accounts[0], certs=bad_cert)]))
    check("bad evidence on a fixture account is refused with its field",
          rc == 1 and "cert.expires" in err, f"exit {rc}: {err}")

finish("script test cli")
