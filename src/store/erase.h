/* SPDX-License-Identifier: MIT */
/*
 * erase.h - erasure of personal data, leaving nothing behind.
 *
 * A person asks to be forgotten: a customer (by the store's customer id,
 * or by name when they had no id), everything personal on one sale, or one
 * gift's recipient.  For each matching sale, in every place the data lives:
 *
 *   sales and lines  customer name, gift recipient name and contact, gift
 *                    message, the store scripts' meta and the sentences of
 *                    their recorded failures (script_errors): set to NULL,
 *                    their salts deleted (journal.h), an "erase" entry
 *                    appended, so that `verify` still passes;
 *   stored reply     the receipt lines store scripts wrote ("Gift message:
 *                    ..."): removed, since the plugin cannot tell which of
 *                    them carry personal data; its own lines ("Gift
 *                    receipt", "Purchased for resale - VAT ...") stay.  The
 *                    reply is chained as a salted digest, so it is
 *                    rewritten through journal_rewrite_reply (a new salt,
 *                    an "erase" entry verification holds it to);
 *   database files   PRAGMA secure_delete overwrites the freed bytes, and a
 *                    TRUNCATE checkpoint copies the WAL into the database
 *                    file and empties it, so that no old copy remains in
 *                    the .db, -wal or -shm, also while a till holds the
 *                    database open.
 *
 *   accounts         an account's name, in every version of it (accounts.h):
 *                    set to NULL, its salt deleted, an "erase" entry per
 *                    version; the name and address the registers returned
 *                    for its VAT numbers, in every online check of them
 *                    (verifications.h), likewise, an "erase" entry per
 *                    check; the sales recorded under the account are
 *                    erased as a customer's.
 *
 * Totals, purposes, statuses, tenders, the customer id and businesses' tax
 * identifiers stay (docs/privacy.md says what remains and why).  There is
 * no cap on lines, fields or sales: matching sales are erased in batches
 * of ERASE_BATCH, one transaction each, so that a till writing to the same
 * database waits for one batch at most; each sale's erasure and its
 * journal entries commit together.  An interrupted erasure is finished by
 * running it again.
 */
#ifndef POSINTENT_ERASE_H
#define POSINTENT_ERASE_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define ERASE_BATCH 256

typedef enum erase_kind {
  ERASE_CUSTOMER,      /* every sale whose customer id is `customer`       */
  ERASE_CUSTOMER_NAME, /* every sale whose customer name is `customer`     */
  ERASE_SALE,          /* everything personal on one sale                  */
  ERASE_RECIPIENT,     /* one sale's gift recipient (name, contact,
                          message) and what scripts kept or printed        */
  ERASE_ACCOUNT,       /* account `customer` (of `store`, NULL: any): the
                          name in every version of it, and everything
                          personal on every sale recorded under it (its
                          id is their customer id, as ERASE_CUSTOMER)     */
} erase_kind;

typedef struct erase_request {
  erase_kind kind;
  const char *customer; /* ERASE_CUSTOMER, ERASE_CUSTOMER_NAME; the
                           account id for ERASE_ACCOUNT                     */
  const char *store;    /* ERASE_SALE, ERASE_RECIPIENT, ERASE_ACCOUNT: NULL
                           for any store                                    */
  const char *terminal; /* ... NULL for any terminal                        */
  const char *sale;     /* ... the sale id                                  */
} erase_request;

typedef struct erase_result {
  int64_t sales;   /* sales that matched                                    */
  int64_t erased;  /* sales on which something was erased                   */
  int64_t fields;  /* fields erased (a sale's script receipt lines count 1) */
  int64_t names;   /* ERASE_ACCOUNT: account versions whose name went      */
  int64_t verifications; /* ERASE_ACCOUNT: online checks of its VAT numbers
                            whose returned name and address went        */
} erase_result;

/* Erase what `rq` names from the database `st` (opened STORE_EXISTING or
 * STORE_READWRITE), the journal entries stamped `at`.  Borrowed arguments;
 * *res is filled as far as the erasure got.
 * Returns 0 when done and no copy remains in the files; -1 with err:
 *   "unknown_sale"   ERASE_SALE / ERASE_RECIPIENT found no such sale;
 *   "ambiguous_sale" several sales match: the message names them and says
 *                    which of --store / --terminal to add; nothing erased;
 *   "not_found"      no sale of that customer: nothing erased;
 *   "unknown_account" ERASE_ACCOUNT found no such account: nothing erased;
 *   "storage"        a database failure: the batch in hand is rolled back,
 *                    earlier batches stay erased (run it again);
 *   "checkpoint"     everything was erased, but another connection kept
 *                    reading, so old copies may remain in the -wal file
 *                    until its next checkpoint: run it again when the till
 *                    is idle. */
int erase_personal_data(store *st, const erase_request *rq, const char *at,
                        erase_result *res, pi_error *err);

#endif
