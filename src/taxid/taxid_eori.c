/* SPDX-License-Identifier: MIT */
/*
 * taxid_eori.c - EORI numbers: the issuing state, the characters and
 * length it allows, and the VAT number some states embed (checked by
 * taxid_vat.c).  Contract in taxid.h.
 *
 * No function here allocates or keeps state; the only tables are const.
 */
#include <string.h>

#include "taxid/taxid.h"
#include "taxid/taxid_text.h"

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

/* The significant characters of input[0..len): separators ' ' - . /
   dropped, whitespace at the start and the end dropped (inside it stays,
   and makes the number invalid), at most `cap` stored in s.  *n gets the
   count stored; returns the count of significant characters, which may
   exceed cap. */
static size_t eori_collect(const unsigned char *p, size_t len, char *s, size_t cap, size_t *n) {
  size_t total = 0, i = 0;
  size_t trail = 0; /* whitespace at the end is dropped, inside it is not */
  *n = 0;
  while (i < len) {
    char c = tx_next(p, len, &i);
    if (c == ' ' || c == '-' || c == '.' || c == '/') continue;
    if (c == TX_WS) {
      if (total == 0) continue;
      trail++;
    } else {
      trail = 0;
    }
    if (total < cap) s[(*n)++] = c;
    total++;
  }
  total -= trail;
  if (*n > total) *n = total;
  return total;
}

/* The issuing state that s[0..total) starts with, or NULL with
   out->reason and the message in m. */
static const char *eori_state(const char *s, size_t total, taxid_result *out, tx_msg *m) {
  if (total < 2 || !tx_is_upper(s[0]) || !tx_is_upper(s[1])) {
    out->reason = TAXID_UNKNOWN_COUNTRY;
    tx_msg_str(m, "An EORI number starts with the issuing state's code, as in GB 123456789000.");
    return NULL;
  }
  for (size_t k = 0; k < sizeof eori_states / sizeof eori_states[0]; k++)
    if (eori_states[k][0] == s[0] && eori_states[k][1] == s[1]) return eori_states[k];
  out->reason = TAXID_UNKNOWN_COUNTRY;
  if (s[0] == 'E' && s[1] == 'L') {
    tx_msg_str(m, "Greek EORI numbers start with GR; EL is only the VAT prefix.");
  } else {
    tx_msg_str(m, "'");
    tx_msg_mem(m, s, 2);
    tx_msg_str(m, "' does not issue EORI numbers; they start with an EU country code, XI or GB.");
  }
  return NULL;
}

/* The opening of a message about the number after the state code: the
   state's rule, "<state><rule><state>; ", e.g. "GB EORI numbers have 12
   to 15 digits after GB; ". */
static void rule(tx_msg *m, const char *state, const char *text) {
  tx_msg_mem(m, state, 2);
  tx_msg_str(m, text);
  tx_msg_mem(m, state, 2);
  tx_msg_str(m, "; ");
}

/* The number after the state code, body[0..bn): only digits (GB, XI) or
   letters and digits, 12 to 15 of them (GB, XI) or 1 to 15.  Returns 1,
   or 0 with out->reason and the message in m. */
static int eori_body_ok(const char *state, const char *body, size_t bn, const char *input,
                        size_t len, taxid_result *out, tx_msg *m) {
  int uk = strcmp(state, "GB") == 0 || strcmp(state, "XI") == 0;
  for (size_t k = 0; k < bn; k++) {
    if (tx_is_digit(body[k]) || (!uk && tx_is_upper(body[k]))) continue;
    out->reason = TAXID_BAD_CHARACTERS;
    rule(m, state, uk ? " EORI numbers contain only digits after " :
                        " EORI numbers contain only letters and digits after ");
    tx_msg_badchar(m, input, len, body[k]);
    tx_msg_str(m, " is not allowed.");
    return 0;
  }
  if (uk ? (bn < 12 || bn > 15) : (bn < 1 || bn > 15)) {
    out->reason = TAXID_BAD_LENGTH;
    rule(m, state, uk ? " EORI numbers have 12 to 15 digits after " :
                        " EORI numbers have 1 to 15 letters or digits after ");
    tx_msg_str(m, "this one has ");
    tx_msg_uint(m, bn);
    tx_msg_str(m, ".");
    return 0;
  }
  return 1;
}

/* Contract in taxid.h: EORI verdict in *out (caller-owned), returns valid;
   input is borrowed, never written. */
int taxid_check_eori(const char *input, size_t len, taxid_result *out) {
  tx_result_init(out, TAXID_EORI);
  const unsigned char *p = (const unsigned char *)input;
  if (!p) len = 0;
  char s[48];
  size_t n;
  size_t total = eori_collect(p, len, s, sizeof s, &n);
  tx_msg m;
  tx_msg_init(&m, out->message, sizeof out->message);
  if (total == 0) {
    out->reason = TAXID_EMPTY;
    tx_msg_str(&m, "Nothing was entered.");
    return 0;
  }
  const char *state = eori_state(s, total, out, &m);
  if (!state) return 0;
  memcpy(out->country, state, 3);
  if (total > sizeof s) {
    out->reason = TAXID_TOO_LONG;
    tx_msg_str(&m, "This is far longer than any EORI number (");
    tx_msg_uint(&m, total);
    tx_msg_str(&m, " characters).");
    return 0;
  }
  tx_result_compact(out, "", 0, s, n);
  if (!eori_body_ok(state, s + 2, n - 2, input, len, out, &m)) return 0;
  eori_embedded(out, s + 2, n - 2);
  out->valid = 1;
  return 1;
}
