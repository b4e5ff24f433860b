/* SPDX-License-Identifier: MIT */
/*
 * taxid.c - results, normalisation helpers, dispatch, EORI numbers and US
 * resale certificates.  The VAT rules per country are in taxid_vat.c.
 *
 * No function here allocates or keeps state; the only tables are const.
 */
#include <string.h>
#include <time.h>

#include "taxid/taxid.h"
#include "taxid/taxid_int.h"
#include "base/utf8.h"

/* ------------------------------------------------------------------ */
/* Character mapping (see taxid_int.h).                                 */

#define W TX_WS
#define B TX_BAD
const char tx_ascii_map[128] = {
    B, B, B, B, B, B, B, B, B, W, W, W, W, W, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, W, W, W, W, ' ', '!', '"', '#', '$', '%', '&', '\'', '(', ')', '*',
    '+', ',', '-', '.', '/', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
    ':', ';', '<', '=', '>', '?', '@', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
    'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
    'X', 'Y', 'Z', '[', '\\', ']', '^', '_', '\'', 'A', 'B', 'C', 'D', 'E', 'F',
    'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U',
    'V', 'W', 'X', 'Y', 'Z', '{', '|', '}', '~', B,
};
#undef W
#undef B

/* python-stdnum 1.18 util._char_map (non-ASCII entries) plus the three
   characters Python's str.strip() removes that the map leaves alone
   (U+0085, U+2028, U+2029 -> TX_WS).  Sorted by code point.
   DIFF: stdnum also applies Python's str.upper(), which turns a few
   non-ASCII letters into ASCII ones (U+00DF "ss", U+0131 "I", U+017F "S",
   the ligatures U+FB00-FB06).  No tax authority writes its numbers with
   them; here they are bad characters. */
typedef struct tx_fold {
  unsigned long cp;
  char to;
} tx_fold;

static const tx_fold fold_table[] = {
  {0x0085, TX_WS}, {0x00A0, ' '}, {0x00AF, '-'}, {0x00B4, '\''},
  {0x00B7, '.'}, {0x00B8, ','}, {0x02B9, '\''}, {0x02BB, '\''},
  {0x02BC, '\''}, {0x02BE, '\''}, {0x02BF, '\''}, {0x02C8, '\''},
  {0x02D7, '-'}, {0x02D9, '.'}, {0x0300, '\''}, {0x0301, '\''},
  {0x0312, '\''}, {0x0313, '\''}, {0x0387, '.'}, {0x055A, '\''},
  {0x058A, '-'}, {0x05BE, '-'}, {0x060C, ','}, {0x066B, ','}, {0x066C, ','},
  {0x066D, '*'}, {0x06D4, '.'}, {0x0701, '.'}, {0x0702, '.'}, {0x070D, '*'},
  {0x0830, '.'}, {0x083C, '/'}, {0x0F0B, '.'}, {0x0F0C, '.'}, {0x1361, ':'},
  {0x1680, '-'}, {0x16EB, '.'}, {0x16EC, ':'}, {0x1804, ':'}, {0x180A, '-'},
  {0x2000, ' '}, {0x2001, ' '}, {0x2002, ' '}, {0x2003, ' '}, {0x2004, ' '},
  {0x2005, ' '}, {0x2006, ' '}, {0x2007, ' '}, {0x2008, ' '}, {0x2009, ' '},
  {0x200A, ' '}, {0x2010, '-'}, {0x2011, '-'}, {0x2012, '-'}, {0x2013, '-'},
  {0x2014, '-'}, {0x2015, '-'}, {0x2018, '\''}, {0x2019, '\''},
  {0x201A, ','}, {0x201B, '\''}, {0x2022, '.'}, {0x2024, '.'}, {0x2027, '.'},
  {0x2028, TX_WS}, {0x2029, TX_WS}, {0x202F, ' '}, {0x2032, ','},
  {0x203E, '-'}, {0x2043, '-'}, {0x2044, '/'}, {0x204E, '*'}, {0x2055, '*'},
  {0x205F, ' '}, {0x207B, '-'}, {0x208B, '-'}, {0x2212, '-'}, {0x2215, '/'},
  {0x2217, '*'}, {0x2219, '.'}, {0x22C5, '.'}, {0x22C6, '*'}, {0x23AF, '-'},
  {0x23BA, '-'}, {0x23BB, '-'}, {0x23BC, '-'}, {0x23BD, '-'}, {0x23E4, '-'},
  {0x2731, '*'}, {0x2732, '*'}, {0x2733, '*'}, {0x273A, '*'}, {0x273B, '*'},
  {0x273C, '*'}, {0x273D, '*'}, {0x274A, '*'}, {0x274B, '*'}, {0x27CB, '/'},
  {0x29F8, '/'}, {0x2E31, '.'}, {0x2E33, '.'}, {0x2E34, ','}, {0x3000, ' '},
  {0x3001, ','}, {0x3002, '.'}, {0x30FB, '.'}, {0xA60E, '*'}, {0xFBB2, '.'},
  {0xFBB3, '.'}, {0xFE10, ','}, {0xFE13, ':'}, {0xFE30, ':'}, {0xFE50, ','},
  {0xFE51, ','}, {0xFE52, '.'}, {0xFE55, ':'}, {0xFE61, '*'}, {0xFE63, '-'},
  {0xFF0A, '*'}, {0xFF0C, ','}, {0xFF0D, '-'}, {0xFF0E, '.'}, {0xFF0F, '/'},
  {0xFF10, '0'}, {0xFF11, '1'}, {0xFF12, '2'}, {0xFF13, '3'}, {0xFF14, '4'},
  {0xFF15, '5'}, {0xFF16, '6'}, {0xFF17, '7'}, {0xFF18, '8'}, {0xFF19, '9'},
  {0xFF1A, ':'}, {0xFF65, '.'}, {0xFFE3, '-'}, {0x10101, '.'},
  {0x1091F, '.'}, {0x10A50, '.'}, {0x1D7CE, '0'}, {0x1D7CF, '1'},
  {0x1D7D0, '2'}, {0x1D7D1, '3'}, {0x1D7D2, '4'}, {0x1D7D3, '5'},
  {0x1D7D4, '6'}, {0x1D7D5, '7'}, {0x1D7D6, '8'}, {0x1D7D7, '9'},
  {0x1D7D8, '0'}, {0x1D7D9, '1'}, {0x1D7DA, '2'}, {0x1D7DB, '3'},
  {0x1D7DC, '4'}, {0x1D7DD, '5'}, {0x1D7DE, '6'}, {0x1D7DF, '7'},
  {0x1D7E0, '8'}, {0x1D7E1, '9'}, {0x1D7E2, '0'}, {0x1D7E3, '1'},
  {0x1D7E4, '2'}, {0x1D7E5, '3'}, {0x1D7E6, '4'}, {0x1D7E7, '5'},
  {0x1D7E8, '6'}, {0x1D7E9, '7'}, {0x1D7EA, '8'}, {0x1D7EB, '9'},
  {0x1D7EC, '0'}, {0x1D7ED, '1'}, {0x1D7EE, '2'}, {0x1D7EF, '3'},
  {0x1D7F0, '4'}, {0x1D7F1, '5'}, {0x1D7F2, '6'}, {0x1D7F3, '7'},
  {0x1D7F4, '8'}, {0x1D7F5, '9'}, {0x1D7F6, '0'}, {0x1D7F7, '1'},
  {0x1D7F8, '2'}, {0x1D7F9, '3'}, {0x1D7FA, '4'}, {0x1D7FB, '5'},
  {0x1D7FC, '6'}, {0x1D7FD, '7'}, {0x1D7FE, '8'}, {0x1D7FF, '9'},
};

static char fold_lookup(unsigned long cp) {
  size_t lo = 0, hi = sizeof fold_table / sizeof fold_table[0];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (fold_table[mid].cp == cp) return fold_table[mid].to;
    if (fold_table[mid].cp < cp) lo = mid + 1;
    else hi = mid;
  }
  return TX_BAD;
}

/* Decodes the UTF-8 character at p[*i] (a byte >= 0x80), advances *i past
   it and returns its ASCII fold, TX_WS or TX_BAD; *cp gets the code point
   (0xFFFFFFFF if invalid).  Reads only p[*i..len). */
char tx_next_utf8(const unsigned char *p, size_t len, size_t *i, unsigned long *cp) {
  uint32_t c;
  size_t n = utf8_decode((const char *)p + *i, len - *i, &c);
  if (n == 0) { /* an invalid sequence consumes one byte */
    (*i)++;
    *cp = 0xFFFFFFFFul;
    return TX_BAD;
  }
  *i += n;
  *cp = c;
  return fold_lookup(c);
}

/* ------------------------------------------------------------------ */
/* Messages.                                                            */

/* Starts an empty message in buf[0..cap), which the caller owns. */
void tx_msg_init(tx_msg *m, char *buf, size_t cap) {
  m->buf = buf;
  m->cap = cap;
  m->n = 0;
  if (cap) buf[0] = '\0';
}

/* Appends n bytes of s, cut to what fits; keeps the text terminated. */
void tx_msg_mem(tx_msg *m, const char *s, size_t n) {
  if (m->cap == 0) return;
  size_t room = m->cap - 1 - m->n;
  if (n > room) n = room;
  memcpy(m->buf + m->n, s, n);
  m->n += n;
  m->buf[m->n] = '\0';
}

/* Appends the NUL-terminated s, cut to what fits. */
void tx_msg_str(tx_msg *m, const char *s) { tx_msg_mem(m, s, strlen(s)); }

/* Appends v in decimal. */
void tx_msg_uint(tx_msg *m, unsigned long v) {
  char tmp[24];
  size_t k = sizeof tmp;
  do {
    tmp[--k] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  tx_msg_mem(m, tmp + k, sizeof tmp - k);
}

static void msg_hex(tx_msg *m, unsigned long v, int width) {
  static const char hx[] = "0123456789ABCDEF";
  char tmp[8];
  int k = 0;
  while (width > 0 || v) {
    tmp[k++] = hx[v & 15u];
    v >>= 4;
    width--;
    if (k == 8) break;
  }
  while (k > 0) tx_msg_mem(m, &tmp[--k], 1);
}

/* Appends a description of the offending character c: quoted if it is
   printable, else found again in input[0..len) and described (NUL,
   control, invalid UTF-8, "'X' (U+XXXX)", tab or line break). */
void tx_msg_badchar(tx_msg *m, const char *input, size_t len, char c) {
  if (c != TX_BAD && c != TX_WS) {
    tx_msg_str(m, "'");
    tx_msg_mem(m, &c, 1);
    tx_msg_str(m, "'");
    return;
  }
  const unsigned char *p = (const unsigned char *)input;
  size_t i = 0;
  while (p && i < len) {
    size_t at = i;
    unsigned long cp = p[i];
    char mapped;
    if (cp < 0x80) {
      mapped = tx_ascii(p[i]);
      i++;
    } else {
      mapped = tx_next_utf8(p, len, &i, &cp);
    }
    if (mapped != c) continue;
    if (c == TX_WS) {
      tx_msg_str(m, "a tab or line break");
    } else if (cp == 0) {
      tx_msg_str(m, "a NUL byte");
    } else if (cp < 0x80) {
      tx_msg_str(m, "a control character");
    } else if (cp == 0xFFFFFFFFul) {
      tx_msg_str(m, "a byte that is not valid UTF-8");
    } else {
      tx_msg_str(m, "'");
      tx_msg_mem(m, input + at, i - at);
      tx_msg_str(m, "' (U+");
      msg_hex(m, cp, 4);
      tx_msg_str(m, ")");
    }
    return;
  }
  tx_msg_str(m, c == TX_WS ? "a tab or line break" : "a character");
}

/* ------------------------------------------------------------------ */
/* Results and dates.                                                   */

/* Sets every member of *out to "nothing yet" (strings empty) and its kind. */
void tx_result_init(taxid_result *out, taxid_kind kind) {
  /* Member by member: clearing the whole struct costs more than the check. */
  out->valid = 0;
  out->kind = kind;
  out->country[0] = '\0';
  out->compact[0] = '\0';
  out->reason = TAXID_OK;
  out->message[0] = '\0';
  out->embedded_vat = 0;
  out->embedded_vat_valid = 0;
}

/* out->compact = a[0..an) + b[0..bn) when b is printable ASCII (no space)
   and the whole fits; else "". */
void tx_result_compact(taxid_result *out, const char *a, size_t an, const char *b, size_t bn) {
  char *d = out->compact;
  d[0] = '\0';
  if (an + bn >= sizeof out->compact) return;
  for (size_t k = 0; k < an; k++) d[k] = a[k];
  for (size_t k = 0; k < bn; k++) {
    char c = b[k];
    if (c <= 0x20 || c >= 0x7f) {
      d[0] = '\0';
      return;
    }
    d[an + k] = c;
  }
  d[an + bn] = '\0';
}

/* 1 if y-m-d is a real Gregorian date in years 1-9999, else 0. */
int tx_date_ok(int y, int m, int d) {
  static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Contract in taxid.h: static code string for r ("" for TAXID_OK). */
const char *taxid_reason_code(taxid_reason r) {
  switch (r) {
  case TAXID_OK: return "";
  case TAXID_EMPTY: return "empty";
  case TAXID_UNKNOWN_COUNTRY: return "unknown_country";
  case TAXID_BAD_LENGTH: return "bad_length";
  case TAXID_BAD_CHARACTERS: return "bad_characters";
  case TAXID_BAD_CHECK_DIGIT: return "bad_check_digit";
  case TAXID_BAD_FORMAT: return "bad_format";
  case TAXID_EXPIRED: return "expired";
  case TAXID_BAD_DATE: return "bad_date";
  case TAXID_TOO_LONG: return "too_long";
  }
  return "unknown";
}

/* Contract in taxid.h: static name of k. */
const char *taxid_kind_name(taxid_kind k) {
  switch (k) {
  case TAXID_ANY: return "any";
  case TAXID_VAT: return "vat";
  case TAXID_EORI: return "eori";
  case TAXID_CERT: return "resale_cert";
  }
  return "unknown";
}

/* ASCII case-insensitive equality of a NUL-terminated s and a lower-case
   literal. */
static int eq_nocase(const char *s, const char *lit) {
  for (; *s && *lit; s++, lit++) {
    char c = *s;
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (c != *lit) return 0;
  }
  return *s == '\0' && *lit == '\0';
}

/* Contract in taxid.h: 0 and *out set for vat/eori/cert/resale_cert/any
   (any case), -1 otherwise. */
int taxid_kind_parse(const char *s, taxid_kind *out) {
  if (!s) return -1;
  taxid_kind k;
  if (eq_nocase(s, "vat")) k = TAXID_VAT;
  else if (eq_nocase(s, "eori")) k = TAXID_EORI;
  else if (eq_nocase(s, "cert") || eq_nocase(s, "resale_cert")) k = TAXID_CERT;
  else if (eq_nocase(s, "any")) k = TAXID_ANY;
  else return -1;
  *out = k;
  return 0;
}

/* ------------------------------------------------------------------ */
/* EORI.                                                                */

/* Issuing states: the EU members by ISO 3166 code (GR, not EL), plus
   XI (Northern Ireland) and GB (HMRC). */
static const char eori_states[][3] = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI", "GB"};

/* States whose EORI is the state code + the trader's national VAT number
   (without its prefix); the EORI embeds a VAT number when the rest has the
   VAT number's length.  PL may append 00000, SE's VAT number is the
   organisation number + 01; GB/XI are handled in the code (VAT + 000). */
typedef struct eori_vat_rule {
  char cc[3];
  unsigned char min, max;
} eori_vat_rule;

static const eori_vat_rule eori_vat[] = {
    {"BE", 10, 10}, {"CZ", 8, 10}, {"DK", 8, 8},  {"ES", 9, 9},  {"FI", 8, 8},
    {"HR", 11, 11}, {"IE", 8, 9},  {"IT", 11, 11}, {"PL", 10, 10}, {"PT", 9, 9},
    {"RO", 2, 10},  {"SE", 10, 10}, {"SI", 8, 8},  {"SK", 10, 10},
};

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

static void eori_embedded(taxid_result *out, const char *body, size_t bn) {
  const char *cc = out->country;
  char vat[16];
  size_t vn = 0;
  if (strcmp(cc, "GB") == 0 || strcmp(cc, "XI") == 0) {
    if (bn != 12 || memcmp(body + 9, "000", 3) != 0) return;
    vn = 9;
    memcpy(vat, body, 9);
  } else {
    const eori_vat_rule *r = NULL;
    for (size_t k = 0; k < sizeof eori_vat / sizeof eori_vat[0]; k++)
      if (strcmp(eori_vat[k].cc, cc) == 0) r = &eori_vat[k];
    if (!r) return;
    if (strcmp(cc, "PL") == 0 && bn == 15 && memcmp(body + 10, "00000", 5) == 0) bn = 10;
    if (bn < r->min || bn > r->max) return;
    memcpy(vat, body, bn);
    vn = bn;
    if (strcmp(cc, "SE") == 0) {
      memcpy(vat + vn, "01", 2);
      vn += 2;
    }
  }
  taxid_result v;
  out->embedded_vat = 1;
  out->embedded_vat_valid = taxid_check_vat(vat, vn, cc, &v);
}

/* Contract in taxid.h: EORI verdict in *out (caller-owned), returns valid;
   input is borrowed, never written. */
int taxid_check_eori(const char *input, size_t len, taxid_result *out) {
  tx_result_init(out, TAXID_EORI);
  const unsigned char *p = (const unsigned char *)input;
  if (!p) len = 0;
  char s[48];
  size_t n = 0, total = 0, i = 0;
  size_t trail = 0; /* whitespace at the end is dropped, inside it is not */
  while (i < len) {
    char c = tx_next(p, len, &i);
    if (c == ' ' || c == '-' || c == '.' || c == '/') continue;
    if (c == TX_WS) {
      if (total == 0) continue;
      trail++;
    } else {
      trail = 0;
    }
    if (total < sizeof s) s[n++] = c;
    total++;
  }
  total -= trail;
  if (n > total) n = total;
  tx_msg m;
  tx_msg_init(&m, out->message, sizeof out->message);
  if (total == 0) {
    out->reason = TAXID_EMPTY;
    tx_msg_str(&m, "Nothing was entered.");
    return 0;
  }
  if (total < 2 || !is_upper(s[0]) || !is_upper(s[1])) {
    out->reason = TAXID_UNKNOWN_COUNTRY;
    tx_msg_str(&m, "An EORI number starts with the issuing state's code, as in GB 123456789000.");
    return 0;
  }
  const char *state = NULL;
  for (size_t k = 0; k < sizeof eori_states / sizeof eori_states[0]; k++)
    if (eori_states[k][0] == s[0] && eori_states[k][1] == s[1]) state = eori_states[k];
  if (!state) {
    out->reason = TAXID_UNKNOWN_COUNTRY;
    if (s[0] == 'E' && s[1] == 'L') {
      tx_msg_str(&m, "Greek EORI numbers start with GR; EL is only the VAT prefix.");
    } else {
      tx_msg_str(&m, "'");
      tx_msg_mem(&m, s, 2);
      tx_msg_str(&m, "' does not issue EORI numbers; they start with an EU country code, XI or GB.");
    }
    return 0;
  }
  memcpy(out->country, state, 3);
  if (total > sizeof s) {
    out->reason = TAXID_TOO_LONG;
    tx_msg_str(&m, "This is far longer than any EORI number (");
    tx_msg_uint(&m, total);
    tx_msg_str(&m, " characters).");
    return 0;
  }
  const char *body = s + 2;
  size_t bn = n - 2;
  int uk = (s[0] == 'G' && s[1] == 'B') || (s[0] == 'X' && s[1] == 'I');
  tx_result_compact(out, "", 0, s, n);
  for (size_t k = 0; k < bn; k++) {
    if (is_digit(body[k]) || (!uk && is_upper(body[k]))) continue;
    out->reason = TAXID_BAD_CHARACTERS;
    tx_msg_mem(&m, state, 2);
    tx_msg_str(&m, uk ? " EORI numbers contain only digits after " :
                        " EORI numbers contain only letters and digits after ");
    tx_msg_mem(&m, state, 2);
    tx_msg_str(&m, "; ");
    tx_msg_badchar(&m, input, len, body[k]);
    tx_msg_str(&m, " is not allowed.");
    return 0;
  }
  if (uk ? (bn < 12 || bn > 15) : (bn < 1 || bn > 15)) {
    out->reason = TAXID_BAD_LENGTH;
    tx_msg_mem(&m, state, 2);
    tx_msg_str(&m, uk ? " EORI numbers have 12 to 15 digits after " :
                        " EORI numbers have 1 to 15 letters or digits after ");
    tx_msg_mem(&m, state, 2);
    tx_msg_str(&m, "; this one has ");
    tx_msg_uint(&m, bn);
    tx_msg_str(&m, ".");
    return 0;
  }
  eori_embedded(out, body, bn);
  out->valid = 1;
  return 1;
}

/* ------------------------------------------------------------------ */
/* US resale certificates.                                              */

static const char us_states[][3] = {
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA",
    "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS",
    "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA",
    "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY"};

#define CERT_NUMBER_MAX 36

/* Parses exactly "YYYY-MM-DD" (NUL-terminated) into y*10000+m*100+d;
   returns -1 if it is not a real date so written. */
static long parse_date(const char *s) {
  for (int k = 0; k < 10; k++) {
    if (k == 4 || k == 7) {
      if (s[k] != '-') return -1;
    } else if (!is_digit(s[k])) {
      return -1;
    }
  }
  if (s[10] != '\0') return -1;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int mo = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (!tx_date_ok(y, mo, d)) return -1;
  return (long)y * 10000 + mo * 100 + d;
}

static long today(void) {
  time_t t = time(NULL);
  struct tm tm;
  if (localtime_r(&t, &tm) == NULL) return -1;
  return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static void msg_date(tx_msg *m, long v) {
  char d[10] = {(char)('0' + v / 10000000 % 10), (char)('0' + v / 1000000 % 10),
                (char)('0' + v / 100000 % 10),   (char)('0' + v / 10000 % 10), '-',
                (char)('0' + v / 1000 % 10),     (char)('0' + v / 100 % 10), '-',
                (char)('0' + v / 10 % 10),       (char)('0' + v % 10)};
  tx_msg_mem(m, d, 10);
}

/* Contract in taxid.h: certificate verdict in *out, returns valid; all
   arguments are borrowed for the call only. */
int taxid_check_cert(const char *state, const char *number, size_t number_len,
                     const char *expires, const char *sale_date, taxid_result *out) {
  tx_result_init(out, TAXID_CERT);
  tx_msg m;
  tx_msg_init(&m, out->message, sizeof out->message);
  const char *st = NULL;
  if (state && state[0] && state[1] && !state[2]) {
    char a = tx_ascii((unsigned char)state[0]), b = tx_ascii((unsigned char)state[1]);
    for (size_t k = 0; k < sizeof us_states / sizeof us_states[0]; k++)
      if (us_states[k][0] == a && us_states[k][1] == b) st = us_states[k];
  }
  if (!st) {
    out->reason = TAXID_UNKNOWN_COUNTRY;
    tx_msg_str(&m, "The state must be a two-letter US state code such as TX");
    if (state && state[0]) {
      tx_msg_str(&m, "; '");
      for (size_t k = 0; k < 8 && state[k]; k++)
        if (state[k] > 0x20 && state[k] < 0x7f) tx_msg_mem(&m, state + k, 1);
      tx_msg_str(&m, "' is not one");
    }
    tx_msg_str(&m, ".");
    return 0;
  }
  memcpy(out->country, st, 3);

  /* The number as printed: whitespace out, letters upper-cased. */
  const unsigned char *p = (const unsigned char *)number;
  if (!p) number_len = 0;
  char s[CERT_NUMBER_MAX];
  size_t n = 0, total = 0, i = 0;
  int alnum = 0;
  char bad = 0;
  while (i < number_len) {
    char c = tx_next(p, number_len, &i);
    if (c == ' ' || c == TX_WS) continue;
    if (is_digit(c) || is_upper(c)) alnum = 1;
    else if (c != '-' && c != '/' && c != '.' && c != '#' && !bad) bad = c;
    if (total < sizeof s) s[n++] = c;
    total++;
  }
  if (total == 0) {
    out->reason = TAXID_EMPTY;
    tx_msg_str(&m, "No certificate number was entered.");
    return 0;
  }
  if (bad) {
    out->reason = TAXID_BAD_CHARACTERS;
    tx_msg_str(&m, "Certificate numbers contain letters, digits and - / . # only; ");
    tx_msg_badchar(&m, number, number_len, bad);
    tx_msg_str(&m, " is not allowed.");
    return 0;
  }
  if (total > CERT_NUMBER_MAX) {
    out->reason = TAXID_BAD_LENGTH;
    tx_msg_str(&m, "Certificate numbers have at most 36 characters; this one has ");
    tx_msg_uint(&m, total);
    tx_msg_str(&m, ".");
    return 0;
  }
  char pre[3] = {st[0], st[1], ':'};
  tx_result_compact(out, pre, 3, s, n);
  if (!alnum) {
    out->reason = TAXID_BAD_FORMAT;
    tx_msg_str(&m, "A certificate number contains at least one letter or digit.");
    return 0;
  }

  if (expires) {
    long exp = parse_date(expires);
    if (exp < 0) {
      out->reason = TAXID_BAD_DATE;
      tx_msg_str(&m, "The expiry date must be a real date written YYYY-MM-DD.");
      return 0;
    }
    long sale = sale_date ? parse_date(sale_date) : today();
    if (sale < 0) {
      out->reason = TAXID_BAD_DATE;
      tx_msg_str(&m, "The sale date must be a real date written YYYY-MM-DD.");
      return 0;
    }
    if (exp < sale) {
      out->reason = TAXID_EXPIRED;
      tx_msg_str(&m, "This resale certificate expired on ");
      msg_date(&m, exp);
      tx_msg_str(&m, ", before the sale date ");
      msg_date(&m, sale);
      tx_msg_str(&m, ".");
      return 0;
    }
  } else if (sale_date && parse_date(sale_date) < 0) {
    out->reason = TAXID_BAD_DATE;
    tx_msg_str(&m, "The sale date must be a real date written YYYY-MM-DD.");
    return 0;
  }
  out->valid = 1;
  return 1;
}

/* ------------------------------------------------------------------ */
/* Dispatch.                                                            */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Contract in taxid.h: splits "STATE:NUMBER[:YYYY-MM-DD]" and checks it as
   taxid_check_cert does; returns out->valid. */
int taxid_check_cert_line(const char *input, size_t len, const char *sale_date,
                          taxid_result *out) {
  const char *end = input ? input + len : input;
  const char *c1 = input ? memchr(input, ':', len) : NULL;
  if (!c1) {
    tx_result_init(out, TAXID_CERT);
    out->reason = len ? TAXID_BAD_FORMAT : TAXID_EMPTY;
    strcpy(out->message, len ? "Write a resale certificate as STATE:NUMBER or "
                               "STATE:NUMBER:YYYY-MM-DD (expiry)."
                             : "Nothing was entered.");
    return 0;
  }
  const char *a = input, *b = c1;
  while (a < b && is_blank(*a)) a++;
  while (b > a && is_blank(b[-1])) b--;
  char st[3] = {0, 0, 0};
  const char *state = "";
  if (b - a == 2) {
    st[0] = a[0];
    st[1] = a[1];
    state = st;
  }
  const char *numb = c1 + 1;
  const char *c2 = memchr(numb, ':', (size_t)(end - numb));
  const char *nume = c2 ? c2 : end;
  char date[11];
  const char *exp = NULL;
  if (c2) {
    const char *da = c2 + 1, *db = end;
    while (da < db && is_blank(*da)) da++;
    while (db > da && is_blank(db[-1])) db--;
    size_t dn = (size_t)(db - da);
    if (dn > 10) dn = 0; /* cannot be YYYY-MM-DD: "" is rejected too */
    memcpy(date, da, dn);
    date[dn] = '\0';
    exp = date;
  }
  return taxid_check_cert(state, numb, (size_t)(nume - numb), exp, sale_date, out);
}

/* Contract in taxid.h: dispatch by kind (TAXID_ANY: VAT if it parses as
   one, else EORI); returns out->valid. */
int taxid_check(const char *input, size_t len, taxid_kind kind, taxid_result *out) {
  switch (kind) {
  case TAXID_VAT: return taxid_check_vat(input, len, NULL, out);
  case TAXID_EORI: return taxid_check_eori(input, len, out);
  case TAXID_CERT: return taxid_check_cert_line(input, len, NULL, out);
  case TAXID_ANY: break;
  default:
    tx_result_init(out, kind);
    out->reason = TAXID_BAD_FORMAT;
    strcpy(out->message, "Unknown kind of identifier.");
    return 0;
  }
  if (taxid_check_vat(input, len, NULL, out)) return 1;
  taxid_reason vr = out->reason;
  if (vr == TAXID_BAD_CHECK_DIGIT || vr == TAXID_BAD_FORMAT) return 0;
  taxid_result e;
  taxid_check_eori(input, len, &e);
  if (e.valid || (vr == TAXID_UNKNOWN_COUNTRY && e.reason != TAXID_UNKNOWN_COUNTRY)) {
    *out = e;
    return out->valid;
  }
  return 0;
}

/* ---- where a VAT number belongs ------------------------------------------ */

int taxid_eu_vat_prefix(const char *prefix) {
  static const char eu[] = "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT "
                           "LU LV MT NL PL PT RO SE SI SK XI";
  if (prefix == NULL || strlen(prefix) != 2) return 0;
  for (size_t i = 0; i + 2 <= sizeof eu - 1; i += 3)
    if (memcmp(eu + i, prefix, 2) == 0) return 1;
  return 0;
}

static int upper_pair(const char *s) {
  return s && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

void taxid_home_prefix(const char *store_vat, const char *country, char out[3]) {
  out[0] = '\0';
  if (upper_pair(store_vat)) {
    out[0] = store_vat[0];
    out[1] = store_vat[1];
    out[2] = '\0';
  } else if (upper_pair(country) && country[2] == '\0') {
    int gr = country[0] == 'G' && country[1] == 'R';
    out[0] = gr ? 'E' : country[0];
    out[1] = gr ? 'L' : country[1];
    out[2] = '\0';
  }
}

int taxid_other_eu_state(const char *home, const char *buyer) {
  if (!taxid_eu_vat_prefix(buyer)) return 0;
  if (strcmp(home, buyer) == 0) return 0;
  int uk_home = strcmp(home, "GB") == 0 || strcmp(home, "XI") == 0;
  return !(uk_home && strcmp(buyer, "XI") == 0);
}
