#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The interactive till reloads the store scripts without a restart.

Driven through a pseudo-terminal, as a cashier's till runs:
  - SIGHUP with a sale open: the till keeps running, says so on its status
    line, the open sale's next total uses the new script, and the sale
    completes and is recorded afterwards;
  - a broken version on SIGHUP: the old script stays active, the status
    line names file:line, and the header keeps a marker until a reload
    succeeds; the S key reloads the fixed version;
  - a script prompt longer than the screen is wrapped, not cut;
  - from a pipe, a SIGHUP while the till waits for a key reloads as well;
  - a till started on a broken script exits 3 naming file:line once and
    saying what to do.
Every wait is for a screen to appear (with a generous time-out); nothing
depends on how fast the machine is.

usage: till_reload_test.py POS_HOST MANIFEST CATALOGUE
"""
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

FAILURES = []


def check(what, ok):
    if not ok:
        FAILURES.append(what)


class Tty:
    """pos-host on a pseudo-terminal; the screen is the last full redraw."""

    def __init__(self, argv):
        self.master, self.slave = os.openpty()
        self.proc = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave,
                                     stderr=subprocess.DEVNULL, close_fds=True)
        self.buf = b""

    def pump(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if r:
            try:
                self.buf += os.read(self.master, 65536)
            except OSError:
                return False
        return bool(r)

    def screen(self):
        text = self.buf.decode("utf-8", "replace")
        frame = text[text.rfind("\x1b[H") + 3:]
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", frame).split("\n")

    def text(self):
        return " ".join(r.strip() for r in self.screen())

    def wait_text(self, text, timeout=30.0):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.text():
                return True
            if self.proc.poll() is not None and not self.pump(0):
                break
            self.pump(0.05)
        FAILURES.append(f"timed out waiting for {text!r}; screen:\n" +
                        "\n".join(self.screen()))
        return False

    def mark(self):
        """Forget the screens so far: the next wait needs a new redraw."""
        self.buf = b""

    def send(self, keys):
        for ch in keys:
            os.write(self.master, ch.encode())
            self.pump(0.01)

    def close(self):
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


def script(receipt, prompt=None):
    answer = 'receipt = { "%s" }' % receipt
    if prompt:
        answer += ', prompts = { "%s" }' % prompt
    return "return { on_total = function(sale) return { %s } end }\n" % answer


LONG_PROMPT = ("Ask the customer whether the beans are for the shop in Vienna "
               "or for the one in Graz, and write the answer on the delivery note")


def main():
    host, manifest, catalogue = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        scripts = os.path.join(tmp, "scripts")
        os.mkdir(scripts)
        path = os.path.join(scripts, "receipt.lua")
        with open(path, "w") as f:
            f.write(script("version 1"))
        db = os.path.join(tmp, "till.db")
        argv = [host, "--manifest", manifest, "--db", db, "--scripts", scripts,
                "--interactive", "--catalogue", catalogue, "--terminal", "T7"]
        tty = Tty(argv)
        try:
            session(tty, path)
        finally:
            if tty.proc.poll() is None:
                tty.send("Q")
                tty.send("y")
            tty.close()
        check(f"the till exits 0 after Q (got {tty.proc.returncode})",
              tty.proc.returncode == 0)
        con = sqlite3.connect(db)
        rows = con.execute("SELECT status FROM sales").fetchall()
        con.close()
        check(f"the sale open across the reloads is recorded once: {rows}",
              rows == [("completed",)])

        # From a pipe (a vendor's harness): a SIGHUP while the till waits
        # for the next key reloads too, and no key is lost.
        with open(path, "w") as f:
            f.write(script("pipe 1"))
        pipe = subprocess.Popen([host, "--manifest", manifest, "--db", db + ".pipe",
                                 "--scripts", scripts, "--interactive",
                                 "--catalogue", catalogue],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, bufsize=1)
        pipe.stdin.write("101\nT\n")
        pipe.stdin.flush()
        seen = ""
        while "receipt: pipe 1" not in seen:
            line = pipe.stdout.readline()
            if not line:
                break
            seen += line
        with open(path, "w") as f:
            f.write(script("pipe 2"))
        pipe.send_signal(signal.SIGHUP)
        while "Store scripts reloaded (SIGHUP)" not in seen:
            line = pipe.stdout.readline()
            if not line:
                break
            seen += line
        out, _ = pipe.communicate("T\nP\n\n", timeout=60)
        seen += out
        check(f"pipe: SIGHUP reloads while waiting for a key: {seen!r}",
              "Store scripts reloaded (SIGHUP)" in seen)
        check(f"pipe: the sale completes with the new script: {seen!r}",
              "recorded. Receipt: pipe 2" in seen and pipe.returncode == 0)

        # Starting on a broken script: exit 3, file:line once, what to do.
        with open(path, "w") as f:
            f.write("return { on_total = function(sale)\n  return {\nend }\n")
        run = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=60)
        check(f"a till on a broken script exits 3 (got {run.returncode})",
              run.returncode == 3)
        err = run.stderr
        check(f"the start-up error names file:line once: {err!r}",
              err.count("receipt.lua:3:") == 1)
        check(f"the start-up error says what to do: {err!r}",
              "posintent script check" in err)


def session(tty, path):
    if not tty.wait_text("Catalogue (code  item  price):"):
        return
    tty.send("101\r")
    tty.wait_text("L1")
    tty.send("T")
    if not tty.wait_text("receipt: version 1"):
        return

    # SIGHUP with the sale open: reloaded, said on the status line.
    with open(path, "w") as f:
        f.write(script("version 2", LONG_PROMPT))
    tty.mark()
    tty.proc.send_signal(signal.SIGHUP)
    if not tty.wait_text("Store scripts reloaded (SIGHUP); the open sale goes on"):
        return
    check("the till still runs after SIGHUP", tty.proc.poll() is None)
    tty.send("T")
    check("the open sale's total uses the new script",
          tty.wait_text("receipt: version 2"))
    # The prompt is wider than the screen: every word of it is shown.
    rows = [r for r in tty.screen() if r.strip()]
    check(f"no row is wider than 80 columns: {rows}", all(len(r) <= 80 for r in rows))
    check(f"a long prompt is wrapped, not cut: {rows}",
          re.sub(r"\s+", " ", " ".join(r.strip() for r in rows)).find(
              "? " + LONG_PROMPT) >= 0)

    # A broken version: the old one stays, the error is on screen.
    with open(path, "w") as f:
        f.write("return { on_total = function(sale)\n  return {\nend }\n")
    tty.mark()
    tty.proc.send_signal(signal.SIGHUP)
    if not tty.wait_text("Store scripts NOT reloaded (SIGHUP)"):
        return
    check("the failed reload names file:line on screen",
          "receipt.lua:3:" in tty.text())
    check("the header marks the scripts as not reloaded",
          "SCRIPTS NOT RELOADED" in tty.screen()[0])
    tty.send("T")
    tty.wait_text("receipt: version 2")
    check("the marker stays after the next key", "SCRIPTS NOT RELOADED" in tty.screen()[0])

    # Fixed, and the S key reloads it.
    with open(path, "w") as f:
        f.write(script("version 3"))
    tty.mark()
    tty.send("S")
    tty.wait_text("Store scripts reloaded (S key)")
    check("the marker is gone after a good reload",
          "SCRIPTS NOT RELOADED" not in tty.screen()[0])

    # The sale that was open all along completes.
    tty.send("P")
    if tty.wait_text("Pay "):
        tty.send("\r")
        tty.wait_text("recorded. Receipt: version 3")
    tty.send("Q")


main()
for f in FAILURES:
    print("FAIL", f)
print("ok" if not FAILURES else f"{len(FAILURES)} failed")
sys.exit(1 if FAILURES else 0)
