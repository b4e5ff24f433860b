#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""posintent hands the commands that reach a server to posintent-net.

The command lines of NETCMD_LIST (src/cli/netcmd.h) run in posintent-net,
which posintent executes in its own place with the same arguments.  Here,
on copies of posintent in folders of their own:

1. with a stand-in posintent-net beside it (the build tree's layout) that
   prints its arguments and exits with a status of its own: sync, verify,
   report and export with --db postgresql://URL, and `help sync`, reach it
   with every argument unchanged (spaces, '=', an empty one, argv[0]), its
   stdout, stderr and exit status are the command's, and nothing is
   printed twice;
2. the installed layout: BIN/posintent finds LIBEXEC/posintent/posintent-net
   (../libexec/posintent from bin/), before one beside it;
3. command lines that run in posintent never reach posintent-net: a local
   verify, report and `help verify` on a till's database, taxid check,
   --help (which still lists sync), --version;
4. without posintent-net: one line on stderr naming the command, the
   program and the paths looked at, exit 3, nothing on stdout; local
   commands still work;
5. the real posintent-net of the build: `posintent help sync` and `posintent
   sync --help` print sync's help through it; run directly, it refuses a
   command line that is not a network one (exit 2, pointing at posintent).

usage: netcmd_test.py POSINTENT POSINTENT_NET
"""
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish

cli, net = sys.argv[1:3]

FAKE = """#!/bin/sh
# A stand-in posintent-net: each argument on a line of its own, in brackets.
for a in "$0" "$@"; do printf '[%s]\\n' "$a"; done
echo "stand-in stderr: $#" >&2
exit 7
"""


def run_argv(argv, executable):
    return subprocess.run(argv, capture_output=True, text=True, executable=executable)


def install_copy(folder):
    os.makedirs(folder, exist_ok=True)
    dst = os.path.join(folder, "posintent")
    shutil.copy(cli, dst)
    os.chmod(dst, 0o755)
    return dst


def install_fake(folder, exit_status=7):
    os.makedirs(folder, exist_ok=True)
    dst = os.path.join(folder, "posintent-net")
    with open(dst, "w") as f:
        f.write(FAKE.replace("exit 7", f"exit {exit_status}"))
    os.chmod(dst, 0o755)
    return dst


with tempfile.TemporaryDirectory() as tmp:
    # ---- 1. the build tree's layout: posintent-net beside posintent -------
    beside = os.path.join(tmp, "beside")
    prog = install_copy(beside)
    fake = install_fake(beside)
    url = "postgresql://clerk@127.0.0.1:1/chain?application_name=a b"
    handed = [
        ["sync", "--to", url, "--db", os.path.join(tmp, "my till.db"), "--batch=5"],
        ["--db", url, "verify"],
        ["--db=" + url, "report", "resellers", "--from", "2026-01-01", "--store=a b", ""],
        ["--db", "host=127.0.0.1 port=1 dbname=chain", "export", "--format", "csv"],
        ["--manifest", "/nowhere/plugin.manifest", "--db", url, "report", "gifts"],
        ["help", "sync"],
        ["sync", "--help"],
    ]
    for args in handed:
        r = run_argv(["posintent", *args], prog)
        want = "".join(f"[{a}]\n" for a in [fake, *args])
        # $0 is the path execv was given; the arguments from argv[1] on are
        # the user's, and argv[0] too ("posintent"): the stand-in prints $0
        # as the shell sees it, the script's path.
        check(f"{args}: reaches posintent-net with the same arguments",
              r.stdout == want, f"got {r.stdout!r}, want {want!r}")
        check(f"{args}: its exit status is the command's", r.returncode == 7, r.returncode)
        check(f"{args}: its stderr is the command's, once",
              r.stderr == f"stand-in stderr: {len(args)}\n", repr(r.stderr))
    # argv[0] itself is passed on: a stand-in written in C would see it; the
    # shell shows it through /proc/self/cmdline's first entry.
    probe = install_fake(os.path.join(tmp, "argv0"))
    with open(probe, "w") as f:
        f.write("#!/bin/sh\ntr '\\0' '\\n' </proc/$$/cmdline\n")
    argv0_prog = install_copy(os.path.join(tmp, "argv0"))
    r = run_argv(["posintent", "sync", "--to", "x"], argv0_prog)
    # The kernel runs "/bin/sh SCRIPT ARGS..." for a #! script: after the
    # interpreter and the script come the arguments execv was given from
    # argv[1] on.
    lines = r.stdout.splitlines()
    check("argv from argv[1] on reaches posintent-net unchanged",
          lines[-3:] == ["sync", "--to", "x"], lines)

    # ---- 2. the installed layout ------------------------------------------
    prefix = os.path.join(tmp, "prefix")
    inst = install_copy(os.path.join(prefix, "bin"))
    installed_fake = install_fake(os.path.join(prefix, "libexec", "posintent"), 5)
    r = run_argv(["posintent", "sync", "--to", url], inst)
    check("installed layout: bin/posintent runs libexec/posintent/posintent-net",
          r.returncode == 5 and r.stdout.startswith(f"[{installed_fake}]\n"),
          (r.returncode, r.stdout, r.stderr))
    install_fake(os.path.join(prefix, "bin"), 6)  # one beside it too
    r = run_argv(["posintent", "sync", "--to", url], inst)
    check("installed layout: libexec's posintent-net comes before one beside posintent",
          r.returncode == 5, (r.returncode, r.stdout))

    # ---- 3. what stays in posintent -----------------------------------------
    db = os.path.join(tmp, "till.db")  # does not exist: a local error, not the stand-in
    local = [
        (["--db", db, "verify"], None),
        (["--db", db, "report", "resellers"], None),
        (["--db", db, "export"], None),
        (["help", "verify"], 0),
        (["help", "report"], 0),
        (["taxid", "check", "DE129273398"], 0),
        (["--help"], 0),
        (["--version"], 0),
    ]
    for args, status in local:
        r = run_argv(["posintent", *args], prog)
        check(f"{args}: runs in posintent, not posintent-net",
              "stand-in" not in r.stderr and "[" + fake + "]" not in r.stdout,
              (r.stdout[:200], r.stderr))
        if status is not None:
            check(f"{args}: exit {status}", r.returncode == status, (r.returncode, r.stderr))
        else:
            check(f"{args}: a till database that does not exist is posintent's error",
                  r.returncode == 3 and db in r.stderr, (r.returncode, r.stderr))
    r = run_argv(["posintent", "help", "verify"], prog)
    check("help verify (posintent's) still says what --db postgresql:// does",
          "postgresql://URL" in r.stdout, r.stdout)
    r = run_argv(["posintent", "--help"], prog)
    listed = r.stdout.split("COMMANDS\n", 1)[1].split("\n\n", 1)[0]
    check("--help lists sync among the commands",
          any(line.split()[0] == "sync" for line in listed.splitlines()), listed)

    # ---- 4. posintent-net missing ---------------------------------------------
    alone_dir = os.path.join(tmp, "alone", "bin")
    alone = install_copy(alone_dir)
    for args in (["sync", "--to", url], ["--db", url, "verify"], ["help", "sync"],
                 ["--db", url, "report", "purposes"]):
        r = run_argv(["posintent", *args], alone)
        what = args[1] if args[0] == "help" else [a for a in args if a in
                                                   ("sync", "verify", "report")][0]
        check(f"missing, {args}: exit 3", r.returncode == 3, (r.returncode, r.stderr))
        check(f"missing, {args}: nothing on stdout", r.stdout == "", r.stdout)
        lines = r.stderr.splitlines()
        check(f"missing, {args}: one line on stderr", len(lines) == 1, r.stderr)
        msg = lines[0] if lines else ""
        libexec = os.path.join(tmp, "alone", "libexec", "posintent", "posintent-net")
        check(f"missing, {args}: says what is missing, for which command, where it looked",
              msg.startswith(f"posintent: {what}: ") and
              f"looked for {libexec} and {os.path.join(alone_dir, 'posintent-net')}" in msg
              and "reinstall" in msg, msg)
    r = run_argv(["posintent", "taxid", "check", "DE129273398"], alone)
    check("missing: a local command still works", r.returncode == 0, (r.returncode, r.stderr))

    # A posintent-net that cannot be run (no execute permission) is named.
    noexec_dir = os.path.join(tmp, "noexec")
    noexec = install_copy(noexec_dir)
    nx = install_fake(noexec_dir)
    os.chmod(nx, 0o644)
    r = run_argv(["posintent", "sync", "--to", url], noexec)
    # (root too: execve needs an execute bit)
    check("a posintent-net that cannot be run: exit 3, named with the reason",
          r.returncode == 3 and f"cannot run {nx}: Permission denied" in r.stderr,
          (r.returncode, r.stderr))

# ---- 5. the real posintent-net --------------------------------------------------
r = run_argv(["posintent", "help", "sync"], cli)
check("help sync through posintent-net: NAME names it, exit 0",
      r.returncode == 0 and r.stdout.startswith("NAME\n    posintent sync") and not r.stderr,
      (r.returncode, r.stdout[:80], r.stderr))
same = run_argv(["posintent", "sync", "--help"], cli)
check("sync --help is help sync", (same.returncode, same.stdout) == (0, r.stdout), same.stderr)
r = run_argv(["posintent", "--db", "postgresql://x@127.0.0.1:1/db", "verify", "extra"], cli)
check("a usage error in posintent-net is posintent's: one line, exit 2",
      r.returncode == 2 and r.stderr.startswith("posintent: verify: ") and
      len(r.stderr.splitlines()) == 1, (r.returncode, r.stderr))
for args in (["taxid", "check", "DE129273398"], ["--db", "till.db", "verify"],
             ["help", "verify"]):
    r = run_argv(["posintent-net", *args], net)
    check(f"posintent-net {args}: refused, pointing at posintent (exit 2)",
          r.returncode == 2 and "posintent itself" in r.stderr and not r.stdout,
          (r.returncode, r.stdout, r.stderr))
r = run_argv(["posintent-net", "--help"], net)
check("posintent-net --help says what it is and lists its command lines",
      r.returncode == 0 and "posintent sync" in r.stdout and
      "posintent --db postgresql://URL report" in r.stdout, r.stdout)

finish("netcmd")
