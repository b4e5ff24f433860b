/* SPDX-License-Identifier: MIT */
/* account.c - a customer on file: its rules, and the freeze into a sale. */
#include "domain/account.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/jsonutil.h"

const char *account_kind_name(account_kind k) {
  switch (k) {
  case ACCOUNT_BUSINESS: return "business";
  case ACCOUNT_PERSON: return "person";
  }
  return "";
}

int account_kind_parse(const char *s, account_kind *out) {
  if (strcmp(s, "business") == 0) *out = ACCOUNT_BUSINESS;
  else if (strcmp(s, "person") == 0) *out = ACCOUNT_PERSON;
  else return -1;
  return 0;
}

const char *account_status_name(account_status s) {
  switch (s) {
  case ACCOUNT_OPEN: return "open";
  case ACCOUNT_CLOSED: return "closed";
  }
  return "";
}

int account_status_parse(const char *s, account_status *out) {
  if (strcmp(s, "open") == 0) *out = ACCOUNT_OPEN;
  else if (strcmp(s, "closed") == 0) *out = ACCOUNT_CLOSED;
  else return -1;
  return 0;
}

int account_id_check(const char *id, const char *field, pi_error *err) {
  size_t n = strlen(id);
  int ok = n > 0 && n < ACCOUNT_ID_MAX;
  for (const unsigned char *c = (const unsigned char *)id; ok && *c; c++)
    ok = *c >= 0x21 && *c <= 0x7e;
  if (!ok)
    return pi_fail(err, PI_E_BAD_VALUE, field,
                   "%s must be 1 to %d printable ASCII characters without spaces "
                   "(such as ACME-01), not \"%.80s\"",
                   field, ACCOUNT_ID_MAX - 1, id);
  return 0;
}

int account_name_check(const char *name, pi_error *err) {
  size_t n = strlen(name);
  if (n == 0)
    return pi_fail(err, PI_E_MISSING_FIELD, "name", "an account needs a name");
  if (n >= SALE_NAME_MAX)
    return pi_fail(err, PI_E_TOO_LONG, "name", "name is %zu bytes; at most %d", n,
                   SALE_NAME_MAX - 1);
  if (!ju_text_ok(name, n, 0))
    return pi_fail(err, PI_E_BAD_VALUE, "name",
                   "name must be UTF-8 text without control characters");
  return 0;
}

/* Copy `src` into dst[cap], refusing what does not fit (never cut). */
static int fit(char *dst, size_t cap, const char *src, const char *field, pi_error *err) {
  size_t n = strlen(src);
  if (n >= cap)
    return pi_fail(err, PI_E_TOO_LONG, field, "%s is %zu bytes; at most %zu", field, n,
                   cap - 1);
  memcpy(dst, src, n + 1);
  return 0;
}

int account_evidence_number(account_evidence *e, taxid_kind kind, const char *input,
                            pi_error *err) {
  assert(kind == TAXID_VAT || kind == TAXID_EORI);
  const char *field = kind == TAXID_VAT ? "vat" : "eori";
  memset(e, 0, sizeof *e);
  e->kind = kind;
  if (fit(e->input, sizeof e->input, input, field, err)) return -1;
  taxid_result r;
  size_t n = strlen(input);
  if (kind == TAXID_VAT) taxid_check_vat(input, n, NULL, &r);
  else taxid_check_eori(input, n, &r);
  if (!r.valid)
    return pi_fail(err, PI_E_BAD_VALUE, field, "%s number %s is not valid (%s): %s",
                   kind == TAXID_VAT ? "VAT" : "EORI", input, taxid_reason_code(r.reason),
                   r.message);
  memcpy(e->compact, r.compact, sizeof e->compact);
  memcpy(e->country, r.country, sizeof e->country);
  return 0;
}

/* A date YYYY-MM-DD that exists, or refused naming `field`. */
static int date_ok(const char *s, const char *field, pi_error *err) {
  if (strlen(s) != 10 || cal_parse_date(s, NULL, NULL, NULL) < 0)
    return pi_fail(err, PI_E_BAD_VALUE, field, "%s must be a date YYYY-MM-DD, not \"%.40s\"",
                   field, s);
  return 0;
}

int account_evidence_cert(account_evidence *e, const char *state, const char *number,
                          const char *signed_on, const char *expires, const char *today,
                          pi_error *err) {
  memset(e, 0, sizeof *e);
  e->kind = TAXID_CERT;
  if (expires == NULL) expires = "";
  if (state == NULL || state[0] == '\0')
    return pi_fail(err, PI_E_MISSING_FIELD, "cert.state",
                   "a resale certificate needs its US state (state=TX)");
  if (number == NULL || number[0] == '\0')
    return pi_fail(err, PI_E_MISSING_FIELD, "cert.number",
                   "a resale certificate needs its number (number=...)");
  if (signed_on == NULL || signed_on[0] == '\0')
    return pi_fail(err, PI_E_MISSING_FIELD, "cert.signed",
                   "a resale certificate needs the date it was signed (signed=YYYY-MM-DD)");
  if (strlen(state) != 2)
    return pi_fail(err, PI_E_BAD_VALUE, "cert.state",
                   "cert.state must be a two-letter US state code such as TX, not \"%.20s\"",
                   state);
  if (date_ok(signed_on, "cert.signed", err) ||
      (expires[0] && date_ok(expires, "cert.expires", err)) ||
      fit(e->input, sizeof e->input, number, "cert.number", err))
    return -1;
  if (strcmp(signed_on, today) > 0)
    return pi_fail(err, PI_E_BAD_VALUE, "cert.signed",
                   "cert.signed %s is after today (%s): a certificate on file has been "
                   "signed",
                   signed_on, today);
  if (expires[0] && strcmp(signed_on, expires) > 0)
    return pi_fail(err, PI_E_BAD_VALUE, "cert.expires",
                   "cert.expires %s is before cert.signed %s", expires, signed_on);
  if (expires[0] && strcmp(expires, today) < 0)
    return pi_fail(err, PI_E_BAD_VALUE, "cert.expires",
                   "resale certificate %s %s expired on %s: evidence put on file must be "
                   "current (today is %s)",
                   state, number, expires, today);
  taxid_result r;
  taxid_check_cert(state, number, strlen(number), expires[0] ? expires : NULL, today, &r);
  if (!r.valid)
    return pi_fail(err, PI_E_BAD_VALUE,
                   r.reason == TAXID_EXPIRED    ? "cert.expires"
                   : r.reason == TAXID_UNKNOWN_COUNTRY ? "cert.state"
                                                       : "cert.number",
                   "resale certificate %s %s is not valid (%s): %s", state, number,
                   taxid_reason_code(r.reason), r.message);
  /* The validator's forms: upper-case state, compact "STATE:NUMBER". */
  memcpy(e->state, r.country, sizeof e->state);
  memcpy(e->compact, r.compact, sizeof e->compact);
  memcpy(e->country, r.country, sizeof e->country);
  memcpy(e->signed_on, signed_on, sizeof e->signed_on);
  snprintf(e->expires, sizeof e->expires, "%s", expires);
  return 0;
}

int account_check(const account *a, pi_error *err) {
  if (account_id_check(a->id, "account", err)) return -1;
  if (!a->name_erased && account_name_check(a->name, err)) return -1;
  if (account_kind_name(a->kind)[0] == '\0')
    return pi_fail(err, PI_E_BAD_VALUE, "kind", "kind must be business or person");
  if (account_status_name(a->status)[0] == '\0')
    return pi_fail(err, PI_E_BAD_VALUE, "status", "status must be open or closed");
  if (a->nev > ACCOUNT_EVIDENCE_MAX)
    return pi_fail(err, PI_E_BAD_VALUE, "evidence",
                   "an account holds at most %d pieces of evidence (what one sale "
                   "carries); it has %zu",
                   ACCOUNT_EVIDENCE_MAX, a->nev);
  int vat = 0, eori = 0;
  for (size_t i = 0; i < a->nev; i++) {
    const account_evidence *e = &a->ev[i];
    vat += e->kind == TAXID_VAT;
    eori += e->kind == TAXID_EORI;
    for (size_t k = 0; e->kind == TAXID_CERT && k < i; k++)
      if (a->ev[k].kind == TAXID_CERT && strcmp(a->ev[k].state, e->state) == 0)
        return pi_fail(err, PI_E_DUPLICATE_FIELD, "cert.state",
                       "two resale certificates for state %s: keep one per state",
                       e->state);
  }
  if (vat > 1) return pi_fail(err, PI_E_DUPLICATE_FIELD, "vat", "at most one VAT number");
  if (eori > 1)
    return pi_fail(err, PI_E_DUPLICATE_FIELD, "eori", "at most one EORI number");
  return 0;
}

void account_to_party(const account *a, party *p) {
  memset(p, 0, sizeof *p);
  p->present = 1;
  memcpy(p->account, a->id, sizeof p->account);
  p->account_version = a->version;
  memcpy(p->id, a->id, sizeof p->id);
  memcpy(p->name, a->name, sizeof p->name);
  p->org = a->kind == ACCOUNT_BUSINESS;
  assert(a->nev <= SALE_EVIDENCE_MAX);
  for (size_t i = 0; i < a->nev; i++) {
    const account_evidence *s = &a->ev[i];
    evidence *d = &p->ev[p->nev++];
    d->kind = s->kind;
    memcpy(d->input, s->input, sizeof d->input);
    memcpy(d->state, s->state, sizeof d->state);
    memcpy(d->expires, s->expires, sizeof d->expires);
  }
}
