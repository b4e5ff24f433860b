/* SPDX-License-Identifier: MIT */
/*
 * cverify.c - verify every till's chain on the server.
 *
 * The server holds each till's journal and rows as the till did.  Rather
 * than a second implementation of the journal's checks (which would have
 * to rebuild every entry's body exactly as journal.c does, and drift from
 * it), each chain's rows are read back into an in-memory till database
 * (store.c's own schema) and checked by journal_verify(), the code
 * `posintent verify` runs on a till.  The price is memory for one chain's
 * rows at a time; docs/chain.md says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_int.h"
#include "store/store.h"

typedef struct table {
  const char *name;
  const char *cols;   /* the till's columns, as the central table has them */
  const char *select; /* those columns read from the server (bytea as hex) */
  const char *where;  /* $1 store, $2 chain */
} table;

/* A child row as the reports read it: joined to its sale by store, chain
 * and sale id (creport.c), so a child row whose store was changed is
 * missing here, and its sale's digest check fails. */
#define OF_SALE(t)                                                             \
  "chain = $2 AND EXISTS (SELECT 1 FROM sales s WHERE s.store = " t ".store"   \
  " AND s.chain = " t ".chain AND s.id = " t ".sale_id)"

/* A return's line as the reports read it: joined to its return, and that
 * to its sale (creport.c). */
#define OF_RETURN                                                              \
  "chain = $2 AND EXISTS (SELECT 1 FROM returns r JOIN sales s"                \
  " ON s.store = r.store AND s.chain = r.chain AND s.id = r.sale_id"           \
  " WHERE r.store = return_lines.store AND r.chain = return_lines.chain"       \
  " AND r.id = return_lines.return_id)"

/* An account version's evidence: joined to its version by store, chain
 * and row id, so evidence whose store was changed is missing here. */
#define OF_ACCOUNT                                                             \
  "chain = $2 AND EXISTS (SELECT 1 FROM accounts a WHERE a.store ="            \
  " account_evidence.store AND a.chain = account_evidence.chain"               \
  " AND a.id = account_evidence.account_id)"

/* A salt: of a sale (its id), of an account version's name (the
 * version's row id negated, journal.c), or of a verification's name or
 * address (sale id 0, under the till's home store, as its verifications). */
#define OF_SALE_OR_ACCOUNT                                                     \
  "chain = $2 AND (EXISTS (SELECT 1 FROM sales s WHERE s.store = salts.store"  \
  " AND s.chain = salts.chain AND s.id = salts.sale_id) OR EXISTS (SELECT 1"   \
  " FROM accounts a WHERE a.store = salts.store AND a.chain = salts.chain"     \
  " AND a.id = -salts.sale_id) OR (salts.sale_id = 0 AND salts.store = $1))"

/* In an order the till's references allow (sales first). */
static const table tables[] = {
    {"sales", CHAIN_SALES_COLS, CHAIN_SALES_COLS, "chain = $2"},
    {"lines", CHAIN_LINES_COLS, CHAIN_LINES_COLS, OF_SALE("lines")},
    {"evidence", CHAIN_EVIDENCE_COLS, CHAIN_EVIDENCE_COLS, OF_SALE("evidence")},
    {"script_errors", CHAIN_SCRIPT_ERRORS_COLS, CHAIN_SCRIPT_ERRORS_COLS,
     OF_SALE("script_errors")},
    {"voids", CHAIN_VOIDS_COLS, CHAIN_VOIDS_COLS, OF_SALE("voids")},
    {"salts", CHAIN_SALTS_COLS, "sale_id, field, encode(salt, 'hex')", OF_SALE_OR_ACCOUNT},
    {"returns", CHAIN_RETURNS_COLS, CHAIN_RETURNS_COLS, OF_SALE("returns")},
    {"return_lines", CHAIN_RETURN_LINES_COLS, CHAIN_RETURN_LINES_COLS, OF_RETURN},
    {"accounts", CHAIN_ACCOUNTS_COLS, CHAIN_ACCOUNTS_COLS, "chain = $2"},
    {"account_evidence", CHAIN_ACCOUNT_EVIDENCE_COLS, CHAIN_ACCOUNT_EVIDENCE_COLS,
     OF_ACCOUNT},
    /* Keyed by the till's home store, as the journal is: a row moved to
     * another store is missing here, and its entry fails. */
    {"verifications", CHAIN_VERIFICATIONS_COLS, CHAIN_VERIFICATIONS_COLS,
     "store = $1 AND chain = $2"},
    {"journal", CHAIN_JOURNAL_COLS, CHAIN_JOURNAL_COLS, "store = $1 AND chain = $2"},
};

/* Rows of a till that `chains` does not list (nothing walks them, yet a
 * report would read its sales if it did not check chains either; for
 * verifications, under another store than the till's), and
 * child rows that belong to no sale (or, for account evidence and an
 * account name's salt, to no account version): one row per (store,
 * chain) with the tables they were found in. */
static const char orphans_sql[] =
    "SELECT store, chain, string_agg(DISTINCT what, ', ' ORDER BY what) FROM ("
    " SELECT store, chain, 'sales' AS what FROM sales"
    " UNION SELECT store, chain, 'journal' FROM journal"
    " UNION SELECT store, chain, 'lines' FROM lines"
    " UNION SELECT store, chain, 'evidence' FROM evidence"
    " UNION SELECT store, chain, 'script_errors' FROM script_errors"
    " UNION SELECT store, chain, 'voids' FROM voids"
    " UNION SELECT store, chain, 'salts' FROM salts"
    " UNION SELECT store, chain, 'returns' FROM returns"
    " UNION SELECT store, chain, 'return_lines' FROM return_lines"
    " UNION SELECT store, chain, 'accounts' FROM accounts"
    " UNION SELECT store, chain, 'account_evidence' FROM account_evidence"
    " UNION SELECT store, chain, 'verifications' FROM verifications) x"
    " WHERE NOT EXISTS (SELECT 1 FROM chains c WHERE c.chain = x.chain)"
    " GROUP BY store, chain"
    /* Verifications are read under the till's home store (chains'),
     * which a listed till's row under another store is not. */
    " UNION ALL SELECT store, chain, 'verifications' FROM verifications v"
    " WHERE EXISTS (SELECT 1 FROM chains c WHERE c.chain = v.chain)"
    " AND NOT EXISTS (SELECT 1 FROM chains c WHERE c.store = v.store"
    " AND c.chain = v.chain) GROUP BY store, chain"
    " UNION ALL SELECT store, chain, 'rows of no sale: ' ||"
    " string_agg(DISTINCT what, ', ' ORDER BY what) FROM ("
    " SELECT store, chain, sale_id, 'lines' AS what FROM lines"
    " UNION SELECT store, chain, sale_id, 'evidence' FROM evidence"
    " UNION SELECT store, chain, sale_id, 'script_errors' FROM script_errors"
    " UNION SELECT store, chain, sale_id, 'voids' FROM voids"
    " UNION SELECT store, chain, sale_id, 'salts' FROM salts WHERE sale_id > 0"
    " UNION SELECT store, chain, sale_id, 'returns' FROM returns) y"
    " WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.store = y.store"
    " AND s.chain = y.chain AND s.id = y.sale_id)"
    " GROUP BY store, chain"
    " UNION ALL SELECT store, chain, 'rows of no sale: return_lines of no return'"
    " FROM return_lines rl WHERE NOT EXISTS (SELECT 1 FROM returns r JOIN sales s"
    " ON s.store = r.store AND s.chain = r.chain AND s.id = r.sale_id"
    " WHERE r.store = rl.store AND r.chain = rl.chain AND r.id = rl.return_id)"
    " GROUP BY store, chain"
    " UNION ALL SELECT store, chain, 'rows of no account: ' ||"
    " string_agg(DISTINCT what, ', ' ORDER BY what) FROM ("
    " SELECT store, chain, account_id, 'account_evidence' AS what FROM account_evidence"
    " UNION SELECT store, chain, -sale_id, 'salts' FROM salts WHERE sale_id < 0) z"
    " WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.store = z.store"
    " AND a.chain = z.chain AND a.id = z.account_id)"
    " GROUP BY store, chain"
    " UNION ALL SELECT store, chain, 'rows of no verification: salts' FROM salts s"
    " WHERE sale_id = 0 AND NOT EXISTS (SELECT 1 FROM verifications v WHERE"
    " v.store = s.store AND v.chain = s.chain AND s.field IN ('verification' ||"
    " v.id || '.name', 'verification' || v.id || '.address'))"
    " GROUP BY store, chain ORDER BY 1, 2";
#define NTABLES (sizeof tables / sizeof tables[0])

/* Copy one table of chain (store, chain) from the server into db. */
static int load_table(PGconn *pg, sqlite3 *db, const table *t, const char *store_id,
                      const char *chain, pi_error *err) {
  char sql[2048], ins[1024];
  int n = snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s", t->select, t->name,
                   t->where);
  int m = snprintf(ins, sizeof ins, "INSERT INTO %s(%s)", t->name, t->cols);
  if (n < 0 || (size_t)n >= sizeof sql || m < 0 || (size_t)m >= sizeof ins)
    return pi_fail(err, PI_E_INTERNAL, "table", "the statements reading %s do not fit",
                   t->name);
  const char *params[2] = {store_id, chain};
  return chain_load_rows(pg, db, sql, 2, params, ins,
                         strcmp(t->name, "salts") == 0 ? 2 : -1, err);
}

/* Hold the verified journal in db to what the server acknowledged to the
 * till (posintent.acks, raised by every batch sync committed): a journal
 * that ends before that entry lost its tail on the server, which the
 * chain itself cannot show (its remaining entries still link), and an
 * entry there with another hash was rewritten.  Only an acks row altered
 * with the journal hides a deleted tail; the head each till prints on its
 * closing report (journal.h) is the check then.  Sets rep->ok 0 with the
 * problem (a deleted tail replaces journal_verify's, which it explains);
 * returns 0, or -1 with err. */
static int check_ack(PGconn *pg, sqlite3 *db, chain_verify_item *item, pi_error *err) {
  const char *params[2] = {item->store, item->chain};
  PGresult *r = PQexecParams(pg, "SELECT seq, hash FROM acks WHERE store = $1 AND chain = $2",
                             2, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    chain_pg_fail(pg, r, "reading what the server acknowledged", err);
    PQclear(r);
    return -1;
  }
  journal_report *rep = &item->rep;
  if (PQntuples(r) != 1) {
    PQclear(r);
    if (rep->ok)
      snprintf(rep->problem, sizeof rep->problem,
               "the server holds no record of what it acknowledged to this till "
               "(posintent.acks): it was deleted, so whether the journal's last "
               "entries were deleted too cannot be checked");
    rep->ok = 0;
    return 0;
  }
  long long seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  char hash[65];
  snprintf(hash, sizeof hash, "%s", PQgetvalue(r, 0, 1));
  PQclear(r);
  /* The journal as loaded (rep->head_seq is where the walk stopped, which
   * is earlier when it failed): its last entry, and the acknowledged one's
   * hash. */
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db,
                         "SELECT (SELECT coalesce(max(seq), 0) FROM journal),"
                         " (SELECT hash FROM journal WHERE seq = ?1)",
                         -1, &q, NULL) != SQLITE_OK)
    return pi_fail(err, PI_E_STORAGE, "database", "%s", sqlite3_errmsg(db));
  sqlite3_bind_int64(q, 1, seq);
  if (sqlite3_step(q) != SQLITE_ROW) {
    pi_fail(err, PI_E_STORAGE, "database", "%s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return -1;
  }
  long long last = sqlite3_column_int64(q, 0);
  const char *mine = (const char *)sqlite3_column_text(q, 1);
  if (last < seq) {
    /* A deleted tail explains whatever else failed (rows of no entry). */
    rep->ok = 0;
    rep->bad_seq = last + 1;
    snprintf(rep->problem, sizeof rep->problem,
             "the server's journal of this till ends at entry %lld, but the server "
             "acknowledged entries up to %lld (hash %.12s...) to the till: entries "
             "%lld to %lld were deleted on the server",
             last, seq, hash, last + 1, seq);
  } else if (rep->ok && (mine == NULL || strcmp(mine, hash) != 0)) {
    rep->ok = 0;
    rep->bad_seq = seq;
    snprintf(rep->problem, sizeof rep->problem,
             "the server's journal entry %lld of this till is not the one the server "
             "acknowledged to the till (hash %.12s...): the journal was rewritten on "
             "the server",
             seq, hash);
  }
  sqlite3_finalize(q);
  return 0;
}

/* Verify one chain into item->rep. */
static int verify_one(PGconn *pg, chain_verify_item *item, pi_error *err) {
  store *st;
  if (chain_scratch_store(&st, err)) return -1;
  sqlite3 *db = store_db(st);
  int rc = -1;
  /* What the server holds goes in as it is, orphans included: the
   * verification, not a foreign key, says what is wrong with it. */
  if (sqlite3_exec(db, "PRAGMA foreign_keys=OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
    pi_fail(err, PI_E_STORAGE, "database", "%s", sqlite3_errmsg(db));
    goto out;
  }
  for (size_t i = 0; i < NTABLES; i++)
    if (load_table(pg, db, &tables[i], item->store, item->chain, err)) goto out;
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    pi_fail(err, PI_E_STORAGE, "database", "%s", sqlite3_errmsg(db));
    goto out;
  }
  rc = store_verify(st, &item->rep, err);
  if (rc == 0) rc = check_ack(pg, db, item, err);
out:
  store_close(st);
  return rc;
}

int chain_verify(PGconn *pg, chain_verify_fn fn, void *ctx, int64_t *chains,
                 pi_error *err) {
  *chains = 0;
  PGresult *r = PQexec(pg, "SELECT store, chain FROM chains ORDER BY store, chain");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    chain_pg_fail(pg, r, "listing the chains", err);
    PQclear(r);
    return -1;
  }
  int rc = 0, stop = 0;
  for (int i = 0; i < PQntuples(r) && !stop; i++) {
    chain_verify_item item;
    memset(&item, 0, sizeof item);
    snprintf(item.store, sizeof item.store, "%s", PQgetvalue(r, i, 0));
    snprintf(item.chain, sizeof item.chain, "%s", PQgetvalue(r, i, 1));
    if (verify_one(pg, &item, err)) {
      rc = -1;
      break;
    }
    ++*chains;
    if (fn(&item, ctx)) stop = 1;
  }
  PQclear(r);
  if (rc || stop) return rc;
  r = PQexec(pg, orphans_sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    chain_pg_fail(pg, r, "looking for rows of no till", err);
    PQclear(r);
    return -1;
  }
  for (int i = 0; i < PQntuples(r); i++) {
    chain_verify_item item;
    memset(&item, 0, sizeof item);
    snprintf(item.store, sizeof item.store, "%s", PQgetvalue(r, i, 0));
    snprintf(item.chain, sizeof item.chain, "%s", PQgetvalue(r, i, 1));
    const char *what = PQgetvalue(r, i, 2);
    item.rep.ok = 0;
    if (strncmp(what, "rows of no sale", 15) == 0)
      snprintf(item.rep.problem, sizeof item.rep.problem,
               "%s: they are not covered by any sale's digest", what);
    else if (strncmp(what, "rows of no verification", 23) == 0)
      snprintf(item.rep.problem, sizeof item.rep.problem,
               "%s: they are not covered by any verification's digest", what);
    else if (strncmp(what, "rows of no account", 18) == 0)
      snprintf(item.rep.problem, sizeof item.rep.problem,
               "%s: they are not covered by any account version's digest", what);
    else
      snprintf(item.rep.problem, sizeof item.rep.problem,
               "rows in %s of a till that the server's list of tills (chains) does "
               "not hold: no verification covers them", what);
    ++*chains;
    if (fn(&item, ctx)) break;
  }
  PQclear(r);
  return rc;
}
