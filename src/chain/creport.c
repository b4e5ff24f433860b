/* SPDX-License-Identifier: MIT */
/*
 * creport.c - rows read back from the server into a till database: the
 * loader central verify and the chain's reports share, and the reports'
 * selection by store and terminal (sales with their lines, evidence,
 * script failures, voids, returns and return lines, and every till's
 * verifications).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_int.h"

int chain_scratch_store(store **out, pi_error *err) {
  /* Borrowed by the store for its lifetime (store_open), hence static. */
  static const plugin_config scratch = {.durability = DURABILITY_NONE,
                                        .busy_timeout_ms = 2000};
  return store_open(":memory:", STORE_READWRITE, &scratch, out, err);
}

static int unhex(const char *s, unsigned char *out, size_t cap, size_t *n) {
  size_t len = strlen(s);
  if (len % 2 || len / 2 > cap) return -1;
  for (size_t i = 0; i < len / 2; i++) {
    unsigned v = 0;
    for (int k = 0; k < 2; k++) {
      char ch = s[2 * i + (size_t)k];
      unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
                   : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                                            : 16u;
      if (d > 15) return -1;
      v = v * 16 + d;
    }
    out[i] = (unsigned char)v;
  }
  *n = len / 2;
  return 0;
}

int chain_load_rows(PGconn *pg, sqlite3 *db, const char *select, int nparams,
                    const char *const *params, const char *insert, int blob_col,
                    pi_error *err) {
  Oid types[4] = {25, 25, 25, 25}; /* text: a query may leave one unused */
  if (nparams > 4) return pi_fail(err, PI_E_INTERNAL, "", "too many parameters");
  if (!PQsendQueryParams(pg, select, nparams, types, params, NULL, NULL, 0) ||
      !PQsetSingleRowMode(pg))
    return chain_pg_fail(pg, NULL, "reading from the server", err);
  sqlite3_stmt *q = NULL;
  int rc = 0;
  PGresult *r;
  while ((r = PQgetResult(pg)) != NULL) {
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_SINGLE_TUPLE && rc == 0) {
      int ncols = PQnfields(r);
      if (q == NULL) {
        /* The statement, once the row's width is known. */
        size_t cap = strlen(insert) + 16 + 2 * (size_t)ncols;
        char *sql = malloc(cap);
        if (sql == NULL) {
          rc = pi_fail(err, PI_E_NOMEM, "", "out of memory");
        } else {
          int n = snprintf(sql, cap, "%s VALUES(", insert);
          for (int i = 0; i < ncols; i++) n += snprintf(sql + n, cap - (size_t)n, i ? ",?" : "?");
          snprintf(sql + n, cap - (size_t)n, ")");
          if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
            rc = pi_fail(err, PI_E_STORAGE, "database", "preparing %s: %s", insert,
                         sqlite3_errmsg(db));
          free(sql);
        }
      }
      for (int i = 0; rc == 0 && i < ncols; i++) {
        if (PQgetisnull(r, 0, i)) {
          sqlite3_bind_null(q, i + 1);
        } else if (i == blob_col) {
          unsigned char blob[256];
          size_t len;
          if (unhex(PQgetvalue(r, 0, i), blob, sizeof blob, &len))
            rc = pi_fail(err, PI_E_BAD_VALUE, "salt", "a salt on the server is not hex "
                                                      "of at most 256 bytes");
          else
            sqlite3_bind_blob(q, i + 1, blob, (int)len, SQLITE_TRANSIENT);
        } else {
          sqlite3_bind_text(q, i + 1, PQgetvalue(r, 0, i), -1, SQLITE_TRANSIENT);
        }
      }
      if (rc == 0 && sqlite3_step(q) != SQLITE_DONE)
        rc = pi_fail(err, PI_E_STORAGE, "database", "%s: %s", insert, sqlite3_errmsg(db));
      if (q) sqlite3_reset(q);
    } else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && rc == 0) {
      rc = chain_pg_fail(pg, r, "reading from the server", err);
    }
    PQclear(r);
  }
  sqlite3_finalize(q);
  return rc;
}

/* `cols` ("a,b,c") without its first `skip` names, each prefixed with
 * `alias` ("l."), into buf[cap]. */
static void prefixed(const char *cols, int skip, const char *alias, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = '\0';
  for (const char *p = cols; *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (skip > 0) {
      skip--;
    } else if (n < cap) {
      n += (size_t)snprintf(buf + n, cap - n, "%s%s%.*s", n ? ", " : "", alias, (int)len, p);
    }
    p += len + (e != NULL);
  }
}

/* The selected sales, numbered anew in the order of till and id: only
 * those of a till that `chains` lists, which are the ones central verify
 * walks (cverify.c reports any other row); child rows are joined to them
 * by store, chain and sale id, as cverify.c loads them. */
#define SELECTED                                                               \
  "WITH s AS (SELECT row_number() OVER (ORDER BY chain, id) AS nid, *"         \
  " FROM sales WHERE ($1 = '' OR store = $1) AND ($2 = '' OR terminal = $2)"   \
  " AND EXISTS (SELECT 1 FROM chains c WHERE c.chain = sales.chain)) "

int chain_report_store(PGconn *pg, const char *store_id, const char *terminal,
                       store **out, pi_error *err) {
  *out = NULL;
  store *st;
  if (chain_scratch_store(&st, err)) return -1;
  sqlite3 *db = store_db(st);
  char cols[1024], sql[2048];
  const char *params[2] = {store_id ? store_id : "", terminal ? terminal : ""};
  PGresult *r = PQexec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : chain_pg_fail(pg, r, "reading", err);
  PQclear(r);
  if (rc == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    rc = pi_fail(err, PI_E_STORAGE, "database", "%s", sqlite3_errmsg(db));

  prefixed(CHAIN_SALES_COLS, 1, "s.", cols, sizeof cols);
  snprintf(sql, sizeof sql, SELECTED "SELECT s.nid, %s FROM s", cols);
  if (rc == 0)
    rc = chain_load_rows(pg, db, sql, 2, params, "INSERT INTO sales(" CHAIN_SALES_COLS ")",
                         -1, err);
  prefixed(CHAIN_LINES_COLS, 1, "l.", cols, sizeof cols);
  snprintf(sql, sizeof sql,
           SELECTED "SELECT s.nid, %s FROM lines l JOIN s ON l.store = s.store"
                    " AND l.chain = s.chain AND l.sale_id = s.id",
           cols);
  if (rc == 0)
    rc = chain_load_rows(pg, db, sql, 2, params, "INSERT INTO lines(" CHAIN_LINES_COLS ")",
                         -1, err);
  prefixed(CHAIN_EVIDENCE_COLS, 2, "e.", cols, sizeof cols);
  snprintf(sql, sizeof sql,
           SELECTED "SELECT row_number() OVER (ORDER BY e.chain, e.id), s.nid, %s"
                    " FROM evidence e JOIN s ON e.store = s.store"
                    " AND e.chain = s.chain AND e.sale_id = s.id",
           cols);
  if (rc == 0)
    rc = chain_load_rows(pg, db, sql, 2, params,
                         "INSERT INTO evidence(" CHAIN_EVIDENCE_COLS ")", -1, err);
  prefixed(CHAIN_SCRIPT_ERRORS_COLS, 1, "f.", cols, sizeof cols);
  snprintf(sql, sizeof sql,
           SELECTED "SELECT s.nid, %s FROM script_errors f JOIN s ON f.store = s.store"
                    " AND f.chain = s.chain AND f.sale_id = s.id",
           cols);
  if (rc == 0)
    rc = chain_load_rows(pg, db, sql, 2, params,
                         "INSERT INTO script_errors(" CHAIN_SCRIPT_ERRORS_COLS ")", -1, err);
  prefixed(CHAIN_VOIDS_COLS, 1, "v.", cols, sizeof cols);
  snprintf(sql, sizeof sql,
           SELECTED "SELECT s.nid, %s FROM voids v JOIN s ON v.store = s.store"
                    " AND v.chain = s.chain AND v.sale_id = s.id",
           cols);
  if (rc == 0)
    rc = chain_load_rows(pg, db, sql, 2, params, "INSERT INTO voids(" CHAIN_VOIDS_COLS ")",
                         -1, err);
  /* Returns of the selected sales, numbered anew in the order of till and
   * id (their original sale's new id), and their lines. */
  prefixed(CHAIN_RETURNS_COLS, 2, "x.", cols, sizeof cols);
  snprintf(sql, sizeof sql,
           SELECTED "SELECT row_number() OVER (ORDER BY x.chain, x.id), s.nid, %s"
                    " FROM returns x JOIN s ON x.store = s.store"
                    " AND x.chain = s.chain AND x.sale_id = s.id",
           cols);
  if (rc == 0)
    rc = chain_load_rows(pg, db, sql, 2, params,
                         "INSERT INTO returns(" CHAIN_RETURNS_COLS ")", -1, err);
  prefixed(CHAIN_RETURN_LINES_COLS, 1, "rl.", cols, sizeof cols);
  snprintf(sql, sizeof sql,
           SELECTED ", r AS (SELECT row_number() OVER (ORDER BY x.chain, x.id) AS rid,"
                    " x.store, x.chain, x.id FROM returns x JOIN s ON x.store = s.store"
                    " AND x.chain = s.chain AND x.sale_id = s.id)"
                    " SELECT r.rid, %s FROM return_lines rl JOIN r ON rl.store = r.store"
                    " AND rl.chain = r.chain AND rl.return_id = r.id",
           cols);
  if (rc == 0)
    rc = chain_load_rows(pg, db, sql, 2, params,
                         "INSERT INTO return_lines(" CHAIN_RETURN_LINES_COLS ")", -1, err);
  /* The online checks of VAT numbers (the resellers report's verification
   * columns): every listed till's, whatever the store or terminal
   * selected -- a register's answer about a number holds for the company,
   * whichever till asked -- numbered anew in the order they were asked
   * (checked_at, RFC 3339 UTC), then of till and id, so a number's latest
   * check across the chain is the last, as on a till.  Read under the
   * till's home store, as central verify reads them (cverify.c). */
  prefixed(CHAIN_VERIFICATIONS_COLS, 1, "v.", cols, sizeof cols);
  snprintf(sql, sizeof sql,
           "SELECT row_number() OVER (ORDER BY v.checked_at, v.chain, v.id), %s"
           " FROM verifications v WHERE EXISTS (SELECT 1"
           " FROM chains c WHERE c.store = v.store AND c.chain = v.chain)",
           cols);
  if (rc == 0)
    rc = chain_load_rows(pg, db, sql, 0, NULL,
                         "INSERT INTO verifications(" CHAIN_VERIFICATIONS_COLS ")", -1,
                         err);
  if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    rc = pi_fail(err, PI_E_STORAGE, "database", "%s", sqlite3_errmsg(db));
  if (PQstatus(pg) == CONNECTION_OK) PQclear(PQexec(pg, rc ? "ROLLBACK" : "COMMIT"));
  if (rc) {
    store_close(st);
    return -1;
  }
  *out = st;
  return 0;
}
