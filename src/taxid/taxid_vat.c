/* SPDX-License-Identifier: MIT */
/*
 * taxid_vat.c - VAT numbers of the 27 EU member states, XI, GB, CH and NO.
 *
 * Each country has one table row (prefix, separators it tolerates, texts
 * for the cashier) and one check function over the number without its
 * prefix.  The verdicts and compact forms follow python-stdnum 1.18; the
 * order in which the rules are tried is chosen to give the most helpful
 * reason (characters, then length, then layout, then check digits), which
 * never changes the verdict because a number is valid only if every rule
 * holds.  Deliberate differences from stdnum are marked "DIFF" and listed
 * in docs/taxid.md.
 *
 * Normalisation, the way stdnum does it for a prefixed number:
 *   t = strip(upper(fold(input)));  prefix = t[0:2]
 *   u = strip(remove(t, separators of that country));  drop the prefix
 * where fold() maps Unicode look-alikes to ASCII (taxid_text.h) and strip()
 * removes whitespace at both ends.  A run of whitespace other than ' '
 * left inside is kept as one TX_WS: it makes the number invalid except in
 * the one place stdnum strips it again (NL, before the "B01" suffix).
 */
#include <string.h>

#include "taxid/taxid.h"
#include "taxid/taxid_text.h"

#define TX_BODY_MAX 48 /* significant characters kept; more is TOO_LONG */

/* Separator sets (bit per character). */
enum { S_SP = 1, S_DASH = 2, S_DOT = 4, S_SLASH = 8, S_COMMA = 16, S_COLON = 32 };

/* Characters a country's numbers may contain at all. */
enum { CS_DIGITS = 1, CS_ALNUM = 2, CS_ALNUM_PLUS_STAR = 4, CS_OWN = 0 /* the rule checks */ };

#define TX_HEAD 16 /* room in front of the number for zero-padding */

typedef struct tx_body {
  char buf[TX_HEAD + TX_BODY_MAX + 8];
  char *s;          /* the number (inside buf); rules may move it back  */
  size_t n;
  size_t bad;       /* index of the offending char (BAD_CHARACTERS)     */
  const char *why;  /* specific sentence for the failure, or NULL       */
} tx_body;

typedef taxid_reason (*tx_vat_fn)(tx_body *b);

typedef struct tx_vat_country {
  char cc[3];        /* prefix in compact forms and results ("EL")      */
  char alias[3];     /* second prefix the rules strip too, or ""        */
  unsigned char seps;
  unsigned char charset;
  /* Messages, composed at compile time (see VAT_ROW). */
  const char *msg_length;  /* "... have 9 digits; this one has " + N + "." */
  const char *msg_chars;   /* "... contain only digits; " + X + " is ..."  */
  const char *msg_format;  /* whole sentence                             */
  const char *msg_check;   /* whole sentence                             */
  tx_vat_fn check;
} tx_vat_country;

#define VAT_ROW(cc, alias, seps, charset, length, chars, format, fn)                       \
  {cc, alias, seps, charset, cc " VAT numbers have " length "; this one has ",             \
   cc " VAT numbers " chars "; ", cc " VAT numbers " format ".",                           \
   "The check digit of this " cc " VAT number does not match; look for a mistyped or "    \
   "swapped digit.", fn}

/* ------------------------------------------------------------------ */
/* Small arithmetic helpers over ASCII digits.                         */

static int isd(char c) { return (unsigned)(c - '0') < 10u; }
static unsigned dv(char c) { return (unsigned)(c - '0'); }

static int digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isd(s[i])) return 0;
  return 1;
}

/* Value of n <= 18 digits. */
static unsigned long long num(const char *s, size_t n) {
  unsigned long long v = 0;
  for (size_t i = 0; i < n; i++) v = v * 10u + dv(s[i]);
  return v;
}

/* Weighted digit sum; weights may be negative (PL). */
static long wsum(const char *s, const signed char *w, size_t n) {
  long t = 0;
  for (size_t i = 0; i < n; i++) t += (long)w[i] * (long)dv(s[i]);
  return t;
}

/* Python's a % m for m > 0 (never negative). */
static long pmod(long a, long m) {
  long r = a % m;
  return r < 0 ? r + m : r;
}

/* Luhn: from the right, every second digit doubled (digit sum of the
   product), all added; returns the total mod 10, which is 0 for a valid
   number.  check_digit_next: 1 when s[0..n) still lacks its check digit,
   so the doubling starts at the last digit of s; the digit to append is
   then (10 - luhn(s, n, 1)) % 10. */
static unsigned luhn(const char *s, size_t n, int check_digit_next) {
  unsigned t = 0;
  int dbl = check_digit_next;
  for (size_t i = n; i-- > 0;) {
    unsigned d = dv(s[i]);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    t += d;
    dbl = !dbl;
  }
  return t % 10;
}

/* ISO 7064 MOD 11,10 (DE, HR): a running value p starts at 10; for each
   digit s = (p + d) mod 10 (0 counts as 10), p = 2s mod 11; valid when
   the last s is 1.  Written here in stdnum's equivalent form. */
static int mod11_10_ok(const char *s, size_t n) {
  unsigned c = 5;
  for (size_t i = 0; i < n; i++) c = (((c ? c : 10) * 2) % 11 + dv(s[i])) % 10;
  return c == 1;
}

static taxid_reason fmt(tx_body *b, const char *why) {
  b->why = why;
  return TAXID_BAD_FORMAT;
}

/* Prepends z <= TX_HEAD - 3 zero digits (there is always room). */
static void zpad(tx_body *b, size_t z) {
  b->s -= z;
  memset(b->s, '0', z);
  b->n += z;
}

/* Czech and Slovak birth number (rodne cislo), 9 or 10 digits:
   YYMMDD[/]SSS[C].  The month carries +50 for women and +20 (+70) for
   numbers issued after 2004; 9 digits are only for births up to 1953.
   Ten-digit numbers are divisible by 11, except that before 1985 a
   remainder of 10 was written as check digit 0. */
static taxid_reason birth_number(tx_body *b) {
  const char *s = b->s;
  int year = 1900 + (int)num(s, 2);
  int month = (int)num(s + 2, 2) % 50 % 20;
  int day = (int)num(s + 4, 2);
  if (b->n == 9) {
    if (year >= 1980) year -= 100;
    if (year > 1953) {
      b->why = "Nine-digit CZ numbers are birth numbers of people born up to 1953, "
               "or start with 6.";
      return TAXID_BAD_LENGTH;
    }
  } else if (year < 1954) {
    year += 100;
  }
  if (!tx_date_ok(year, month, day))
    return fmt(b, "The date of birth in this number does not exist.");
  if (b->n == 10) {
    unsigned long long c = num(s, 9) % 11;
    if (year < 1985) c %= 10;
    if (c != dv(s[9])) return TAXID_BAD_CHECK_DIGIT;
  }
  return TAXID_OK;
}

/* ------------------------------------------------------------------ */
/* Countries, in prefix order.                                          */

/* AT: "U" + 7 digits + check digit = (6 - Luhn sum of the 7) mod 10. */
static taxid_reason vat_at(tx_body *b) {
  if (b->n != 9) return TAXID_BAD_LENGTH;
  if (b->s[0] != 'U' || !digits(b->s + 1, 8))
    return fmt(b, NULL);
  if ((16u - luhn(b->s + 1, 7, 0)) % 10 != dv(b->s[8])) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* BE: 10 digits (old 9-digit numbers get a leading 0, "(0)" is read as
   0); the first 8 digits plus the last 2 are divisible by 97. */
static taxid_reason vat_be(tx_body *b) {
  if (b->n >= 3 && memcmp(b->s, "(0)", 3) == 0) {
    b->s += 2;
    b->s[0] = '0';
    b->n -= 2;
  }
  for (size_t i = 0; i < b->n; i++)
    if (!isd(b->s[i])) {
      b->bad = i;
      return TAXID_BAD_CHARACTERS;
    }
  if (b->n == 9) zpad(b, 1);
  if (b->n != 10) return TAXID_BAD_LENGTH;
  if (num(b->s, 10) == 0) return fmt(b, NULL);
  if ((num(b->s, 8) + num(b->s + 8, 2)) % 97 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* BG EGN (personal number): YYMMDD (+20 months before 1900, +40 after
   1999), weights 2 4 8 5 10 9 7 3 6, sum mod 11 mod 10. */
static int bg_egn_ok(const char *s) {
  static const signed char w[9] = {2, 4, 8, 5, 10, 9, 7, 3, 6};
  int year = 1900 + (int)num(s, 2), month = (int)num(s + 2, 2);
  int day = (int)num(s + 4, 2);
  if (month > 40) {
    year += 100;
    month -= 40;
  } else if (month > 20) {
    year -= 100;
    month -= 20;
  }
  if (!tx_date_ok(year, month, day)) return 0;
  return (unsigned)(wsum(s, w, 9) % 11 % 10) == dv(s[9]);
}

/* BG: 9 digits (legal entity: weights 1..8, or 3..10 when the first sum
   gives 10) or 10 digits (EGN, foreigner's PNF, or others). */
static taxid_reason vat_bg(tx_body *b) {
  const char *s = b->s;
  if (b->n == 9) {
    static const signed char w1[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const signed char w2[8] = {3, 4, 5, 6, 7, 8, 9, 10};
    long c = wsum(s, w1, 8) % 11;
    if (c == 10) c = wsum(s, w2, 8) % 11;
    if ((unsigned)(c % 10) != dv(s[8])) return TAXID_BAD_CHECK_DIGIT;
    return TAXID_OK;
  }
  if (b->n == 10) {
    static const signed char wp[9] = {21, 19, 17, 13, 11, 9, 7, 3, 1};
    static const signed char wo[9] = {4, 3, 2, 7, 6, 5, 4, 3, 2};
    if (bg_egn_ok(s)) return TAXID_OK;
    if ((unsigned)(wsum(s, wp, 9) % 10) == dv(s[9])) return TAXID_OK; /* PNF */
    if ((unsigned)pmod(11 - wsum(s, wo, 9), 11) == dv(s[9])) return TAXID_OK;
    return TAXID_BAD_CHECK_DIGIT;
  }
  return TAXID_BAD_LENGTH;
}

/* CY: 8 digits + check letter; digits in even positions are mapped
   0..9 -> 1 0 5 7 9 13 15 17 19 21, odd ones count as is; sum mod 26 gives
   the letter.  Numbers never start with 12. */
static taxid_reason vat_cy(tx_body *b) {
  static const unsigned char tr[10] = {1, 0, 5, 7, 9, 13, 15, 17, 19, 21};
  const char *s = b->s;
  if (b->n != 9) return TAXID_BAD_LENGTH;
  if (!digits(s, 8)) return fmt(b, NULL);
  if (s[0] == '1' && s[1] == '2') return fmt(b, "CY VAT numbers never start with 12.");
  unsigned t = 0;
  for (size_t i = 0; i < 8; i++) t += (i % 2 == 0) ? tr[dv(s[i])] : dv(s[i]);
  if (s[8] != (char)('A' + t % 26)) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* CZ: 8 digits (legal entity, weights 8..2, check (11 - sum) mod 11 with
   0 -> 1 and 10 -> 0), 9 digits starting with 6 (special: individuals
   without a birth number), or a 9/10-digit birth number. */
static taxid_reason vat_cz(tx_body *b) {
  static const signed char w[7] = {8, 7, 6, 5, 4, 3, 2};
  const char *s = b->s;
  if (b->n == 8) {
    if (s[0] == '9') return fmt(b, "Eight-digit CZ VAT numbers never start with 9.");
    long c = pmod(11 - wsum(s, w, 7), 11);
    if ((unsigned)((c ? c : 1) % 10) != dv(s[7])) return TAXID_BAD_CHECK_DIGIT;
    return TAXID_OK;
  }
  if (b->n == 9 && s[0] == '6') {
    long c = wsum(s + 1, w, 7) % 11;
    if ((unsigned)pmod(8 - (10 - c) % 11, 10) != dv(s[8])) return TAXID_BAD_CHECK_DIGIT;
    return TAXID_OK;
  }
  if (b->n == 9 || b->n == 10) return birth_number(b);
  return TAXID_BAD_LENGTH;
}

/* DE: 9 digits, not starting with 0, ISO 7064 MOD 11,10. */
static taxid_reason vat_de(tx_body *b) {
  if (b->n != 9) return TAXID_BAD_LENGTH;
  if (b->s[0] == '0') return fmt(b, NULL);
  if (!mod11_10_ok(b->s, 9)) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* DK: 8 digits, not starting with 0, weights 2 7 6 5 4 3 2 1, sum divisible
   by 11. */
static taxid_reason vat_dk(tx_body *b) {
  static const signed char w[8] = {2, 7, 6, 5, 4, 3, 2, 1};
  if (b->n != 8) return TAXID_BAD_LENGTH;
  if (b->s[0] == '0') return fmt(b, NULL);
  if (wsum(b->s, w, 8) % 11 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* EE: 9 digits, weights 3 7 1 repeated, sum divisible by 10. */
static taxid_reason vat_ee(tx_body *b) {
  static const signed char w[9] = {3, 7, 1, 3, 7, 1, 3, 7, 1};
  if (b->n != 9) return TAXID_BAD_LENGTH;
  if (wsum(b->s, w, 9) % 10 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* EL (Greece): 9 digits (old 8-digit numbers get a leading 0); check =
   (sum of the first 8 digits weighted 2^8..2^1) mod 11 mod 10. */
static taxid_reason vat_el(tx_body *b) {
  if (b->n == 8) zpad(b, 1);
  if (b->n != 9) return TAXID_BAD_LENGTH;
  unsigned long c = 0;
  for (size_t i = 0; i < 8; i++) c = c * 2 + dv(b->s[i]);
  if (c * 2 % 11 % 10 != dv(b->s[8])) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* ES: 9 characters.  DNI: 8 digits + letter; NIE: X/Y/Z (read as 0/1/2)
   + 7 digits + letter; the letter is TRWAGMYFPDXBNJZSQVHLCKE[n mod 23].
   K/L/M + 7 digits + letter as a DNI over the 7 digits.  CIF: entity
   letter + 7 digits + Luhn digit or the letter JABCDEFGHI[that digit]. */
static char dni_letter(unsigned long long v) {
  return "TRWAGMYFPDXBNJZSQVHLCKE"[v % 23];
}

static taxid_reason vat_es(tx_body *b) {
  const char *s = b->s;
  if (b->n != 9) return TAXID_BAD_LENGTH;
  if (!digits(s + 1, 7)) return fmt(b, NULL);
  char c0 = s[0];
  if (c0 == 'K' || c0 == 'L' || c0 == 'M') {
    if (s[8] != dni_letter(num(s + 1, 7))) return TAXID_BAD_CHECK_DIGIT;
  } else if (isd(c0)) {
    if (s[8] != dni_letter(num(s, 8))) return TAXID_BAD_CHECK_DIGIT;
  } else if (c0 == 'X' || c0 == 'Y' || c0 == 'Z') {
    if (s[8] != dni_letter((unsigned long long)(c0 - 'X') * 10000000u + num(s + 1, 7)))
      return TAXID_BAD_CHECK_DIGIT;
  } else {
    if (!strchr("ABCDEFGHJNPQRSUVW", c0))
      return fmt(b, "ES numbers start with a digit or one of the letters "
                    "ABCDEFGHJKLMNPQRSUVWXYZ.");
    unsigned d = (10u - luhn(s + 1, 7, 1)) % 10u;
    if (s[8] != (char)('0' + d) && s[8] != "JABCDEFGHI"[d]) return TAXID_BAD_CHECK_DIGIT;
  }
  return TAXID_OK;
}

/* FI: 8 digits, weights 7 9 10 5 8 4 2 1, sum divisible by 11. */
static taxid_reason vat_fi(tx_body *b) {
  static const signed char w[8] = {7, 9, 10, 5, 8, 4, 2, 1};
  if (b->n != 8) return TAXID_BAD_LENGTH;
  if (wsum(b->s, w, 8) % 11 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* FR: 2-character key + 9-digit SIREN (Luhn, unless it starts with 000).
   A numeric key is (SIREN * 100 + 12) mod 97; a key with letters (alphabet
   0-9 A-Z without I and O) is checked by the "new style" rule below. */
static int fr_index(char c) {
  if (isd(c)) return c - '0';
  if (c < 'A' || c > 'Z' || c == 'I' || c == 'O') return -1;
  return 10 + (c - 'A') - (c > 'I') - (c > 'O');
}

static taxid_reason vat_fr(tx_body *b) {
  const char *s = b->s;
  if (b->n != 11) return TAXID_BAD_LENGTH;
  int i0 = fr_index(s[0]), i1 = fr_index(s[1]);
  if (i0 < 0 || i1 < 0 || !digits(s + 2, 9)) return fmt(b, NULL);
  unsigned long long siren = num(s + 2, 9);
  if (!(s[2] == '0' && s[3] == '0' && s[4] == '0') && luhn(s + 2, 9, 0) != 0)
    return TAXID_BAD_CHECK_DIGIT;
  if (isd(s[0]) && isd(s[1])) {
    if (num(s, 2) != (siren * 100 + 12) % 97) return TAXID_BAD_CHECK_DIGIT;
  } else {
    long c = isd(s[0]) ? i0 * 24 + i1 - 10 : i0 * 34 + i1 - 100;
    if ((long)((siren + 1 + (unsigned long long)(c / 11)) % 11) != c % 11)
      return TAXID_BAD_CHECK_DIGIT;
  }
  return TAXID_OK;
}

/* HR: OIB, 11 digits, ISO 7064 MOD 11,10. */
static taxid_reason vat_hr(tx_body *b) {
  if (b->n != 11) return TAXID_BAD_LENGTH;
  if (!mod11_10_ok(b->s, 11)) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* HU: 8 digits, weights 9 7 3 1 9 7 3 1, sum divisible by 10. */
static taxid_reason vat_hu(tx_body *b) {
  static const signed char w[8] = {9, 7, 3, 1, 9, 7, 3, 1};
  if (b->n != 8) return TAXID_BAD_LENGTH;
  if (wsum(b->s, w, 8) % 10 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* IE: new style 7 digits + check letter (+ a second letter since 2013,
   which counts 9 x its value); old style digit, letter (or + or *), 5 digits,
   check letter (the check runs over the 5 digits and the first digit).
   Check letter: WABCDEFGHIJKLMNOPQRSTUV[sum of digits weighted 8..2 (+9 x
   the second letter) mod 23]. */
static const char ie_alpha[] = "WABCDEFGHIJKLMNOPQRSTUV";

static int ie_index(char c) {
  const char *p = (c && c != TX_BAD) ? strchr(ie_alpha, c) : NULL;
  return p ? (int)(p - ie_alpha) : -1;
}

static char ie_check(const char *d7, int extra) {
  unsigned t = (unsigned)(9 * extra);
  for (size_t i = 0; i < 7; i++) t += (unsigned)(8 - i) * dv(d7[i]);
  return ie_alpha[t % 23];
}

static taxid_reason vat_ie(tx_body *b) {
  const char *s = b->s;
  if (b->n != 8 && b->n != 9) return TAXID_BAD_LENGTH;
  if (!isd(s[0]) || !digits(s + 2, 5) || ie_index(s[7]) < 0 ||
      (b->n == 9 && ie_index(s[8]) < 0))
    return fmt(b, NULL);
  if (isd(s[1])) {
    if (s[7] != ie_check(s, b->n == 9 ? ie_index(s[8]) : 0)) return TAXID_BAD_CHECK_DIGIT;
  } else if ((s[1] >= 'A' && s[1] <= 'Z') || s[1] == '+' || s[1] == '*') {
    char d7[7] = {'0', s[2], s[3], s[4], s[5], s[6], s[0]};
    if (s[7] != ie_check(d7, 0)) return TAXID_BAD_CHECK_DIGIT;
  } else {
    return fmt(b, NULL);
  }
  return TAXID_OK;
}

/* IT: partita IVA, 11 digits: 7-digit company number (not all zero),
   3-digit office code (001-100, 120, 121, 888, 999), Luhn check digit. */
static taxid_reason vat_it(tx_body *b) {
  if (b->n != 11) return TAXID_BAD_LENGTH;
  if (num(b->s, 7) == 0) return fmt(b, NULL);
  unsigned long long office = num(b->s + 7, 3);
  if (!((office >= 1 && office <= 100) || office == 120 || office == 121 ||
        office == 888 || office == 999))
    return fmt(b, "The office code (digits 8 to 10) of this IT VAT number does not exist.");
  if (luhn(b->s, 11, 0) != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* LT: 9 digits (legal entity, 8th digit 1) or 12 digits (temporary
   taxpayers, 11th digit 1); weights 1..9,1.. (or 3..9,1,2.. when the first
   sum gives 10), mod 11, 10 -> 0. */
static taxid_reason vat_lt(tx_body *b) {
  const char *s = b->s;
  size_t n = b->n;
  if (n == 9) {
    if (s[7] != '1') return fmt(b, "The 8th digit of a 9-digit LT VAT number is always 1.");
  } else if (n == 12) {
    if (s[10] != '1') return fmt(b, "The 11th digit of a 12-digit LT VAT number is always 1.");
  } else {
    return TAXID_BAD_LENGTH;
  }
  unsigned t = 0;
  for (size_t i = 0; i < n - 1; i++) t += (unsigned)(1 + i % 9) * dv(s[i]);
  t %= 11;
  if (t == 10) {
    t = 0;
    for (size_t i = 0; i < n - 1; i++) t += (unsigned)(1 + (i + 2) % 9) * dv(s[i]);
  }
  if (t % 11 % 10 != dv(s[n - 1])) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* LU: 8 digits, the last two are the first six mod 89. */
static taxid_reason vat_lu(tx_body *b) {
  if (b->n != 8) return TAXID_BAD_LENGTH;
  if (num(b->s, 6) % 89 != num(b->s + 6, 2)) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* LV: 11 digits.  First digit above 3: legal entity, weights
   9 1 4 8 3 10 2 5 7 6 1, sum mod 11 = 3.  Otherwise a personal code
   DDMMYY + century digit (0: 1800s, 1: 1900s, 2: 2000s) + 3 digits + check
   (1 + weighted sum) mod 11 mod 10. */
static taxid_reason vat_lv(tx_body *b) {
  const char *s = b->s;
  if (b->n != 11) return TAXID_BAD_LENGTH;
  if (s[0] > '3') {
    static const signed char w[11] = {9, 1, 4, 8, 3, 10, 2, 5, 7, 6, 1};
    if (wsum(s, w, 11) % 11 != 3) return TAXID_BAD_CHECK_DIGIT;
    return TAXID_OK;
  }
  static const signed char wp[10] = {10, 5, 8, 4, 2, 1, 6, 3, 7, 9};
  int year = (int)num(s + 4, 2) + 1800 + (int)dv(s[6]) * 100;
  if (!tx_date_ok(year, (int)num(s + 2, 2), (int)num(s, 2)))
    return fmt(b, "The date of birth in this LV personal code does not exist.");
  if ((unsigned)((1 + wsum(s, wp, 10)) % 11 % 10) != dv(s[10])) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* MT: 8 digits, not starting with 0, weights 3 4 6 7 8 9 10 1, sum
   divisible by 37. */
static taxid_reason vat_mt(tx_body *b) {
  static const signed char w[8] = {3, 4, 6, 7, 8, 9, 10, 1};
  if (b->n != 8) return TAXID_BAD_LENGTH;
  if (b->s[0] == '0') return fmt(b, NULL);
  if (wsum(b->s, w, 8) % 37 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* NL: 9 digits (zero-padded on the left) + "B" + 2 digits (not 00).  Valid
   when the 9 digits pass the BSN "11-test" (weights 9..2 and -1) or when
   "NL" + the whole number passes ISO 7064 MOD 97-10 (letters as 10..35),
   the rule for sole traders' numbers since 2020. */
static int nl_mod97_ok(const char *s) {
  unsigned r = (23 * 100 + 21) % 97; /* "N" = 23, "L" = 21 */
  for (size_t i = 0; i < 12; i++) {
    unsigned v = isd(s[i]) ? dv(s[i]) : (unsigned)(s[i] - 'A' + 10);
    r = v < 10 ? (r * 10 + v) % 97 : (r * 100 + v) % 97;
  }
  return r == 1;
}

static taxid_reason vat_nl(tx_body *b) {
  /* stdnum: bsn.compact(number[:-3]) + number[-3:], i.e. whitespace at
     the ends of all but the last three characters is dropped and that
     part is zero-filled to 9. */
  size_t head = b->n >= 3 ? b->n - 3 : 0;
  size_t lo = 0, hi = head;
  while (lo < hi && b->s[lo] == TX_WS) lo++;
  while (hi > lo && b->s[hi - 1] == TX_WS) hi--;
  if (lo > 0 || hi < head) {
    size_t tail = b->n - head;
    memmove(b->s, b->s + lo, hi - lo);
    memmove(b->s + (hi - lo), b->s + head, tail);
    b->n = (hi - lo) + tail;
    head = hi - lo;
  }
  if (head < 9) zpad(b, 9 - head);
  for (size_t i = 0; i < b->n; i++)
    if (!isd(b->s[i]) && !(b->s[i] >= 'A' && b->s[i] <= 'Z')) {
      b->bad = i;
      return TAXID_BAD_CHARACTERS;
    }
  const char *s = b->s;
  if (b->n != 12) return TAXID_BAD_LENGTH;
  if (!digits(s, 9) || num(s, 9) == 0 || s[9] != 'B' || !digits(s + 10, 2) ||
      num(s + 10, 2) == 0)
    return fmt(b, NULL);
  long t = 0;
  for (size_t i = 0; i < 8; i++) t += (long)(9 - i) * (long)dv(s[i]);
  if ((t - (long)dv(s[8])) % 11 == 0) return TAXID_OK;
  if (nl_mod97_ok(s)) return TAXID_OK;
  return TAXID_BAD_CHECK_DIGIT;
}

/* PL: NIP, 10 digits, weights 6 5 7 2 3 4 5 6 7 -1, sum divisible by 11. */
static taxid_reason vat_pl(tx_body *b) {
  static const signed char w[10] = {6, 5, 7, 2, 3, 4, 5, 6, 7, -1};
  if (b->n != 10) return TAXID_BAD_LENGTH;
  if (wsum(b->s, w, 10) % 11 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* PT: NIF, 9 digits, not starting with 0, check (11 - sum weights 9..2)
   mod 11 mod 10. */
static taxid_reason vat_pt(tx_body *b) {
  static const signed char w[8] = {9, 8, 7, 6, 5, 4, 3, 2};
  if (b->n != 9) return TAXID_BAD_LENGTH;
  if (b->s[0] == '0') return fmt(b, NULL);
  if ((unsigned)(pmod(11 - wsum(b->s, w, 8), 11) % 10) != dv(b->s[8]))
    return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* RO: CUI/CIF of 2 to 10 digits (check: 10 x sum of the digits, right-
   aligned to weights 7 5 3 2 1 7 5 3 2, mod 11 mod 10) or a 13-digit CNP
   (personal: sex/century digit, YYMMDD, 6 digits, check: weights
   2 7 9 1 4 6 3 5 8 2 7 9 mod 11, 10 -> 1).
   DIFF: stdnum re-compacts the CUI/CNP part, so it also accepts a second
   "RO" or a tab right after the prefix and keeps them in the compact form
   ("RORO18547290").  ANAF writes the VAT code as RO followed by the CUI's
   digits only; we reject both (bad_characters). */
static taxid_reason vat_ro(tx_body *b) {
  const char *s = b->s;
  size_t n = b->n;
  if (n == 13) {
    static const signed char w[12] = {2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9};
    if (s[0] == '0') return fmt(b, "A RO personal number (CNP) never starts with 0.");
    int century = 1900;
    if (s[0] == '3' || s[0] == '4') century = 1800;
    else if (s[0] == '5' || s[0] == '6') century = 2000;
    if (!tx_date_ok(century + (int)num(s + 1, 2), (int)num(s + 3, 2), (int)num(s + 5, 2)))
      return fmt(b, "The date of birth in this RO personal number (CNP) does not exist.");
    long c = wsum(s, w, 12) % 11;
    if ((unsigned)(c == 10 ? 1 : c) != dv(s[12])) return TAXID_BAD_CHECK_DIGIT;
    return TAXID_OK;
  }
  if (n < 2 || n > 10) return TAXID_BAD_LENGTH;
  if (s[0] == '0') return fmt(b, NULL);
  static const signed char w[9] = {7, 5, 3, 2, 1, 7, 5, 3, 2};
  long t = wsum(s, w + (10 - n), n - 1);
  if ((unsigned)(10 * t % 11 % 10) != dv(s[n - 1])) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* SE: 10-digit organisation number (Luhn) + "01". */
static taxid_reason vat_se(tx_body *b) {
  if (b->n != 12) return TAXID_BAD_LENGTH;
  if (b->s[10] != '0' || b->s[11] != '1') return fmt(b, NULL);
  if (luhn(b->s, 10, 0) != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* SI: 8 digits, not starting with 0; check 11 - (weights 8..2 sum mod 11),
   10 -> 0, 11 is never issued. */
static taxid_reason vat_si(tx_body *b) {
  static const signed char w[7] = {8, 7, 6, 5, 4, 3, 2};
  if (b->n != 8) return TAXID_BAD_LENGTH;
  if (b->s[0] == '0') return fmt(b, NULL);
  long c = 11 - wsum(b->s, w, 7) % 11;
  if (c == 10) c = 0;
  if (c == 11 || (unsigned)c != dv(b->s[7])) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* SK: 10 digits: a birth number (as CZ), or a legal entity's number (not
   starting with 0, third digit 2 3 4 7 8 or 9) divisible by 11. */
static taxid_reason vat_sk(tx_body *b) {
  const char *s = b->s;
  if (b->n != 10) return TAXID_BAD_LENGTH;
  if (birth_number(b) == TAXID_OK) return TAXID_OK;
  b->why = NULL;
  unsigned d2 = dv(s[2]);
  if (s[0] == '0' || !(d2 == 2 || d2 == 3 || d2 == 4 || d2 == 7 || d2 == 8 || d2 == 9))
    return fmt(b, NULL);
  if (num(s, 10) % 11 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* GB and XI: 9 digits, or 12 (9 + 3-digit branch); weights 8 7 6 5 4 3 2
   10 1, sum mod 97 is 0, or also 42 or 55 (the "9755" series) when the
   first three digits are 100 or more.  GD + 3 digits below 500:
   government departments; HA + 3 digits from 500: health authorities
   (also as GD8888/HA8888 + 3 digits + those digits mod 97). */
static taxid_reason vat_gb(tx_body *b) {
  static const signed char w[9] = {8, 7, 6, 5, 4, 3, 2, 10, 1};
  const char *s = b->s;
  int gd = b->n >= 2 && s[0] == 'G' && s[1] == 'D';
  int ha = b->n >= 2 && s[0] == 'H' && s[1] == 'A';
  if (b->n == 5) {
    if (!digits(s + 2, 3) || !(gd || ha))
      return fmt(b, "Short GB numbers are GD or HA followed by 3 digits.");
    unsigned long long v = num(s + 2, 3);
    if (!((gd && v < 500) || (ha && v >= 500)))
      return fmt(b, "GD numbers are below 500 and HA numbers 500 or above.");
    return TAXID_OK;
  }
  if (b->n == 11 && (gd || ha) && memcmp(s + 2, "8888", 4) == 0) {
    if (!digits(s + 6, 5)) return fmt(b, NULL);
    unsigned long long v = num(s + 6, 3);
    if (!((gd && v < 500) || (ha && v >= 500)))
      return fmt(b, "GD numbers are below 500 and HA numbers 500 or above.");
    if (v % 97 != num(s + 9, 2)) return TAXID_BAD_CHECK_DIGIT;
    return TAXID_OK;
  }
  if (b->n == 9 || b->n == 12) {
    for (size_t i = 0; i < b->n; i++)
      if (!isd(s[i])) {
        b->bad = i;
        return TAXID_BAD_CHARACTERS;
      }
    long c = wsum(s, w, 9) % 97;
    if (num(s, 3) >= 100 ? !(c == 0 || c == 42 || c == 55) : c != 0)
      return TAXID_BAD_CHECK_DIGIT;
    return TAXID_OK;
  }
  return TAXID_BAD_LENGTH;
}

/* CH: "CHE" + 8 digits + check digit ((11 - weights 5 4 3 2 7 6 5 4 sum)
   mod 11, 10 is never issued) + MWST, TVA, IVA or TPV.  The prefix is part
   of the number: the body here is the whole "CHE...MWST". */
static taxid_reason vat_ch(tx_body *b) {
  static const signed char w[8] = {5, 4, 3, 2, 7, 6, 5, 4};
  const char *s = b->s;
  if (b->n != 15 && b->n != 16) return TAXID_BAD_LENGTH;
  if (memcmp(s, "CHE", 3) != 0 || !digits(s + 3, 9)) return fmt(b, NULL);
  if ((unsigned)pmod(11 - wsum(s + 3, w, 8), 11) != dv(s[11])) return TAXID_BAD_CHECK_DIGIT;
  const char *sfx = s + 12;
  size_t sn = b->n - 12;
  if (!((sn == 4 && memcmp(sfx, "MWST", 4) == 0) ||
        (sn == 3 && (memcmp(sfx, "TVA", 3) == 0 || memcmp(sfx, "IVA", 3) == 0 ||
                     memcmp(sfx, "TPV", 3) == 0))))
    return fmt(b, "CH VAT numbers end in MWST, TVA, IVA or TPV.");
  return TAXID_OK;
}

/* NO: 9-digit organisation number (weights 3 2 7 6 5 4 3 2 1, sum
   divisible by 11) + "MVA".
   DIFF: stdnum strips whitespace around the 9 digits again and keeps it in
   the compact form ("NO\t995525828MVA").  Skatteetaten writes the number
   as NO + organisation number + MVA, spaces only; we reject it. */
static taxid_reason vat_no(tx_body *b) {
  static const signed char w[9] = {3, 2, 7, 6, 5, 4, 3, 2, 1};
  const char *s = b->s;
  if (b->n < 3 || memcmp(s + b->n - 3, "MVA", 3) != 0) return fmt(b, NULL);
  for (size_t i = 0; i + 3 < b->n; i++)
    if (!isd(s[i])) {
      b->bad = i;
      return TAXID_BAD_CHARACTERS;
    }
  if (b->n != 12) return TAXID_BAD_LENGTH;
  if (wsum(s, w, 9) % 11 != 0) return TAXID_BAD_CHECK_DIGIT;
  return TAXID_OK;
}

/* ------------------------------------------------------------------ */
/* The table.                                                           */

#define D9 "contain only digits"
#define AN "contain only letters and digits"
#define GBC "contain only digits (GD and HA numbers: 2 letters and 3 digits)"

static const tx_vat_country countries[] = {
    /* prefix, alias, separators, characters, length, characters, format, rule */
    VAT_ROW("AT", "", S_SP | S_DASH | S_DOT | S_SLASH, CS_ALNUM, "9 characters (U and 8 digits)", AN,
     "are U followed by 8 digits", vat_at),
    VAT_ROW("BE", "", S_SP | S_DASH | S_DOT | S_SLASH, CS_OWN, "10 digits (9 in the old form)", D9,
     "are 10 digits, not all zero", vat_be),
    VAT_ROW("BG", "", S_SP | S_DASH | S_DOT, CS_DIGITS, "9 or 10 digits", D9, "are 9 or 10 digits",
     vat_bg),
    VAT_ROW("CY", "", S_SP | S_DASH, CS_ALNUM, "9 characters (8 digits and a letter)", AN,
     "are 8 digits followed by a letter", vat_cy),
    VAT_ROW("CZ", "", S_SP | S_SLASH, CS_DIGITS, "8, 9 or 10 digits", D9, "are 8 to 10 digits", vat_cz),
    VAT_ROW("DE", "", S_SP | S_DASH | S_DOT | S_SLASH | S_COMMA, CS_DIGITS, "9 digits", D9,
     "are 9 digits and never start with 0", vat_de),
    VAT_ROW("DK", "", S_SP | S_DASH | S_DOT | S_COMMA | S_SLASH | S_COLON, CS_DIGITS, "8 digits", D9,
     "are 8 digits and never start with 0", vat_dk),
    VAT_ROW("EE", "", S_SP, CS_DIGITS, "9 digits", D9, "are 9 digits", vat_ee),
    VAT_ROW("EL", "GR", S_SP | S_DASH | S_DOT | S_SLASH | S_COLON, CS_DIGITS,
     "9 digits (8 in the old form)", D9, "are 9 digits", vat_el),
    VAT_ROW("ES", "", S_SP | S_DASH, CS_ALNUM, "9 characters", AN,
     "are 9 characters: a letter or digit, 7 digits, a letter or digit", vat_es),
    VAT_ROW("FI", "", S_SP | S_DASH, CS_DIGITS, "8 digits", D9, "are 8 digits", vat_fi),
    VAT_ROW("FR", "", S_SP | S_DASH | S_DOT, CS_ALNUM, "11 characters (2-character key and 9 digits)", AN,
     "are a 2-character key (digits or letters other than I and O) and 9 digits", vat_fr),
    VAT_ROW("HR", "", S_SP | S_DASH, CS_DIGITS, "11 digits", D9, "are 11 digits", vat_hr),
    VAT_ROW("HU", "", S_SP | S_DASH, CS_DIGITS, "8 digits", D9, "are 8 digits", vat_hu),
    VAT_ROW("IE", "", S_SP | S_DASH, CS_ALNUM_PLUS_STAR, "8 or 9 characters", AN,
     "are 7 digits and 1 or 2 letters (old form: digit, letter, 5 digits, letter)", vat_ie),
    VAT_ROW("IT", "", S_SP | S_DASH | S_COLON, CS_DIGITS, "11 digits", D9,
     "are 11 digits and never start with 7 zeros", vat_it),
    VAT_ROW("LT", "", S_SP | S_DASH, CS_DIGITS, "9 or 12 digits", D9, "are 9 or 12 digits", vat_lt),
    VAT_ROW("LU", "", S_SP | S_COLON | S_DOT | S_DASH, CS_DIGITS, "8 digits", D9, "are 8 digits", vat_lu),
    VAT_ROW("LV", "", S_SP | S_DASH, CS_DIGITS, "11 digits", D9, "are 11 digits", vat_lv),
    VAT_ROW("MT", "", S_SP | S_DASH, CS_DIGITS, "8 digits", D9, "are 8 digits and never start with 0",
     vat_mt),
    VAT_ROW("NL", "", S_SP | S_DASH | S_DOT, CS_OWN, "12 characters (9 digits, B, 2 digits)", AN,
     "are 9 digits, the letter B and 2 digits (not 00)", vat_nl),
    VAT_ROW("PL", "", S_SP | S_DASH, CS_DIGITS, "10 digits", D9, "are 10 digits", vat_pl),
    VAT_ROW("PT", "", S_SP | S_DASH | S_DOT, CS_DIGITS, "9 digits", D9,
     "are 9 digits and never start with 0", vat_pt),
    VAT_ROW("RO", "", S_SP | S_DASH, CS_DIGITS, "2 to 10 digits (13 for a personal CNP)", D9,
     "are 2 to 10 digits and never start with 0", vat_ro),
    VAT_ROW("SE", "", S_SP | S_DASH | S_DOT, CS_DIGITS, "12 digits (10 digits and 01)", D9,
     "are 10 digits followed by 01", vat_se),
    VAT_ROW("SI", "", S_SP | S_DASH, CS_DIGITS, "8 digits", D9, "are 8 digits and never start with 0",
     vat_si),
    VAT_ROW("SK", "", S_SP | S_DASH, CS_DIGITS, "10 digits", D9,
     "are 10 digits; for companies the third digit is 2, 3, 4, 7, 8 or 9", vat_sk),
    VAT_ROW("XI", "GB", S_SP | S_DASH | S_DOT, CS_ALNUM, "9 or 12 digits", GBC,
     "are 9 or 12 digits, or GD/HA and 3 digits", vat_gb),
    VAT_ROW("GB", "XI", S_SP | S_DASH | S_DOT, CS_ALNUM, "9 or 12 digits", GBC,
     "are 9 or 12 digits, or GD/HA and 3 digits", vat_gb),
    VAT_ROW("CH", "", S_SP | S_DASH | S_DOT, CS_ALNUM, "15 or 16 characters (CHE, 9 digits, MWST/TVA/IVA/TPV)",
     AN, "are CHE, 9 digits and MWST, TVA, IVA or TPV", vat_ch),
    VAT_ROW("NO", "", S_SP, CS_ALNUM, "12 characters (9 digits and MVA)",
     "contain only digits followed by MVA",
     "are 9 digits followed by MVA", vat_no),
};

enum { N_COUNTRIES = (int)(sizeof countries / sizeof countries[0]) };

/* Prefix -> 1 + index in countries[], 0 if unknown. */
#define CCX(a, b) (((a) - 'A') * 26 + ((b) - 'A'))
static const unsigned char country_index[26 * 26] = {
    [CCX('A', 'T')] = 1,  [CCX('B', 'E')] = 2,  [CCX('B', 'G')] = 3,  [CCX('C', 'Y')] = 4,
    [CCX('C', 'Z')] = 5,  [CCX('D', 'E')] = 6,  [CCX('D', 'K')] = 7,  [CCX('E', 'E')] = 8,
    [CCX('E', 'L')] = 9,  [CCX('G', 'R')] = 9,  [CCX('E', 'S')] = 10, [CCX('F', 'I')] = 11,
    [CCX('F', 'R')] = 12, [CCX('H', 'R')] = 13, [CCX('H', 'U')] = 14, [CCX('I', 'E')] = 15,
    [CCX('I', 'T')] = 16, [CCX('L', 'T')] = 17, [CCX('L', 'U')] = 18, [CCX('L', 'V')] = 19,
    [CCX('M', 'T')] = 20, [CCX('N', 'L')] = 21, [CCX('P', 'L')] = 22, [CCX('P', 'T')] = 23,
    [CCX('R', 'O')] = 24, [CCX('S', 'E')] = 25, [CCX('S', 'I')] = 26, [CCX('S', 'K')] = 27,
    [CCX('X', 'I')] = 28, [CCX('G', 'B')] = 29, [CCX('C', 'H')] = 30, [CCX('N', 'O')] = 31,
};

static const tx_vat_country *find_country(char c0, char c1) {
  if ((unsigned)(c0 - 'A') >= 26u || (unsigned)(c1 - 'A') >= 26u) return NULL;
  unsigned k = country_index[CCX(c0, c1)];
  return k ? &countries[k - 1] : NULL;
}

/* Separator bit of each ASCII character (' ' is one for every country). */
static const unsigned char sep_bit[128] = {
    [' '] = S_SP, ['-'] = S_DASH, ['.'] = S_DOT, ['/'] = S_SLASH, [','] = S_COMMA, [':'] = S_COLON,
};

/* Input bytes: 0 for a byte that is kept as it maps (digits, letters...),
   else its separator bit or F_WS. */
enum { F_WS = 64 };
static const unsigned char byte_flags[128] = {
    [' '] = S_SP, ['-'] = S_DASH, ['.'] = S_DOT, ['/'] = S_SLASH, [','] = S_COMMA, [':'] = S_COLON,
    ['\t'] = F_WS, ['\n'] = F_WS, ['\v'] = F_WS, ['\f'] = F_WS, ['\r'] = F_WS,
    [0x1c] = F_WS, [0x1d] = F_WS, [0x1e] = F_WS, [0x1f] = F_WS,
};

/* For each ASCII character, the character sets (CS_*) it belongs to. */
#define K_DG (CS_DIGITS | CS_ALNUM | CS_ALNUM_PLUS_STAR)
#define K_LT (CS_ALNUM | CS_ALNUM_PLUS_STAR)
#define D4(a) [a] = K_DG, [a + 1] = K_DG, [a + 2] = K_DG, [a + 3] = K_DG
#define L4(a) [a] = K_LT, [a + 1] = K_LT, [a + 2] = K_LT, [a + 3] = K_LT
#define L26(a) L4(a), L4(a + 4), L4(a + 8), L4(a + 12), L4(a + 16), L4(a + 20), \
               [a + 24] = K_LT, [a + 25] = K_LT
static const unsigned char char_class[128] = {
    D4('0'), D4('4'), ['8'] = K_DG, ['9'] = K_DG, L26('A'), L26('a'),
    ['+'] = CS_ALNUM_PLUS_STAR, ['*'] = CS_ALNUM_PLUS_STAR,
};
#undef D4
#undef L4
#undef L26

/* ------------------------------------------------------------------ */
/* Messages.                                                            */

static void vat_message(taxid_result *out, const tx_vat_country *vc, const tx_body *b,
                        const char *input, size_t len, size_t total) {
  tx_msg m;
  tx_msg_init(&m, out->message, sizeof out->message);
  switch (out->reason) {
  case TAXID_BAD_LENGTH:
    if (b->why) {
      tx_msg_str(&m, b->why);
      break;
    }
    tx_msg_str(&m, vc->msg_length);
    tx_msg_uint(&m, b->n);
    tx_msg_mem(&m, ".", 1);
    break;
  case TAXID_TOO_LONG:
    tx_msg_str(&m, "This is far longer than any ");
    tx_msg_str(&m, vc->cc);
    tx_msg_str(&m, " VAT number (");
    tx_msg_uint(&m, total);
    tx_msg_str(&m, " characters).");
    break;
  case TAXID_BAD_CHARACTERS:
    tx_msg_str(&m, vc->msg_chars);
    tx_msg_badchar(&m, input, len, b->s[b->bad]);
    tx_msg_str(&m, " is not allowed.");
    break;
  case TAXID_BAD_FORMAT:
    tx_msg_str(&m, b->why ? b->why : vc->msg_format);
    break;
  case TAXID_BAD_CHECK_DIGIT:
    tx_msg_str(&m, vc->msg_check);
    break;
  default:
    break;
  }
}

/* ------------------------------------------------------------------ */
/* Collecting the significant characters.                               */

/* Appends the characters of p[i..len) to dst[total..]: separators of the
   country dropped, each run of other whitespace kept as one TX_WS, at most
   TX_BODY_MAX stored (the count goes on).  Returns the new count.  Most
   bytes are digits or letters, which one table look-up tells.  `checked`
   is a constant at each call: 0 when the input cannot overflow dst. */
static inline size_t collect(const unsigned char *p, size_t len, size_t i, char *dst, size_t total,
                             unsigned seps, unsigned *clsp, char *lastp, const int checked) {
  unsigned cls = *clsp;
  char last = *lastp;
  while (i < len) {
    unsigned char u = p[i];
    char c;
    if (u < 0x80) {
      unsigned f = byte_flags[u];
      i++;
      if (f == 0) {
        if (!checked || total < TX_BODY_MAX) dst[total] = tx_ascii_map[u];
        total++;
        last = 0;
        cls &= char_class[u];
        continue;
      }
      if (f & seps) continue;
      c = tx_ascii_map[u];
    } else {
      size_t j = i;
      unsigned long cp;
      c = tx_next_utf8(p, len, &j, &cp);
      i = j;
      if (sep_bit[(unsigned char)c & 0x7f] & seps) continue;
    }
    if (c == TX_WS && last == TX_WS) continue;
    last = c;
    if (!checked || total < TX_BODY_MAX) dst[total] = c;
    total++;
    cls &= char_class[(unsigned char)c & 0x7f];
  }
  *clsp = cls;
  *lastp = last;
  return total;
}

/* ------------------------------------------------------------------ */
/* The phases of a check.                                               */

static const char not_vat_country[] =
    "' is not a VAT country; use an EU code (EL for Greece), XI, GB, CH or NO.";

/* Phase 1, prefix given apart: the country row for `country` (NUL-
   terminated, any case), or NULL with out->reason and message set. */
static const tx_vat_country *country_given(const char *country, taxid_result *out) {
  const tx_vat_country *vc = NULL;
  if (country[0] && country[1] && !country[2])
    vc = find_country(tx_ascii((unsigned char)country[0]), tx_ascii((unsigned char)country[1]));
  if (!vc) {
    tx_msg m;
    tx_msg_init(&m, out->message, sizeof out->message);
    out->reason = TAXID_UNKNOWN_COUNTRY;
    tx_msg_str(&m, "'");
    for (size_t k = 0; k < 3 && country[k]; k++)
      if (country[k] > 0x20 && country[k] < 0x7f) tx_msg_mem(&m, country + k, 1);
    tx_msg_str(&m, not_vat_country);
  }
  return vc;
}

/* Phase 1, prefix typed: as stdnum.eu.vat, the prefix is the first two
   characters once the whitespace around the number is gone.  Returns the
   country row with *i just past the two prefix characters, stored in
   *c0 and *c1; or NULL with out->reason and message set. */
static const tx_vat_country *country_typed(const unsigned char *p, size_t len, size_t *i,
                                           char *c0, char *c1, taxid_result *out) {
  while (*i < len) {
    size_t at = *i;
    char c = tx_next(p, len, i);
    if (c != ' ' && c != TX_WS) {
      *i = at;
      break;
    }
  }
  if (*i >= len) {
    out->reason = TAXID_EMPTY;
    strcpy(out->message, "Nothing was entered.");
    return NULL;
  }
  *c0 = tx_next(p, len, i);
  *c1 = *i < len ? tx_next(p, len, i) : 0;
  const tx_vat_country *vc = find_country(*c0, *c1);
  if (!vc) {
    tx_msg m;
    tx_msg_init(&m, out->message, sizeof out->message);
    out->reason = TAXID_UNKNOWN_COUNTRY;
    if (tx_is_upper(*c0) && tx_is_upper(*c1)) {
      char cc[2] = {*c0, *c1};
      tx_msg_str(&m, "'");
      tx_msg_mem(&m, cc, 2);
      tx_msg_str(&m, not_vat_country);
    } else {
      tx_msg_str(&m, "A VAT number starts with its country code, as in DE 136695976.");
    }
  }
  return vc;
}

/* Phase 2: the significant characters of p[i..len) appended to b->s after
   the `total` already there (the typed prefix): separators of the country
   dropped, runs of other whitespace kept as one TX_WS, at most TX_BODY_MAX
   stored, whitespace at both ends stripped.  Sets b->n and *cls (the
   character sets every collected character belongs to); returns the count
   of significant characters, which may exceed TX_BODY_MAX. */
static size_t collect_body(const unsigned char *p, size_t len, size_t i, size_t total,
                           const tx_vat_country *vc, tx_body *b, unsigned *cls) {
  char last = 0;
  *cls = 0xff;
  const unsigned seps = vc->seps | S_SP;
  if (len - i <= TX_BODY_MAX - total) /* cannot overflow: no bound checks */
    total = collect(p, len, i, b->s, total, seps, cls, &last, 0);
  else
    total = collect(p, len, i, b->s, total, seps, cls, &last, 1);
  b->n = total < TX_BODY_MAX ? total : TX_BODY_MAX;
  /* strip(): after the collapsing there is at most one TX_WS per end. */
  if (last == TX_WS) {
    total--;
    if (b->n > total) b->n = total;
  }
  if (b->n > 0 && b->s[0] == TX_WS) {
    b->s++;
    b->n--;
    total--;
  }
  return total;
}

/* Phase 3: drops the prefix from b as the country's own compact() does.
   Swiss numbers keep theirs ("CHE..."); given apart (`given`), it is put
   back. */
static void drop_prefix(tx_body *b, const tx_vat_country *vc, int given) {
  if (vc->check == vat_ch) {
    if (given && !(b->n >= 3 && memcmp(b->s, "CHE", 3) == 0)) {
      size_t z = (b->n > 0 && b->s[0] == 'E') ? 2 : 3;
      b->s -= z;
      memcpy(b->s, "CHE", z);
      b->n += z;
    }
  } else if (b->n >= 2 && ((b->s[0] == vc->cc[0] && b->s[1] == vc->cc[1]) ||
                           (vc->alias[0] && b->s[0] == vc->alias[0] && b->s[1] == vc->alias[1]))) {
    b->s += 2;
    b->n -= 2;
  }
}

/* Phase 4: the country's rules over the number in b: first the characters
   outside its set (BE and NL rewrite the number first, CS_OWN), then its
   check function.  cls is from collect_body(); with the prefix given apart
   it may include the prefix's letters: then each character is looked at. */
static taxid_reason apply_rules(tx_body *b, const tx_vat_country *vc, unsigned cls) {
  if (vc->charset != CS_OWN && !(cls & vc->charset)) {
    for (size_t k = 0; k < b->n; k++)
      if (!(char_class[(unsigned char)b->s[k] & 0x7f] & vc->charset)) {
        b->bad = k;
        return TAXID_BAD_CHARACTERS;
      }
  }
  return vc->check(b);
}

/* Phase 5: the verdict in *out.  The compact form is always our prefix +
   the number (the Swiss number carries its own).
   DIFF (compact only): Greece is stored as EL also when typed GR
   (stdnum keeps "GR..."): Directive 2006/112/EC art. 215 and VIES use EL.
   DIFF (compact only): a French number whose key is "FR" keeps the
   prefix ("FRFR100000009"); stdnum.eu.vat drops it, leaving a string
   that is not a valid number itself.  The French VAT number is FR + key
   + SIREN (DGFiP), whatever the key.  Returns out->valid. */
static int verdict(taxid_result *out, const tx_vat_country *vc, const tx_body *b, taxid_reason r,
                   const char *input, size_t len, size_t total) {
  size_t pn = vc->check == vat_ch ? 0 : 2;
  if (r == TAXID_OK) { /* letters and digits only, and short */
    char *d = out->compact;
    d[0] = vc->cc[0];
    d[1] = vc->cc[1];
    memcpy(d + pn, b->s, b->n);
    d[pn + b->n] = '\0';
    out->valid = 1;
    return 1;
  }
  tx_result_compact(out, vc->cc, pn, b->s, b->n);
  out->reason = r;
  vat_message(out, vc, b, input, len, total);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Entry point.                                                         */

/* Contract in taxid.h: VAT verdict in *out (caller-owned, every member
   set), returns out->valid; input and country are borrowed for the call. */
int taxid_check_vat(const char *input, size_t len, const char *country, taxid_result *out) {
  tx_result_init(out, TAXID_VAT);
  const unsigned char *p = (const unsigned char *)input;
  if (!p) len = 0;
  size_t i = 0, total = 0;
  char c0 = 0, c1 = 0;
  const tx_vat_country *vc;
  if (country) {
    vc = country_given(country, out);
  } else {
    vc = country_typed(p, len, &i, &c0, &c1, out);
    total = 2; /* the prefix letters are the first two kept characters */
  }
  if (!vc) return 0;

  tx_body b;
  b.s = b.buf + TX_HEAD;
  b.bad = 0;
  b.why = NULL;
  b.s[0] = c0;
  b.s[1] = c1;
  unsigned cls;
  total = collect_body(p, len, i, total, vc, &b, &cls);
  if (total == 0) {
    out->reason = TAXID_EMPTY;
    strcpy(out->message, "Nothing was entered.");
    return 0;
  }
  memcpy(out->country, vc->cc, 3);
  if (total > TX_BODY_MAX) {
    out->reason = TAXID_TOO_LONG;
    vat_message(out, vc, &b, input, len, total);
    return 0;
  }

  drop_prefix(&b, vc, country != NULL);
  return verdict(out, vc, &b, apply_rules(&b, vc, cls), input, len, total);
}
