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

/* In an order the till's references allow (sales first). */
static const table tables[] = {
    {"sales", CHAIN_SALES_COLS, CHAIN_SALES_COLS, "chain = $2"},
    {"lines", CHAIN_LINES_COLS, CHAIN_LINES_COLS, OF_SALE("lines")},
    {"evidence", CHAIN_EVIDENCE_COLS, CHAIN_EVIDENCE_COLS, OF_SALE("evidence")},
    {"voids", CHAIN_VOIDS_COLS, CHAIN_VOIDS_COLS, OF_SALE("voids")},
    {"salts", CHAIN_SALTS_COLS, "sale_id, field, encode(salt, 'hex')", OF_SALE("salts")},
    {"returns", CHAIN_RETURNS_COLS, CHAIN_RETURNS_COLS, OF_SALE("returns")},
    {"return_lines", CHAIN_RETURN_LINES_COLS, CHAIN_RETURN_LINES_COLS, OF_RETURN},
    {"journal", CHAIN_JOURNAL_COLS, CHAIN_JOURNAL_COLS, "store = $1 AND chain = $2"},
};

/* Rows of a till that `chains` does not list (nothing walks them, yet a
 * report would read its sales if it did not check chains either), and
 * child rows that belong to no sale: one row per (store, chain) with the
 * tables they were found in. */
static const char orphans_sql[] =
    "SELECT store, chain, string_agg(DISTINCT what, ', ' ORDER BY what) FROM ("
    " SELECT store, chain, 'sales' AS what FROM sales"
    " UNION SELECT store, chain, 'journal' FROM journal"
    " UNION SELECT store, chain, 'lines' FROM lines"
    " UNION SELECT store, chain, 'evidence' FROM evidence"
    " UNION SELECT store, chain, 'voids' FROM voids"
    " UNION SELECT store, chain, 'salts' FROM salts"
    " UNION SELECT store, chain, 'returns' FROM returns"
    " UNION SELECT store, chain, 'return_lines' FROM return_lines) x"
    " WHERE NOT EXISTS (SELECT 1 FROM chains c WHERE c.chain = x.chain)"
    " GROUP BY store, chain"
    " UNION ALL SELECT store, chain, 'rows of no sale: ' ||"
    " string_agg(DISTINCT what, ', ' ORDER BY what) FROM ("
    " SELECT store, chain, sale_id, 'lines' AS what FROM lines"
    " UNION SELECT store, chain, sale_id, 'evidence' FROM evidence"
    " UNION SELECT store, chain, sale_id, 'voids' FROM voids"
    " UNION SELECT store, chain, sale_id, 'salts' FROM salts"
    " UNION SELECT store, chain, sale_id, 'returns' FROM returns) y"
    " WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.store = y.store"
    " AND s.chain = y.chain AND s.id = y.sale_id)"
    " GROUP BY store, chain"
    " UNION ALL SELECT store, chain, 'rows of no sale: return_lines of no return'"
    " FROM return_lines rl WHERE NOT EXISTS (SELECT 1 FROM returns r JOIN sales s"
    " ON s.store = r.store AND s.chain = r.chain AND s.id = r.sale_id"
    " WHERE r.store = rl.store AND r.chain = rl.chain AND r.id = rl.return_id)"
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
