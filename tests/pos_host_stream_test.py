#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pos-host answers every event line at once, also one it refuses as too long.

A host that writes one event and waits for its reply must get it without
closing its end of the pipe: an event over pos-host's 4 MiB line limit is
answered `too_long` and flushed at once, and the next event's reply is the
next line (a reply left in stdio's buffer hung such a host for ever, or,
pipelined, matched every later reply to the wrong event).
"""
import json
import os
import select
import subprocess
import sys
import tempfile

host, manifest = sys.argv[1:3]
failed = 0


def check(what, ok):
    global failed
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failed += 1


def parse(line):
    """The reply as an object, or {} when it is not one JSON line."""
    try:
        return json.loads(line) if line else {}
    except ValueError:
        return {}


def read_line(p, seconds=120):
    """One reply line, or None when none comes in `seconds` (a hang)."""
    buf = b""
    while not buf.endswith(b"\n"):
        ready, _, _ = select.select([p.stdout], [], [], seconds)
        if not ready:
            return None
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            return None
        buf += chunk
    return buf.decode()


with tempfile.TemporaryDirectory() as tmp:
    p = subprocess.Popen([host, "--manifest", manifest, "--db", os.path.join(tmp, "d.db")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    try:
        p.stdin.write(b'{"type":"ping"}\n')
        p.stdin.flush()
        first = read_line(p)
        check(f"a ping is answered: {first!r}", parse(first).get("ok") is True)
        big = b'{"type":"ping","x":"' + b"y" * (5 << 20) + b'"}\n'
        p.stdin.write(big)
        p.stdin.flush()
        reply = read_line(p)
        check(f"an event over 4 MiB is answered at once: {reply!r:.200}",
              parse(reply).get("error", {}).get("code") == "too_long")
        p.stdin.write(b'{"type":"ping"}\n')
        p.stdin.flush()
        after = read_line(p)
        check(f"the next event gets its own reply: {after!r}",
              parse(after).get("type") == "ping")
    finally:
        p.stdin.close()
        rest = p.stdout.read()
        rc = p.wait(timeout=120)
    check(f"nothing is left over at the end: {rest[:200]!r}", rest == b"")
    check(f"pos-host exits 0 (got {rc})", rc == 0)

print(f"{failed} failed")
sys.exit(1 if failed else 0)
