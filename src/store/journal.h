/* SPDX-License-Identifier: MIT */
/*
 * journal.h - the tamper-evident journal of recorded facts.
 *
 * Every fact the till records (a sale completed or voided before
 * completion, a void of a completed sale, an erasure of personal data) is
 * appended to the journal table in the same transaction as the fact itself:
 *
 *   journal(seq, at, kind, sale_id, body, pii, prev, hash)
 *
 *   seq   1, 2, 3, ... without gaps
 *   body  canonical JSON of the fact, rebuilt from the recorded rows, with
 *         no personal data in it; a sale's from format 4 on includes its
 *         attempt key (sales.attempt, docs/events.md), from format 6 on
 *         the store scripts' failures it was decided with (script_errors:
 *         hook, location, count, truncated; store.h)
 *   pii   canonical JSON of salted SHA-256 digests of the personal data
 *         (customer name, gift message, recipient name and contact, script
 *         meta, the sentence of each script failure, "error<seq>.message";
 *         for a void, its reason) that the fact holds, and of the
 *         stored reply (sales.reply, key
 *         "reply"), one random 16-byte salt per field, kept in
 *         salts(sale_id, field, salt)
 *   prev  the previous entry's hash (64 zeros for the first)
 *   hash  SHA-256 over prev, seq, kind, sale_id, at, body and pii
 *
 * Records are never updated in place: a void is a new entry that refers to
 * the sale.  The one exception is erasure of personal data: the plain
 * values and their salts are deleted and an "erase" entry says which fields
 * went.  The chain still verifies, because it covers only the digests, and
 * without the salt a digest no longer links to the person.
 *
 * The stored reply is what a resent sale.complete gets again, so it is
 * covered as well (journal.c says why it is chained rather than rebuilt).
 * It may hold personal data (a script's receipt line), so erasure may
 * replace it, never null it: journal_rewrite_reply() stores the new text
 * with a fresh salt and appends an "erase" entry
 *   {"v":1,"erased":["reply"],"reply":"<salted digest of the new text>"}
 * and verification then holds the reply to the latest such digest.  Any
 * other change to sales.reply is reported by journal_verify().
 *
 * A "return" entry records a return of lines of a sale (store.h): the
 * returns row and its return_lines, and the SHA-256 of the reply given,
 * rebuilt and compared by verification like a sale's.
 *
 * An "account" entry records one version of a customer account (store/
 * account.h): the accounts row and its account_evidence rows, the name as
 * a salted digest; verification rebuilds and compares it like a sale's,
 * and reports an account row without its entry.
 *
 * A "verification" entry records one online check of a VAT number
 * (store/verifications.h): the verifications row, rebuilt and compared
 * like the others, the name and address the register returned as salted
 * digests (format 2; plain ones in format 1); a row without its entry is
 * reported.  Their erasure is an "erase" entry with sale_id 0 naming
 * "verification<row>.name" and ".address".
 *
 * A "period" entry records the closing of a filed period (period.h): its
 * body names the period, the report and format filed, the SHA-256 of the
 * filed bytes and the head of the journal when it was closed, which is the
 * entry's own predecessor; verification checks that it does.
 *
 * journal_verify() walks the chain and rebuilds every body from the rows,
 * so an altered, deleted, inserted or reordered journal entry, and a sale,
 * line, evidence or void row altered or inserted behind the journal's back,
 * are each reported with the first entry where things stop adding up.  A
 * chain is only as trustworthy as its last hash: print it (the `head`) on
 * the day's closing report, and a rewrite of the whole chain shows too.
 */
#ifndef POSINTENT_JOURNAL_H
#define POSINTENT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/error.h"

/* The schema the journal needs (part of store.c's first migration). */
#define JOURNAL_SCHEMA                                                         \
  "CREATE TABLE journal("                                                      \
  " seq INTEGER PRIMARY KEY,"                                                  \
  " at TEXT NOT NULL,"                                                         \
  " kind TEXT NOT NULL CHECK(kind IN ('sale','void','erase')),"                \
  " sale_id INTEGER NOT NULL,"                                                 \
  " body TEXT NOT NULL, pii TEXT NOT NULL,"                                    \
  " prev TEXT NOT NULL, hash TEXT NOT NULL);"                                  \
  "CREATE TABLE salts("                                                        \
  " sale_id INTEGER NOT NULL, field TEXT NOT NULL, salt BLOB NOT NULL,"        \
  " PRIMARY KEY(sale_id, field)) WITHOUT ROWID;"

/* Schema 3 -> 4 (store.c): the journal also holds "period" entries, the
 * closing of a filed period (period.h).  SQLite cannot change a CHECK
 * constraint in place, so the table is rebuilt as its documented
 * procedure does it (create, copy, drop, rename), inside the migration's
 * transaction; the rows and their hashes are copied unchanged. */
#define JOURNAL_SCHEMA_V4                                                      \
  "CREATE TABLE journal_v4("                                                   \
  " seq INTEGER PRIMARY KEY,"                                                  \
  " at TEXT NOT NULL,"                                                         \
  " kind TEXT NOT NULL CHECK(kind IN ('sale','void','erase','period')),"       \
  " sale_id INTEGER NOT NULL,"                                                 \
  " body TEXT NOT NULL, pii TEXT NOT NULL,"                                    \
  " prev TEXT NOT NULL, hash TEXT NOT NULL);"                                  \
  "INSERT INTO journal_v4(seq,at,kind,sale_id,body,pii,prev,hash)"             \
  " SELECT seq,at,kind,sale_id,body,pii,prev,hash FROM journal ORDER BY seq;"  \
  "DROP TABLE journal;"                                                        \
  "ALTER TABLE journal_v4 RENAME TO journal;"

/* Schema 5 -> 6 (store.c): the journal also holds "return" entries, a
 * recorded return of lines of a sale (store.h, store_record_return);
 * rebuilt as for version 4. */
#define JOURNAL_SCHEMA_V6                                                      \
  "CREATE TABLE journal_v6("                                                   \
  " seq INTEGER PRIMARY KEY,"                                                  \
  " at TEXT NOT NULL,"                                                         \
  " kind TEXT NOT NULL CHECK(kind IN ('sale','void','erase','period','return')),"\
  " sale_id INTEGER NOT NULL,"                                                 \
  " body TEXT NOT NULL, pii TEXT NOT NULL,"                                    \
  " prev TEXT NOT NULL, hash TEXT NOT NULL);"                                  \
  "INSERT INTO journal_v6(seq,at,kind,sale_id,body,pii,prev,hash)"             \
  " SELECT seq,at,kind,sale_id,body,pii,prev,hash FROM journal ORDER BY seq;"  \
  "DROP TABLE journal;"                                                        \
  "ALTER TABLE journal_v6 RENAME TO journal;"

/* Schema 6 -> 7 (store.c): the journal also holds "account" entries, a
 * version of a customer account (store/account.h); rebuilt as for
 * version 4. */
#define JOURNAL_SCHEMA_V7                                                      \
  "CREATE TABLE journal_v7("                                                   \
  " seq INTEGER PRIMARY KEY,"                                                  \
  " at TEXT NOT NULL,"                                                         \
  " kind TEXT NOT NULL CHECK(kind IN ('sale','void','erase','period','return',"\
  "'account')),"                                                               \
  " sale_id INTEGER NOT NULL,"                                                 \
  " body TEXT NOT NULL, pii TEXT NOT NULL,"                                    \
  " prev TEXT NOT NULL, hash TEXT NOT NULL);"                                  \
  "INSERT INTO journal_v7(seq,at,kind,sale_id,body,pii,prev,hash)"             \
  " SELECT seq,at,kind,sale_id,body,pii,prev,hash FROM journal ORDER BY seq;"  \
  "DROP TABLE journal;"                                                        \
  "ALTER TABLE journal_v7 RENAME TO journal;"

/* Schema 8 -> 9 (store.c): the journal also holds "verification" entries,
 * one online check of a VAT number (store/verifications.h); rebuilt as
 * for version 4. */
#define JOURNAL_SCHEMA_V9                                                      \
  "CREATE TABLE journal_v9("                                                   \
  " seq INTEGER PRIMARY KEY,"                                                  \
  " at TEXT NOT NULL,"                                                         \
  " kind TEXT NOT NULL CHECK(kind IN ('sale','void','erase','period','return',"\
  "'account','verification')),"                                                \
  " sale_id INTEGER NOT NULL,"                                                 \
  " body TEXT NOT NULL, pii TEXT NOT NULL,"                                    \
  " prev TEXT NOT NULL, hash TEXT NOT NULL);"                                  \
  "INSERT INTO journal_v9(seq,at,kind,sale_id,body,pii,prev,hash)"             \
  " SELECT seq,at,kind,sale_id,body,pii,prev,hash FROM journal ORDER BY seq;"  \
  "DROP TABLE journal;"                                                        \
  "ALTER TABLE journal_v9 RENAME TO journal;"

/* The format version of "verification" bodies: {"v":2,...} (schema 12:
 * the name and address as salted digests; format 1 entries, plain
 * digests in the body, are verified as they were written). */
#define JOURNAL_VERIFICATION_FORMAT 2

/* The format version of "account" bodies: {"v":1,...}. */
#define JOURNAL_ACCOUNT_FORMAT 1

/* The format version of "return" bodies: {"v":1,...}. */
#define JOURNAL_RETURN_FORMAT 1

/* The format version of "period" bodies: {"v":1,...}. */
#define JOURNAL_PERIOD_FORMAT 1

typedef struct journal journal;

/* Prepare the journal's statements on `db` (borrowed; it must outlive the
 * journal and hold the schema).  Returns 0 with *out, or -1 with err. */
int journal_open(sqlite3 *db, journal **out, pi_error *err);

/* Free the statements.  NULL is a no-op. */
void journal_close(journal *j);

/* Set the longest body and the longest pii JSON an entry may have, in bytes
 * (max >= 1; JW_MAX_DEFAULT, 64 MiB, unless set).  A fact whose JSON would
 * pass it is refused whole with "too_long" naming the limit, and nothing is
 * appended; never cut short. */
void journal_set_max(journal *j, size_t max);

/* Inside the caller's write transaction: salt the personal fields of sale
 * `sale_id` (already inserted with its lines and evidence) and append its
 * "sale" entry.  Returns 0 or -1 with err. */
int journal_append_sale(journal *j, int64_t sale_id, const char *at, pi_error *err);

/* Inside the caller's transaction: append the "void" entry of the voids row
 * of `sale_id`.  Returns 0 or -1. */
int journal_append_void(journal *j, int64_t sale_id, const char *at, pi_error *err);

/* Inside the caller's write transaction: append the "return" entry of the
 * returns row `return_id` (inserted with its return_lines).  Its journal
 * sale_id is the return's row id; the body ({"v":1,"return":[...],
 * "lines":[[...],...],"reply":"<SHA-256 of the stored reply>"}) holds the
 * row, its lines and a digest of the reply, which carries no personal
 * data; the free-text reason is personal data, chained as a salted digest
 * under the ORIGINAL sale's id as field "return<id>.reason_text", so that
 * erasing that sale's personal data (journal_erase) erases it too.
 * Returns 0 or -1 with err. */
int journal_append_return(journal *j, int64_t return_id, const char *at, pi_error *err);

/* Inside the caller's write transaction: append the "account" entry of
 * the accounts row `account_row` (one version of an account, inserted with
 * its account_evidence rows; versions are never changed, only added).  Its
 * journal sale_id is the row id; the body ({"v":1,"account":[store,
 * account, version, kind, purpose, status, created_at, updated_at],
 * "evidence":[[seq, kind, input, state, signed, expires, compact,
 * country],...]}) holds the row without its name, which is personal data
 * for a person's account and is chained as a salted digest (field "name")
 * under the NEGATIVE row id, -account_row, so that the salts and erasures
 * of accounts never meet those of the sale with the same row id.  Returns
 * 0 or -1 with err. */
int journal_append_account(journal *j, int64_t account_row, const char *at,
                           pi_error *err);

/* Inside the caller's write transaction: append the "verification" entry
 * of the verifications row `row` (one online check of a VAT number,
 * store/verifications.h; rows are only ever added, and changed only by
 * journal_erase_verification).  Its journal sale_id is the row id; the
 * body ({"v":2,"verification":[number, country, service, requester,
 * outcome, code, detail, checked_at, request_date, consultation,
 * retry_after]}) holds the row without the name and address the service
 * returned, which are personal data for a sole trader and are chained as
 * salted digests in pii (fields "verification<row>.name" and
 * "verification<row>.address", left out when none), their salts under
 * sale id 0, so that an erasure can drop them.  Format 1 (before schema
 * 12) put plain SHA-256 digests of them in the body ("name":D,
 * "address":D) and pii {}.  Returns 0 or -1 with err. */
int journal_append_verification(journal *j, int64_t row, const char *at,
                                pi_error *err);

/* Inside the caller's write transaction: erase the name and address the
 * register returned in verifications row `row`: the columns set to NULL
 * (the one update the table allows), their salts deleted, and an "erase"
 * entry ({"v":...,"erased":["verification<row>.name", ...]}, journal
 * sale_id 0) appended, so that verification accepts them missing -- for a
 * format-1 entry too, whose plain digests stay in its body.  *erased
 * receives 1, or 0 when the row held neither (nothing written).  Returns
 * 0 or -1 with err. */
int journal_erase_verification(journal *j, int64_t row, const char *at, int *erased,
                               pi_error *err);

/* Inside the caller's write transaction: erase the name of the accounts row
 * `account_row`: the column set to NULL, its salt deleted, and an "erase"
 * entry ({"v":1,"erased":["name"]}, journal sale_id -account_row) appended,
 * so that verification accepts the missing name.  *erased receives 1, or 0
 * when the name was erased before (nothing written).  Returns 0 or -1 with
 * err. */
int journal_erase_account(journal *j, int64_t account_row, const char *at, int *erased,
                          pi_error *err);

/* Inside the caller's transaction: erase the personal fields of `sale_id`
 * named in `which` (NULL-terminated, e.g. "customer_name", "meta",
 * "recipient_name", which also selects every "lineN.recipient_name"; NULL
 * for all of them): set the columns to NULL and delete their salts, however
 * many there are.  The stored reply is not among them: it is rewritten
 * (journal_rewrite_reply).  Appends one "erase" entry listing the fields;
 * *erased receives their count (0: nothing held data, no entry).  Returns 0
 * or -1 with err. */
int journal_erase(journal *j, int64_t sale_id, const char *const *which,
                  const char *at, int *erased, pi_error *err);

/* Inside the caller's write transaction: replace the stored reply of sale
 * `sale_id` with `reply` (e.g. the same reply without the personal data
 * being erased), under a new salt, and append the "erase" entry that
 * covers it.  This is the one way to change sales.reply that verification
 * accepts.  Returns 0 or -1 with err. */
int journal_rewrite_reply(journal *j, int64_t sale_id, const char *reply,
                          const char *at, pi_error *err);

/* Inside the caller's transaction: the journal's head, the last entry's
 * seq (0 when empty) and hash (64 zeros when empty), into *seq and
 * hash[65].  Returns 0 or -1 with err. */
int journal_head(journal *j, int64_t *seq, char hash[65], pi_error *err);

/* Inside the caller's write transaction: append a "period" entry (sale_id
 * 0) with `body`, canonical JSON built by period.c.  The body must start
 * with {"v":1, and name the head it was closed at as "head_seq" (a number)
 * and "head" (a string): the entry's own predecessor, which verification
 * checks.  A body that names another head is refused (code "storage"):
 * the head moved since the caller read it.  Returns 0 or -1 with err. */
int journal_append_period(journal *j, const char *at, const char *body,
                          pi_error *err);

/* What verification found. */
typedef struct journal_report {
  int64_t entries;      /* entries checked                                  */
  int64_t sales;        /* sale entries whose rows matched                   */
  int64_t head_seq;     /* the last entry's seq (0 when empty)               */
  char head[65];        /* the last entry's hash, hex                        */
  int ok;               /* 1 when everything matched                         */
  int64_t bad_seq;      /* the first entry in error (0: not entry-specific)  */
  char problem[256];    /* what is wrong, for a person                       */
} journal_report;

/* Walk and check the whole journal against the recorded rows (read-only).
 * Returns 0 with *rep filled (rep->ok says whether it verified), or -1 with
 * err when the database could not be read. */
int journal_verify(journal *j, journal_report *rep, pi_error *err);

#endif
