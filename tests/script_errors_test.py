#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A failing store script is visible, also under fail_open.

  - the reply to the event carries "script_errors" (hook, file:line, the
    sentence, the policy), and the next event's reply, with no failure,
    carries none;
  - a script's own on_error = "fail_closed" refuses where the store's
    default (fail_open) would go on, with a sentence a cashier can act on;
    another script's failure stays ignored; a wrong on_error does not load;
  - the till shows a marker while the sale is open.

usage: script_errors_test.py POSINTENT_CLI POS_HOST MANIFEST CATALOGUE
"""
import json
import os
import subprocess
import sys
import tempfile

cli, host, manifest, catalogue = sys.argv[1:5]
from checks import check, failures, finish


BEGIN = {"type": "sale.begin", "sale": "S1", "store": "test-store", "terminal": "T1",
         "at": "2026-11-20T10:00:00Z"}
LINE = {"type": "sale.line", "sale": "S1", "line": "L1", "sku": "BEANS", "name": "Beans",
        "qty": 12, "unit_price": 100, "net": 1200, "tax": 0}
TOTAL = {"type": "sale.total", "sale": "S1"}

CRASH = """return {
  on_total = function(sale)
    local weight = sale.lines[1].details.weight_kg  -- no such field: a crash
    return { treatment = weight > 10 and "standard" or nil }
  end,
}
"""
CLOSED = """return {
  on_error = "fail_closed",
  on_total = function(sale)
    return { block = sale.customer.name }
  end,
}
"""


def run(tmp, scripts, events):
    d = os.path.join(tmp, "scripts")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    for name, text in scripts.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    fp = os.path.join(tmp, "fx.json")
    with open(fp, "w") as f:
        json.dump({"events": events}, f)
    p = subprocess.run([cli, "script", "test", d, "--sale", fp, "--allow-errors"],
                       capture_output=True, text=True, timeout=60)
    replies = [json.loads(l)["reply"] for l in p.stdout.splitlines()
               if l.startswith('{"event"') and '"reply"' in l]
    return p.returncode, replies, p.stderr


with tempfile.TemporaryDirectory() as tmp:
    rc, replies, err = run(tmp, {"bean.lua": CRASH}, [BEGIN, LINE, TOTAL, LINE])
    total = replies[2] if len(replies) > 2 else {}
    errs = total.get("script_errors", [])
    check("fail_open: the sale goes on", total.get("ok") is True, str(total))
    check("fail_open: the reply lists the failure", len(errs) == 1, str(total))
    if errs:
        e = errs[0]
        check("the failure names the hook", e.get("hook") == "on_total", str(e))
        check("the failure names file:line", e.get("where") == "scripts/bean.lua:3", str(e))
        check("the failure has the sentence", "attempt to index a nil value" in
              e.get("message", ""), str(e))
        check("the failure names the policy", e.get("policy") == "fail_open", str(e))
    check("a reply without a failure has no script_errors",
          len(replies) > 3 and "script_errors" not in replies[3], str(replies[3:]))
    check("no failure, no script_errors", "script_errors" not in replies[1], str(replies[1]))

    # A script of its own fail_closed, beside one that stays fail_open.
    rc, replies, err = run(tmp, {"a_bean.lua": CRASH, "b_licence.lua": CLOSED},
                           [BEGIN, LINE, TOTAL])
    total = replies[2] if len(replies) > 2 else {}
    check("the script's own fail_closed refuses", total.get("ok") is False and
          total.get("error", {}).get("code") == "refused", str(total))
    msg = total.get("error", {}).get("message", "")
    check("the refusal speaks to the cashier", msg.startswith(
        "A store rule could not be checked, so this step is refused; ask the store admin"),
        msg)
    check("the refusal names the script's line",
          total.get("error", {}).get("field") == "scripts/b_licence.lua:4", str(total))
    policies = [(e.get("where"), e.get("policy")) for e in total.get("script_errors", [])]
    check("both failures are listed with their policies", policies ==
          [("scripts/a_bean.lua:3", "fail_open"), ("scripts/b_licence.lua:4", "fail_closed")],
          str(policies))

    rc, replies, err = run(tmp, {"x.lua": 'return { on_error = "fail_shut" }\n'}, [BEGIN])
    check("a wrong on_error does not load", rc == 1 and "on_error must be" in err,
          f"exit {rc}: {err}")

    # The till: a marker while the sale is open.
    d = os.path.join(tmp, "scripts")
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    with open(os.path.join(d, "bean.lua"), "w") as f:
        f.write(CRASH)
    p = subprocess.run([host, "--manifest", manifest, "--db", os.path.join(tmp, "t.db"),
                        "--scripts", d, "--interactive", "--catalogue", catalogue],
                       input="101\nT\n", capture_output=True, text=True, timeout=60)
    check("the till shows the failed rule",
          "! STORE RULE FAILED: on_total scripts/bean.lua:3: " in p.stdout, p.stdout)

finish("script errors")
