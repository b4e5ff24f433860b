/* SPDX-License-Identifier: MIT */
/*
 * taxid_text.h - how the tax identifier checks read text and write
 * results (src/taxid/taxid_text.c): the character stream, the message
 * builder, result set-up and the date check, shared by the VAT, EORI and
 * certificate checks.  Not part of the public interface (that is taxid.h).
 */
#ifndef POSINTENT_TAXID_TEXT_H
#define POSINTENT_TAXID_TEXT_H

#include <stddef.h>

#include "taxid/taxid.h"

/*
 * Character stream.  Input bytes are read one character at a time and
 * mapped the way python-stdnum's clean() + str.upper() see them:
 *   - ASCII letters are upper-cased; '`' becomes '\'' (stdnum maps it);
 *   - ' ' stays ' ' (a separator for every country);
 *   - the other characters Python's str.strip() removes (\t \n \v \f \r,
 *     0x1C-0x1F, U+0085, U+2028, U+2029) become TX_WS;
 *   - the Unicode look-alikes in stdnum's table (NBSP and other spaces,
 *     dashes, full-width and mathematical digits, dots, slashes...) become
 *     their ASCII counterpart;
 *   - everything else (other control characters, NUL, other non-ASCII,
 *     invalid UTF-8) becomes TX_BAD, which no rule accepts.
 */
#define TX_WS '\t'
#define TX_BAD '\x7f'

/* Slow path of tx_next(): the byte at p[*i] is >= 0x80.  Advances *i over
   one UTF-8 sequence (or one byte if invalid) and returns the mapped char;
   *cp receives the code point, or 0xFFFFFFFF for invalid UTF-8. */
char tx_next_utf8(const unsigned char *p, size_t len, size_t *i,
                  unsigned long *cp);

/* ASCII bytes mapped as above (TX_WS, TX_BAD, upper case...). */
extern const char tx_ascii_map[128];

/* Maps one byte if it is ASCII; TX_BAD otherwise. */
static inline char tx_ascii(unsigned char c) { return c < 0x80 ? tx_ascii_map[c] : TX_BAD; }

/* 1 for an ASCII upper-case letter / digit (of a mapped character). */
static inline int tx_is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static inline int tx_is_digit(char c) { return c >= '0' && c <= '9'; }

/* Next mapped character of p[0..len) at *i (which must be < len). */
static inline char tx_next(const unsigned char *p, size_t len, size_t *i) {
  unsigned char c = p[*i];
  if (c < 0x80) {
    (*i)++;
    return tx_ascii_map[c];
  }
  unsigned long cp;
  return tx_next_utf8(p, len, i, &cp);
}

/*
 * Message builder over a fixed buffer: appends never overflow (the text is
 * cut at the end of the buffer) and the buffer is always NUL-terminated.
 */
typedef struct tx_msg {
  char *buf;
  size_t cap;
  size_t n;
} tx_msg;

void tx_msg_init(tx_msg *m, char *buf, size_t cap);
void tx_msg_str(tx_msg *m, const char *s);
void tx_msg_mem(tx_msg *m, const char *s, size_t n);
void tx_msg_uint(tx_msg *m, unsigned long v);
/* Describes the first character of input that maps to TX_BAD or TX_WS
   ("a tab or line break", "a NUL byte", "the non-ASCII character U+00DF",
   "invalid UTF-8"...), or, if none, the character c quoted ("'X'"). */
void tx_msg_badchar(tx_msg *m, const char *input, size_t len, char c);

/* Sets every member of *out to "nothing yet" (strings empty) and its kind. */
void tx_result_init(taxid_result *out, taxid_kind kind);
/* Copies n bytes into out->compact if they are all printable ASCII and
   fit, else leaves it "". */
void tx_result_compact(taxid_result *out, const char *a, size_t an,
                       const char *b, size_t bn);

/* 1 if y-m-d is a real Gregorian date (year 1..9999). */
int tx_date_ok(int y, int m, int d);

#endif
