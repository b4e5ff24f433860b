#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The admin CLI on real files (issue 10 point 6, issue 11 point 7).

1. Every command that reads the database, and `erase`, refuses a path that
   is not an existing posintent database (missing, empty, a text file,
   another SQLite database, a folder): it exits non-zero, says why, and
   creates nothing (no file, no -wal, no -shm; an existing file keeps its
   bytes).
2. Reports, exports, `sales`, `sale` and `verify` work on a read-only copy
   of the database as another user: the copy and its folder are made
   read-only (chmod a-w) and the commands run under an unprivileged uid
   (setpriv to nobody when the test runs as root, which permissions do not
   stop; as the user itself otherwise).  Their output equals the output on
   the till's own database.  A read-only copy with a -wal file (which may
   hold sales, or mean a till is writing) is refused with what to do, never
   read without them.  The commands that record (`erase`, `period close`)
   refuse the read-only copy, saying that it can only be read, and leave it
   as it was.

usage: cli_files_test.py POS_HOST POSINTENT MANIFEST EVENTS
"""
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile

host, cli, manifest, events = sys.argv[1:5]
from checks import check, failures, finish


READERS = [
    ["verify"],
    ["sales", "list", "--format", "csv"],
    ["sale", "show", "roastery-berlin", "T2", "S013"],
    ["report", "resellers", "--format", "csv"],
    ["report", "purposes", "--format", "csv", "--by", "day"],
    ["report", "gifts", "--format", "csv"],
    ["report", "ec-sales-list", "--period", "2026-Q4", "--format", "csv"],
    ["export", "--format", "jsonl"],
    ["period", "list"],
]
WRITERS = [["erase", "--customer", "C-AT-WIEN"],
           ["erase", "--recipient", "S004", "--store", "roastery-berlin"],
           ["period", "close", "--period", "2026-11", "--format", "zm"]]


def files_in(d):
    return sorted(os.listdir(d))


with tempfile.TemporaryDirectory() as tmp:
    os.chmod(tmp, 0o755)
    base = os.path.join(tmp, "day.db")
    subprocess.run([host, "--manifest", manifest, "--db", base, "--events", events,
                    "--quiet"], check=True, capture_output=True)
    # The CLI binary beside the data, so that an unprivileged user can run
    # it wherever the build tree is (posintent_core is linked statically).
    bin_dir = os.path.join(tmp, "bin")
    os.mkdir(bin_dir)
    cli_copy = os.path.join(bin_dir, "posintent")
    shutil.copy(cli, cli_copy)
    os.chmod(bin_dir, 0o755)
    os.chmod(cli_copy, 0o755)

    def run(db, args, user=None, cwd=None):
        cmd = [cli_copy, "--db", db, *args]
        if user is not None:
            cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                   *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or bin_dir)

    # ---- 1. not a posintent database: refused, nothing created -----------
    bad = os.path.join(tmp, "bad")
    os.mkdir(bad)
    sq = sqlite3.connect(os.path.join(bad, "other.db"))
    sq.execute("CREATE TABLE t(x)")
    sq.commit()
    sq.close()
    with open(os.path.join(bad, "empty.db"), "wb"):
        pass
    with open(os.path.join(bad, "notes.db"), "w") as f:
        f.write("this is not a database\n" * 200)
    os.mkdir(os.path.join(bad, "folder.db"))
    cases = {"missing.db": "no database", "empty.db": "not a posintent database",
             "notes.db": "not a posintent database",
             "other.db": "not a posintent one", "folder.db": "not a posintent database"}
    before = {n: (open(os.path.join(bad, n), "rb").read()
                  if os.path.isfile(os.path.join(bad, n)) else None)
              for n in files_in(bad)}
    for name, words in cases.items():
        path = os.path.join(bad, name)
        for args in READERS + WRITERS:
            r = run(path, args)
            what = f"{' '.join(args)} on {name}"
            check(what + " exits non-zero", r.returncode != 0,
                  f"exit {r.returncode}\n{r.stdout}{r.stderr}")
            check(what + " says why", words in r.stderr, repr(r.stderr))
            check(what + " writes no report", r.stdout == "", repr(r.stdout[:200]))
            check(what + " creates nothing", files_in(bad) == sorted(before),
                  f"{files_in(bad)}")
    for n, data in before.items():
        if data is not None:
            check(f"{n} unchanged", open(os.path.join(bad, n), "rb").read() == data)

    # ---- 2. a read-only copy, as another user ---------------------------
    want = {}
    for args in READERS:
        r = run(base, args)
        check(f"{' '.join(args)} on the till's database", r.returncode == 0,
              f"exit {r.returncode}\n{r.stderr}")
        want[tuple(args)] = r.stdout
    check("verify verifies", "journal: verified" in want[("verify",)], want[("verify",)])

    user = 65534 if os.geteuid() == 0 else None
    if user is not None and shutil.which("setpriv") is None:
        failures.append("running as root without setpriv: cannot test as another user")
        user = None
    print(f"read-only copy read as uid {user if user is not None else os.geteuid()}"
          f" {'(setpriv)' if user is not None else '(this user)'}")

    copy_dir = os.path.join(tmp, "accountant")
    os.mkdir(copy_dir)
    copy = os.path.join(copy_dir, "day.db")
    shutil.copy(base, copy)
    os.chmod(copy, 0o444)
    os.chmod(copy_dir, 0o555)
    for args in READERS:
        r = run(copy, args, user=user)
        what = f"{' '.join(args)} on a read-only copy"
        check(what + " exits 0", r.returncode == 0, f"exit {r.returncode}\n{r.stderr}")
        check(what + " matches the original", r.stdout == want[tuple(args)],
              f"\n{r.stdout[:300]}\nvs\n{want[tuple(args)][:300]}")
    # Commands that record (erase, period close) refuse the copy, saying why.
    copy_bytes = open(copy, "rb").read()
    for args in WRITERS:
        r = run(copy, args, user=user)
        what = f"{' '.join(args)} on a read-only copy"
        check(what + " is refused", r.returncode == 3, f"exit {r.returncode}\n{r.stderr}")
        check(what + " says why", "can only be read here" in r.stderr, repr(r.stderr))
        check(what + " writes nothing", r.stdout == "", repr(r.stdout[:200]))
    check("the read-only copy is unchanged", open(copy, "rb").read() == copy_bytes)
    check("the read-only folder is untouched", files_in(copy_dir) == ["day.db"],
          f"{files_in(copy_dir)}")
    if user is not None:
        # The same as nobody proves the point only if nobody cannot write.
        r = subprocess.run(["setpriv", f"--reuid={user}", f"--regid={user}",
                            "--clear-groups", "touch", os.path.join(copy_dir, "x")],
                           capture_output=True)
        check("the folder really is read-only for that user", r.returncode != 0)

    # A copy whose -wal holds sales not in the file: refused, with a way out.
    wal_dir = os.path.join(tmp, "walcopy")
    os.mkdir(wal_dir)
    live = os.path.join(tmp, "live.db")
    shutil.copy(base, live)
    os.chmod(live, 0o600)
    con = sqlite3.connect(live)
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("INSERT INTO meta(key, value) VALUES('note', 'in the wal only')")
    con.commit()
    for suffix in ("", "-wal"):
        shutil.copy(live + suffix, os.path.join(wal_dir, "day.db" + suffix))
        os.chmod(os.path.join(wal_dir, "day.db" + suffix), 0o444)
    con.close()
    os.chmod(wal_dir, 0o555)
    r = run(os.path.join(wal_dir, "day.db"), ["verify"], user=user)
    check("a read-only copy with a -wal is refused", r.returncode == 3,
          f"exit {r.returncode}\n{r.stdout}{r.stderr}")
    check("...saying what to do", "-wal" in r.stderr and "copy" in r.stderr, r.stderr)
    check("...creating nothing", sorted(files_in(wal_dir)) == ["day.db", "day.db-wal"],
          f"{files_in(wal_dir)}")
    # The same copy read through a symlink from another folder: SQLite
    # keeps the -wal beside the link's target, so the copy is refused the
    # same way (it used to be read immutable without the -wal's sales).
    link_dir = os.path.join(tmp, "acct")
    os.mkdir(link_dir)
    os.symlink(os.path.join(wal_dir, "day.db"), os.path.join(link_dir, "day.db"))
    os.chmod(link_dir, 0o555)
    r = run(os.path.join(link_dir, "day.db"), ["verify"], user=user)
    check("a read-only copy with a -wal, through a symlink, is refused",
          r.returncode == 3 and "-wal" in r.stderr, f"exit {r.returncode}\n{r.stdout}{r.stderr}")
    os.chmod(link_dir, 0o755)
    # An empty -wal too: a till may be about to write (never read immutable).
    os.chmod(wal_dir, 0o755)
    os.chmod(os.path.join(wal_dir, "day.db-wal"), 0o644)
    open(os.path.join(wal_dir, "day.db-wal"), "w").close()
    os.chmod(wal_dir, 0o555)
    r = run(os.path.join(wal_dir, "day.db"), ["report", "gifts"], user=user)
    check("a read-only copy with an empty -wal is refused", r.returncode == 3 and
          "-wal" in r.stderr, f"exit {r.returncode}\n{r.stdout}{r.stderr}")
    for d in (copy_dir, wal_dir):
        os.chmod(d, 0o755)

finish("cli file checks")
