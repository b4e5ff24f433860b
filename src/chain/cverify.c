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

/* In an order the till's references allow (sales first). */
static const table tables[] = {
    {"sales", CHAIN_SALES_COLS, CHAIN_SALES_COLS, "chain = $2"},
    {"lines", CHAIN_LINES_COLS, CHAIN_LINES_COLS, "chain = $2"},
    {"evidence", CHAIN_EVIDENCE_COLS, CHAIN_EVIDENCE_COLS, "chain = $2"},
    {"voids", CHAIN_VOIDS_COLS, CHAIN_VOIDS_COLS, "chain = $2"},
    {"salts", CHAIN_SALTS_COLS, "sale_id, field, encode(salt, 'hex')", "chain = $2"},
    {"journal", CHAIN_JOURNAL_COLS, CHAIN_JOURNAL_COLS, "store = $1 AND chain = $2"},
};
#define NTABLES (sizeof tables / sizeof tables[0])

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

/* Copy one table of chain (store, chain) from the server into db. */
static int load_table(PGconn *pg, sqlite3 *db, const table *t, const char *store_id,
                      const char *chain, pi_error *err) {
  char sql[1024], ins[1024];
  int ncols = 1;
  for (const char *p = t->cols; *p; p++) ncols += *p == ',';
  snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s", t->select, t->name, t->where);
  int n = snprintf(ins, sizeof ins, "INSERT INTO %s(%s) VALUES(", t->name, t->cols);
  for (int i = 0; i < ncols && n > 0 && (size_t)n < sizeof ins; i++)
    n += snprintf(ins + n, sizeof ins - (size_t)n, i ? ",?" : "?");
  snprintf(ins + n, sizeof ins - (size_t)n, ")");
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db, ins, -1, &q, NULL) != SQLITE_OK)
    return pi_fail(err, PI_E_STORAGE, "database", "preparing %s: %s", t->name,
                   sqlite3_errmsg(db));
  const char *params[2] = {store_id, chain};
  const Oid types[2] = {25, 25}; /* text: a query may name only $2 */
  if (!PQsendQueryParams(pg, sql, 2, types, params, NULL, NULL, 0) ||
      !PQsetSingleRowMode(pg)) {
    sqlite3_finalize(q);
    return chain_pg_fail(pg, NULL, "reading the chain", err);
  }
  int rc = 0;
  PGresult *r;
  while ((r = PQgetResult(pg)) != NULL) {
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_SINGLE_TUPLE && rc == 0) {
      sqlite3_reset(q);
      for (int i = 0; i < ncols; i++) {
        if (PQgetisnull(r, 0, i)) {
          sqlite3_bind_null(q, i + 1);
        } else if (strcmp(t->name, "salts") == 0 && i == 2) {
          unsigned char salt[256];
          size_t len;
          if (unhex(PQgetvalue(r, 0, i), salt, sizeof salt, &len)) {
            rc = pi_fail(err, PI_E_BAD_VALUE, "salt", "a salt on the server is not hex");
            break;
          }
          sqlite3_bind_blob(q, i + 1, salt, (int)len, SQLITE_TRANSIENT);
        } else {
          sqlite3_bind_text(q, i + 1, PQgetvalue(r, 0, i), -1, SQLITE_TRANSIENT);
        }
      }
      if (rc == 0 && sqlite3_step(q) != SQLITE_DONE)
        rc = pi_fail(err, PI_E_STORAGE, "database", "loading %s: %s", t->name,
                     sqlite3_errmsg(db));
    } else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && rc == 0) {
      rc = chain_pg_fail(pg, r, "reading the chain", err);
    }
    PQclear(r);
  }
  sqlite3_finalize(q);
  return rc;
}

/* Verify one chain into item->rep. */
static int verify_one(PGconn *pg, chain_verify_item *item, pi_error *err) {
  plugin_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.durability = DURABILITY_NONE; /* a scratch copy, thrown away */
  cfg.busy_timeout_ms = 2000;
  store *st;
  if (store_open(":memory:", STORE_READWRITE, &cfg, &st, err)) return -1;
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
  int rc = 0;
  for (int i = 0; i < PQntuples(r); i++) {
    chain_verify_item item;
    memset(&item, 0, sizeof item);
    snprintf(item.store, sizeof item.store, "%s", PQgetvalue(r, i, 0));
    snprintf(item.chain, sizeof item.chain, "%s", PQgetvalue(r, i, 1));
    if (verify_one(pg, &item, err)) {
      rc = -1;
      break;
    }
    ++*chains;
    if (fn(&item, ctx)) break;
  }
  PQclear(r);
  return rc;
}
