#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Times python-stdnum on the corpus written by bench/bench_taxid.c.

Usage: /usr/bin/python3 bench_taxid_stdnum.py CORPUS_FILE [MIN_SECONDS]

CORPUS_FILE holds one number per line (UTF-8).  Each number is checked the
way tests/taxid_vs_stdnum.py takes stdnum as the reference: stdnum.eu.vat,
or stdnum.gb.vat / stdnum.ch.vat / stdnum.no.mva for GB / CH / NO prefixes.
Prints one line: "<numbers> <seconds> <valid per pass> <stdnum version>".
"""

import sys
import time

try:
    import stdnum
    from stdnum.exceptions import ValidationError
    from stdnum.util import clean
    from stdnum.eu import vat as euvat
    from stdnum.gb import vat as gbvat
    from stdnum.ch import vat as chvat
    from stdnum.no import mva as nomva
except ImportError as exc:
    sys.stderr.write('python-stdnum is not importable: %s\n' % exc)
    sys.exit(1)

OTHER = {'GB': gbvat, 'CH': chvat, 'NO': nomva}


def is_valid(s):
    try:
        mod = OTHER.get(clean(s, '').upper().strip()[:2], euvat)
        mod.validate(s)
        return True
    except ValidationError:
        return False


def main():
    path = sys.argv[1]
    min_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    with open(path, encoding='utf-8') as f:
        corpus = [line.rstrip('\n') for line in f]
    done = 0
    valid = None
    start = time.process_time()
    while True:
        n = 0
        for s in corpus:
            n += is_valid(s)
        if valid is None:
            valid = n
        done += len(corpus)
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            break
    print('%d %.6f %d %s' % (done, elapsed, valid, stdnum.__version__))


if __name__ == '__main__':
    main()
