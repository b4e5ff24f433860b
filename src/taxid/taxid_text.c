/* SPDX-License-Identifier: MIT */
/*
 * taxid_text.c - how the tax identifier checks read text and write
 * results: the character mapping (ASCII and Unicode look-alikes folded as
 * python-stdnum folds them), the message builder, result set-up and the
 * date check.  Contracts in taxid_text.h.
 *
 * No function here allocates or keeps state; the only tables are const.
 */
#include <string.h>

#include "taxid/taxid.h"
#include "taxid/taxid_text.h"
#include "base/calendar.h"
#include "base/utf8.h"

/* ------------------------------------------------------------------ */
/* Character mapping (see taxid_text.h).                                 */

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
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return 0;
  return d <= cal_days_in_month(y, m);
}
