#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every table a hook returns is checked against its documented shape.

Each case is a one-hook script run through `posintent script test` (the
real engine, an in-memory database).  A malformed answer must be a script
error -- never a silent "amend" -- whose message names the hook, the key and
the bad value, and whose location is the script's file and the hook
function's first line.  Well-formed answers of every documented shape must
still be applied.

usage: script_answers_test.py POSINTENT_CLI
"""
import json
import os
import subprocess
import sys
import tempfile

cli = sys.argv[1]
failures = []

BEGIN = {"type": "sale.begin", "sale": "S1", "store": "test-store", "terminal": "T1",
         "at": "2026-11-20T10:00:00Z"}
LINE = {"type": "sale.line", "sale": "S1", "line": "L1", "sku": "GIN", "name": "Gin",
        "qty": 1, "unit_price": 100, "net": 100, "tax": 0}
TOTAL = {"type": "sale.total", "sale": "S1"}
TAG = {"type": "sale.tag", "sale": "S1", "purpose": "gift"}
COMPLETE = {"type": "sale.complete", "sale": "S1", "total": 100}
SALE = [BEGIN, LINE, TOTAL]
ROW = {"identifier": "DE129273398", "kind": "vat", "verdict": "valid", "name": "Café",
       "country": "DE", "currency": "EUR", "store": "roastery-berlin", "sales": 1,
       "lines": 1, "net": "1.00",
       "tax": "0.00", "first_sale": "2026-11-20", "last_sale": "2026-11-20",
       "returned_net": "0.00", "returned_tax": "0.00", "verification": "unverified",
       "consultation": ""}


def run(hook, body, events=SALE, rows=None):
    """Run a script whose hook `hook` is `body` (its first line is line 2).
    Returns (hook records, replies)."""
    with tempfile.TemporaryDirectory() as tmp:
        d = os.path.join(tmp, "scripts")
        os.mkdir(d)
        with open(os.path.join(d, "rule.lua"), "w") as f:
            f.write("return {\n  %s = function(a, b)\n    %s\n  end,\n}\n" % (hook, body))
        fx = {"events": events}
        if rows is not None:
            fx["report"] = "resellers"
            fx["report_rows"] = rows
        fp = os.path.join(tmp, "fx.json")
        with open(fp, "w") as f:
            json.dump(fx, f)
        p = subprocess.run([cli, "script", "test", d, "--sale", fp, "--allow-errors"],
                           capture_output=True, text=True, timeout=60)
        recs = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        return ([r for r in recs if "hook" in r and r["hook"] == hook],
                [r for r in recs if "reply" in r])


def bad(name, hook, body, words, events=SALE, rows=None):
    """The answer is a script error naming every one of `words`."""
    hooks, _ = run(hook, body, events, rows)
    answers = [h["answer"] for h in hooks]
    errors = [a for a in answers if a.get("result") == "error"]
    if not errors:
        failures.append(f"{name}: not an error: {answers}")
        return
    e = errors[0]
    if e.get("where") != "scripts/rule.lua:2":
        failures.append(f"{name}: where is {e.get('where')!r}, not the hook's line")
    msg = e.get("message", "")
    if msg.count("rule.lua:") != 1:
        failures.append(f"{name}: not exactly one location in {msg!r}")
    for w in words:
        if w not in msg:
            failures.append(f"{name}: {w!r} not in {msg!r}")


def good(name, hook, body, want, events=SALE, rows=None):
    """The answer is applied: `want(hooks, replies)` is true."""
    hooks, replies = run(hook, body, events, rows)
    if any(h["answer"].get("result") == "error" for h in hooks) or not want(hooks, replies):
        failures.append(f"{name}: {hooks} {replies}")


def total_reply(replies):
    return [r["reply"] for r in replies if r.get("type") == "sale.total"][-1]


# on_total
bad("block copied from decision.blocks", "on_total",
    'return { block = { message = "Needs a licence" } }',
    ["on_total: block", "message", '"Needs a licence"'])
bad("one prompt without its braces", "on_total",
    'return { prompts = { text = "Age checked?" } }',
    ["on_total: prompts", "text", '"Age checked?"', "{ { text"])
bad("a receipt array with a hole", "on_total",
    'return { receipt = { "a", nil, "c" } }', ["on_total: receipt", "[2]"])
bad("receipt lines with a named field", "on_total",
    'return { receipt = { "a", extra = "b" } }', ["on_total: receipt", "extra", '"b"'])
bad("choices with a named field", "on_total",
    'return { prompts = { { text = "Bag?", choices = { yes = "y" } } } }',
    ["prompts[1].choices", "yes", '"y"'])
bad("an unknown on_total field", "on_total",
    'return { blocks = { "x" } }', ["on_total", "'blocks'", "a table"])
bad("a treatment of the wrong type", "on_total",
    'return { treatment = 7 }', ["on_total: treatment", "7"])
bad("a prompt field of the wrong type", "on_total",
    'return { prompts = { { text = "x", line = 1 } } }', ["prompts[1].line", "1"])
good("block as a string", "on_total", 'return { block = "No gin" }',
     lambda h, r: [b["message"] for b in total_reply(r)["blocked"]] == ["No gin"])
good("block as an array", "on_total", 'return { block = { "No gin", "No rum" } }',
     lambda h, r: len(total_reply(r)["blocked"]) == 2)
good("prompts of both shapes", "on_total",
     'return { prompts = { "Bag?", { text = "Age?", choices = { "yes", "no" } } } }',
     lambda h, r: [p["text"] for p in total_reply(r)["prompts"]] == ["Bag?", "Age?"])

# on_tag, classify, the verdict hooks
bad("an unknown tag field", "on_tag", 'return { purpose = "gift", colour = "red" }',
    ["on_tag", "'colour'", '"red"'], events=[BEGIN, LINE, TAG])
bad("a recipient that is not a table", "on_tag",
    'return { purpose = "gift", recipient = "Ann" }',
    ["on_tag: recipient", '"Ann"'], events=[BEGIN, LINE, TAG])
bad("a misspelt status", "classify", 'return "resller"',
    ["classify", "L1", '"resller"'])
bad("a verdict of the wrong type", "on_sale_begin", "return 42",
    ["on_sale_begin", "42"], events=[BEGIN])

# on_complete and report_row
bad("meta mixing array entries and fields", "on_complete",
    'return { codes = { 1, 2, x = 3 } }', ["on_complete", "x", "3"],
    events=[BEGIN, LINE, COMPLETE])
bad("meta with a function", "on_complete", "return { f = pairs }",
    ["on_complete", "f"], events=[BEGIN, LINE, COMPLETE])
bad("a report column without a name", "report_row", 'return { "eu" }',
    ["report_row", "[1]", '"eu"'], events=[], rows=[ROW])
bad("a report column that replaces one", "report_row", "return { net = 0 }",
    ["report_row", "'net'"], events=[], rows=[ROW])
good("a report column", "report_row", 'return { region = "eu" }',
     lambda h, r: r[0]["reply"].get("region") == "eu", events=[], rows=[ROW])

# print, which Lua users reach for first, is not there: the error says what is.
hooks, _ = run("on_total", 'print("total")')
msgs = [h["answer"].get("message", "") for h in hooks]
if not any('use pos.log("info", text)' in m for m in msgs):
    failures.append(f"print: no hint to use pos.log in {msgs}")

for f in failures:
    print("FAIL", f)
print("ok" if not failures else f"{len(failures)} failed")
sys.exit(1 if failures else 0)
