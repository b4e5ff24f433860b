#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The interactive till (pos-host --interactive), driven as a cashier would.

Two ways in, one database check each:
  pipe  keys on standard input, a line transcript on standard output (what a
        script or a vendor's test harness sees);
  pty   a pseudo-terminal: raw keys one at a time, the 80x24 screen parsed
        from the ANSI output, keystrokes counted for every tag.
What was recorded is read back with sqlite3: a gift line with its gift
receipt, a resale line after a mistyped-then-corrected VAT number (the
validator's sentence shown in between), own use, a whole-sale gift with
recipient and message, an EORI and a US resale certificate, a removed line
and a void; and, for a store whose default purpose is "ask", the purpose
prompt and block at T and their answers at P; and returns (B): a bad
quantity, more than was sold and a wrong refund amount refused with the
plugin's sentence, then the return recorded with the purpose its line was
sold with.  The pty run also checks that the terminal is restored, after
Q and after SIGTERM, and the failure paths (bad catalogue, unknown item,
tag with no line) are checked too.

usage: test_till.py POS_HOST MANIFEST CATALOGUE [WRAPPER...]
With a WRAPPER (valgrind ...), pos-host runs under it and only the pipe
session and the catalogue refusals run (the pty part measures a person's
keystrokes, not memory).
Standard library only.
"""
import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import termios
import time

FAILURES = []
CHECKS = 0


def check(what, got, want):
    global CHECKS
    CHECKS += 1
    if got != want:
        FAILURES.append(f"{what}: got {got!r}, want {want!r}")


def truth(what, cond):
    check(what, bool(cond), True)


def sales(db):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = []
    for s in con.execute("SELECT * FROM sales ORDER BY id"):
        s = dict(s)
        s["lines"] = [dict(r) for r in con.execute(
            "SELECT line, sku, purpose, status, qty_milli, net, tax, gift_receipt,"
            " recipient_name, gift_message FROM lines WHERE sale_id=? ORDER BY seq",
            (s["id"],))]
        s["evidence"] = [dict(r) for r in con.execute(
            "SELECT kind, input, compact, valid FROM evidence WHERE sale_id=?",
            (s["id"],))]
        out.append(s)
    con.close()
    return out


def lines_of(sale):
    return [(l["line"], l["sku"], l["purpose"], l["status"]) for l in sale["lines"]]


# --------------------------------------------------------------------------
# pipe

PIPE_KEYS = [
    # sale 1: two items; "2G" tags line 2 gift, "1O" line 1 own use; P asks
    # for the gift receipt (y), then the tender (k card).
    "101", "104", "2G", "1O", "P", "y", "k",
    # sale 2: resale; the first VAT number is mistyped, the second is right.
    "103", "R", "DE 12927339", "DE 136 695 976", "T", "P", "",
    # sale 3: voided.
    "101", "V", "y",
    # sale 4: whole-sale gift with details; no gift receipt; cash.
    "105", "2*102", "*G", "*D", "Oma Hilde", "hilde@example.org", "Alles Gute", "n",
    "P", "c",
    # sale 5: an EORI (longer than any VAT number), a removed line, invoice.
    "102", "106", "X", "1R", "FR 303265045 00017", "P", "i",
    # sale 6: a US resale certificate with expiry, for the whole sale.
    "101", "*R", "ca:sr eaa 123-456789:2027-06-30", "P", "",
    # failure paths, then Q.
    "999", "G", "Q",
]


def pipe_session(host, manifest, catalogue, tmp, wrapper):
    db = os.path.join(tmp, "pipe.db")
    run = subprocess.run(wrapper + [host, "--manifest", manifest, "--db", db, "--interactive",
                          "--catalogue", catalogue, "--cashier", "mia"],
                         input="\n".join(PIPE_KEYS) + "\n", capture_output=True,
                         text=True, timeout=300)
    out = run.stdout
    if run.returncode:
        print(run.stderr, file=sys.stderr)
    check("pipe: exit status", run.returncode, 0)
    check("pipe: no escape sequences in a transcript", "\x1b" in out, False)
    truth("pipe: the validator's sentence is shown",
          "DE VAT numbers have 9 digits; this one has 8. Type it again." in out)
    truth("pipe: an unknown code is refused", "no item 999 in the catalogue" in out)
    truth("pipe: a tag without a line is refused", "no line yet" in out)
    truth("pipe: T shows the receipt line",
          "receipt: Purchased for resale - VAT DE136695976" in out)
    s = sales(db)
    check("pipe: sales recorded", [x["status"] for x in s],
          ["completed", "completed", "voided", "completed", "completed", "completed"])
    if len(s) != 6:
        print(out)
        return
    s1, s2, s3, s4, s5, s6 = s
    check("pipe: sale 1 lines", lines_of(s1),
          [("L1", "BEAN-ETH", "own_use", "consumer"), ("L2", "MUG", "gift", "customer")])
    check("pipe: sale 1 gift receipt on the gift line",
          [l["gift_receipt"] for l in s1["lines"]], [0, 1])
    check("pipe: sale 1 total and tender", (s1["total"], json.loads(s1["tenders"])),
          (2780, [{"type": "card", "amount": 2780}]))
    check("pipe: sale 2 lines", lines_of(s2),
          [("L1", "BEAN-HOUSE", "resale", "reseller")])
    check("pipe: sale 2 reseller", (s2["reseller_kind"], s2["reseller_id"],
                                    s2["reseller_valid"]), ("vat", "DE136695976", 1))
    check("pipe: sale 2 evidence is the corrected number only",
          [(e["input"], e["valid"]) for e in s2["evidence"]], [("DE 136 695 976", 1)])
    check("pipe: sale 3 voided with its line", (s3["status"], len(s3["lines"])),
          ("voided", 1))
    check("pipe: sale 4 lines", lines_of(s4),
          [("L1", "GIFTBOX", "gift", "customer"), ("L2", "BEAN-COL", "gift", "customer")])
    check("pipe: sale 4 quantity 2", s4["lines"][1]["qty_milli"], 2000)
    check("pipe: sale 4 gift details",
          (s4["purpose"], s4["recipient_name"], s4["recipient_contact"],
           s4["gift_message"], s4["gift_receipt"]),
          ("gift", "Oma Hilde", "hilde@example.org", "Alles Gute", 0))
    check("pipe: sale 4 total", s4["total"], 2890 + 2 * 1190)
    check("pipe: sale 5 removed line gone, EORI resale", lines_of(s5),
          [("L1", "BEAN-COL", "resale", "reseller")])
    check("pipe: sale 5 reseller", (s5["reseller_kind"], s5["reseller_id"]),
          ("eori", "FR30326504500017"))
    check("pipe: sale 6 certificate", (s6["reseller_kind"], s6["reseller_id"],
                                       s6["treatment"]),
          ("resale_cert", "CA:SREAA123-456789", "exempt_resale"))
    check("pipe: sale 6 whole-sale purpose", (s6["purpose"], lines_of(s6)[0][2]),
          ("resale", "resale"))
    # Every sale carries its own attempt key (docs/events.md, "Attempt
    # keys"): 128 random bits in hex, the voided one too.
    keys = [x["attempt"] or "" for x in s]
    truth("pipe: every sale has a 128-bit hex attempt key: %r" % keys,
          all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys))
    check("pipe: the attempt keys differ", len(set(keys)), len(keys))


def ask_session(host, manifest, catalogue, tmp, wrapper):
    """A store whose default purpose is "ask": T shows the prompt and the
    block, P asks the purpose and then the gift receipt."""
    with open(manifest, encoding="utf-8") as f:
        m = json.load(f)
    if not os.path.isabs(m["library"]):
        m["library"] = os.path.join(os.path.dirname(os.path.abspath(manifest)),
                                    m["library"])
    m["config"]["default_purpose"] = "ask"
    ask = os.path.join(tmp, "ask.manifest")
    with open(ask, "w", encoding="utf-8") as f:
        json.dump(m, f)
    db = os.path.join(tmp, "ask.db")
    run = subprocess.run(wrapper + [host, "--manifest", ask, "--db", db, "--interactive",
                                    "--catalogue", catalogue],
                         input="101\nT\nP\ng\ny\n\n", capture_output=True, text=True,
                         timeout=300)
    check("ask: exit status", run.returncode, 0)
    truth("ask: T shows the purpose prompt", "prompt: Purpose? own use, gift or resale"
          in run.stdout)
    truth("ask: T shows the block", "blocked: every line needs a purpose" in run.stdout)
    truth("ask: P asks the purpose", "Purpose of the untagged lines? [g/r/o]: g"
          in run.stdout)
    s = sales(db)
    check("ask: recorded", [(x["purpose"], x["gift_receipt"], lines_of(x)) for x in s],
          [("gift", 1, [("L1", "BEAN-ETH", "gift", "customer")])])


def returns(db):
    con = sqlite3.connect(db)
    out = [r for r in con.execute(
        "SELECT s.sale, r.ret, r.reason, r.reason_text, r.total, r.refund,"
        " (SELECT group_concat(rl.line || ':' || rl.qty_milli || ':' || rl.purpose || ':'"
        "  || rl.status, ' ') FROM return_lines rl WHERE rl.return_id = r.id)"
        " FROM returns r JOIN sales s ON s.id = r.sale_id ORDER BY r.id")]
    con.close()
    return out


def return_session(host, manifest, catalogue, tmp, wrapper):
    """B from a pipe: a sale, then (a second run of the till, which knows
    the sale's id only from its receipt) its return."""
    db = os.path.join(tmp, "ret.db")
    argv = wrapper + [host, "--manifest", manifest, "--db", db, "--interactive",
                      "--catalogue", catalogue, "--cashier", "mia"]
    run = subprocess.run(argv, input="101\n104\nP\nk\nQ\n", capture_output=True,
                         text=True, timeout=300)
    check("return: the sale's exit status", run.returncode, 0)
    sold = [x["sale"] for x in sales(db)]
    check("return: one sale", len(sold), 1)
    if len(sold) != 1:
        return
    sid = sold[0]
    keys = [
        "101", "B",                                   # a sale is open: refused
        "X",
        "B", sid, "L1*0",                             # not a quantity
        "B", sid, "L1*2", "d", "k", "25.80",           # more than was sold (1)
        "B", sid, "L9", "u", "k", "1",                # no such line
        "B", sid, "L2 L1", "o", "bag torn", "c", "1", "27.80",  # wrong, then right
        "Q",
    ]
    run = subprocess.run(argv, input="\n".join(keys) + "\n", capture_output=True,
                         text=True, timeout=300)
    out = run.stdout
    if run.returncode:
        print(run.stderr, file=sys.stderr)
    check("return: exit status", run.returncode, 0)
    truth("return: not while a sale is open",
          "a sale is open: pay or void it before taking a return" in out)
    truth("return: a bad quantity is refused", '"0": the quantity after *' in out)
    truth("return: more than was sold is refused with what remains",
          "return refused: line L1 of sale" in out and "so 1 remains; this return asks "
          "for 2" in out)
    truth("return: an unknown line is refused", "has no line L9" in out)
    truth("return: a wrong amount is refused with the plugin's figure",
          "the refund does not match: the refund pays 100; the returned lines come "
          "to 2780" in out)
    truth("return: recorded, said so",
          re.search(r"Return T1-R\d+-\d+ of sale " + re.escape(sid) +
                    r": 27\.80 EUR refunded by cash, recorded\.", out))
    got = returns(db)
    check("return: one recorded, with the purposes the lines were sold with",
          [(r[0], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in got],
          [(sid, "other", "bag torn", 2780, [{"type": "cash", "amount": 2780}],
            "L2:1000:own_use:consumer L1:1000:own_use:consumer")])


def bad_catalogues(host, manifest, tmp, wrapper):
    db = os.path.join(tmp, "bad.db")
    cases = [
        ("missing", os.path.join(tmp, "nope.json"), "cannot read"),
        ("float price", '{"currency":"EUR","items":[{"code":"1","sku":"A","name":"A",'
                        '"net":1.5,"tax":0}]}', "whole minor units"),
        ("letter code", '{"currency":"EUR","items":[{"code":"A1","sku":"A","name":"A",'
                        '"net":1,"tax":0}]}', "must be digits"),
        ("no items", '{"currency":"EUR","items":[]}', "items must be an array"),
        ("not an object", '["EUR"]', "is not a JSON object"),
    ]
    for name, content, want in cases:
        path = content
        if content.startswith(("{", "[")):
            path = os.path.join(tmp, "cat.json")
            with open(path, "w") as f:
                f.write(content)
        run = subprocess.run(wrapper + [host, "--manifest", manifest, "--db", db,
                                        "--interactive", "--catalogue", path],
                             input="Q\n", capture_output=True, text=True, timeout=300)
        check(f"catalogue {name}: exit status", run.returncode, 2)
        truth(f"catalogue {name}: says why ({want})",
              want in run.stderr and "pos-host: till: " in run.stderr)
    run = subprocess.run([host, "--manifest", manifest, "--catalogue", "x.json"],
                         input="", capture_output=True, text=True, timeout=30)
    check("--catalogue without --interactive is a usage error", run.returncode, 2)


# --------------------------------------------------------------------------
# pty

class Tty:
    """pos-host on a pseudo-terminal; the screen is the last full redraw."""

    def __init__(self, argv):
        self.master, self.slave = os.openpty()
        self.proc = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave,
                                     stderr=subprocess.DEVNULL, close_fds=True)
        self.buf = b""
        self.keys = 0

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

    def wait(self, pred, what, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            if pred(self.screen()):
                return True
            self.pump(0.05)
        FAILURES.append(f"pty: timed out waiting for {what}; screen:\n" +
                        "\n".join(self.screen()))
        return False

    def wait_text(self, text, timeout=10.0):
        return self.wait(lambda rows: any(text in r for r in rows), repr(text), timeout)

    def send(self, keys):
        """Send keys one byte at a time, as a cashier types them."""
        for ch in keys:
            os.write(self.master, ch.encode())
            self.keys += 1
            self.pump(0.01)

    def row(self, line_id):
        for r in self.screen():
            if re.match(rf"^[> ]\d {line_id} ", r):
                return r
        return ""

    def lflag(self):
        return termios.tcgetattr(self.slave)[3]

    def close(self):
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


def tag_with(tty, keys, line_id, purpose, status, question=None):
    """Tag with `keys`, count them, and wait for the screen to show the tag
    (or, for resale without an identifier on file, the question for it)."""
    before = tty.keys
    tty.send(keys)
    used = tty.keys - before
    truth(f"pty: tagging {line_id} {purpose} takes at most two keystrokes ({keys!r})",
          used <= 2)
    if question:
        tty.wait_text(question)
    else:
        # A line's own tag shows bare; one from the whole sale with a "*".
        mark = r"\*" if keys.startswith("*") else ""
        tty.wait(lambda rows: re.search(rf"{purpose}{mark}\s+{status}", tty.row(line_id)),
                 f"{line_id} shown as {purpose}/{status}")


def pty_session(host, manifest, catalogue, tmp):
    db = os.path.join(tmp, "pty.db")
    argv = [host, "--manifest", manifest, "--db", db, "--interactive", "--catalogue",
            catalogue, "--cashier", "jonas", "--terminal", "T9"]
    tty = Tty(argv)
    cooked = termios.tcgetattr(tty.slave)[3] & (termios.ICANON | termios.ECHO)
    if not tty.wait_text("Catalogue (code  item  price):"):
        tty.proc.kill()
        tty.close()
        return
    check("pty: raw mode while the till runs",
          tty.lflag() & (termios.ICANON | termios.ECHO), 0)
    rows = tty.screen()
    truth("pty: the screen fits 80x24",
          len(rows) <= 24 and all(len(r) <= 80 for r in rows))

    # Sale 1: three lines, each tagged in one or two keystrokes.
    tty.send("101\r")
    tty.wait(lambda r: tty.row("L1"), "L1 on screen")
    tty.send("104\r")
    tty.wait(lambda r: tty.row("L2"), "L2 on screen")
    tag_with(tty, "2G", "L2", "gift", "customer")        # a number, then the key
    tty.send("105\r")
    tty.wait(lambda r: tty.row("L3"), "L3 on screen")
    tag_with(tty, "O", "L3", "own use", "consumer")      # the highlighted line
    tag_with(tty, "1R", "L1", "resale", "reseller",      # asks for the number
             question="VAT, EORI or CA:certificate")
    tty.send("DE 12927339\r")
    tty.wait_text("DE VAT numbers have 9 digits; this one has 8. Type it again.")
    tty.send("DE 136 695 976\r")
    tty.wait(lambda r: re.search(r"resale\s+reseller", tty.row("L1")), "L1 resale")
    tty.send("T")
    tty.wait_text("Print a gift receipt? [yes/no]")
    truth("pty: T shows the receipt line", tty.wait_text(
        "receipt: Purchased for resale - VAT DE136695976"))
    tty.send("P")
    tty.wait_text("Print a gift receipt? [y/n]")
    tty.send("y")
    tty.wait_text("Pay 56.70 EUR")
    tty.send("\r")
    tty.wait_text("paid: 56.70 EUR by card, recorded.")
    m = re.search(r"Sale (T9-\d+-\d+) paid", "\n".join(tty.screen()))
    sale1 = m.group(1) if m else "?"

    # Its gift comes back: B, the receipt's sale id, the line, why (one
    # key), the refund (one key) and its amount, typed wrong first.
    tty.send("B")
    tty.wait_text("Return: the sale id on the receipt")
    tty.send(sale1 + "\r")
    tty.wait_text("Lines back, e.g. L1")
    tty.send("L2\r")
    tty.wait_text("Why: d damaged")
    tty.send("u")
    tty.wait_text("Refund: k card, c cash, v voucher")
    tty.send("v")
    tty.wait_text("Refund amount in EUR")
    tty.send("10\r")
    tty.wait_text("does not match")
    tty.send("14.90\r")
    tty.wait_text("refunded by voucher")

    # Sale 2: a whole-sale tag in two keystrokes, then a void.
    tty.send("102\r")
    tty.wait(lambda r: tty.row("L1"), "sale 2 L1 on screen")
    tag_with(tty, "*G", "L1", "gift", "customer")
    tty.send("V")
    tty.wait_text("Void sale")
    tty.send("y")
    tty.wait_text("voided.")

    # Quit: the terminal must be as it was.
    tty.send("Q")
    try:
        check("pty: exit status after Q", tty.proc.wait(timeout=10), 0)
    except subprocess.TimeoutExpired:
        FAILURES.append("pty: Q did not end the till")
    check("pty: terminal restored after Q",
          tty.lflag() & (termios.ICANON | termios.ECHO), cooked)
    tty.close()

    s = sales(db)
    check("pty: sales", [(x["terminal"], x["cashier"], x["status"]) for x in s],
          [("T9", "jonas", "completed"), ("T9", "jonas", "voided")])
    if len(s) == 2:
        check("pty: sale 1 lines", lines_of(s[0]),
              [("L1", "BEAN-ETH", "resale", "reseller"), ("L2", "MUG", "gift", "customer"),
               ("L3", "GIFTBOX", "own_use", "consumer")])
        check("pty: sale 1 gift receipt", [l["gift_receipt"] for l in s[0]["lines"]],
              [0, 1, 0])
        check("pty: sale 1 reseller", (s[0]["reseller_id"], s[0]["reseller_valid"]),
              ("DE136695976", 1))
        check("pty: sale 2 purpose", (s[1]["purpose"], lines_of(s[1])),
              ("gift", [("L1", "BEAN-COL", "gift", "customer")]))
        check("pty: the gift's return",
              [(r[0], r[2], r[4], json.loads(r[5]), r[6]) for r in returns(db)],
              [(s[0]["sale"], "unwanted", 1490, [{"type": "voucher", "amount": 1490}],
                "L2:1000:gift:customer")])

    # SIGTERM in raw mode: the handler restores the terminal, then dies of it.
    tty = Tty(argv)
    if tty.wait_text("Catalogue (code  item  price):"):
        tty.send("101\r")
        tty.wait(lambda r: tty.row("L1"), "L1 before SIGTERM")
        check("pty: raw before SIGTERM", tty.lflag() & termios.ICANON, 0)
        tty.proc.send_signal(signal.SIGTERM)
        try:
            check("pty: killed by SIGTERM", tty.proc.wait(timeout=10), -signal.SIGTERM)
        except subprocess.TimeoutExpired:
            FAILURES.append("pty: SIGTERM did not end the till")
        check("pty: terminal restored after SIGTERM",
              tty.lflag() & (termios.ICANON | termios.ECHO), cooked)
    else:
        tty.proc.kill()
    tty.close()


def main():
    host, manifest, catalogue = sys.argv[1:4]
    wrapper = sys.argv[4:]
    with tempfile.TemporaryDirectory() as tmp:
        pipe_session(host, manifest, catalogue, tmp, wrapper)
        ask_session(host, manifest, catalogue, tmp, wrapper)
        return_session(host, manifest, catalogue, tmp, wrapper)
        bad_catalogues(host, manifest, tmp, wrapper)
        if not wrapper:
            pty_session(host, manifest, catalogue, tmp)
    for f in FAILURES:
        print("FAIL", f)
    print(f"till: {CHECKS} checks, {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
