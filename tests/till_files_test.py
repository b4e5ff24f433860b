#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The till's database files are owner-only, however they are named
(review 2, finding 7; docs/privacy.md, docs/manifest.md).

pos-host, under umask 022, creates its database
  - at a plain path, and under umask 0277 too;
  - through a dangling symlink (relative, absolute into another folder, and
    a chain of two): the target is created, the link stays a link;
  - at "./file:NAME", a file whose name begins with "file:".
Each database, its -wal and its -shm (looked at while the till still runs,
so that they exist) are mode 0600.

Refused, with nothing created:
  - an SQLite URI ("file:u.db", "file:v.db?nolock=1"): named as a URI;
  - a dangling symlink into a folder that does not exist;
  - a start whose scripts fail to load;
  - a start whose database cannot be written (RLIMIT_FSIZE 0): the empty
    file it created is removed, but an empty file that was there before is
    left where it was.

usage: till_files_test.py POS_HOST MANIFEST
"""
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile

host, manifest = sys.argv[1:3]
from checks import check, failures, finish as finish_checks


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def till(cwd, db, umask=0o022, extra=(), limit_size=False):
    """A pos-host till on `db`; returns (process, first reply or None)."""
    def child():
        os.umask(umask)
        if limit_size:
            # A write past 0 bytes fails with EFBIG instead of killing.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    p = subprocess.Popen([host, "--manifest", manifest, "--db", db, "--quiet", *extra],
                         cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, preexec_fn=child)
    try:
        p.stdin.write('{"type":"ping"}\n')
        p.stdin.flush()
    except BrokenPipeError:
        # A till that refuses to start may exit before the event is
        # written (a loaded machine runs it first): no reply, as refused.
        pass
    line = p.stdout.readline()
    return p, line or None


def finish(p):
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    out = p.stdout.read()
    err = p.stderr.read()
    p.wait()
    return p.returncode, out, err


def created_owner_only(what, cwd, db, real, umask=0o022):
    """Start a till on `db`; `real` (the file that must appear) and its
    -wal/-shm must be 0600 while it runs."""
    p, reply = till(cwd, db, umask)
    check(f"{what}: the till started", reply is not None and '"ok":true' in reply,
          repr(reply))
    for f in (real, real + "-wal", real + "-shm"):
        if not os.path.exists(f):
            check(f"{what}: {os.path.basename(f)} exists", False, "missing")
            continue
        check(f"{what}: {os.path.basename(f)} is 0600", mode(f) == 0o600,
              oct(mode(f)))
    rc, _, err = finish(p)
    check(f"{what}: exit 0", rc == 0, f"rc={rc} {err}")
    check(f"{what}: {os.path.basename(real)} is 0600 after", mode(real) == 0o600,
          oct(mode(real)))


def refused(what, cwd, db, needle, extra=(), limit_size=False):
    before = sorted(os.listdir(cwd))
    p, reply = till(cwd, db, extra=extra, limit_size=limit_size)
    rc, _, err = finish(p)
    check(f"{what}: refused", rc != 0 and reply is None, f"rc={rc} reply={reply!r}")
    check(f"{what}: says why", needle in err, err)
    after = sorted(os.listdir(cwd))
    check(f"{what}: nothing created", after == before, f"{before} -> {after}")
    return err


with tempfile.TemporaryDirectory() as tmp:
    # ---- created owner-only --------------------------------------------
    d = os.path.join(tmp, "plain")
    os.mkdir(d)
    created_owner_only("plain path", d, "plain.db", os.path.join(d, "plain.db"))
    created_owner_only("plain path, umask 0277", d, "strict.db",
                       os.path.join(d, "strict.db"), umask=0o277)

    d = os.path.join(tmp, "links")
    os.mkdir(d)
    os.symlink("target.db", os.path.join(d, "link.db"))
    created_owner_only("dangling relative symlink", d, "link.db",
                       os.path.join(d, "target.db"))
    check("the relative link stays a link", os.path.islink(os.path.join(d, "link.db")))

    elsewhere = os.path.join(tmp, "elsewhere")
    os.mkdir(elsewhere)
    os.symlink(os.path.join(elsewhere, "abs.db"), os.path.join(d, "abs.db"))
    created_owner_only("dangling absolute symlink", d, "abs.db",
                       os.path.join(elsewhere, "abs.db"))

    os.symlink("hop.db", os.path.join(d, "chain.db"))
    os.symlink("../elsewhere/end.db", os.path.join(d, "hop.db"))
    created_owner_only("a chain of two dangling symlinks", d, "chain.db",
                       os.path.join(elsewhere, "end.db"))
    # The database behind the link is the one the till uses next time.
    created_owner_only("an existing database through its link", d, "link.db",
                       os.path.join(d, "target.db"))

    d = os.path.join(tmp, "uri")
    os.mkdir(d)
    created_owner_only("a file named file:w.db", d, "./file:w.db",
                       os.path.join(d, "file:w.db"))
    refused("file: URI", d, "file:u.db", "is an SQLite URI")
    refused("file: URI with nolock", d, "file:v.db?nolock=1", "is an SQLite URI")

    # ---- refused, nothing left behind ----------------------------------
    d = os.path.join(tmp, "refused")
    os.mkdir(d)
    os.symlink("missing/x.db", os.path.join(d, "nowhere.db"))
    refused("dangling symlink into a missing folder", d, "nowhere.db",
            "missing/x.db, the target of the symlink nowhere.db")

    scripts = os.path.join(tmp, "scripts")
    os.mkdir(scripts)
    with open(os.path.join(scripts, "broken.lua"), "w") as f:
        f.write("this is not lua\n")
    refused("scripts that fail to load", d, "s.db", "broken.lua",
            extra=("--scripts", scripts))

    refused("a database that cannot be written", d, "big.db", "database",
            limit_size=True)
    open(os.path.join(d, "was-here.db"), "w").close()
    os.chmod(os.path.join(d, "was-here.db"), 0o600)
    refused("an existing empty file that cannot be written", d, "was-here.db",
            "database", limit_size=True)

finish_checks("till files")
