/* SPDX-License-Identifier: MIT */
/*
 * taxid.c - the entry of the tax identifier module: checking by kind
 * (dispatch to taxid_vat.c, taxid_eori.c, taxid_cert.c), the names of
 * kinds and reasons, and where a VAT prefix belongs (EU or not, home or
 * another member state).  Contracts in taxid.h.
 *
 * No function here allocates or keeps state; the only tables are const.
 */
#include <string.h>

#include "taxid/taxid.h"
#include "taxid/taxid_text.h"

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
/* Dispatch.                                                            */

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
