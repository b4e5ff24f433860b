/* SPDX-License-Identifier: MIT */
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
 * it twice is refused (checked inside the write transaction, and by a
 * UNIQUE constraint); store_find() lets the engine answer a resent
 * sale.complete with the reply it gave the first time, or refuse it.
 *
 * The schema, version 1 (its one definition is the migration list in
 * store/store.c; `sqlite3 DB .schema` prints a database's):
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
 * resale sales.  Version 3 adds sales_sale(sale, terminal), to find a
 * sale by its id alone.  Version 4 lets the journal hold "period"
 * entries, the closing of filed periods (period.h).  Version 5 adds
 * sales.attempt, the host's attempt key (docs/events.md), NULL when the
 * host sent none.  Version 6 adds
 *   returns(id, sale_id, store, ret, at, day, recorded_at, reason,
 *           reason_text, currency, net, tax, total, reseller_kind,
 *           reseller_id, reseller_country, reseller_valid, reseller_reason,
 *           customer_id, refund, reply)
 *   return_lines(return_id, seq, line_seq, line, qty_milli, net, tax,
 *                purpose, status, treatment)
 * and "return" journal entries (store_record_return).  A completed sale
 * with returns cannot be voided any more.  Version 7 adds
 *   accounts(id, store, account, version, name, kind, purpose, status,
 *            created_at, updated_at)
 *   account_evidence(account_id, seq, kind, input, state, signed, expires,
 *                    compact, country)
 * (customer accounts, one row per version: store/account.h) and "account"
 * journal entries.  Version 8 drops lines_reseller again: it cost about
 * 2.2 of the 14.9 pages a 3-line resale sale wrote (an index b-tree is
 * rebalanced across three sibling leaves as it grows), and the reseller
 * report reads the same lines through the lines table's own key
 * (sale_id, seq) instead (docs/performance.md).  Version 9 adds
 * verifications (store/verifications.h).  Version 10 adds
 * lines.tax_rate_bp and lines.tax_code, the tax the host applied to the
 * line (sale.line, docs/events.md), NULL when it sent none.  Version 11
 * adds
 *   script_errors(sale_id, seq, event, hook, location, count, truncated,
 *                 message)
 * the store scripts' failures that the policy ignored while the sale was
 * open (sale.h, sale_script_error), recorded with the sale and chained in
 * its journal entry (format 6).  Version 1 also holds the journal
 * (journal.h).
 */
#ifndef POSINTENT_STORE_H
#define POSINTENT_STORE_H

#include <sqlite3.h>

#include "decision/decide.h"
#include "base/error.h"
#include "store/journal.h"
#include "config/manifest.h"
#include "domain/sale.h"

#define STORE_SCHEMA_VERSION 12

typedef struct store store;

/* How to open:
 *   STORE_READWRITE  the till's: create when absent (mode 0600), migrate;
 *   STORE_READONLY   reports and verify: never create or write; the path
 *                    must be an existing posintent database, which may be a
 *                    read-only copy in a folder that cannot be written;
 *   STORE_EXISTING   admin writes (erase): read-write, but the path must be
 *                    an existing posintent database; nothing is created. */
enum { STORE_READWRITE = 0, STORE_READONLY = 1, STORE_EXISTING = 2 };

/* Open (creating only in STORE_READWRITE) and migrate.  Anything but an
 * existing posintent database is refused in the two other modes with code
 * "not_a_database" and nothing created.  `cfg` (borrowed; it must outlive
 * the store) may be NULL outside the till.  Read-write, a database that
 * cannot be durable (in memory, "", temporary) is refused (code "config",
 * field "config.database") unless cfg->durability is DURABILITY_NONE, and
 * another application's SQLite file (schema version 0, with tables) with
 * "not_a_database", unchanged, and a "file:" URI (code "config").  A new
 * file is created 0600, through a dangling symlink too (its target), and
 * removed again when the open fails.  Many processes may open a new or
 * older database at once: the schema is created or migrated once, under
 * the write lock, and the others wait (within cfg->busy_timeout_ms) and
 * open the result.  A database file deleted while open is written anew
 * from the open connection before the next write, so nothing is lost.
 * Returns 0, or -1 with err. */
int store_open(const char *path, int mode, const plugin_config *cfg,
               store **out, pi_error *err);

/* Close; NULL is a no-op. */
void store_close(store *st);

/* The underlying connection, for read-only queries (reports) and for
 * erasure (erase.h). */
sqlite3 *store_db(store *st);

/* The journal kept on that connection (erase.h appends its entries). */
journal *store_journal(store *st);

/* What is recorded under one sale id: enough to compare a resent event
 * with it and to tell a person what is there. */
typedef struct store_sale {
  int64_t rowid;                     /* sales.id                          */
  char store[SALE_ID_MAX];
  char terminal[SALE_ID_MAX];
  char sale[SALE_ID_MAX];
  char currency[4];
  char completed_at[SALE_TIME_MAX];  /* "" when voided before completion  */
  int64_t total;                     /* minor units (0 when voided open)  */
  int completed;                     /* 1 completed, 0 voided while open  */
  int voided;                        /* 1 voided: while open, or since    */
  char attempt[SALE_ID_MAX];          /* the host's attempt key, or ""     */
  char *tenders;                     /* malloc'd tenders JSON, or NULL    */
  char *reply;                       /* malloc'd stored reply             */
} store_sale;

/* Free what store_find allocated in *r (not r).  Safe on a zeroed one. */
void store_sale_free(store_sale *r);

/* One sentence naming where and how `r` is recorded ("store shop-1,
 * terminal T1: completed at ..., total 11.90 EUR"), into buf[cap]. */
void store_sale_describe(const store_sale *r, char *buf, size_t cap);

/* What looking a sale up found. */
typedef enum store_lookup {
  STORE_LOOKUP_FAILED = -1, /* err set                                  */
  STORE_NOT_FOUND = 0,      /* no sale matches; *out zeroed             */
  STORE_FOUND = 1           /* exactly one; *out filled                 */
} store_lookup;

/* Find the one recorded sale with id `sale_id`; `store_id` and `terminal`
 * narrow the search when not NULL (a restarted host may know neither:
 * then any store's sale is found).  Returns STORE_FOUND with *out filled
 * (the caller frees it with store_sale_free), STORE_NOT_FOUND when nothing
 * matches (*out zeroed), or STORE_LOOKUP_FAILED with err: "ambiguous_sale"
 * when several sales match, with a sentence listing them and naming what
 * to add (field "store" or "terminal"), "storage" or "nomem" otherwise. */
store_lookup store_find(store *st, const char *store_id, const char *terminal,
               const char *sale_id, store_sale *out, pi_error *err);

/* What recording a sale or a void did. */
typedef enum store_rec {
  STORE_REC_FAILED = -1, /* err set; nothing written                     */
  STORE_REC_DONE = 0,    /* recorded, with its journal entry             */
  STORE_REC_ALREADY = 1  /* it was recorded before (the sale) or voided
                            before (the void); nothing written           */
} store_rec;

/* Record a completed sale with its decision, tenders JSON, script meta JSON,
 * the script failures noted on it (s->script_errors, schema 10) and the
 * reply to give, in one transaction.  Returns STORE_REC_DONE;
 * STORE_REC_ALREADY when a sale with the same store, terminal and id is
 * already recorded (by another till since this one began it; nothing
 * written: never report it as recorded); STORE_REC_FAILED with err (code
 * "storage"). */
store_rec store_record_sale(store *st, const sale *s, const decision *d,
                      purpose dflt, int64_t total, const char *tenders_json,
                      const char *meta_json, const char *completed_at,
                      const char *reply, pi_error *err);

/* Record a void: for an open sale, the sale (lines under purpose `dflt`
 * where untagged) with status 'voided' and a void row ("conflict" when
 * another till recorded that store, terminal and id meanwhile); for a
 * recorded sale, found as store_find() finds it (`store_id` and `terminal`
 * may be NULL; "ambiguous_sale" and "unknown_sale" refuse), a void row.
 * A completed sale with returns is refused ("sale_returned"): its returns
 * already credit part of it; return what remains instead.
 * Returns STORE_REC_DONE; STORE_REC_ALREADY when it was already voided;
 * STORE_REC_FAILED with err. */
store_rec store_record_void(store *st, const sale *open_sale, purpose dflt,
                      const char *store_id,
                      const char *terminal, const char *sale_id,
                      const char *reason, const char *at, const char *reply,
                      pi_error *err);

/* One line of a return: asked by the engine, completed by
 * store_record_return from the original line. */
typedef struct store_return_line {
  char line[SALE_ID_MAX];      /* asked: the original line's id            */
  int64_t qty_milli;           /* asked: > 0                               */
  int64_t seq;                 /* the original line's seq                  */
  int64_t net, tax;            /* this return's share of the line          */
  int64_t remaining_milli;     /* still returnable after this return       */
  char purpose[16];            /* copied from the original line            */
  char status[16];
  char treatment[24];
} store_return_line;

/* A return of lines of a recorded sale (sale.return).  The engine fills the
 * "asked" members (borrowed strings); store_record_return the rest. */
typedef struct store_return {
  const char *store_id;        /* the original's store; NULL: any          */
  const char *terminal;        /* the original's terminal; NULL: any       */
  const char *sale_id;         /* the original sale's id                   */
  const char *ret_id;          /* the return's own id (unique per store)   */
  const char *at;              /* RFC 3339, the till's time: its date is
                                  the return's business day                */
  const char *reason;          /* "damaged", "unwanted", "wrong_item",
                                  "other"                                  */
  const char *reason_text;     /* "" or free text (personal data)          */
  const char *refund_json;     /* canonical tenders array                  */
  store_return_line *lines;    /* nlines, each line named once             */
  size_t nlines;
  /* filled: */
  char sale[SALE_ID_MAX];      /* the original as recorded                 */
  char store[SALE_ID_MAX];
  char terminal_found[SALE_ID_MAX];
  char currency[4];
  char day[11];                /* the return's business day                */
  int64_t net, tax;            /* the return's totals                      */
} store_return;

/* Builds, inside store_record_return's transaction, the reply to store with
 * the return once every line is checked and priced, or refuses it (the
 * refund does not pay the total): 0 with *reply (owned by the callee, valid
 * until the call returns), or -1 with err, and nothing is recorded. */
typedef int (*store_return_reply_fn)(void *ctx, const store_return *r,
                                     const char **reply, pi_error *err);

/* Record a return in one write transaction, idempotently: the original is
 * found as store_find() finds it ("unknown_sale", "ambiguous_sale";
 * "sale_voided" for a voided one); a return already recorded under this
 * id in that store is a replay when the event asks for the same (original,
 * time, reason, text unless erased, refund and lines): returns 1 with
 * *replay, the stored reply (malloc'd; the caller frees it), else
 * "conflict".  Each line must be a line of the original ("unknown_line",
 * field "lines[i].line") of which at least its quantity remains after the
 * earlier returns ("return_exceeds", field "lines[i].qty", the remaining
 * quantity in the message); a return dated before the sale's business day
 * is "bad_value" (field "at").  Each line's share is priced from the
 * original line, so that all returns of a line add up to it exactly; its
 * purpose, buyer status and treatment, and the sale's reseller identity
 * and verdict, are copied.  Then `reply_fn` builds the reply, and the
 * return, its lines and its journal entry (stamped recorded_at) are
 * written.  Returns 0 when recorded, 1 for a replay, -1 with err (nothing
 * written). */
int store_record_return(store *st, store_return *r, const char *recorded_at,
                        store_return_reply_fn reply_fn, void *ctx, char **replay,
                        pi_error *err);

/* The sale recorded under `store_id`, `terminal` and `sale_id` (all
 * borrowed) as one JSON object, the table on_return hooks receive
 * (docs/hooks.md): its ids, day, currency, purpose, totals, customer and
 * reseller (or null), and its lines with their purpose, buyer status,
 * treatment, gift details and `returned`, the quantity recorded returns
 * took so far.  Returns 0 with *json (malloc'd; the caller frees it), or
 * -1 with err ("unknown_sale", "storage", "nomem"). */
int store_sale_json(store *st, const char *store_id, const char *terminal,
                    const char *sale_id, char **json, pi_error *err);

/* Verify the journal against the records (read-only snapshot).  Returns 0
 * with *rep filled, or -1 with err. */
int store_verify(store *st, journal_report *rep, pi_error *err);

#endif
