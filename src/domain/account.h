/* SPDX-License-Identifier: MIT */
/*
 * account.h - the domain: a customer on file at a store (an account).
 *
 * A wholesale buyer who comes every week has an account: the cashier names
 * it (sale.customer {"account": ID}) instead of retyping a VAT number.  An
 * account holds an id, a name, a kind (business or person), a default
 * purpose, a status (open or closed) and the evidence on file: at most one
 * VAT number, at most one EORI number and US resale certificates (state,
 * number, signed date, expiry), ACCOUNT_EVIDENCE_MAX pieces in all, the
 * most one sale carries.
 *
 * Every piece of evidence is checked offline (taxid.h) when it is put on
 * file, and a certificate is judged again against each sale's date when
 * the account is named at the till: account_to_party() copies the account
 * into the sale as it stands at that moment (frozen), and the engine
 * judges the copy.  Nothing here reads or writes storage (store/account.h
 * does), so the rules can be read and tested alone.
 */
#ifndef POSINTENT_ACCOUNT_H
#define POSINTENT_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "domain/sale.h"
#include "taxid/taxid.h"

#define ACCOUNT_ID_MAX SALE_ID_MAX            /* 1-64 printable ASCII, no space */
#define ACCOUNT_EVIDENCE_MAX SALE_EVIDENCE_MAX /* what one sale carries         */

typedef enum account_kind {
  ACCOUNT_BUSINESS = 1,
  ACCOUNT_PERSON
} account_kind;

typedef enum account_status {
  ACCOUNT_OPEN = 1,
  ACCOUNT_CLOSED
} account_status;

/* One piece of evidence on file.  `input` is kept as typed (for a
 * certificate: its number); compact and country are the validator's
 * verdict when it was put on file. */
typedef struct account_evidence {
  taxid_kind kind;                 /* TAXID_VAT, TAXID_EORI, TAXID_CERT    */
  char input[SALE_NAME_MAX];
  char state[3];                   /* certificates: US state, else ""      */
  char signed_on[11];              /* certificates: YYYY-MM-DD, else ""    */
  char expires[11];                /* certificates: YYYY-MM-DD or ""       */
  char compact[TAXID_COMPACT_MAX];
  char country[3];
} account_evidence;

typedef struct account {
  char store[SALE_ID_MAX];         /* the store whose account it is        */
  char id[ACCOUNT_ID_MAX];
  int64_t version;                 /* 1 when added, +1 at every change     */
  char name[SALE_NAME_MAX];        /* "" only once erased (name_erased)    */
  int name_erased;
  account_kind kind;
  purpose purpose;                 /* PURPOSE_NONE: the store's default    */
  account_status status;
  account_evidence ev[ACCOUNT_EVIDENCE_MAX];
  size_t nev;
  char created_at[SALE_TIME_MAX];  /* RFC 3339, when added                 */
  char updated_at[SALE_TIME_MAX];  /* RFC 3339, of this version            */
} account;

/* "business", "person"; "" for anything else.  The parsers return 0 with
 * *out set, or -1 (*out untouched). */
const char *account_kind_name(account_kind k);
int account_kind_parse(const char *s, account_kind *out);
const char *account_status_name(account_status s);
int account_status_parse(const char *s, account_status *out);

/* Check an account id: 1 to ACCOUNT_ID_MAX - 1 printable ASCII characters
 * without spaces.  Returns 0, or -1 with err (bad_value, field `field`). */
int account_id_check(const char *id, const char *field, pi_error *err);

/* Check a name: 1 to SALE_NAME_MAX - 1 bytes of valid UTF-8 without
 * control characters.  Returns 0, or -1 with err (field "name"). */
int account_name_check(const char *name, pi_error *err);

/* Put a VAT (TAXID_VAT) or EORI (TAXID_EORI) number on file: checked with
 * taxid.h, the verdict's compact form and country kept.  An invalid one is
 * refused with the validator's sentence, field "vat" or "eori".  Returns 0
 * with *e filled, or -1 with err (*e unspecified). */
int account_evidence_number(account_evidence *e, taxid_kind kind, const char *input,
                            pi_error *err);

/* Put a US resale certificate on file: state, number, the date it was
 * signed and its expiry ("" or NULL: none), judged at `today`
 * (YYYY-MM-DD).  Refused, naming the field ("cert.state", "cert.number",
 * "cert.signed", "cert.expires"), when the validator refuses it, when a
 * date is not a real YYYY-MM-DD, when it was signed after `today` or after
 * it expires, or when it has already expired: evidence on file must be
 * current when it is filed.  Returns 0 with *e filled, or -1 with err. */
int account_evidence_cert(account_evidence *e, const char *state, const char *number,
                          const char *signed_on, const char *expires, const char *today,
                          pi_error *err);

/* Check what an account holds as a whole: a name unless erased, a kind, a
 * status, at most one VAT and one EORI number, at most one certificate per
 * state, at most ACCOUNT_EVIDENCE_MAX pieces.  Returns 0, or -1 with err
 * naming the field. */
int account_check(const account *a, pi_error *err);

/* The freeze: the sale's customer as the account stands now.  `p` gets the
 * account's id (as customer id), its name, org = 1 for a business, and
 * every piece of evidence as typed (state and expiry for certificates);
 * the verdicts are left for the engine to judge against the sale's date
 * (an expired certificate then fails as evidence).  p->account names the
 * account and p->account_version the version copied.  Never fails. */
void account_to_party(const account *a, party *p);

#endif
