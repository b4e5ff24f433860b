/* SPDX-License-Identifier: MIT */
/*
 * chain.h - many tills, one company: the central PostgreSQL (issue 14).
 *
 * Each till keeps recording into its own SQLite file (store.h); `posintent
 * sync` ships what it recorded to a central PostgreSQL, as an outbox:
 * at least once, made exactly once by keys.  docs/chain.md has the model.
 *
 * The central schema lives in the PostgreSQL schema "posintent" of the
 * database the URL names.  Its tables mirror the till's (sales, lines,
 * evidence, voids, salts, returns, return_lines, accounts,
 * account_evidence, verifications, journal) column for column, each row
 * prefixed with the store it belongs to and the chain it came from (sales,
 * returns and accounts hold their store among the till's columns):
 *
 *   chain  the till database's identity: the hash of its journal's first
 *          entry (hex), which no other database shares and which a read-
 *          only reader can find without writing anything into the till;
 *   store  the row's store (a sale's own store; for journal entries,
 *          verifications and chains the till's home store: its meta
 *          store_id, else the store of its first sale).
 *
 * Every key starts with the store, so that a distributed PostgreSQL
 * (Citus) can spread the tables by store (docs/chain.md).  Sales are
 * unique on (store, terminal, sale) and journal entries on (store, chain,
 * seq): shipping the same fact twice is a no-op.
 *
 * The schema is versioned (posintent.schema_version, one row) and
 * migrated forward by whoever connects first, under an advisory lock; a
 * server whose schema is newer than this posintent knows is refused
 * (code "schema") and left unchanged.
 */
#ifndef POSINTENT_CHAIN_H
#define POSINTENT_CHAIN_H

#include <signal.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "base/error.h"
#include "store/journal.h"
#include "store/store.h"

/* The central schema version this posintent writes. */
#define CHAIN_SCHEMA_VERSION 8

/* Connect to `url` (a libpq connection URI or key=value string) and bring
 * the central schema to CHAIN_SCHEMA_VERSION.  Errors, with *out NULL:
 * "server" (unreachable, down, restarting, out of connections: a later
 * try may succeed), "server_refused" (wrong credentials, no password, no
 * such database or role, no right to connect, a malformed URL: trying
 * again will not help), both with libpq's sentence and never the
 * password; "schema" (the server's schema is newer), "storage" (a
 * statement failed).  Returns 0 with *out (PQfinish it), or -1. */
int chain_connect(const char *url, PGconn **out, pi_error *err);

/* Fill err from a failed libpq call on `pg`: "server" when the connection
 * is gone (a restart, a network loss: shipping resumes on the next try),
 * else "storage"; the sentence starts with `what`.  Returns -1. */
int chain_pg_fail(PGconn *pg, const PGresult *res, const char *what, pi_error *err);

/* What one run of chain_sync shipped. */
typedef struct chain_sync_stats {
  char chain[65];        /* the till's chain id ("" when its journal is empty) */
  char store[65];        /* its home store                                     */
  int64_t server_seq;    /* acknowledged by the server before this run          */
  int64_t head_seq;      /* the till's journal head when read                   */
  int64_t entries;       /* journal entries shipped by this run                 */
  int64_t sales;         /* sale rows staged (new or brought up to date)        */
  int64_t lines;         /* line rows staged                                    */
  int64_t batches;       /* transactions committed                              */
  int stopped;           /* 1: *stop ended the run between two batches          */
} chain_sync_stats;

/* Ship every journal entry of the till database at `till_path` that the
 * server `pg` has not acknowledged, with the rows each entry covers, in
 * batches of at most `batch` entries (>= 1), one transaction each: a
 * batch is on the server whole or not at all, so a kill of either side
 * loses nothing and the next run resumes after the last acknowledged
 * entry.  The till database is opened read-only (STORE_READONLY: code
 * "not_a_database" for anything else), and read in one short snapshot per
 * batch, which ends before the batch goes to the server (memory: one
 * batch's rows), so a batch waiting on the server never blocks the till,
 * nor an erasure's WAL checkpoint there.  A server whose entry at the
 * acknowledged sequence differs from the till's (another database with
 * the same chain id, or a rewritten journal), or a sale (store, terminal,
 * sale) the server holds from another chain, is refused with "conflict"
 * and nothing of that batch is kept.  Concurrent callers for one till
 * (two processes, or two connections) are safe: each batch holds a
 * server-side lock of the till (store, chain) until its COMMIT and is
 * merged only if the server's acknowledged entry is still the one it was
 * read after, else it is dropped and the till read again, so a batch read
 * before an erasure never overwrites the erasure (sync.c, lock_till).
 * `stop` (NULL: never) is looked at between batches: once non-zero (a
 * signal handler sets it) the run ends after the batch in flight was
 * committed or dropped, with stats->stopped 1 and the rest left for the
 * next run.  A batch waiting on the server (a lock) is waited for.
 * Returns 0 with *stats, or -1 with err (stats says what was shipped
 * before the failure). */
int chain_sync(PGconn *pg, const char *till_path, int batch,
               const volatile sig_atomic_t *stop, chain_sync_stats *stats, pi_error *err);

/* What central verification found for one chain: its key and the journal
 * report of journal_verify() over the chain's rows on the server. */
typedef struct chain_verify_item {
  char store[65];
  char chain[65];
  journal_report rep;
} chain_verify_item;

/* Called once per chain, in order of store and chain; a non-zero return
 * stops the walk (chain_verify then returns 0). */
typedef int (*chain_verify_fn)(const chain_verify_item *item, void *ctx);

/* Verify every chain on the server: each chain's rows are read from the
 * server into an in-memory till database and checked by journal_verify()
 * (the same code as `posintent verify` on a till), so a gap, a reordered,
 * altered, deleted or inserted entry, or a row altered behind the
 * journal's back, is reported with the first entry in error.  Child rows
 * are read joined to their sale by (store, chain, sale id), as
 * chain_report_store() reads them.  After the chains, rows of any chain
 * that `chains` does not list, and child rows of no sale, are passed to
 * fn as items that did not verify (rep.ok 0, rep.problem says which
 * tables).  A chain's journal must also reach the entry the server
 * acknowledged to the till (posintent.acks; cverify.c, check_ack), so a
 * tail deleted on the server fails too.  Sets *chains to the number of items passed to fn.  Returns 0, or -1 with err when
 * the server or memory failed. */
int chain_verify(PGconn *pg, chain_verify_fn fn, void *ctx, int64_t *chains,
                 pi_error *err);

/* The rows of the server's sales of store `store_id` and terminal
 * `terminal` (either NULL or "": all), with their lines, evidence and
 * voids, returns and return lines, as one in-memory till database (*out;
 * store_close it), for the
 * report code of src/report/ to run on unchanged: a report across the
 * chain is the same code, so for one till its output is the per-till
 * report's, byte for byte.  Sale, evidence and return ids are renumbered
 * (each till numbers its own from 1), in the order of till and id, so
 * each till's sales and returns keep their order.  The rows are read in one REPEATABLE
 * READ snapshot.  Memory: the selected rows; docs/chain.md says what a
 * chain-scale report would need instead.  Returns 0, or -1 with err. */
int chain_report_store(PGconn *pg, const char *store_id, const char *terminal,
                       store **out, pi_error *err);

#endif
