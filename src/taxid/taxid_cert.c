/* SPDX-License-Identifier: MIT */
/*
 * taxid_cert.c - US resale certificates: state, number as printed, expiry
 * against the sale date, and the "STATE:NUMBER[:YYYY-MM-DD]" line form.
 * Contracts in taxid.h.
 *
 * No function here allocates or keeps state; the only tables are const.
 */
#include <string.h>
#include <time.h>

#include "taxid/taxid.h"
#include "taxid/taxid_text.h"

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
    } else if (!tx_is_digit(s[k])) {
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
    if (tx_is_digit(c) || tx_is_upper(c)) alnum = 1;
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
/* The line form.                                                       */

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

