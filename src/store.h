/*
 * store.h - durable recording of sales in SQLite.
 *
 * One transaction per completed (or voided) sale: the sale row, its lines,
 * its evidence and its journal entry commit together or not at all.  WAL
 * mode with synchronous=FULL by default, so a reply that says "recorded"
 * survives a power cut.  The schema is versioned (PRAGMA user_version) and
 * migrated forward on open.  Database files are created mode 0600.
 *
 * Idempotence: a sale is identified by (store, terminal, sale).  Recording
 * it twice is refused by a UNIQUE constraint; store_find_reply() lets the
 * engine answer a resent sale.complete with the reply it gave the first time.
 *
 * The schema (docs/schema.md), version 1:
 *   meta(key, value)                      store identity, created_by, ...
 *   sales(id, store, terminal, sale, cashier, began_at, day, completed_at,
 *         currency, purpose, net, tax, total, customer_id, customer_name,
 *         customer_org, reseller_kind, reseller_id, reseller_country,
 *         reseller_valid, reseller_reason, treatment, gift_receipt,
 *         gift_message, recipient_name, recipient_contact, tenders, meta,
 *         reply, status)
 *   lines(sale_id, seq, line, sku, name, qty_milli, unit_price, net, tax,
 *         purpose, status, treatment, gift_receipt, gift_message,
 *         recipient_name, recipient_contact)
 *   evidence(id, sale_id, kind, input, state, expires, compact, country,
 *            valid, reason, chosen)
 *   voids(sale_id, at, reason)
 * sales.status is 'completed' or 'voided' (voided before completion);
 * a completed sale voided later gets a row in voids and keeps its status.
 * Reports exclude every sale with a row in voids.
 * Version 2 adds two partial indexes for the reseller report:
 * sales_resale (sales with a reseller line, by day) and lines_reseller
 * (reseller lines with net and tax); the till pays for them only on
 * resale sales.  Version 1 also holds the journal (journal.h).
 */
#ifndef POSINTENT_STORE_H
#define POSINTENT_STORE_H

#include <sqlite3.h>

#include "decide.h"
#include "error.h"
#include "journal.h"
#include "manifest.h"
#include "sale.h"

#define STORE_SCHEMA_VERSION 2

typedef struct store store;

enum { STORE_READWRITE = 0, STORE_READONLY = 1 };

/* Open (creating when read-write and absent, mode 0600) and migrate.
 * `cfg` (borrowed; it must outlive the store) may be NULL for read-only
 * use.  Read-write, a database that cannot be durable (in memory, "",
 * temporary) is refused (code "config", field "config.database") unless
 * cfg->durability is DURABILITY_NONE.  Many processes may open a new or
 * older database at once: the schema is created or migrated once, under
 * the write lock, and the others wait (within cfg->busy_timeout_ms) and
 * open the result.  A database file deleted while open is written anew
 * from the open connection before the next write, so nothing is lost.
 * Returns 0, or -1 with err. */
int store_open(const char *path, int mode, const plugin_config *cfg,
               store **out, pi_error *err);

/* Close; NULL is a no-op. */
void store_close(store *st);

/* The underlying connection, for read-only queries (reports). */
sqlite3 *store_db(store *st);

/* Look up a recorded sale.  `terminal` NULL matches any terminal of the
 * store (a restarted host may not know it); when that matches more than
 * one sale the answer is an error ("ambiguous_sale").  Returns 1 with
 * status ("completed" / "voided") in status[16] and, when reply is not
 * NULL, a malloc'd copy of the stored reply in *reply (caller frees);
 * 0 when not recorded; -1 with err. */
int store_find(store *st, const char *store_id, const char *terminal,
               const char *sale_id, char **reply, char status[16], pi_error *err);

/* Record a completed sale with its decision, tenders JSON, script meta JSON
 * and the reply to give, in one transaction.  Returns 0; 1 when the sale was
 * already recorded (nothing written); -1 with err (code "storage"). */
int store_record_sale(store *st, const sale *s, const decision *d,
                      purpose dflt, int64_t total, const char *tenders_json,
                      const char *meta_json, const char *completed_at,
                      const char *reply, pi_error *err);

/* Record a void: for an open sale, the sale (lines under purpose `dflt`
 * where untagged) with status 'voided' and a void row; for a recorded sale, a void row.  Returns 0; 1 when it was already
 * voided; -1 with err. */
int store_record_void(store *st, const sale *open_sale, purpose dflt,
                      const char *store_id,
                      const char *terminal, const char *sale_id,
                      const char *reason, const char *at, const char *reply,
                      pi_error *err);

/* Verify the journal against the records (read-only snapshot).  Returns 0
 * with *rep filled, or -1 with err. */
int store_verify(store *st, journal_report *rep, pi_error *err);

/* Erase personal data (docs/privacy.md): every personal field of the
 * customer's sales, or the gift recipient's fields (name, contact, gift
 * message) of one sale; `terminal` may be NULL.  Totals, business
 * identifiers and the journal's verification survive.  *sales / *fields
 * receive what was erased.  Returns 0 or -1 with err. */
int store_erase_customer(store *st, const char *customer_id, const char *at,
                         int *sales, int *fields, pi_error *err);
int store_erase_recipient(store *st, const char *store_id, const char *terminal,
                          const char *sale_id, const char *at, int *fields,
                          pi_error *err);

#endif
