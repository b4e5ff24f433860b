#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Built-in prompts that scripts and policy can shape.

  - on_total's drop_prompts removes a built-in prompt (the gift-receipt
    question) so that the question can depend on an amount, and a script
    replaces it by dropping its id and adding its own;
  - under the gift_receipt policy "never", a cashier's explicit yes is
    refused with a sentence, not ignored.

usage: builtin_prompts_test.py POSINTENT_CLI
"""
import json
import os
import subprocess
import sys
import tempfile

cli = sys.argv[1]
from checks import check, failures, finish


def sale(amount, tag):
    return [{"type": "sale.begin", "sale": "S1", "store": "test-store", "terminal": "T1",
             "at": "2026-11-20T10:00:00Z"},
            {"type": "sale.line", "sale": "S1", "line": "L1", "sku": "MUG", "name": "Mug",
             "qty": 1, "unit_price": amount, "net": amount, "tax": 0},
            dict({"type": "sale.tag", "sale": "S1", "purpose": "gift"}, **tag),
            {"type": "sale.total", "sale": "S1"}]


# Ask for a gift receipt only from 50.00 up; above 200.00 ask in other words.
SCRIPT = """return {
  on_total = function(sale, decision)
    if sale.total < 5000 then
      return { drop_prompts = { "gift_receipt" } }
    elseif sale.total > 20000 then
      return { drop_prompts = { "gift_receipt" },
               prompts = { { id = "gift_receipt", text = "A gift receipt for this present?",
                             field = "gift_receipt", choices = { "yes", "no" } } } }
    end
  end,
}
"""


def run(tmp, script, events, config=None, allow=False):
    d = os.path.join(tmp, "scripts")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rule.lua"), "w") as f:
        f.write(script)
    fx = {"events": events}
    if config:
        fx["config"] = config
    fp = os.path.join(tmp, "fx.json")
    with open(fp, "w") as f:
        json.dump(fx, f)
    args = [cli, "script", "test", d, "--sale", fp] + (["--allow-errors"] if allow else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    replies = [json.loads(l)["reply"] for l in p.stdout.splitlines()
               if l.startswith('{"event"') and '"reply"' in l]
    return p.returncode, replies, p.stderr, p.stdout


def prompts(reply):
    return [(p.get("id"), p.get("text")) for p in reply.get("prompts", [])]


with tempfile.TemporaryDirectory() as tmp:
    rc, r, err, out = run(tmp, SCRIPT, sale(1290, {}))
    check("a small gift: no gift-receipt question", rc == 0 and r and prompts(r[-1]) == [],
          f"{rc} {r[-1:]} {err}")
    rc, r, err, out = run(tmp, SCRIPT, sale(9900, {}))
    check("a gift from 50.00: the built-in question", r and prompts(r[-1]) ==
          [("gift_receipt", "Print a gift receipt?")], str(r[-1:]))
    rc, r, err, out = run(tmp, SCRIPT, sale(24900, {}))
    check("above 200.00: the script's question replaces it", r and prompts(r[-1]) ==
          [("gift_receipt", "A gift receipt for this present?")], str(r[-1:]))
    rc, r, err, out = run(tmp, 'return { on_total = function() '
                               'return { drop_prompts = "gift_receipt" } end }',
                          sale(9900, {}), allow=True)
    check("drop_prompts must be an array", '"on_total: drop_prompts must be an array' in out
          or "drop_prompts must be an array" in out, out)

    never = {"policy": {"gift_receipt": "never"}}
    rc, r, err, out = run(tmp, "return {}", sale(9900, {"gift_receipt": True}), never)
    tag = r[2] if len(r) > 2 else {}
    check("under never, a yes is refused", tag.get("ok") is False and
          tag.get("error", {}).get("code") == "policy" and
          tag.get("error", {}).get("field") == "gift_receipt", str(tag))
    check("the refusal says why", "prints no gift receipts" in
          tag.get("error", {}).get("message", ""), str(tag))
    rc, r, err, out = run(tmp, "return {}", sale(9900, {"gift_receipt": False}), never)
    check("under never, a no is fine", len(r) > 2 and r[2].get("ok") is True, str(r[2:3]))
    rc, r, err, out = run(tmp, "return {}", sale(9900, {"gift_receipt": True}))
    check("under offer, a yes is taken", len(r) > 2 and r[2].get("ok") is True and
          "Gift receipt" in r[3].get("receipt", []), str(r[2:]))

finish("built-in prompts")
