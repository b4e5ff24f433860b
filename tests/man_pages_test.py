#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The manual pages (issue 19.7): man/posintent.1, man/pos-host.1 and
man/posplug.3 are sound roff and say what the programs and the header do.

1. Each page has a .TH line with its name and section, and the sections a
   reader looks for: NAME ("name \\- what"), SYNOPSIS, DESCRIPTION, EXIT
   STATUS (section 1) or RETURN VALUE (section 3), SEE ALSO.
2. groff formats it without a warning (`groff -man -z -ww`), and man-db's
   lexgrog reads its NAME line, when they are installed (Debian's
   groff-base and man-db; on this project's machines they are).  Without
   them the check is the grep of point 1 only, said in the output, so
   the test needs no package that was not there.
3. The pages are held to what they describe: every long option that
   `posintent --help` and `posintent help COMMAND` print, and every command,
   appears in posintent.1; every option of `pos-host --help` in
   pos-host.1; every status, table member and public macro of
   include/posplug.h in posplug.3.  A new option without its manual fails
   here.

usage: man_pages_test.py SOURCE_DIR POS_HOST POSINTENT
"""
import os
import re
import shutil
import subprocess
import sys

src, host, cli = sys.argv[1:4]
from checks import check, failures, finish


def plain(roff):
    """The page's words: roff's \\- as -, font escapes and \\e dropped."""
    t = roff.replace("\\-", "-").replace("\\e", "\\")
    return re.sub(r"\\f[BIRP]|\\f\(..|\\&", "", t)


def options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text))


pages = {"posintent.1": ("POSINTENT", "1"), "pos-host.1": ("POS-HOST", "1"),
         "posplug.3": ("POSPLUG", "3")}
groff, lexgrog = shutil.which("groff"), shutil.which("lexgrog")
if not groff or not lexgrog:
    print(f"note: groff {'found' if groff else 'missing'}, lexgrog "
          f"{'found' if lexgrog else 'missing'}: those checks are skipped")
text = {}
for page, (title, section) in pages.items():
    path = os.path.join(src, "man", page)
    roff = open(path, encoding="utf-8").read()
    text[page] = plain(roff)
    th = re.search(r"^\.TH (\S+) (\S+)", roff, re.M)
    check(f"{page}: .TH {title} {section}", th and th.groups() == (title, section),
          th.group(0) if th else "no .TH")
    heads = re.findall(r"^\.SH (.+)$", roff, re.M)
    want = ["NAME", "SYNOPSIS", "DESCRIPTION",
            "EXIT STATUS" if section == "1" else "RETURN VALUE", "SEE ALSO"]
    check(f"{page}: sections {want}", all(w in heads for w in want), f"{heads}")
    name = page.rsplit(".", 1)[0]
    m = re.search(r"^\.SH NAME\n(.+)$", roff, re.M)
    check(f"{page}: NAME is '{name} \\- ...'",
          m and m.group(1).startswith(name.replace("-", "\\-") + " \\- ")
          or m and m.group(1).startswith(name + " \\- "), m.group(1) if m else "none")
    if groff:
        r = subprocess.run([groff, "-man", "-z", "-ww", path], capture_output=True,
                           text=True)
        check(f"{page}: groff -man -z -ww is silent", r.returncode == 0 and not r.stderr,
              r.stderr)
    if lexgrog:
        r = subprocess.run([lexgrog, path], capture_output=True, text=True)
        check(f"{page}: lexgrog reads its NAME", r.returncode == 0 and
              f'"{name} - ' in r.stdout, r.stdout + r.stderr)

# 3. The pages against the programs and the header.
top = subprocess.run([cli, "--help"], capture_output=True, text=True).stdout
section = top.split("COMMANDS\n", 1)[1].split("\n\n", 1)[0]
commands = [l.split()[0] for l in section.splitlines() if l.strip()]
helps = top
for c in commands:
    if c == "help":
        continue
    helps += subprocess.run([cli, "help", c], capture_output=True, text=True).stdout
    check(f"posintent.1 has a section for {c}",
          re.search(rf"^\.SS {re.escape(c)}\b", open(os.path.join(src, "man", "posintent.1"),
                                                     encoding="utf-8").read(), re.M),
          "no .SS line")
for o in sorted(options(helps)):
    check(f"posintent.1 documents {o}", o in options(text["posintent.1"]))
hosthelp = subprocess.run([host, "--help"], capture_output=True, text=True).stdout
for o in sorted(options(hosthelp)):
    check(f"pos-host.1 documents {o}", o in options(text["pos-host.1"]))
check("the helps have options to compare", len(options(helps)) > 20 and
      len(options(hosthelp)) > 10, f"{len(options(helps))}, {len(options(hosthelp))}")

header = open(os.path.join(src, "include", "posplug.h"), encoding="utf-8").read()
names = set(re.findall(r"^\s+(POSPLUG_(?:OK|ERR_[A-Z]+|LOG_[A-Z]+))\b", header, re.M))
names |= set(re.findall(r"\(\*(\w+)\)\(", header)) - {"posplug_entry_fn"}
names |= {m for m in re.findall(r"^#define (POSPLUG_\w+)", header, re.M)
          if m not in ("POSPLUG_H", "POSPLUG_STATIC_ASSERT")}
names |= set(re.findall(r"^typedef \w+ (posplug_\w+) \{", header, re.M))
names |= set(re.findall(r"^static inline \w+ (posplug_\w+)\(", header, re.M))
names |= {"posplug_abi_version", "posplug_entry", "struct_size", "abi_version", "reserved0",
          "host_ctx", "reply_len"}
check("the header has names to compare", len(names) > 30, f"{sorted(names)}")
words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text["posplug.3"]))
for n in sorted(names):
    check(f"posplug.3 mentions {n}", n in words)

finish("man pages")
