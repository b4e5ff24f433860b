#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""One command-line convention for posintent and pos-host (issue 19.7).

1. --version on both programs prints the version CMakeLists.txt's
   project(VERSION) holds (passed in by the test's registration).
2. `posintent help COMMAND` works for every command `posintent --help`
   lists, prints that command's help (NAME naming it) on stdout, exit 0,
   and is the same text as `posintent COMMAND --help`.
3. --opt=VALUE means --opt VALUE everywhere: global options, every
   command's options, pos-host's; the output is the same either way.
4. Every usage error exits 2 with nothing on stdout and one line on
   stderr: the program's prefix ("posintent: ", "pos-host: "), the option
   or word at fault, and a pointer to the help ("(try 'posintent help
   report')").  Unknown options, missing and empty values, a value given
   to a flag, unknown commands and subcommands, a missing --db.

usage: cli_conventions_test.py POS_HOST POSINTENT MANIFEST EVENTS VERSION
"""
import os
import re
import subprocess
import sys
import tempfile

host, cli, manifest, events, version = sys.argv[1:6]
from checks import check, failures, finish


def run(prog, *args, cwd=None):
    return subprocess.run([prog, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def usage_error(what, r, prefix, names, hint):
    """r must be a usage error: exit 2, nothing on stdout, one line on
    stderr with the prefix, each of `names`, and the pointer to `hint`."""
    lines = r.stderr.splitlines()
    detail = f"exit {r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}"
    check(f"{what}: exit 2", r.returncode == 2, detail)
    check(f"{what}: nothing on stdout", r.stdout == "", detail)
    check(f"{what}: one line on stderr", len(lines) == 1, detail)
    if lines:
        check(f"{what}: prefix {prefix!r}", lines[0].startswith(prefix + ": "), detail)
        for n in names:
            check(f"{what}: names {n!r}", n in lines[0], detail)
        check(f"{what}: points to {hint!r}", lines[0].endswith(f"(try '{hint}')"), detail)


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "day.db")
    r = run(host, "--manifest", manifest, "--db", db, "--events", events, "--quiet")
    check("the demo day records", r.returncode == 0, r.stderr)

    # 1. --version, from project(VERSION).
    r = run(cli, "--version")
    check("posintent --version", (r.returncode, r.stdout) == (0, f"posintent {version}\n"),
          f"{r.returncode} {r.stdout!r}")
    r = run(host, "--version")
    check("pos-host --version", r.returncode == 0 and
          re.fullmatch(rf"pos-host {re.escape(version)} \(posplug ABI \d+\.\d+\)\n", r.stdout),
          f"{r.returncode} {r.stdout!r}")

    # 2. help COMMAND for every command the help lists.
    top = run(cli, "--help").stdout
    section = top.split("COMMANDS\n", 1)[1].split("\n\n", 1)[0]
    commands = [l.split()[0] for l in section.splitlines() if l.strip()]
    commands = [c for c in commands if c != "help"]
    check("the help lists the commands",
          {"taxid", "sales", "sale", "report", "export", "script", "verify",
           "erase"} <= set(commands), f"{commands}")
    for c in commands:
        r = run(cli, "help", c)
        check(f"help {c}: exit 0, on stdout", r.returncode == 0 and r.stdout and not r.stderr,
              f"{r.returncode} {r.stderr!r}")
        name = r.stdout.splitlines()[1].split() if r.stdout.count("\n") > 1 else []
        check(f"help {c}: NAME names it", r.stdout.startswith("NAME\n") and
              name[:2] == ["posintent", c], r.stdout[:120])
        same = run(cli, c, "--help")
        check(f"help {c} is {c} --help", (same.returncode, same.stdout) == (0, r.stdout),
              f"{same.returncode}")
    r = run(cli, "help")
    check("help alone is --help", (r.returncode, r.stdout) == (0, top), r.stderr)
    r = run(cli, "help", "report", "resellers")
    check("help report resellers", r.returncode == 0 and "report resellers" in r.stdout,
          r.stderr)

    # 3. --opt=VALUE is --opt VALUE.
    pairs = [
        (["--db", db, "sales", "list", "--format", "csv", "--purpose", "gift"],
         [f"--db={db}", "sales", "list", "--format=csv", "--purpose=gift"]),
        (["--db", db, "report", "resellers", "--from", "2026-01-01", "--format", "csv"],
         [f"--db={db}", "report", "resellers", "--from=2026-01-01", "--format=csv"]),
        (["--db", db, "report", "ec-sales-list", "--period", "2026-Q4", "--format", "csv"],
         [f"--db={db}", "report", "ec-sales-list", "--period=2026-Q4", "--format=csv"]),
        (["--db", db, "export", "--to", "2026-12-31", "--format", "jsonl"],
         [f"--db={db}", "export", "--to=2026-12-31", "--format=jsonl"]),
        (["--manifest", manifest, "--db", db, "verify"],
         [f"--manifest={manifest}", f"--db={db}", "verify"]),
        (["taxid", "check", "--kind", "eori", "--json", "GB980780684000"],
         ["taxid", "check", "--kind=eori", "--json", "GB980780684000"]),
        (["--db", db, "account", "list", "--store", "roastery-berlin", "--closed"],
         [f"--db={db}", "account", "list", "--store=roastery-berlin", "--closed"]),
    ]
    for spaced, joined in pairs:
        a, b = run(cli, *spaced), run(cli, *joined)
        check(f"{' '.join(joined)}: same as with spaces",
              (a.returncode, a.stdout) == (b.returncode, b.stdout) and a.returncode == 0
              and a.stdout, f"{a.returncode}/{b.returncode} {b.stderr!r}")
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    examples = os.path.join(src, "scripts", "examples")
    fixture = os.path.join(examples, "fixtures", "gift_over_200.json")
    a = run(cli, "script", "test", examples, "--sale", fixture)
    b = run(cli, "script", "test", examples, f"--sale={fixture}")
    check("script test --sale=FIXTURE", (a.returncode, a.stdout) == (b.returncode, b.stdout)
          and a.returncode == 0, b.stderr)
    # erase on two copies of the day, one way each: the same outcome.
    for i, args in enumerate((["--customer", "C-AT-WIEN"], ["--customer=C-AT-WIEN"])):
        copy = os.path.join(tmp, f"erase{i}.db")
        with open(db, "rb") as f, open(copy, "wb") as g:
            g.write(f.read())
        r = run(cli, f"--db={copy}", "erase", *args)
        check(f"erase {args[0]}", r.returncode == 0 and r.stdout.startswith("erased "),
              f"{r.returncode} {r.stderr!r}")
    # account add and update on two copies, one way each: the same outcome.
    outs = []
    for i, eq in enumerate((False, True)):
        copy = os.path.join(tmp, f"account{i}.db")
        with open(db, "rb") as f, open(copy, "wb") as g:
            g.write(f.read())
        opts = [("--name", "Acme GmbH"), ("--kind", "business"), ("--purpose", "resale"),
                ("--vat", "DE136695976"),
                ("--cert", "state=TX,number=1-23-4567890,signed=2026-01-15")]
        args = [f"{k}={v}" for k, v in opts] if eq else [x for k, v in opts for x in (k, v)]
        r = run(cli, f"--db={copy}", "account", "add", "ACME", *args)
        check(f"account add ({'=' if eq else 'spaces'})", r.returncode == 0, r.stderr)
        r = run(cli, f"--db={copy}", "account", "show", "ACME")
        outs.append(r.stdout)
    check("account add --opt=VALUE is --opt VALUE", outs[0].split("created:")[0] ==
          outs[1].split("created:")[0] and "DE136695976" in outs[0], f"{outs}")
    # pos-host: the same day through --opt=VALUE records the same sales.
    db2 = os.path.join(tmp, "day2.db")
    r = run(host, f"--manifest={manifest}", f"--db={db2}", f"--events={events}", "--quiet")
    check("pos-host --opt=VALUE runs the day", r.returncode == 0, r.stderr)
    a = run(cli, "--db", db, "sales", "list", "--format", "csv")
    b = run(cli, "--db", db2, "sales", "list", "--format", "csv")
    check("pos-host --opt=VALUE records the same sales", a.stdout == b.stdout and a.stdout,
          f"{len(a.stdout)} vs {len(b.stdout)} bytes")

    # 4. Usage errors.
    P, H = "posintent", "pos-host"
    cases = [
        # posintent: global options, commands.
        ([cli], P, ["no command"], "posintent help"),
        ([cli, "frobnicate"], P, ["'frobnicate'"], "posintent help"),
        ([cli, "help", "frobnicate"], P, ["'frobnicate'"], "posintent help"),
        ([cli, "--frob", "verify"], P, ["'--frob'"], "posintent --help"),
        ([cli, "--db"], P, ["--db", "needs a value"], "posintent --help"),
        ([cli, "--db=", "verify"], P, ["--db", "empty"], "posintent --help"),
        ([cli, "--version=2"], P, ["--version", "takes no value"], "posintent --help"),
        # a missing --db (no manifest in the folder) is a usage error.
        ([cli, "verify"], P, ["--db"], "posintent --help"),
        # every command: an unknown option, a missing value, an unknown subcommand.
        ([cli, "--db", db, "report", "resellers", "--frm", "x"], P, ["'--frm'"],
         "posintent help report"),
        ([cli, "--db", db, "report", "resellers", "--from"], P, ["--from", "needs a value"],
         "posintent help report"),
        ([cli, "--db", db, "report", "resellers", "--detail=1"], P,
         ["--detail", "takes no value"], "posintent help report"),
        ([cli, "--db", db, "report", "bogus"], P, ["'bogus'"], "posintent help report"),
        ([cli, "--db", db, "report"], P, ["which report"], "posintent help report"),
        ([cli, "--db", db, "report", "purposes", "--from=2026-12-01", "--to=2026-11-01"], P,
         ["--from", "--to"], "posintent help report"),
        ([cli, "--db", db, "export", "--format"], P, ["--format", "needs a value"],
         "posintent help export"),
        ([cli, "--db", db, "export", "--format=table"], P, ["--format", "'table'"],
         "posintent help export"),
        ([cli, "--db", db, "sales", "list", "--to"], P, ["--to", "needs a value"],
         "posintent help sales"),
        ([cli, "--db", db, "sales", "list", "--purpose=x"], P, ["--purpose", "\"x\""],
         "posintent help sales"),
        ([cli, "--db", db, "sales", "wat"], P, ["'wat'"], "posintent help sales"),
        ([cli, "--db", db, "sales"], P, ["list"], "posintent help sales"),
        ([cli, "--db", db, "sale", "show", "a"], P, ["STORE TERMINAL SALE"],
         "posintent help sale"),
        ([cli, "--db", db, "sale", "wat"], P, ["'wat'"], "posintent help sale"),
        ([cli, "taxid", "check", "--kind"], P, ["--kind", "needs a value"],
         "posintent help taxid"),
        ([cli, "taxid", "check", "--kind=foo", "x"], P, ["--kind", "'foo'"],
         "posintent help taxid"),
        ([cli, "taxid", "check", "--frob", "x"], P, ["'--frob'"], "posintent help taxid"),
        ([cli, "taxid", "check", "--json=1", "x"], P, ["--json", "takes no value"],
         "posintent help taxid"),
        ([cli, "taxid", "frob"], P, ["'frob'"], "posintent help taxid"),
        ([cli, "taxid"], P, ["check"], "posintent help taxid"),
        ([cli, "script", "test", examples], P, ["--sale"], "posintent help script"),
        ([cli, "script", "test", examples, "--sale"], P, ["--sale", "needs a value"],
         "posintent help script"),
        ([cli, "script", "check", examples, "--frob"], P, ["'--frob'"],
         "posintent help script"),
        ([cli, "script", "frob", examples], P, ["'frob'"], "posintent help script"),
        ([cli, "--db", db, "verify", "x"], P, ["'x'"], "posintent help verify"),
        ([cli, "--db", db, "erase", "--customer"], P, ["--customer", "needs a value"],
         "posintent help erase"),
        ([cli, "--db", db, "erase", "--frob=1"], P, ["'--frob'"], "posintent help erase"),
        ([cli, "--db", db, "erase"], P, ["--customer"], "posintent help erase"),
        ([cli, "--db", db, "erase", "--account=A", "--terminal=T"], P, ["--terminal"],
         "posintent help erase"),
        ([cli, "--db", db, "account"], P, ["add", "close"], "posintent help account"),
        ([cli, "--db", db, "account", "frob"], P, ["'frob'"], "posintent help account"),
        ([cli, "--db", db, "account", "add"], P, ["ID"], "posintent help account"),
        ([cli, "--db", db, "account", "add", "A", "--name", "n", "--kind=robot"], P,
         ["--kind", "'robot'"], "posintent help account"),
        ([cli, "--db", db, "account", "add", "A", "--kind", "person"], P, ["--name"],
         "posintent help account"),
        ([cli, "--db", db, "account", "add", "A", "--name"], P, ["--name", "needs a value"],
         "posintent help account"),
        ([cli, "--db", db, "account", "add", "A", "--name=n", "--kind=person",
          "--cert=state=TX,colour=red"], P, ["--cert", "'colour'"], "posintent help account"),
        ([cli, "--db", db, "account", "list", "--closed=1"], P,
         ["--closed", "takes no value"], "posintent help account"),
        ([cli, "--db", db, "account", "show", "A", "--frob"], P, ["'--frob'"],
         "posintent help account"),
        ([cli, "--db", db, "account", "update", "A"], P, ["nothing to change"],
         "posintent help account"),
        ([cli, "--db", db, "account", "update", "A", "--vat=x", "--no-vat"], P,
         ["--vat", "--no-vat"], "posintent help account"),
        # pos-host
        ([host], H, ["--manifest", "required"], "pos-host --help"),
        ([host, "--bogus"], H, ["'--bogus'"], "pos-host --help"),
        ([host, "--manifest"], H, ["--manifest", "needs a value"], "pos-host --help"),
        ([host, f"--manifest={manifest}", "--db="], H, ["--db", "empty"], "pos-host --help"),
        ([host, "--quiet=yes", "--manifest", manifest], H, ["--quiet", "takes no value"],
         "pos-host --help"),
        ([host, "--version=1"], H, ["--version", "takes no value"], "pos-host --help"),
        ([host, "--manifest", manifest, "--catalogue=x.json"], H,
         ["--catalogue", "--interactive"], "pos-host --help"),
        ([host, "--manifest", manifest, "stray"], H, ["'stray'"], "pos-host --help"),
    ]
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    for argv, prefix, names, hint in cases:
        r = subprocess.run(argv, capture_output=True, text=True, cwd=empty, timeout=300,
                           stdin=subprocess.DEVNULL)
        usage_error(" ".join(os.path.basename(a) for a in argv), r, prefix, names, hint)

finish("cli conventions")
