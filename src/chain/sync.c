/* SPDX-License-Identifier: MIT */
/*
 * sync.c - ship a till's journal and the rows it covers to the server.
 *
 * How a batch travels: the rows are read from one SQLite snapshot into
 * memory, the snapshot ends, and they are streamed with COPY into
 * temporary staging tables, then moved into the
 * central tables with INSERT ... SELECT ... ON CONFLICT, all in one
 * transaction with the journal entries that acknowledge them.  Why COPY
 * and not libpq's pipeline mode: COPY sends a
 * batch's rows as one stream, with no statement per row for the server to
 * parse, plan and answer, and the set-wise INSERT ... ON CONFLICT then
 * deduplicates the whole batch in one statement per table; pipeline mode
 * saves the round trips of per-row INSERTs but keeps their per-statement
 * cost on the server.  Pipeline mode was not built for a comparison: the
 * yardstick is raw COPY of the same rows, which per-row statements can at
 * best approach.
 * Measured (2026-12-03, 2-core machine under a load of about 20, Debian's
 * PostgreSQL 15 on a unix socket, fsync off): 5,000 sales (14,932 lines,
 * 5,245 entries) shipped in 5.2 s end to end, batches of 500, against 2.3 s
 * for psql's \copy of the same rows into the same tables: 45 % of raw
 * COPY, about 960 sales/s.  The difference is reading SQLite, the staging
 * hop and the conflict handling, which is what makes a resent batch a
 * no-op.  docs/chain.md has the figures.
 *
 * What a batch stages, for the entries in (lo, hi]:
 *   journal   the entries themselves;
 *   sales, lines, evidence, script_errors, voids, salts
 *             the current rows of every sale an entry of kind sale, void
 *             or erase names, or whose return a "return" entry names;
 *   returns, return_lines
 *             the current rows of those sales' returns whose own entry is
 *             in or before the batch;
 *   accounts, account_evidence, and the name's salt in salts
 *             the current rows of every account version an "account"
 *             entry names, or an "erase" entry of an account (its row id
 *             negated, journal.c) names.  Current: a sale already erased on the till
 *             ships erased, so personal data never leaves the till after
 *             its erasure, and an "erase" entry brings the server's copy
 *             of that sale up to date (the personal columns, the void's
 *             reason and the reply are overwritten, the salts replaced),
 *             or of that account version (its name overwritten, its salt
 *             removed), as the till did;
 *   verifications
 *             the rows the batch's "verification" entries name, and every
 *             row the server lacks up to the highest its entries name
 *             (VERIFICATIONS_STAGED): a till whose entries were shipped
 *             before the server's schema 6 carried the table ships those
 *             rows with its next batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_int.h"
#include "store/store.h"

/* The sale ids the entries (?1, ?2] name: a sale, void or erase entry
 * names its sale, a return entry its returns row, whose original sale is
 * staged with it (the return's personal text is salted under that sale's
 * id, journal.c).  An erase entry of an account names no sale (its
 * sale_id is negative): ACCOUNTS_STAGED takes it. */
#define TOUCHED                                                                \
  "(SELECT sale_id FROM journal WHERE seq > ?1 AND seq <= ?2"                  \
  " AND kind IN ('sale','void','erase') AND sale_id > 0"                       \
  " UNION SELECT sale_id FROM returns WHERE id IN (SELECT sale_id FROM"        \
  " journal WHERE seq > ?1 AND seq <= ?2 AND kind = 'return'))"
/* The returns a batch stages: those of the touched sales whose own entry
 * is at most ?2 (a return recorded after the batch's last entry ships
 * with the batch that holds its entry), so a return ships with its entry
 * and again, as it now is, with an erasure of its sale. */
#define RETURNS_STAGED                                                         \
  "(SELECT id FROM returns WHERE sale_id IN " TOUCHED " AND id IN (SELECT"     \
  " sale_id FROM journal WHERE kind = 'return' AND seq <= ?2))"
/* The account versions (accounts row ids) a batch stages: those its
 * "account" entries name, and those its "erase" entries of an account
 * name (sale_id the negated row id, journal_erase_account) whose own
 * entry is at most ?2, so an erasure ships the version as it now is. */
#define ACCOUNTS_STAGED                                                        \
  "(SELECT sale_id FROM journal WHERE seq > ?1 AND seq <= ?2"                  \
  " AND kind = 'account' UNION SELECT -sale_id FROM journal WHERE seq > ?1"    \
  " AND seq <= ?2 AND kind = 'erase' AND sale_id < 0 AND -sale_id IN"          \
  " (SELECT sale_id FROM journal WHERE kind = 'account' AND seq <= ?2))"
/* The verifications rows a batch stages: those its "verification" entries
 * name, those its "erase" entries of verifications name (journal sale id
 * 0, fields "verification<row>.name" and ".address", journal.c: the row
 * ships again as it now is, its name and address gone), and those in
 * (?5, ?6]: ?5 the highest row of this till the server
 * holds, ?6 the highest row its verification entries on the server name
 * (server_verifications).  Rows are appended with their entry in one
 * transaction and never deleted (store.c), so row ids grow with entry
 * sequence numbers: (?5, ?6] is exactly the rows whose entries the server
 * holds without them -- empty, unless the entries were shipped before the
 * server had the table (central.c, schema 6).  Both parts are range reads
 * (the journal by seq, verifications by id), never a scan of the
 * journal. */
#define VERIFICATIONS_STAGED                                                   \
  "(id > ?5 AND id <= ?6) OR id IN (SELECT sale_id FROM journal WHERE"         \
  " seq > ?1 AND seq <= ?2 AND kind = 'verification') OR id IN (SELECT"        \
  " CAST(substr(f.value, 13) AS INTEGER) FROM journal,"                        \
  " json_each(journal.body, '$.erased') f WHERE journal.seq > ?1 AND"          \
  " journal.seq <= ?2 AND journal.kind = 'erase' AND journal.sale_id = 0)"
/* The store of the sale a row belongs to (the central key). */
#define SALE_STORE(t) "(SELECT store FROM sales WHERE sales.id = " t ".sale_id)"

/* One staging table: what to read from the till (?1 lo, ?2 hi, ?3 chain,
 * ?4 home store, ?5 and ?6 VERIFICATIONS_STAGED's bounds) and the COPY
 * that takes it. */
typedef struct stage {
  const char *table;
  const char *read;
  const char *copy;
} stage;

static const stage stages[] = {
    {"journal",
     "SELECT ?4, ?3, " CHAIN_JOURNAL_COLS " FROM journal"
     " WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
     "COPY stage_journal(store,chain," CHAIN_JOURNAL_COLS ") FROM STDIN"},
    {"sales", "SELECT ?3, " CHAIN_SALES_COLS " FROM sales WHERE id IN " TOUCHED,
     "COPY stage_sales(chain," CHAIN_SALES_COLS ") FROM STDIN"},
    {"lines",
     "SELECT " SALE_STORE("lines") ", ?3, " CHAIN_LINES_COLS
     " FROM lines WHERE sale_id IN " TOUCHED,
     "COPY stage_lines(store,chain," CHAIN_LINES_COLS ") FROM STDIN"},
    {"evidence",
     "SELECT " SALE_STORE("evidence") ", ?3, " CHAIN_EVIDENCE_COLS
     " FROM evidence WHERE sale_id IN " TOUCHED,
     "COPY stage_evidence(store,chain," CHAIN_EVIDENCE_COLS ") FROM STDIN"},
    {"voids",
     "SELECT " SALE_STORE("voids") ", ?3, " CHAIN_VOIDS_COLS
     " FROM voids WHERE sale_id IN " TOUCHED,
     "COPY stage_voids(store,chain," CHAIN_VOIDS_COLS ") FROM STDIN"},
    {"script_errors",
     "SELECT " SALE_STORE("script_errors") ", ?3, " CHAIN_SCRIPT_ERRORS_COLS
     " FROM script_errors WHERE sale_id IN " TOUCHED,
     "COPY stage_script_errors(store,chain," CHAIN_SCRIPT_ERRORS_COLS ") FROM STDIN"},
    {"salts",
     "SELECT " SALE_STORE("salts") ", ?3, " CHAIN_SALTS_COLS
     " FROM salts WHERE sale_id IN " TOUCHED,
     "COPY stage_salts(store,chain," CHAIN_SALTS_COLS ") FROM STDIN"},
    {"returns",
     "SELECT ?3, " CHAIN_RETURNS_COLS " FROM returns WHERE id IN " RETURNS_STAGED,
     "COPY stage_returns(chain," CHAIN_RETURNS_COLS ") FROM STDIN"},
    {"return_lines",
     "SELECT (SELECT store FROM returns WHERE returns.id = return_lines.return_id),"
     " ?3, " CHAIN_RETURN_LINES_COLS " FROM return_lines WHERE return_id IN " RETURNS_STAGED,
     "COPY stage_return_lines(store,chain," CHAIN_RETURN_LINES_COLS ") FROM STDIN"},
    {"accounts",
     "SELECT ?3, " CHAIN_ACCOUNTS_COLS " FROM accounts WHERE id IN " ACCOUNTS_STAGED,
     "COPY stage_accounts(chain," CHAIN_ACCOUNTS_COLS ") FROM STDIN"},
    {"account_evidence",
     "SELECT (SELECT store FROM accounts WHERE accounts.id = account_evidence.account_id),"
     " ?3, " CHAIN_ACCOUNT_EVIDENCE_COLS " FROM account_evidence WHERE account_id IN "
     ACCOUNTS_STAGED,
     "COPY stage_account_evidence(store,chain," CHAIN_ACCOUNT_EVIDENCE_COLS ") FROM STDIN"},
    /* An account name's salt: under the negated row id, with the
     * account's store. */
    {"account salts",
     "SELECT (SELECT store FROM accounts WHERE accounts.id = -salts.sale_id), ?3, "
     CHAIN_SALTS_COLS " FROM salts WHERE sale_id < 0 AND -sale_id IN " ACCOUNTS_STAGED,
     "COPY stage_salts(store,chain," CHAIN_SALTS_COLS ") FROM STDIN"},
    /* Online verifications: keyed by the till's home store, as its
     * journal entries are (the till's rows hold no store). */
    {"verifications",
     "SELECT ?4, ?3, " CHAIN_VERIFICATIONS_COLS " FROM verifications WHERE "
     VERIFICATIONS_STAGED,
     "COPY stage_verifications(store,chain," CHAIN_VERIFICATIONS_COLS ") FROM STDIN"},
    /* Their name's and address's salts (format 2 on): under sale id 0,
     * field "verification<row>.name", with the till's home store. */
    {"verification salts",
     "SELECT ?4, ?3, " CHAIN_SALTS_COLS " FROM salts WHERE sale_id = 0 AND"
     " CAST(substr(field, 13) AS INTEGER) IN (SELECT id FROM verifications WHERE "
     VERIFICATIONS_STAGED ")",
     "COPY stage_salts(store,chain," CHAIN_SALTS_COLS ") FROM STDIN"},
};
#define NSTAGES (sizeof stages / sizeof stages[0])

/* From the staging tables into the central ones, in one transaction.
 * Sales, lines and voids take the till's current personal columns and
 * reply (an erasure shipped), but only from the chain that recorded them
 * (voids and lines are keyed by chain).  The personal columns are the
 * ones src/store/journal.c erases: sale_pii (customer_name, gift_message,
 * recipient_name, recipient_contact, meta), line_pii (gift_message,
 * recipient_name, recipient_contact), a script failure's sentence
 * (script_errors.message), the reply, VOID_REASON_FIELD
 * (voids.reason, '' once erased) and a return's RETURN_TEXT_FIELD
 * (returns.reason_text, NULL once erased); the salts of a staged sale
 * (its returns' among them) are replaced as a whole.  A return's reply
 * and lines are never rewritten on the till: kept as first shipped.  An
 * account version takes the till's current name (ACCOUNT_NAME_FIELD,
 * NULL once erased), and its salt (sale_id -id) is replaced as a whole;
 * its other columns and evidence are never rewritten on the till.  A
 * verification takes the till's current name and address (NULL once
 * erased), and the salts of a staged one are replaced as a whole; its
 * other columns are never rewritten on the till.  A
 * column missing here leaves the server's digest check failing after an
 * erasure (tests/chain_erase_test.py).  Last, acks takes the batch's last
 * entry as what the server acknowledged to this till (never lowered: a
 * batch shipped again after a lost acknowledgement leaves it). */
static const char merge_sql[] =
    "INSERT INTO journal SELECT * FROM stage_journal ON CONFLICT DO NOTHING;"
    "INSERT INTO sales SELECT * FROM stage_sales"
    " ON CONFLICT (store, terminal, sale) DO UPDATE SET"
    " customer_name = EXCLUDED.customer_name,"
    " gift_message = EXCLUDED.gift_message,"
    " recipient_name = EXCLUDED.recipient_name,"
    " recipient_contact = EXCLUDED.recipient_contact,"
    " meta = EXCLUDED.meta, reply = EXCLUDED.reply"
    " WHERE sales.chain = EXCLUDED.chain AND sales.id = EXCLUDED.id;"
    "INSERT INTO lines SELECT * FROM stage_lines"
    " ON CONFLICT (store, chain, sale_id, seq) DO UPDATE SET"
    " gift_message = EXCLUDED.gift_message,"
    " recipient_name = EXCLUDED.recipient_name,"
    " recipient_contact = EXCLUDED.recipient_contact;"
    "INSERT INTO evidence SELECT * FROM stage_evidence ON CONFLICT DO NOTHING;"
    "INSERT INTO script_errors SELECT * FROM stage_script_errors"
    " ON CONFLICT (store, chain, sale_id, seq) DO UPDATE SET message = EXCLUDED.message;"
    "INSERT INTO voids SELECT * FROM stage_voids"
    " ON CONFLICT (store, chain, sale_id) DO UPDATE SET reason = EXCLUDED.reason;"
    "DELETE FROM salts c USING stage_sales s"
    " WHERE c.store = s.store AND c.chain = s.chain AND c.sale_id = s.id;"
    "DELETE FROM salts c USING stage_accounts a"
    " WHERE c.store = a.store AND c.chain = a.chain AND c.sale_id = -a.id;"
    "DELETE FROM salts c USING stage_verifications v"
    " WHERE c.store = v.store AND c.chain = v.chain AND c.sale_id = 0"
    " AND c.field IN ('verification' || v.id || '.name',"
    " 'verification' || v.id || '.address');"
    "INSERT INTO salts SELECT * FROM stage_salts ON CONFLICT DO NOTHING;"
    "INSERT INTO returns SELECT * FROM stage_returns"
    " ON CONFLICT (store, chain, id) DO UPDATE SET reason_text = EXCLUDED.reason_text;"
    "INSERT INTO return_lines SELECT * FROM stage_return_lines ON CONFLICT DO NOTHING;"
    "INSERT INTO accounts SELECT * FROM stage_accounts"
    " ON CONFLICT (store, chain, id) DO UPDATE SET name = EXCLUDED.name;"
    "INSERT INTO account_evidence SELECT * FROM stage_account_evidence"
    " ON CONFLICT DO NOTHING;"
    "INSERT INTO verifications SELECT * FROM stage_verifications"
    " ON CONFLICT (store, chain, id) DO UPDATE SET name = EXCLUDED.name,"
    " address = EXCLUDED.address;"
    "INSERT INTO acks SELECT store, chain, seq, hash FROM stage_journal"
    " ORDER BY seq DESC LIMIT 1 ON CONFLICT (store, chain) DO UPDATE SET"
    " seq = EXCLUDED.seq, hash = EXCLUDED.hash WHERE acks.seq < EXCLUDED.seq;";

/* After the checks, inside the batch's transaction, so that the staging
 * tables are empty at every commit (and after a rollback).  Not ON COMMIT
 * DELETE ROWS: a truncation of the staging tables at every commit cost 40 ms a
 * batch (measured), a DELETE of a batch's rows well under one. */
static const char unstage_sql[] =
    "DELETE FROM stage_journal; DELETE FROM stage_sales; DELETE FROM stage_lines;"
    "DELETE FROM stage_evidence; DELETE FROM stage_voids; DELETE FROM stage_salts;"
    "DELETE FROM stage_returns; DELETE FROM stage_return_lines;"
    "DELETE FROM stage_accounts; DELETE FROM stage_account_evidence;"
    "DELETE FROM stage_verifications;"
    "DELETE FROM stage_script_errors;";

/* A sale the server holds from another chain under the same key. */
static const char clash_sql[] =
    "SELECT s.store, s.terminal, s.sale, c.chain FROM stage_sales s"
    " JOIN sales c USING (store, terminal, sale)"
    " WHERE c.chain <> s.chain OR c.id <> s.id LIMIT 1";

static const char staging_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS stage_journal (LIKE journal);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_sales (LIKE sales);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_lines (LIKE lines);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_evidence (LIKE evidence);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_voids (LIKE voids);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_salts (LIKE salts);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_returns (LIKE returns);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_return_lines (LIKE return_lines);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_accounts (LIKE accounts);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_account_evidence (LIKE account_evidence);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_verifications (LIKE verifications);"
    "CREATE TEMP TABLE IF NOT EXISTS stage_script_errors (LIKE script_errors);";

static int pg_exec(PGconn *pg, const char *sql, const char *what, pi_error *err) {
  PGresult *r = PQexec(pg, sql);
  ExecStatusType s = PQresultStatus(r);
  int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : chain_pg_fail(pg, r, what, err);
  PQclear(r);
  return rc;
}

static int sq_fail(sqlite3 *db, const char *what, pi_error *err) {
  return pi_fail(err, PI_E_STORAGE, "database", "%s: %s", what, sqlite3_errmsg(db));
}

/* --- COPY text format ------------------------------------------------------ */

/* One stage's rows of a batch, in COPY's text format, read from the till
 * before anything goes to the server (chain_sync says why). */
typedef struct rowbuf {
  char *p;
  size_t n, cap;
  int64_t rows;
  int nomem;
} rowbuf;

static void put(rowbuf *b, const char *s, size_t len) {
  if (b->nomem || len == 0) return;
  if (len > b->cap - b->n) {
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap - b->n < len) {
      if (cap > SIZE_MAX / 2) {
        b->nomem = 1;
        return;
      }
      cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
      b->nomem = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, len);
  b->n += len;
}

/* One value in COPY's text format: backslash, tab, newline and carriage
 * return escaped, NULL as \N, a blob as bytea's hex form (\\x..., the
 * backslash itself escaped). */
static void put_value(rowbuf *c, sqlite3_stmt *q, int i) {
  int type = sqlite3_column_type(q, i);
  if (type == SQLITE_NULL) {
    put(c, "\\N", 2);
    return;
  }
  if (type == SQLITE_BLOB) {
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *b = sqlite3_column_blob(q, i);
    int n = sqlite3_column_bytes(q, i);
    put(c, "\\\\x", 3);
    for (int k = 0; k < n; k++) {
      char two[2] = {hexd[b[k] >> 4], hexd[b[k] & 15]};
      put(c, two, 2);
    }
    return;
  }
  const char *s = (const char *)sqlite3_column_text(q, i);
  size_t n = (size_t)sqlite3_column_bytes(q, i), from = 0;
  for (size_t k = 0; k < n; k++) {
    const char *esc = s[k] == '\\'   ? "\\\\"
                      : s[k] == '\t' ? "\\t"
                      : s[k] == '\n' ? "\\n"
                      : s[k] == '\r' ? "\\r"
                                     : NULL;
    if (esc == NULL) continue;
    put(c, s + from, k - from);
    put(c, esc, 2);
    from = k + 1;
  }
  put(c, s + from, n - from);
}

/* Read the rows of one stage for entries (lo, hi] from the till's open
 * snapshot into b (emptied first); vb[2] are VERIFICATIONS_STAGED's
 * bounds.  Returns 0, or -1 with err. */
static int read_stage(sqlite3 *db, const stage *sg, int64_t lo, int64_t hi,
                      const char *chain, const char *home, const int64_t vb[2], rowbuf *b,
                      pi_error *err) {
  sqlite3_stmt *q;
  b->n = 0;
  b->rows = 0;
  b->nomem = 0;
  if (sqlite3_prepare_v2(db, sg->read, -1, &q, NULL) != SQLITE_OK)
    return sq_fail(db, "reading the till", err);
  sqlite3_bind_int64(q, 1, lo);
  sqlite3_bind_int64(q, 2, hi);
  sqlite3_bind_text(q, 3, chain, -1, SQLITE_STATIC);
  int nparams = sqlite3_bind_parameter_count(q);
  if (nparams >= 4) sqlite3_bind_text(q, 4, home, -1, SQLITE_STATIC);
  if (nparams >= 6) {
    sqlite3_bind_int64(q, 5, vb[0]);
    sqlite3_bind_int64(q, 6, vb[1]);
  }
  int rc, ncol = sqlite3_column_count(q);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW && !b->nomem) {
    for (int i = 0; i < ncol; i++) {
      if (i) put(b, "\t", 1);
      put_value(b, q, i);
    }
    put(b, "\n", 1);
    b->rows++;
  }
  int ok = rc == SQLITE_DONE && !b->nomem;
  if (!ok) {
    if (b->nomem)
      pi_fail(err, PI_E_NOMEM, "batch",
              "out of memory holding a batch's %s rows; ship smaller batches (--batch)",
              sg->table);
    else
      sq_fail(db, "reading the till", err);
  }
  sqlite3_finalize(q);
  return ok ? 0 : -1;
}

/* Stream one stage's rows into its staging table. */
static int send_stage(PGconn *pg, const stage *sg, const rowbuf *b, pi_error *err) {
  char what[64];
  snprintf(what, sizeof what, "staging %s", sg->table);
  PGresult *r = PQexec(pg, sg->copy);
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    chain_pg_fail(pg, r, what, err);
    PQclear(r);
    return -1;
  }
  PQclear(r);
  int sent = 1;
  for (size_t off = 0; off < b->n && sent; off += 1 << 16) {
    size_t k = b->n - off < (size_t)1 << 16 ? b->n - off : (size_t)1 << 16;
    sent = PQputCopyData(pg, b->p + off, (int)k) == 1;
  }
  /* A failed send aborts the COPY, so nothing of it is kept. */
  if (PQputCopyEnd(pg, sent ? NULL : "sending the rows failed") != 1) sent = 0;
  r = PQgetResult(pg);
  int ok = sent && PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) chain_pg_fail(pg, r, what, err);
  PQclear(r);
  while ((r = PQgetResult(pg)) != NULL) PQclear(r);
  return ok ? 0 : -1;
}

/* --- the till's side --------------------------------------------------------- */

/* In the open snapshot: the journal head, the chain id (entry 1's hash)
 * and its time, and the home store. */
static int till_identity(sqlite3 *db, chain_sync_stats *s, char first_at[64],
                         pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db,
                         "SELECT (SELECT coalesce(max(seq), 0) FROM journal),"
                         " (SELECT hash FROM journal WHERE seq = 1),"
                         " (SELECT at FROM journal WHERE seq = 1),"
                         " coalesce(nullif((SELECT value FROM meta WHERE key ="
                         " 'store_id'), ''), (SELECT store FROM sales ORDER BY id"
                         " LIMIT 1), '')",
                         -1, &q, NULL) != SQLITE_OK)
    return sq_fail(db, "reading the till's journal", err);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    s->head_seq = sqlite3_column_int64(q, 0);
    const char *h = (const char *)sqlite3_column_text(q, 1);
    const char *at = (const char *)sqlite3_column_text(q, 2);
    const char *st = (const char *)sqlite3_column_text(q, 3);
    snprintf(s->chain, sizeof s->chain, "%s", h ? h : "");
    snprintf(first_at, 64, "%s", at ? at : "");
    snprintf(s->store, sizeof s->store, "%s", st ? st : "");
  }
  sqlite3_finalize(q);
  return rc == SQLITE_ROW ? 0 : sq_fail(db, "reading the till's journal", err);
}

/* The till's hash of entry `seq` into hash[65] ("" when it has none). */
static int till_hash(sqlite3 *db, int64_t seq, char hash[65], pi_error *err) {
  sqlite3_stmt *q;
  hash[0] = '\0';
  if (sqlite3_prepare_v2(db, "SELECT hash FROM journal WHERE seq = ?1", -1, &q, NULL) !=
      SQLITE_OK)
    return sq_fail(db, "reading the till's journal", err);
  sqlite3_bind_int64(q, 1, seq);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW)
    snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
                                               : sq_fail(db, "reading the till's journal", err);
}

/* --- the server's side -------------------------------------------------------- */

/* The last entry the server acknowledged for this chain: *seq (0: none)
 * and its hash. */
static int server_ack(PGconn *pg, const chain_sync_stats *s, int64_t *seq, char hash[65],
                      pi_error *err) {
  const char *params[2] = {s->store, s->chain};
  PGresult *r = PQexecParams(pg,
                             "SELECT seq, hash FROM journal WHERE store = $1 AND"
                             " chain = $2 ORDER BY seq DESC LIMIT 1",
                             2, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    chain_pg_fail(pg, r, "reading what the server acknowledged", err);
    PQclear(r);
    return -1;
  }
  *seq = 0;
  hash[0] = '\0';
  if (PQntuples(r) == 1) {
    *seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(hash, 65, "%s", PQgetvalue(r, 0, 1));
  }
  PQclear(r);
  return 0;
}

/* The bounds of the verifications rows the server lacks (VERIFICATIONS_STAGED):
 * vb[0] the highest row of this till it holds, vb[1] the highest row its
 * verification entries name (0: none; an index read, central.c). */
static int server_verifications(PGconn *pg, const chain_sync_stats *s, int64_t vb[2],
                                pi_error *err) {
  const char *params[2] = {s->store, s->chain};
  PGresult *r = PQexecParams(pg,
                             "SELECT (SELECT coalesce(max(id), 0) FROM verifications"
                             " WHERE store = $1 AND chain = $2),"
                             " (SELECT coalesce(max(sale_id), 0) FROM journal"
                             " WHERE store = $1 AND chain = $2 AND kind = 'verification')",
                             2, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
    chain_pg_fail(pg, r, "reading the verifications the server holds", err);
    PQclear(r);
    return -1;
  }
  vb[0] = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  vb[1] = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
  PQclear(r);
  return 0;
}

static void rollback(PGconn *pg) {
  if (PQstatus(pg) == CONNECTION_OK) PQclear(PQexec(pg, "ROLLBACK"));
}

/* Serialising a till's batches.  Two syncs of one till may run at once
 * (the systemd unit and an admin's manual run).  Each batch overwrites
 * the personal columns of the sales it stages with what its till
 * snapshot held; a batch read before an erasure and merged after another
 * sync shipped that erasure would put the erased data back, with nothing
 * left to repair it.  The rule: a batch for entries (lo, hi] is merged
 * only while the server's acknowledged entry of the till is still lo.
 * Its snapshot holds every entry up to hi > lo, so it holds every erasure
 * the server has acknowledged (all <= lo), and its rows are at least as
 * new as the server's; an erasure after its snapshot has a sequence > hi,
 * not yet acknowledged, so a later batch ships it.  To make "still lo"
 * hold until COMMIT, the batch takes a transaction-scoped advisory lock
 * keyed by (store, chain) right after BEGIN, so one till's batches never
 * interleave, and then re-reads the acknowledged entry under it.  If it
 * moved (another sync shipped meanwhile), the batch is dropped and the
 * caller re-reads the till in a new snapshot from the new position.
 * Chosen over ordered erasure facts because it needs no schema change and
 * keeps the merge as it is; the advisory lock's key is a hash, so a
 * collision only makes two tills' batches wait on each other.  Ack moves
 * only forward (entries are never deleted by sync), so equality is the
 * test. */
static int lock_till(PGconn *pg, const chain_sync_stats *s, int64_t lo, pi_error *err) {
  const char *params[2] = {s->store, s->chain};
  PGresult *r = PQexecParams(pg,
                             "SELECT pg_advisory_xact_lock(hashtext('posintent.sync'),"
                             " hashtext($1 || '/' || $2))",
                             2, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    chain_pg_fail(pg, r, "locking the till on the server", err);
    PQclear(r);
    return -1;
  }
  PQclear(r);
  int64_t now;
  char hash[65];
  if (server_ack(pg, s, &now, hash, err)) return -1;
  return now == lo ? 0 : 1;
}

/* One batch: entries (lo, hi], whose rows were read into bufs (one per
 * stage), in one server transaction.  Returns 0 when merged, 1 when
 * another sync moved the server's acknowledged entry away from lo
 * (nothing kept: read the till again), -1 with err. */
static int ship_batch(PGconn *pg, chain_sync_stats *s, const char *first_at, int64_t lo,
                      const rowbuf *bufs, pi_error *err) {
  if (pg_exec(pg, "BEGIN", "starting a batch", err)) return -1;
  int moved = lock_till(pg, s, lo, err);
  if (moved != 0) {
    rollback(pg);
    return moved;
  }
  for (size_t i = 0; i < NSTAGES; i++)
    if (send_stage(pg, &stages[i], &bufs[i], err)) goto fail;
  const char *params[3] = {s->store, s->chain, first_at};
  PGresult *r = PQexecParams(pg,
                             "INSERT INTO chains(store, chain, first_at)"
                             " VALUES($1, $2, $3) ON CONFLICT DO NOTHING",
                             3, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    chain_pg_fail(pg, r, "recording the till", err);
    PQclear(r);
    goto fail;
  }
  PQclear(r);
  if (pg_exec(pg, merge_sql, "storing a batch", err)) goto fail;
  r = PQexec(pg, clash_sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    chain_pg_fail(pg, r, "checking a batch", err);
    PQclear(r);
    goto fail;
  }
  if (PQntuples(r) > 0) {
    pi_fail(err, PI_E_CONFLICT, "sale",
            "store %s, terminal %s, sale %s is on the server already from another "
            "till database (chain %.12s...); two tills record under the same store "
            "and terminal: give each till its own terminal id.  Nothing of this "
            "batch was kept",
            PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
            PQgetvalue(r, 0, 3));
    PQclear(r);
    goto fail;
  }
  PQclear(r);
  if (pg_exec(pg, unstage_sql, "emptying the staging tables", err)) goto fail;
  if (pg_exec(pg, "COMMIT", "committing a batch", err)) return -1;
  s->entries += bufs[0].rows;
  s->sales += bufs[1].rows;
  s->lines += bufs[2].rows;
  s->batches++;
  return 0;
fail:
  rollback(pg);
  return -1;
}

/* End the till's read transaction. */
static void end_read(sqlite3 *db) { sqlite3_exec(db, "COMMIT", NULL, NULL, NULL); }

/* In a read transaction of its own: the till's identity and head. */
static int read_identity(sqlite3 *db, chain_sync_stats *s, char first_at[64],
                         pi_error *err) {
  if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return sq_fail(db, "reading the till", err);
  int rc = till_identity(db, s, first_at, err);
  end_read(db);
  return rc;
}

/* How a run goes, batch by batch:
 *   1. where the server is (lo, its hash, and the verifications rows it
 *      lacks), asked outside any read of the till;
 *   2. one short read transaction on the till: its identity and head,
 *      the check that its entry lo is the server's, and every row of the
 *      batch (lo, hi] read into memory; then the transaction ends;
 *   3. the batch goes to the server (ship_batch).
 * So the till is never read across a server round trip: a batch waiting
 * on the server (a lock, a slow link) holds no read transaction open on
 * the till, and an erasure there, which must checkpoint the WAL to get
 * rid of the erased data (store/erase.h), never waits for sync.  The cost
 * is memory for one batch's rows. */
int chain_sync(PGconn *pg, const char *till_path, int batch,
               const volatile sig_atomic_t *stop, chain_sync_stats *s, pi_error *err) {
  memset(s, 0, sizeof *s);
  if (batch < 1) return pi_fail(err, PI_E_BAD_VALUE, "batch", "the batch size must be at least 1");
  store *st;
  if (store_open(till_path, STORE_READONLY, NULL, &st, err)) return -1;
  sqlite3 *db = store_db(st);
  rowbuf bufs[NSTAGES];
  memset(bufs, 0, sizeof bufs);
  char first_at[64], hash[65] = "", chain[65] = "";
  int rc = -1, checked = 0; /* checked: the till's entry lo matched the server's */
  int rows_only = 0;          /* a batch of verifications rows alone was shipped */
  if (pg_exec(pg, staging_sql, "creating the staging tables", err)) goto out;
  int64_t lo = -1;
  for (;;) {
    if (stop && *stop) { /* between batches: nothing in flight */
      s->stopped = 1;
      rc = 0;
      goto out;
    }
    if (lo < 0) {
      /* 1. Where the server is, for this till's chain. */
      if (read_identity(db, s, first_at, err)) goto out;
      if (s->chain[0] == '\0') { /* nothing recorded yet */
        rc = 0;
        goto out;
      }
      if (server_ack(pg, s, &lo, hash, err)) goto out;
      if (s->batches == 0 && s->entries == 0) s->server_seq = lo;
      checked = 0;
    }
    /* Which verifications rows the server lacks.  Asked before every
     * batch, after lo: a batch another sync commits meanwhile moves the
     * acknowledged entry away from lo, and lock_till drops this one. */
    int64_t vb[2];
    if (server_verifications(pg, s, vb, err)) goto out;
    /* 2. One snapshot: the batch's rows, read into memory. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
      sq_fail(db, "reading the till", err);
      goto out;
    }
    snprintf(chain, sizeof chain, "%s", s->chain);
    if (till_identity(db, s, first_at, err)) goto end_read;
    if (strcmp(chain, s->chain) != 0) {
      pi_fail(err, PI_E_CONFLICT, "database",
              "the till database %s was replaced while shipping it; run sync again",
              till_path);
      goto end_read;
    }
    if (!checked) {
      /* Whether the server's entry lo is this till's. */
      if (lo > s->head_seq) {
        pi_fail(err, PI_E_CONFLICT, "database",
                "the server holds %lld journal entries of this till (store %s, "
                "chain %.12s...) but %s has only %lld: it is an older copy of the "
                "till's database; nothing was shipped",
                (long long)lo, s->store, s->chain, till_path, (long long)s->head_seq);
        goto end_read;
      }
      if (lo > 0) {
        char mine[65];
        if (till_hash(db, lo, mine, err)) goto end_read;
        if (strcmp(mine, hash) != 0) {
          pi_fail(err, PI_E_CONFLICT, "database",
                  "the server's journal entry %lld of this till (store %s, chain "
                  "%.12s...) differs from the one in %s: the till's journal was "
                  "rewritten, or this is another database; nothing was shipped",
                  (long long)lo, s->store, s->chain, till_path);
          goto end_read;
        }
      }
      checked = 1;
    }
    int64_t hi = s->head_seq - lo > batch ? lo + batch : s->head_seq;
    if (lo >= s->head_seq) {
      /* Nothing left to ship but, once, the verifications rows whose
       * entries the server holds without them (VERIFICATIONS_STAGED): a
       * batch of no entries.  Once: a server whose entries name rows the
       * till does not have would otherwise be asked forever. */
      if (vb[1] <= vb[0] || rows_only) {
        end_read(db);
        rc = 0;
        goto out;
      }
      rows_only = 1;
      hi = lo;
    }
    for (size_t i = 0; i < NSTAGES; i++)
      if (read_stage(db, &stages[i], lo, hi, s->chain, s->store, vb, &bufs[i], err))
        goto end_read;
    end_read(db);
    /* 3. To the server, with the till no longer read. */
    int shipped = ship_batch(pg, s, first_at, lo, bufs, err);
    if (shipped < 0) goto out;
    if (shipped == 1) {
      /* Another sync of this till shipped meanwhile: start over from
       * where the server is now, in a new snapshot (lock_till).  This
       * ends: the other sync only moves forward, and once the server has
       * this snapshot's head there is nothing left to ship. */
      lo = -1;
      continue;
    }
    lo = hi;
  }
end_read:
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
  for (size_t i = 0; i < NSTAGES; i++) free(bufs[i].p);
  store_close(st);
  return rc;
}
