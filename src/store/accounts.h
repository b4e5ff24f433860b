/* SPDX-License-Identifier: MIT */
/*
 * accounts.h - customer accounts on file, in the till's SQLite database.
 *
 * An account (domain/account.h) belongs to one store and is kept as
 * versions: tables accounts (one row per version) and account_evidence
 * (that version's evidence), schema 7.  Adding an account writes version
 * 1; every update or closing writes the next version, whole, and the
 * earlier rows stay as they were, so that the hash-chained journal holds
 * every state an account was ever in ("account" entries, journal.h) and
 * `posintent verify` catches an edited, inserted or deleted row.  The one
 * change made in place is the erasure of a name (erase.h), which the
 * journal records.  Each write is one transaction with its journal entry.
 *
 * What is not here yet (docs/accounts.md): sharing the accounts of a
 * store between the tills of a chain through PostgreSQL and a till's
 * cached copy of them.  Online verification of the evidence is in
 * store/verifications.h and src/verify/.
 */
#ifndef POSINTENT_STORE_ACCOUNTS_H
#define POSINTENT_STORE_ACCOUNTS_H

#include "base/error.h"
#include "domain/account.h"
#include "store/store.h"

/* Find the latest version of account `id` of store `store_id`, with its
 * evidence.  Returns STORE_FOUND with *out filled, STORE_NOT_FOUND (*out
 * zeroed), or STORE_LOOKUP_FAILED with err ("storage"). */
store_lookup store_account_find(store *st, const char *store_id, const char *id,
                                account *out, pi_error *err);

/* Add account `a` (a->store, id, name, kind, purpose and evidence filled
 * and checked by account_check) as version 1, open, created and updated
 * `at` (RFC 3339), with its journal entry, in one write transaction.  On
 * success a->version, status, created_at and updated_at are set.  Returns
 * 0, or -1 with err: "conflict" (field "account") when the store already
 * has an account with that id, open or closed; "storage" otherwise.
 * Nothing is written on failure. */
int store_account_add(store *st, account *a, const char *at, pi_error *err);

/* Write `a` as the version after a->version (the version it was read as,
 * by store_account_find), updated `at`, with its journal entry, in one
 * write transaction; a->version and updated_at are then the new ones.
 * Closing is an update with status ACCOUNT_CLOSED.  Returns 0, or -1 with
 * err (field "account"), nothing written: "unknown_account" when the store
 * has no such account; "account_closed" when its latest version is closed
 * (a closed account stays closed: add a new one); "conflict" when another
 * version was written since a->version was read (read it again);
 * "storage" otherwise. */
int store_account_update(store *st, account *a, const char *at, pi_error *err);

/* Called for each account by store_account_list; a non-zero return stops
 * the walk and is returned. */
typedef int (*store_account_fn)(void *ctx, const account *a);

/* The latest version of every account of store `store_id` (NULL: of every
 * store), by store and id; closed ones only when `with_closed`.  Returns 0,
 * the callback's non-zero value, or -1 with err. */
int store_account_list(store *st, const char *store_id, int with_closed,
                       store_account_fn fn, void *ctx, pi_error *err);

/* The store the database files under (meta "store_id", written by the
 * till), into out[SALE_ID_MAX]; "" when no till has opened it.  Returns 0
 * or -1 with err. */
int store_home_id(store *st, char out[SALE_ID_MAX], pi_error *err);

#endif
