/* SPDX-License-Identifier: MIT */
/*
 * taxid.h - offline checks of tax identifiers a cashier types at the till:
 * EU/XI/GB/CH/NO VAT numbers, EORI numbers and US resale certificates.
 *
 * VAT verdicts and compact forms agree with python-stdnum 1.18 (stdnum.eu.vat,
 * stdnum.gb.vat, stdnum.ch.vat, stdnum.no.mva) except for the few deliberate
 * differences listed in docs/taxid.md.  The rules per country live in
 * src/taxid/taxid_vat.c, EORI in taxid_eori.c, certificates in taxid_cert.c,
 * text normalisation and messages in taxid_text.c, dispatch in taxid.c.
 *
 * Every function here is pure: it reads only its arguments and constant
 * tables, never allocates, keeps no state between calls and is safe to call
 * from any number of threads at once.  Inputs are borrowed for the duration
 * of the call; results are written into a taxid_result the caller owns,
 * which must not overlap the input (check a stored compact form from a copy
 * or from another result, not from out->compact with the same out).
 */
#ifndef POSINTENT_TAXID_H
#define POSINTENT_TAXID_H

#include <stddef.h>

typedef enum taxid_kind {
  TAXID_ANY = 0, /* VAT number if it parses as one, else EORI        */
  TAXID_VAT,
  TAXID_EORI,
  TAXID_CERT     /* US resale certificate                           */
} taxid_kind;

typedef enum taxid_reason {
  TAXID_OK = 0,
  TAXID_EMPTY,            /* nothing but spaces and separators          */
  TAXID_UNKNOWN_COUNTRY,  /* prefix / state not one we know              */
  TAXID_BAD_LENGTH,       /* wrong number of characters                  */
  TAXID_BAD_CHARACTERS,   /* a character the format never contains       */
  TAXID_BAD_CHECK_DIGIT,  /* check digit(s) do not match                 */
  TAXID_BAD_FORMAT,       /* right characters in the wrong places, or an
                             embedded part (date, office code) invalid   */
  TAXID_EXPIRED,          /* certificate expired before the sale date    */
  TAXID_BAD_DATE,         /* a date that is not YYYY-MM-DD or not real   */
  TAXID_TOO_LONG          /* far longer than any identifier              */
} taxid_reason;

#define TAXID_COMPACT_MAX 40

typedef struct taxid_result {
  int valid;                       /* 1 valid, 0 not                          */
  taxid_kind kind;                 /* what it was checked as                  */
  char country[3];                 /* VAT prefix ("DE","EL","XI","CH"...),
                                      EORI state, or US state; "" if unknown  */
  char compact[TAXID_COMPACT_MAX]; /* form to store, prefix included
                                      ("DE136695976"); for an invalid input the
                                      normalised attempt when it is printable
                                      ASCII, else ""                          */
  taxid_reason reason;
  char message[160];               /* a sentence for the cashier; "" if valid */
  int embedded_vat;                /* EORI only: 1 if it embeds a VAT number  */
  int embedded_vat_valid;          /* EORI only: verdict on that VAT number   */
} taxid_result;

/*
 * taxid_check_vat - check a VAT number.
 * input/len: the text as typed; need not be NUL-terminated; may hold any
 *   bytes (UTF-8 look-alikes of spaces, dashes and digits are folded as
 *   python-stdnum folds them; anything else non-ASCII is a bad character).
 * country: NULL when the input carries its prefix ("DE 136 695 976"), or a
 *   two-letter prefix given separately ("de", "EL", "GR", "XI", "CH"...), in
 *   which case the input may repeat it or not.
 * Sets every member of *out and returns out->valid.
 */
int taxid_check_vat(const char *input, size_t len, const char *country,
                    taxid_result *out);

/*
 * taxid_check_eori - check an EORI number: issuing state code (ISO 3166,
 * so GR for Greece, plus XI and GB) and 1 to 15 letters/digits; GB and XI
 * take 12 to 15 digits.  Where the state builds EORIs from the VAT number
 * (see docs/taxid.md) out->embedded_vat is set and embedded_vat_valid holds
 * that VAT number's own verdict.  Writes *out, returns out->valid.
 */
int taxid_check_eori(const char *input, size_t len, taxid_result *out);

/*
 * taxid_check_cert - check a US resale certificate as the store records it.
 * state: NUL-terminated two-letter USPS code (50 states, DC, PR), any case.
 * number/number_len: the certificate number as printed; whitespace is
 *   removed and letters upper-cased, nothing else is changed.  Allowed:
 *   letters, digits, '-', '/', '.', '#'; at most 36 characters.
 * expires, sale_date: NULL or "YYYY-MM-DD"; a NULL sale_date means today
 *   (local time).  An expiry before the sale date gives TAXID_EXPIRED.
 * Compact form: "STATE:NUMBER" ("TX:1-23-4567890").
 * Writes *out, returns out->valid.
 */
int taxid_check_cert(const char *state, const char *number, size_t number_len,
                     const char *expires, const char *sale_date,
                     taxid_result *out);

/*
 * taxid_check - check input as the given kind.
 * TAXID_VAT / TAXID_EORI: as the functions above (VAT with prefix).
 * TAXID_ANY: the VAT verdict when the input parses as a VAT number (known
 *   prefix, right characters and length, whatever its check digit says);
 *   otherwise the EORI verdict if that is valid, else the more telling of
 *   the two failures.
 * TAXID_CERT: input is "STATE:NUMBER" or "STATE:NUMBER:YYYY-MM-DD" (expiry);
 *   the sale date is today (see taxid_check_cert_line).
 * Writes *out, returns out->valid.
 */
int taxid_check(const char *input, size_t len, taxid_kind kind,
                taxid_result *out);

/*
 * taxid_check_cert_line - a certificate written "STATE:NUMBER" or
 * "STATE:NUMBER:YYYY-MM-DD" (expiry), as the CLI and imports carry it;
 * blanks around the state and the date are ignored.  sale_date: NULL
 * (today) or "YYYY-MM-DD".  Writes *out, returns out->valid.
 */
int taxid_check_cert_line(const char *input, size_t len, const char *sale_date,
                          taxid_result *out);

/* 1 when `prefix` (two upper-case letters) is the VAT prefix of an EU
 * member state (EL for Greece) or XI (Northern Ireland, which trades goods
 * under EU VAT rules); 0 otherwise (GB, CH, NO, anything else). */
int taxid_eu_vat_prefix(const char *prefix);

/* The VAT prefix a store trades under: the prefix of its own VAT number
 * `store_vat` when it has one (an NI trader is GB by country, XI by VAT),
 * else its ISO 3166 `country` with GR written EL; "" when neither gives
 * two letters.  Writes out[3]. */
void taxid_home_prefix(const char *store_vat, const char *country, char out[3]);

/* 1 when a buyer whose VAT prefix is `buyer` is in an EU member state other
 * than the store's `home` prefix, for the intra-community tests (reverse
 * charge, EC Sales List); GB and XI count as one home. */
int taxid_other_eu_state(const char *home, const char *buyer);

/* Stable machine-readable code for a reason ("bad_check_digit");
   "" for TAXID_OK and "unknown" for values outside the enum.  Static. */
const char *taxid_reason_code(taxid_reason r);

/* "vat", "eori", "resale_cert", "any"; "unknown" otherwise.  Static. */
const char *taxid_kind_name(taxid_kind k);

/* Parse "vat" / "eori" / "cert" (also "resale_cert") / "any", any case.
   Returns 0 and sets *out, or -1 for anything else (*out untouched). */
int taxid_kind_parse(const char *s, taxid_kind *out);

#endif
