#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test: the C taxid module against python-stdnum 1.18.

Usage: /usr/bin/python3 tests/taxid_vs_stdnum.py PATH/TO/taxid_driver
           [--per-country N] [--seed S] [--verbose]

For every VAT country it generates N valid numbers (check digits computed
with stdnum's own functions or by trying every candidate against stdnum),
writes each in many ways a cashier might type it (separators, case,
whitespace, Unicode look-alikes) and mutates it (changed, swapped, dropped
and added digits, stray letters, wrong length, doubled or missing prefix).
Every string goes through the C validator (tests/taxid_driver.c) both with
its prefix and, for a share of them, with the country given separately, and
through stdnum:

  with prefix:  stdnum.eu.vat.validate, or stdnum.gb.vat / stdnum.ch.vat /
                stdnum.no.mva when the (cleaned, upper-cased, stripped)
                input starts with GB / CH / NO;
  country given: that country's module's validate().

Verdicts must be equal, and compact forms too when valid (the C compact is
always prefixed; stdnum's is prefixed the way stdnum.eu.vat does it).  The
only disagreements allowed are the deliberate ones documented in
src/taxid/taxid_vat.c and docs/taxid.md; they are counted and listed per kind.

The test FAILS (exit 1) if stdnum cannot be imported: scripts/test.sh
installs python3-stdnum, and /usr/bin/python3 is the interpreter that sees it.
"""

import argparse
import random
import subprocess
import sys

try:
    import stdnum
    from stdnum import luhn
    from stdnum.exceptions import ValidationError
    from stdnum.util import clean
    from stdnum.eu import vat as euvat
    from stdnum.gb import vat as gbvat
    from stdnum.ch import vat as chvat
    from stdnum.no import mva as nomva
    from stdnum.at import uid as at_uid
    from stdnum.bg import vat as bg_vat, egn as bg_egn, pnf as bg_pnf
    from stdnum.cy import vat as cy_vat
    from stdnum.cz import dic as cz_dic
    from stdnum.es import dni as es_dni, nie as es_nie, cif as es_cif
    from stdnum.gr import vat as gr_vat
    from stdnum.ie import vat as ie_vat
    from stdnum.iso7064 import mod_11_10, mod_97_10
    from stdnum.pt import nif as pt_nif
    from stdnum.ro import cui as ro_cui, cnp as ro_cnp
    from stdnum.si import ddv as si_ddv
    from stdnum.ch import uid as ch_uid
except ImportError as exc:  # pragma: no cover - the point is to fail loudly
    print('FAIL: python-stdnum is not importable by %s (%s); install the '
          'Debian package python3-stdnum' % (sys.executable, exc))
    sys.exit(1)

COUNTRIES = ['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI',
             'FR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL',
             'PT', 'RO', 'SE', 'SI', 'SK', 'XI', 'GB', 'CH', 'NO']

DIGITS = '0123456789'
LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'


def module_for(cc):
    cc = cc.upper()
    if cc in ('GB', 'XI'):
        return gbvat
    if cc == 'CH':
        return chvat
    if cc == 'NO':
        return nomva
    return euvat._get_cc_module(cc)


# --------------------------------------------------------------------------
# The reference.

def ref_prefixed(s):
    """(valid, compact) as stdnum sees a string that carries its prefix."""
    try:
        t = clean(s, '').upper().strip()
        cc = t[:2]
        mod = {'GB': gbvat, 'CH': chvat, 'NO': nomva}.get(cc)
        if mod is None:
            return True, euvat.validate(s)
        r = mod.validate(s)
        return True, r if r.startswith(cc) else cc + r
    except ValidationError:
        return False, None
    except Exception:  # noqa: B902 - stdnum itself tripping counts as invalid
        return False, None


def ref_given(s, cc):
    """(valid, compact) for the country given separately."""
    disp = 'EL' if cc == 'GR' else cc
    try:
        r = module_for(cc).validate(s)
        return True, r if r.startswith(disp) else disp + r
    except ValidationError:
        return False, None
    except Exception:  # noqa: B902
        return False, None


# --------------------------------------------------------------------------
# Generators of valid numbers (without prefix).

def rd(rng, n):
    return ''.join(rng.choice(DIGITS) for _ in range(n))


def complete(rng, mod, make, tails, tries=50):
    """make() a stem, then try each tail until stdnum says valid."""
    for _ in range(tries):
        stem = make()
        cands = list(tails)
        rng.shuffle(cands)
        for t in cands:
            if mod.is_valid(stem + t):
                return stem + t
    raise RuntimeError('could not complete a number for %r' % mod.__name__)


def rand_date(rng, y0, y1):
    while True:
        y, m, d = rng.randint(y0, y1), rng.randint(1, 12), rng.randint(1, 31)
        if d <= [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28,
                 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]:
            return y, m, d


def gen_at(rng):
    stem = 'U' + rd(rng, 7)
    return stem + at_uid.calc_check_digit(stem)


def gen_be(rng):
    while True:
        first = rng.choice('01') + rd(rng, 7)
        if int(first) == 0:
            continue
        return first + '%02d' % (97 - int(first) % 97)


def gen_bg(rng):
    kind = rng.randrange(4)
    if kind == 0:
        stem = rd(rng, 8)
        return stem + bg_vat.calc_check_digit_legal(stem)
    if kind == 1:
        y, m, d = rand_date(rng, 1800, 2099)
        mm = m + (20 if y < 1900 else 40 if y >= 2000 else 0)
        stem = '%02d%02d%02d' % (y % 100, mm, d) + rd(rng, 3)
        return stem + bg_egn.calc_check_digit(stem)
    if kind == 2:
        stem = rd(rng, 9)
        return stem + bg_pnf.calc_check_digit(stem)
    return complete(rng, bg_vat, lambda: rd(rng, 9), DIGITS)


def gen_cy(rng):
    while True:
        stem = rd(rng, 8)
        if not stem.startswith('12'):
            return stem + cy_vat.calc_check_digit(stem)


def gen_cz(rng):
    kind = rng.randrange(4)
    if kind == 0:
        stem = rng.choice('12345678') + rd(rng, 6)
        return stem + cz_dic.calc_check_digit_legal(stem)
    if kind == 1:
        stem = rd(rng, 7)
        return '6' + stem + cz_dic.calc_check_digit_special(stem)
    if kind == 2:  # 9-digit birth number, born 1900-1953
        y, m, d = rand_date(rng, 1900, 1953)
        m += rng.choice([0, 50])
        return '%02d%02d%02d' % (y % 100, m, d) + rd(rng, 3)
    y, m, d = rand_date(rng, 1954, 2053)
    m += rng.choice([0, 50] + ([20, 70] if y >= 2004 else []))
    return complete(rng, cz_dic, lambda: '%02d%02d%02d' % (y % 100, m, d) + rd(rng, 3),
                    DIGITS)


def gen_mod11_10(n, first_nonzero):
    def gen(rng):
        stem = (rng.choice('123456789') if first_nonzero else rng.choice(DIGITS)) + rd(rng, n - 2)
        return stem + mod_11_10.calc_check_digit(stem)
    return gen


def gen_brute(cc, make):
    mod = module_for(cc)

    def gen(rng):
        return complete(rng, mod, lambda: make(rng), DIGITS)
    return gen


def gen_el(rng):
    stem = rd(rng, 8)
    return stem + gr_vat.calc_check_digit(stem)


def gen_es(rng):
    kind = rng.randrange(4)
    if kind == 0:
        stem = rd(rng, 8)
        return stem + es_dni.calc_check_digit(stem)
    if kind == 1:
        stem = rng.choice('XYZ') + rd(rng, 7)
        return stem + es_nie.calc_check_digit(stem)
    if kind == 2:
        stem = rd(rng, 7)
        return rng.choice('KLM') + stem + es_dni.calc_check_digit(stem)
    stem = rng.choice('ABCDEFGHJNPQRSUVW') + rd(rng, 7)
    return stem + rng.choice(es_cif.calc_check_digits(stem))


FR_ALPHA = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'


def gen_fr(rng):
    while True:
        siren = rd(rng, 8)
        siren = siren + luhn.calc_check_digit(siren)
        if rng.random() < 0.1:
            siren = '000' + rd(rng, 6)
        if rng.random() < 0.6:
            return '%02d' % ((int(siren + '12')) % 97) + siren
        # keys with letters: try random pairs until stdnum accepts one
        for _ in range(2000):
            key = rng.choice(FR_ALPHA) + rng.choice(FR_ALPHA)
            if not key.isdigit() and euvat.is_valid('FR' + key + siren):
                return key + siren


def gen_ie(rng):
    kind = rng.randrange(3)
    if kind == 0:
        stem = rd(rng, 7)
        return stem + ie_vat.calc_check_digit(stem)
    if kind == 1:
        stem = rd(rng, 7)
        extra = rng.choice('WABCDEFGHI')
        return stem + ie_vat.calc_check_digit(stem + extra) + extra
    # old style: digit, letter/+/*, 5 digits, check letter
    d0, mid = rng.choice(DIGITS), rd(rng, 5)
    return d0 + rng.choice(LETTERS + '+*') + mid + ie_vat.calc_check_digit(mid + d0)


def gen_it(rng):
    while True:
        stem = rd(rng, 7)
        if int(stem):
            break
    office = rng.choice(['%03d' % rng.randint(1, 100), '120', '121', '888', '999'])
    stem += office
    return stem + luhn.calc_check_digit(stem)


def gen_lt(rng):
    if rng.random() < 0.6:
        return complete(rng, module_for('LT'), lambda: rd(rng, 7) + '1', DIGITS)
    return complete(rng, module_for('LT'), lambda: rd(rng, 10) + '1', DIGITS)


def gen_lu(rng):
    stem = rd(rng, 6)
    return stem + '%02d' % (int(stem) % 89)


def gen_lv(rng):
    if rng.random() < 0.5:
        return complete(rng, module_for('LV'), lambda: rng.choice('456789') + rd(rng, 9),
                        DIGITS)
    y, m, d = rand_date(rng, 1800, 2099)
    stem = '%02d%02d%02d%d' % (d, m, y % 100, (y - 1800) // 100) + rd(rng, 3)
    return complete(rng, module_for('LV'), lambda: stem, DIGITS)


def gen_nl(rng):
    if rng.random() < 0.6:
        while True:
            stem = rd(rng, 8)
            total = sum((9 - i) * int(c) for i, c in enumerate(stem))
            last = total % 11
            if last < 10 and int(stem + str(last)):
                return stem + str(last) + 'B' + '%02d' % rng.randint(1, 99)
    # sole trader numbers: ISO 7064 mod 97-10 over "NL" + number
    while True:
        stem = rd(rng, 9) + 'B'
        for k in range(1, 100):
            cand = stem + '%02d' % k
            if int(cand[:9]) and mod_97_10.is_valid('NL' + cand):
                return cand


def gen_pt(rng):
    stem = rng.choice('123456789') + rd(rng, 7)
    return stem + pt_nif.calc_check_digit(stem)


def gen_ro(rng):
    if rng.random() < 0.6:
        n = rng.randint(1, 9)
        stem = rng.choice('123456789') + rd(rng, n - 1)
        return stem + ro_cui.calc_check_digit(stem)
    s = rng.choice('123456789')
    cent = {'1': 1900, '2': 1900, '3': 1800, '4': 1800, '5': 2000, '6': 2000}.get(s, 1900)
    y, m, d = rand_date(rng, cent, cent + 99)
    stem = s + '%02d%02d%02d' % (y % 100, m, d) + rd(rng, 5)
    return stem + ro_cnp.calc_check_digit(stem)


def gen_se(rng):
    stem = rd(rng, 9)
    return stem + luhn.calc_check_digit(stem) + '01'


def gen_si(rng):
    while True:
        stem = rng.choice('123456789') + rd(rng, 6)
        c = si_ddv.calc_check_digit(stem)
        if len(c) == 1:
            return stem + c


def gen_sk(rng):
    if rng.random() < 0.5:
        y, m, d = rand_date(rng, 1954, 2053)
        m += rng.choice([0, 50])
        return complete(rng, module_for('SK'), lambda: '%02d%02d%02d' % (y % 100, m, d) + rd(rng, 3),
                        DIGITS)
    while True:
        v = rng.randrange(10 ** 9 // 11, 10 ** 10 // 11) * 11
        s = '%010d' % v
        if s[0] != '0' and s[2] in '234789':
            return s


def gen_gb(rng):
    kind = rng.randrange(10)
    if kind == 0:
        return rng.choice(['GD%03d' % rng.randint(0, 499), 'HA%03d' % rng.randint(500, 999)])
    if kind == 1:
        if rng.random() < 0.5:
            v = rng.randint(0, 499)
            return 'GD8888%03d%02d' % (v, v % 97)
        v = rng.randint(500, 999)
        return 'HA8888%03d%02d' % (v, v % 97)
    tails = ['%02d' % k for k in range(100)]
    n = complete(rng, gbvat, lambda: rd(rng, 7), tails)
    return n + (rd(rng, 3) if kind >= 7 else '')


def gen_ch(rng):
    while True:
        stem = rd(rng, 8)
        c = ch_uid.calc_check_digit(stem)
        if len(c) == 1:
            return 'CHE' + stem + c + rng.choice(['MWST', 'TVA', 'IVA', 'TPV'])


def gen_no(rng):
    return complete(rng, nomva, lambda: rd(rng, 8), [d + 'MVA' for d in DIGITS])


GENERATORS = {
    'AT': gen_at, 'BE': gen_be, 'BG': gen_bg, 'CY': gen_cy, 'CZ': gen_cz,
    'DE': gen_mod11_10(9, True),
    'DK': gen_brute('DK', lambda rng: rng.choice('123456789') + rd(rng, 6)),
    'EE': gen_brute('EE', lambda rng: rd(rng, 8)),
    'EL': gen_el, 'ES': gen_es,
    'FI': gen_brute('FI', lambda rng: rd(rng, 7)),
    'FR': gen_fr, 'HR': gen_mod11_10(11, False),
    'HU': gen_brute('HU', lambda rng: rd(rng, 7)),
    'IE': gen_ie, 'IT': gen_it, 'LT': gen_lt, 'LU': gen_lu, 'LV': gen_lv,
    'MT': gen_brute('MT', lambda rng: rng.choice('123456789') + rd(rng, 6)),
    'NL': gen_nl,
    'PL': gen_brute('PL', lambda rng: rd(rng, 9)),
    'PT': gen_pt, 'RO': gen_ro, 'SE': gen_se, 'SI': gen_si, 'SK': gen_sk,
    'XI': gen_gb, 'GB': gen_gb, 'CH': gen_ch, 'NO': gen_no,
}


# --------------------------------------------------------------------------
# Ways of typing a number, and mutations.

SEPS = [' ', '-', '.', '/', ':', ',', '  ']
WS_EDGE = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2028', '\u3000', '\x0b', '\x1c']
LOOKALIKE = {'-': ['\u2013', '\u2014', '\u2212', '\u00ad'], ' ': ['\u00a0', '\u202f', '\u2009'],
             '.': ['\u00b7', '\uff0e'], '/': ['\uff0f', '\u2215']}
FULLWIDTH = {d: chr(0xFF10 + int(d)) for d in DIGITS}
UPPER_FOLDS = ['\u00df', '\u0131', '\u017f', '\ufb01']  # ß ı ſ ﬁ: Python upper() -> ASCII


def with_prefix(cc, body):
    return body if cc == 'CH' else cc + body


def sprinkle(rng, s, seps, k):
    for _ in range(k):
        i = rng.randint(0, len(s))
        s = s[:i] + rng.choice(seps) + s[i:]
    return s


def variants(rng, cc, body):
    """Valid-looking ways of typing, then mutations; (string, tag) pairs."""
    full = with_prefix(cc, body)
    out = [(full, 'canonical')]
    out.append((sprinkle(rng, full, SEPS, rng.randint(1, 4)), 'separators'))
    out.append((full[:2] + ' ' + ' '.join(body[i:i + 3] for i in range(0, len(body), 3)),
                'grouped'))
    out.append((full.lower() if rng.random() < 0.5 else full[:2].lower() + full[2:], 'lower'))
    out.append((rng.choice(WS_EDGE) + full + rng.choice(WS_EDGE), 'edge-whitespace'))
    lk = ''.join(rng.choice(LOOKALIKE[c]) if c in LOOKALIKE and rng.random() < 0.7 else c
                 for c in sprinkle(rng, full, [' ', '-', '.', '/'], 2))
    out.append((lk, 'unicode-separators'))
    out.append((''.join(FULLWIDTH.get(c, c) if rng.random() < 0.5 else c for c in full),
                'fullwidth-digits'))
    if cc == 'EL':
        out.append(('GR' + body, 'GR-alias'))
        if body.startswith('0'):
            out.append(('EL' + body[1:], 'old-8-digit'))
    if cc == 'BE':
        out.append(('BE' + body[1:], 'old-9-digit'))
        out.append(('BE (0)' + body[1:], 'paren-zero'))
    if cc == 'NL':
        out.append(('NL' + body.lstrip('0'), 'NL-unpadded'))
        out.append(('NL\t' + body, 'NL-tab'))
    if cc in ('XI', 'GB'):
        out.append((('GB' if cc == 'XI' else 'XI') + body, 'XI-GB-swap'))
    if cc == 'CH':
        out.append((full[:12] + ' ' + full[12:], 'CH-suffix-space'))
        out.append((full[:12], 'CH-no-suffix'))
    if cc == 'NO':
        out.append((full[:-3], 'NO-no-MVA'))
        out.append(('NO ' + body[:3] + '.' + body[3:6] + '.' + body[6:], 'NO-dots'))

    # mutations
    chars = list(full)
    pos = [i for i, c in enumerate(chars) if c.isdigit()]
    if pos:
        i = rng.choice(pos)
        m = chars[:]
        m[i] = rng.choice([d for d in DIGITS if d != m[i]])
        out.append((''.join(m), 'changed-digit'))
    if len(pos) > 1:
        j = rng.randrange(len(pos) - 1)
        i, k = pos[j], pos[j + 1]
        m = chars[:]
        m[i], m[k] = m[k], m[i]
        out.append((''.join(m), 'swapped-digits'))
    i = rng.randrange(2, len(full)) if len(full) > 2 else 0
    out.append((full[:i] + full[i + 1:], 'dropped-char'))
    i = rng.randint(2, len(full))
    out.append((full[:i] + rng.choice(DIGITS) + full[i:], 'added-digit'))
    i = rng.randint(2, len(full))
    out.append((full[:i] + rng.choice(LETTERS) + full[i:], 'stray-letter'))
    out.append((full + rd(rng, rng.randint(1, 4)), 'too-long'))
    out.append((full[:rng.randint(0, len(full) - 1)], 'truncated'))
    out.append((full[:2] + full, 'doubled-prefix'))
    out.append((full[2:], 'no-prefix'))
    i = rng.randint(2, len(full))
    out.append((full[:i] + rng.choice(['\t', '\n', '\x00', '\u2028', '_', '+', '*', '(']) + full[i:],
                'stray-control'))
    if rng.random() < 0.1:
        i = rng.randint(0, len(full))
        out.append((full[:i] + rng.choice(UPPER_FOLDS) + full[i:], 'upper-fold'))
    return out


# Random bodies in each country's shape: about one in ten passes its check
# digit by chance, which exercises every algorithm on numbers the generators
# above would never produce.
SHAPES = {
    'AT': ['Ud8'], 'BE': ['d10', 'd9', '0d9'], 'BG': ['d9', 'd10'], 'CY': ['d8L'],
    'CZ': ['d8', '6d8', 'd9', 'd10'], 'DE': ['d9'], 'DK': ['d8'], 'EE': ['d9'],
    'EL': ['d9', 'd8'], 'ES': ['d8L', 'Xd7L', 'Yd7L', 'Kd7L', 'Ad7d', 'Pd7L', 'Ld7d', 'Td7L'],
    'FI': ['d8'], 'FR': ['KKd9', 'd11', 'KK000d6'], 'HR': ['d11'], 'HU': ['d8'],
    'IE': ['d7L', 'd7LL', 'dLd5L', 'd+d5L'], 'IT': ['d11'], 'LT': ['d9', 'd12'],
    'LU': ['d8'], 'LV': ['d11'], 'MT': ['d8'], 'NL': ['d9Bd2', 'd7Bd2'], 'PL': ['d10'],
    'PT': ['d9'], 'RO': ['d2', 'd5', 'd8', 'd10', 'd13'], 'SE': ['d10|01'], 'SI': ['d8'],
    'SK': ['d10'], 'XI': ['d9', 'd12', 'GDd3', 'HAd3', 'GD8888d5'],
    'GB': ['d9', 'd12', 'HAd3', 'HA8888d5'], 'CH': ['CHEd9MWST', 'CHEd9TVA'], 'NO': ['d9MVA'],
}


def shaped(rng, shape):
    out, i = [], 0
    while i < len(shape):
        c = shape[i]
        if c == 'd':
            j = i + 1
            while j < len(shape) and shape[j].isdigit():
                j += 1
            n = int(shape[i + 1:j]) if j > i + 1 else 1
            out.append(rd(rng, n))
            i = j
        elif c == 'L':
            out.append(rng.choice(LETTERS))
            i += 1
        elif c == '|':  # ends a digit count: 'd10|01' is 10 digits then 01
            i += 1
        elif c == 'K':
            out.append(rng.choice(FR_ALPHA))
            i += 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def garbage(rng):
    alphabet = DIGITS + LETTERS + ' -./:,\t\u00a0' + 'abcxyz'
    cc = rng.choice(COUNTRIES + ['GR', 'US', 'XX', '12', 'el', 'gb'])
    return cc + ''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 18)))


# --------------------------------------------------------------------------
# Documented differences (see docs/taxid.md, "Differences from stdnum").

def documented(cc, s, ours, theirs):
    ov, oc = ours
    tv, tc = theirs
    if ov and tv and tc.startswith('GR') and oc == 'EL' + tc[2:]:
        return 'EL prefix in the compact form'
    if ov and tv and cc == 'FR' and tc.startswith('FR') and len(tc) == 11 and oc == 'FR' + tc:
        return 'FR key "FR" keeps the country prefix'
    if tv and not ov and cc == 'RO' and (tc[2:].startswith('RO') or any(c.isspace() for c in tc)):
        return 'RO second prefix or whitespace'
    if tv and not ov and cc == 'NO' and any(c.isspace() for c in tc):
        return 'NO whitespace inside'
    if tv and not ov and any(c in s for c in UPPER_FOLDS):
        return 'non-ASCII letters are not folded'
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('driver')
    ap.add_argument('--per-country', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=20240601)
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args()

    if stdnum.__version__ != '1.18':
        print('WARNING: the reference is python-stdnum 1.18; found %s' % stdnum.__version__)

    rng = random.Random(args.seed)
    cases = []  # (country, tag, string, given_country_or_None)
    for cc in COUNTRIES:
        gen = GENERATORS[cc]
        for _ in range(args.per_country):
            body = gen(rng)
            assert ref_prefixed(with_prefix(cc, body))[0], (cc, body)
            for s, tag in variants(rng, cc, body):
                cases.append((cc, tag, s, None))
            # the same number with the country given separately
            given = body if cc != 'CH' else with_prefix(cc, body)
            if rng.random() < 0.5:
                given = sprinkle(rng, given, [' ', '-', '.'], 1)
            cases.append((cc, 'given-country', given, cc))
            cases.append((cc, 'given-country-prefixed', with_prefix(cc, body), cc))
            if rng.random() < 0.3:
                m = list(given)
                k = rng.randrange(len(m))
                m[k] = rng.choice(DIGITS + LETTERS)
                cases.append((cc, 'given-country-mutated', ''.join(m), cc))
        for _ in range(args.per_country):
            shape = rng.choice(SHAPES[cc])
            cases.append((cc, 'random-body', with_prefix(cc, shaped(rng, shape)), None))
    for _ in range(20 * args.per_country // 10):
        s = garbage(rng)
        cases.append(('garbage', 'garbage', s, None))

    req = []
    for cc, tag, s, given in cases:
        req.append('v\t%s\t%s\n' % (given or '-', s.encode('utf-8').hex()))
    proc = subprocess.run([args.driver], input=''.join(req).encode(), stdout=subprocess.PIPE,
                          check=True)
    lines = proc.stdout.decode('utf-8', 'replace').split('\n')
    if len(lines) < len(cases):
        print('FAIL: driver returned %d lines for %d cases' % (len(lines), len(cases)))
        return 1

    stats = {}
    bad = []
    documented_seen = {}
    for (cc, tag, s, given), line in zip(cases, lines):
        f = line.split('\t')
        if f[0] == 'ERR':
            bad.append((cc, tag, s, given, 'driver error', None))
            continue
        ours = (f[0] == '1', f[1])
        theirs = ref_given(s, given) if given else ref_prefixed(s)
        st = stats.setdefault(cc, [0, 0, 0, 0])  # compared, valid, disagree, documented
        st[0] += 1
        st[1] += theirs[0]
        agree = ours[0] == theirs[0] and (not ours[0] or ours[1] == theirs[1])
        if agree:
            continue
        why = documented(given or cc, s, ours, theirs)
        if why:
            st[3] += 1
            documented_seen.setdefault(why, []).append((cc, tag, s))
            continue
        st[2] += 1
        bad.append((cc, tag, s, given, ours, theirs, f[3] if len(f) > 3 else ''))

    print('%-8s %9s %9s %9s %11s' % ('country', 'compared', 'valid', 'disagree', 'documented'))
    tot = [0, 0, 0, 0]
    for cc in COUNTRIES + ['garbage']:
        st = stats.get(cc, [0, 0, 0, 0])
        tot = [a + b for a, b in zip(tot, st)]
        print('%-8s %9d %9d %9d %11d' % (cc, st[0], st[1], st[2], st[3]))
    print('%-8s %9d %9d %9d %11d' % ('total', tot[0], tot[1], tot[2], tot[3]))
    for why, seen in sorted(documented_seen.items()):
        print('documented difference: %s: %d (e.g. %r)' % (why, len(seen), seen[0][2]))
    if bad:
        print('\nDISAGREEMENTS (%d):' % len(bad))
        for b in bad[:200 if not args.verbose else len(bad)]:
            print('  %r' % (b,))
        print('%d passed, %d failed' % (tot[0] - len(bad), len(bad)))
        return 1
    print('%d passed, 0 failed' % tot[0])
    return 0


if __name__ == '__main__':
    sys.exit(main())
