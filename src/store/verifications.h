/* SPDX-License-Identifier: MIT */
/*
 * verifications.h - online checks of VAT numbers, kept in the till's
 * SQLite database (table verifications, schema 9).
 *
 * A check asks a register (VIES for EU and XI numbers, HMRC for GB ones,
 * src/verify/) whether a VAT number is registered.  Each answer -- or each
 * failure to get one -- is one row, appended with its "verification"
 * journal entry in one transaction and never changed (triggers refuse an
 * UPDATE or DELETE; journal.h).  A number's status is its latest row:
 *
 *   valid        the register knows it; consultation number kept;
 *   invalid      the register does not know it;
 *   unavailable  no answer (the service or a member state down, a limit
 *                reached, HTTP 5xx or 429, a timeout, an answer that
 *                cannot be read): asked again from retry_after on, never
 *                taken as invalid;
 *   input_error  the register refused the request (INVALID_INPUT,
 *                INVALID_REQUESTER_INFO): not asked again until the
 *                number or the requester changes.
 *
 * The numbers to check are the VAT numbers on file (the latest version of
 * open accounts) and those recorded with sales (valid offline), by compact
 * form.  Nothing here touches the network, and the till never reads this
 * table on its way to a reply except through store_vcheck_status().
 */
#ifndef POSINTENT_STORE_VERIFICATIONS_H
#define POSINTENT_STORE_VERIFICATIONS_H

#include "base/error.h"
#include "domain/sale.h"
#include "store/store.h"
#include "taxid/taxid.h"

/* The outcomes (vcheck_outcome) are the domain's: domain/sale.h. */

/* "valid", "invalid", "unavailable", "input_error"; "unverified" for
 * VCHECK_NONE. */
const char *vcheck_outcome_name(vcheck_outcome o);

#define VCHECK_CODE_MAX 48
#define VCHECK_DETAIL_MAX 256
#define VCHECK_NAME_MAX 512
#define VCHECK_ADDRESS_MAX 1024
#define VCHECK_CONSULTATION_MAX 64

/* One check of one number. */
typedef struct vcheck {
  char number[TAXID_COMPACT_MAX];   /* compact, prefix included (DE1..., EL...) */
  char country[3];                  /* the VAT prefix                          */
  char service[8];                  /* "vies" or "hmrc"                        */
  char requester[TAXID_COMPACT_MAX];/* the store's own number sent, or ""      */
  vcheck_outcome outcome;
  char code[VCHECK_CODE_MAX];       /* the service's code (MS_UNAVAILABLE,
                                       NOT_FOUND, HTTP_429, BAD_ANSWER...);
                                       "" for a plain answer                   */
  char detail[VCHECK_DETAIL_MAX];   /* for a person: what happened             */
  char checked_at[SALE_TIME_MAX];   /* RFC 3339 UTC, when it was asked         */
  char request_date[SALE_TIME_MAX]; /* the service's date, "" when none        */
  char consultation[VCHECK_CONSULTATION_MAX]; /* requestIdentifier or
                                       consultationNumber, "" when none        */
  char retry_after[SALE_TIME_MAX];  /* unavailable: ask again from then        */
  char name[VCHECK_NAME_MAX];       /* as returned; "" when none               */
  char address[VCHECK_ADDRESS_MAX];
} vcheck;

/* Append `v` (every text member NUL-terminated; outcome not VCHECK_NONE)
 * with its journal entry, in one write transaction; `retry_after` is kept
 * for an unavailable outcome only.  Returns 0, or -1 with err ("storage");
 * nothing is written on failure. */
int store_vcheck_add(store *st, const vcheck *v, pi_error *err);

/* The latest check of `number` (compact), into *out.  Returns STORE_FOUND,
 * STORE_NOT_FOUND (*out zeroed, outcome VCHECK_NONE), or
 * STORE_LOOKUP_FAILED with err. */
store_lookup store_vcheck_status(store *st, const char *number, vcheck *out,
                                 pi_error *err);

/* How many unavailable checks of `number` came one after the other at the
 * end of its history (0 when its latest is another outcome, or none).
 * Returns it, or -1 with err. */
int64_t store_vcheck_failures(store *st, const char *number, pi_error *err);

/* Called with each number due; a non-zero return stops the walk and is
 * returned. */
typedef int (*store_vcheck_due_fn)(void *ctx, const char *number, const char *country);

/* The VAT numbers due for a check at `now` (RFC 3339 UTC), by number:
 * those on file (latest version of open accounts, every store) and those
 * recorded with sales as valid offline, whose latest check is none, or
 * unavailable with retry_after <= now.  Only prefixes in `prefixes`
 * (a NULL-terminated list of two-letter prefixes, e.g. "DE", "GB"; NULL:
 * every prefix) are given.  The numbers are read whole before the first
 * call, so `fn` may record checks.  Returns 0, the callback's value, or -1 with err. */
int store_vcheck_due(store *st, const char *now, const char *const *prefixes,
                     store_vcheck_due_fn fn, void *ctx, pi_error *err);

#endif
