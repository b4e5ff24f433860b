#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pos-host reloads the store scripts on SIGHUP, between events.

A signal that arrives while pos-host waits for input must neither end the
stream nor lose a line; a new script version takes effect at the next
event; a version that does not compile leaves the old one active and the
error names file:line.

usage: sighup_test.py POS_HOST MANIFEST
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

host, manifest = sys.argv[1:3]
failures = []


def check(what, ok):
    if not ok:
        failures.append(what)


def script(text):
    return "return { on_total = function(sale) return { receipt = { %s } } end }\n" % text


with tempfile.TemporaryDirectory() as tmp:
    scripts = os.path.join(tmp, "scripts")
    os.mkdir(scripts)
    path = os.path.join(scripts, "receipt.lua")
    with open(path, "w") as f:
        f.write(script('"version 1"'))
    log = open(os.path.join(tmp, "stderr.txt"), "w+")
    p = subprocess.Popen([host, "--manifest", manifest, "--db", os.path.join(tmp, "d.db"),
                          "--scripts", scripts], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)

    def send(event):
        p.stdin.write(json.dumps(event) + "\n")
        p.stdin.flush()
        return json.loads(p.stdout.readline())

    r = send({"type": "sale.begin", "sale": "S1", "store": "roastery-berlin",
              "terminal": "T1", "at": "2026-11-20T10:00:00Z"})
    check("begin ok", r.get("ok") is True)
    send({"type": "sale.line", "sale": "S1", "line": "L1", "qty": 1, "unit_price": 100,
          "net": 100, "tax": 0})
    r = send({"type": "sale.total", "sale": "S1"})
    check(f"version 1 answers: {r.get('receipt')}", r.get("receipt") == ["version 1"])

    # A new version, and SIGHUP while pos-host is blocked reading stdin.
    with open(path, "w") as f:
        f.write(script('"version 2"'))
    time.sleep(0.2)
    p.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    check("pos-host still running after SIGHUP", p.poll() is None)
    r = send({"type": "sale.total", "sale": "S1"})
    check(f"version 2 answers after SIGHUP: {r.get('receipt')}",
          r.get("receipt") == ["version 2"])

    # A broken version: the old one stays, the error names file:line.
    with open(path, "w") as f:
        f.write("return { on_total = function(sale)\n  return {\nend }\n")
    p.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    r = send({"type": "sale.total", "sale": "S1"})
    check(f"version 2 still answers after a broken reload: {r.get('receipt')}",
          r.get("receipt") == ["version 2"])
    r = send({"type": "sale.complete", "sale": "S1", "total": 100})
    check("the sale completes", r.get("recorded") is True)
    p.stdin.close()
    check("pos-host exits 0 at end of input", p.wait(timeout=30) == 0)
    log.seek(0)
    err = log.read()
    check(f"the reload is logged once: {err!r}", err.count("scripts reloaded") == 1)
    check(f"the failed reload is logged once and names file:line: {err!r}",
          err.count("not reloaded") == 1 and err.count("receipt.lua:3:") == 1)

for f in failures:
    print("FAIL", f)
print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
