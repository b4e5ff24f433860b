#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""examples/pyhost.py (ctypes) against pos-host (C): the same day, the same
replies, the same database.

Runs the demo day through both hosts into two fresh databases and requires
every reply to be identical, byte for byte (parsed JSON is compared too, to
say which member differs), and every table to hold as many rows; the lines,
evidence and return_lines tables must match row for row (the day's returns
go through both hosts as sale.return).  The Python host runs again
with a 16-byte reply buffer, so that every reply goes through
POSPLUG_ERR_TOOSMALL and last_reply().  Then its refusals: an ABI major the
host does not speak in the manifest, and (given the fake plugin) a library
that exports one; a missing manifest; usage errors.  Last, the decoy: a
manifest given as a bare file name that names a bare `libposintent.so`
beside it, with a library of that name (the fake plugin) first in
LD_LIBRARY_PATH: both hosts must load the file beside the manifest and say
which one they loaded.

usage: test_pyhost.py PYHOST POS_HOST MANIFEST EVENTS [FAKE_PLUGIN]
Standard library only.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

FAILURES = []
CHECKS = 0


def check(what, got, want):
    global CHECKS
    CHECKS += 1
    if got != want:
        FAILURES.append(f"{what}: got {got!r}, want {want!r}")


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, timeout=120, **kw)


def table_rows(db):
    con = sqlite3.connect(db)
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    rows = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1, 2').fetchall()
            for t in ("lines", "evidence", "return_lines") if t in tables}
    con.close()
    return counts, rows


def compare_replies(name, got, want):
    check(f"{name}: reply count", len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        if g == w:
            continue
        gj, wj = json.loads(g), json.loads(w)
        diff = sorted(k for k in set(gj) | set(wj) if gj.get(k) != wj.get(k))
        FAILURES.append(f"{name}: reply {i + 1} differs in {diff}: {g!r} vs {w!r}")
        if len(FAILURES) > 20:
            return


def decoy_beside_manifest(tmp, m, lib, fake, py, poshost):
    """A bare library name must mean the file beside the manifest, not
    whatever dlopen's search path finds first."""
    shop, decoys = os.path.join(tmp, "shop"), os.path.join(tmp, "decoys")
    os.mkdir(shop)
    os.mkdir(decoys)
    os.symlink(os.path.realpath(lib), os.path.join(shop, "libposintent.so"))
    with open(fake, "rb") as src, open(os.path.join(decoys, "libposintent.so"), "wb") as dst:
        dst.write(src.read())
    with open(os.path.join(shop, "plugin.manifest"), "w", encoding="utf-8") as f:
        json.dump({**m, "library": "libposintent.so"}, f)
    env = dict(os.environ, LD_LIBRARY_PATH=decoys)
    loaded = b"loaded " + os.path.realpath(lib).encode() + b"\n"
    for name, argv in (("pyhost", py), ("pos-host", [os.path.abspath(poshost)])):
        r = run(argv + ["--manifest", "plugin.manifest", "--db", os.path.join(tmp, "d.db")],
                input=b'{"type":"ping"}\n', cwd=shop, env=env)
        check(f"{name}, decoy in LD_LIBRARY_PATH: exit status", r.returncode, 0)
        check(f"{name}, decoy in LD_LIBRARY_PATH: the plugin beside the manifest answers",
              r.stdout, b'{"ok":true,"type":"ping","open_sales":0}\n')
        check(f"{name}: says which file it loaded (symlink resolved)",
              loaded in r.stderr, True)
        if r.returncode:
            print(r.stderr.decode(errors="replace"), file=sys.stderr)


def main():
    pyhost, poshost, manifest, events = sys.argv[1:5]
    fake = os.path.abspath(sys.argv[5]) if len(sys.argv) > 5 else None
    py = [sys.executable, os.path.abspath(pyhost)]
    n_events = sum(1 for l in open(events, encoding="utf-8")
                   if l.strip() and not l.lstrip().startswith("#"))
    with tempfile.TemporaryDirectory() as tmp:
        db_c, db_py, db_small = (os.path.join(tmp, n) for n in ("c.db", "py.db", "small.db"))
        c = run([poshost, "--manifest", manifest, "--events", events, "--db", db_c,
                 "--quiet"])
        p = run(py + ["--manifest", manifest, "--events", events, "--db", db_py, "--quiet"])
        check("pos-host exit status", c.returncode, 0)
        check("pyhost exit status", p.returncode, 0)
        if p.returncode:
            print(p.stderr.decode(), file=sys.stderr)
        want = c.stdout.splitlines()
        check("pos-host: one reply per event", len(want), n_events)
        compare_replies("pyhost", p.stdout.splitlines(), want)
        check("some replies refuse (the day has a mistyped VAT number)",
              any(b'"ok":false' in r for r in want), True)

        small = run(py + ["--manifest", manifest, "--events", events, "--db", db_small,
                          "--quiet", "--reply-buffer", "16"])
        check("pyhost --reply-buffer 16 exit status", small.returncode, 0)
        compare_replies("pyhost via last_reply", small.stdout.splitlines(), want)

        counts_c, rows_c = table_rows(db_c)
        for name, db in (("pyhost", db_py), ("pyhost via last_reply", db_small)):
            counts, rows = table_rows(db)
            check(f"{name}: row counts per table", counts, counts_c)
            for t in rows_c:
                check(f"{name}: {t} rows", rows.get(t), rows_c[t])
        check("the day recorded sales", counts_c.get("sales", 0) > 0, True)
        # The day ends with returns (sale.return): both hosts send them.
        check("the day recorded returns", counts_c.get("returns", 0) > 0, True)

        # Refusals, each with the sentence that names both versions.
        with open(manifest, encoding="utf-8") as f:
            m = json.load(f)
        lib = m["library"]
        if not os.path.isabs(lib):
            lib = os.path.join(os.path.dirname(os.path.abspath(manifest)), lib)

        def manifest_with(**changes):
            path = os.path.join(tmp, "m%d.manifest" % len(os.listdir(tmp)))
            with open(path, "w", encoding="utf-8") as f:
                json.dump({**m, "library": lib, **changes}, f)
            return path

        r = run(py + ["--manifest", manifest_with(abi="2.0"), "--db",
                      os.path.join(tmp, "x.db")], input=b"")
        check("manifest ABI 2.0: exit status", r.returncode, 3)
        check("manifest ABI 2.0: says both versions",
              b"declares ABI 2.0" in r.stderr and b"speaks ABI 1.1" in r.stderr, True)
        r = run(py + ["--manifest", manifest_with(abi="1.2"), "--db",
                      os.path.join(tmp, "x.db")], input=b"")
        check("manifest ABI 1.2 (newer minor): refused", r.returncode, 3)
        if fake:
            r = run(py + ["--manifest", manifest_with(library=fake), "--db",
                          os.path.join(tmp, "x.db")], input=b"")
            check("library exporting ABI 2.0: exit status", r.returncode, 3)
            check("library exporting ABI 2.0: says so",
                  b"was built for plugin ABI 2.0" in r.stderr, True)
        if fake:
            decoy_beside_manifest(tmp, m, lib, fake, py, poshost)
        r = run(py + ["--manifest", os.path.join(tmp, "none.manifest")], input=b"")
        check("missing manifest: exit status", r.returncode, 3)
        check("missing manifest: error format", r.stderr.startswith(b"pyhost: cannot read"),
              True)
        r = run(py + ["--manifest", manifest, "--bogus"])
        check("unknown option: exit status", r.returncode, 2)
        r = run(py + ["--help"])
        check("--help: exit status", r.returncode, 0)
        check("--help is man-style", all(s in r.stdout for s in (
            b"NAME", b"SYNOPSIS", b"DESCRIPTION", b"OPTIONS", b"EXIT STATUS", b"EXAMPLES")),
            True)

    for f in FAILURES:
        print("FAIL", f)
    print(f"pyhost: {n_events} events through ctypes and C, {CHECKS} checks, "
          f"{len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
