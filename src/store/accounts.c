/* SPDX-License-Identifier: MIT */
/* accounts.c - customer accounts as versions in SQLite, each with its
 * journal entry (accounts.h). */
#include "store/accounts.h"

#include <stdio.h>
#include <string.h>

#include "store/journal.h"
#include "store/store_int.h"

#define ACCOUNT_COLS                                                           \
  "id, store, account, version, name, kind, purpose, status, created_at,"     \
  " updated_at"

static void copy_col(char *dst, size_t cap, sqlite3_stmt *q, int col) {
  const char *v = (const char *)sqlite3_column_text(q, col);
  snprintf(dst, cap, "%s", v ? v : "");
}

/* Fill *a from the current row of q (ACCOUNT_COLS) and its evidence.
 * Returns the row id, or -1 with err. */
static int64_t read_account(store *st, sqlite3_stmt *q, account *a, pi_error *err) {
  memset(a, 0, sizeof *a);
  int64_t row = sqlite3_column_int64(q, 0);
  copy_col(a->store, sizeof a->store, q, 1);
  copy_col(a->id, sizeof a->id, q, 2);
  a->version = sqlite3_column_int64(q, 3);
  a->name_erased = sqlite3_column_type(q, 4) == SQLITE_NULL;
  copy_col(a->name, sizeof a->name, q, 4);
  char text[16];
  copy_col(text, sizeof text, q, 5);
  account_kind_parse(text, &a->kind);
  copy_col(text, sizeof text, q, 6);
  if (text[0]) purpose_parse(text, &a->purpose);
  copy_col(text, sizeof text, q, 7);
  account_status_parse(text, &a->status);
  copy_col(a->created_at, sizeof a->created_at, q, 8);
  copy_col(a->updated_at, sizeof a->updated_at, q, 9);
  sqlite3_stmt *e;
  if (sqlite3_prepare_v2(st->db,
                         "SELECT kind, input, state, signed, expires, compact, country"
                         " FROM account_evidence WHERE account_id=?1 ORDER BY seq",
                         -1, &e, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "reading an account's evidence");
  sqlite3_bind_int64(e, 1, row);
  int step;
  while ((step = sqlite3_step(e)) == SQLITE_ROW) {
    if (a->nev == ACCOUNT_EVIDENCE_MAX) {
      sqlite3_finalize(e);
      return pi_fail(err, PI_E_STORAGE, "account",
                     "account %s holds more than %d pieces of evidence: the database "
                     "was changed behind posintent's back (run posintent verify)",
                     a->id, ACCOUNT_EVIDENCE_MAX);
    }
    account_evidence *v = &a->ev[a->nev++];
    copy_col(text, sizeof text, e, 0);
    if (taxid_kind_parse(text, &v->kind)) v->kind = TAXID_ANY;
    copy_col(v->input, sizeof v->input, e, 1);
    copy_col(v->state, sizeof v->state, e, 2);
    copy_col(v->signed_on, sizeof v->signed_on, e, 3);
    copy_col(v->expires, sizeof v->expires, e, 4);
    copy_col(v->compact, sizeof v->compact, e, 5);
    copy_col(v->country, sizeof v->country, e, 6);
  }
  sqlite3_finalize(e);
  if (step != SQLITE_DONE) return store_db_fail(st, err, "reading an account's evidence");
  return row;
}

store_lookup store_account_find(store *st, const char *store_id, const char *id,
                                account *out, pi_error *err) {
  sqlite3_stmt *q;
  memset(out, 0, sizeof *out);
  if (sqlite3_prepare_v2(st->db,
                         "SELECT " ACCOUNT_COLS " FROM accounts WHERE store=?1 AND"
                         " account=?2 ORDER BY version DESC LIMIT 1",
                         -1, &q, NULL) != SQLITE_OK) {
    store_db_fail(st, err, "finding an account");
    return STORE_LOOKUP_FAILED;
  }
  sqlite3_bind_text(q, 1, store_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
  int step = sqlite3_step(q);
  store_lookup rc = STORE_NOT_FOUND;
  if (step == SQLITE_ROW) rc = read_account(st, q, out, err) < 0 ? STORE_LOOKUP_FAILED
                                                                   : STORE_FOUND;
  else if (step != SQLITE_DONE) rc = (store_db_fail(st, err, "finding an account"),
                                      STORE_LOOKUP_FAILED);
  sqlite3_finalize(q);
  if (rc != STORE_FOUND) memset(out, 0, sizeof *out);
  return rc;
}

/* Bind text, or NULL for "" when `null_empty`. */
static void bind_text(sqlite3_stmt *q, int i, const char *v, int null_empty) {
  if (null_empty && v[0] == '\0') sqlite3_bind_null(q, i);
  else sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}

/* Inside a write transaction: insert version a->version of `a` with its
 * evidence and append its journal entry. */
static int insert_version(store *st, const account *a, pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db,
                         "INSERT INTO accounts(store, account, version, name, kind,"
                         " purpose, status, created_at, updated_at)"
                         " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "writing the account");
  bind_text(q, 1, a->store, 0);
  bind_text(q, 2, a->id, 0);
  sqlite3_bind_int64(q, 3, a->version);
  if (a->name_erased) sqlite3_bind_null(q, 4);
  else bind_text(q, 4, a->name, 0);
  bind_text(q, 5, account_kind_name(a->kind), 0);
  bind_text(q, 6, purpose_name(a->purpose), 0);
  bind_text(q, 7, account_status_name(a->status), 0);
  bind_text(q, 8, a->created_at, 0);
  bind_text(q, 9, a->updated_at, 0);
  int step = sqlite3_step(q);
  sqlite3_finalize(q);
  if (step != SQLITE_DONE) return store_db_fail(st, err, "writing the account");
  int64_t row = sqlite3_last_insert_rowid(st->db);
  if (sqlite3_prepare_v2(st->db,
                         "INSERT INTO account_evidence(account_id, seq, kind, input,"
                         " state, signed, expires, compact, country)"
                         " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "writing the account's evidence");
  for (size_t i = 0; i < a->nev; i++) {
    const account_evidence *e = &a->ev[i];
    sqlite3_bind_int64(q, 1, row);
    sqlite3_bind_int64(q, 2, (int64_t)i + 1);
    bind_text(q, 3, taxid_kind_name(e->kind), 0);
    bind_text(q, 4, e->input, 0);
    bind_text(q, 5, e->state, 1);
    bind_text(q, 6, e->signed_on, 1);
    bind_text(q, 7, e->expires, 1);
    bind_text(q, 8, e->compact, 0);
    bind_text(q, 9, e->country, 0);
    step = sqlite3_step(q);
    sqlite3_reset(q);
    if (step != SQLITE_DONE) {
      sqlite3_finalize(q);
      return store_db_fail(st, err, "writing the account's evidence");
    }
  }
  sqlite3_finalize(q);
  return journal_append_account(st->jr, row, a->updated_at, err);
}

/* The latest version of a->id in a->store, or 0 when none; -1 with err. */
static int64_t latest_version(store *st, const account *a, account_status *status,
                              pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db,
                         "SELECT version, status FROM accounts WHERE store=?1 AND"
                         " account=?2 ORDER BY version DESC LIMIT 1",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "reading the account");
  sqlite3_bind_text(q, 1, a->store, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, a->id, -1, SQLITE_STATIC);
  int step = sqlite3_step(q);
  int64_t v = 0;
  if (step == SQLITE_ROW) {
    v = sqlite3_column_int64(q, 0);
    *status = strcmp((const char *)sqlite3_column_text(q, 1), "closed") == 0
                  ? ACCOUNT_CLOSED
                  : ACCOUNT_OPEN;
  }
  sqlite3_finalize(q);
  if (step != SQLITE_ROW && step != SQLITE_DONE)
    return store_db_fail(st, err, "reading the account");
  return v;
}

/* Commit, or roll back after a failure (rc != 0).  Returns 0 or -1. */
static int finish(store *st, int rc, pi_error *err) {
  if (rc == 0 && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return 0;
  if (rc == 0) store_db_fail(st, err, "committing the account");
  if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

static int begin(store *st, pi_error *err) {
  if (st->readonly)
    return pi_fail(err, PI_E_STORAGE, "database", "the database is open read-only");
  if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "starting to write the account");
  return 0;
}

int store_account_add(store *st, account *a, const char *at, pi_error *err) {
  if (account_check(a, err) || begin(st, err)) return -1;
  account_status status;
  int64_t v = latest_version(st, a, &status, err);
  int rc = v < 0 ? -1 : 0;
  if (v > 0)
    rc = pi_fail(err, PI_E_CONFLICT, "account",
                 "store %s already has an account %s (%s); change it with `posintent "
                 "account update`, or choose another id",
                 a->store, a->id, account_status_name(status));
  account w = *a;
  w.version = 1;
  w.status = ACCOUNT_OPEN;
  snprintf(w.created_at, sizeof w.created_at, "%s", at);
  snprintf(w.updated_at, sizeof w.updated_at, "%s", at);
  if (rc == 0) rc = insert_version(st, &w, err);
  if (finish(st, rc, err)) return -1;
  *a = w;
  return 0;
}

int store_account_update(store *st, account *a, const char *at, pi_error *err) {
  if (account_check(a, err) || begin(st, err)) return -1;
  account_status status = ACCOUNT_OPEN;
  int64_t v = latest_version(st, a, &status, err);
  int rc = v < 0 ? -1 : 0;
  if (v == 0)
    rc = pi_fail(err, PI_E_UNKNOWN_ACCOUNT, "account", "store %s has no account %s",
                 a->store, a->id);
  else if (v > 0 && status == ACCOUNT_CLOSED)
    rc = pi_fail(err, PI_E_ACCOUNT_CLOSED, "account",
                 "account %s of store %s is closed; a closed account stays closed "
                 "(add a new one)",
                 a->id, a->store);
  else if (v > 0 && v != a->version)
    rc = pi_fail(err, PI_E_CONFLICT, "account",
                 "account %s was changed meanwhile (version %lld, read as %lld): read "
                 "it again",
                 a->id, (long long)v, (long long)a->version);
  account w = *a;
  w.version = v + 1;
  snprintf(w.updated_at, sizeof w.updated_at, "%s", at);
  if (rc == 0) rc = insert_version(st, &w, err);
  if (finish(st, rc, err)) return -1;
  *a = w;
  return 0;
}

int store_account_list(store *st, const char *store_id, int with_closed,
                       store_account_fn fn, void *ctx, pi_error *err) {
  sqlite3_stmt *q;
  /* The latest version of each (store, account): the row no later version
   * of the same account follows. */
  if (sqlite3_prepare_v2(st->db,
                         "SELECT " ACCOUNT_COLS " FROM accounts a WHERE"
                         " (?1 IS NULL OR store=?1) AND (?2 OR status='open') AND"
                         " NOT EXISTS(SELECT 1 FROM accounts b WHERE b.store=a.store AND"
                         " b.account=a.account AND b.version>a.version)"
                         " ORDER BY store, account",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "listing the accounts");
  if (store_id) sqlite3_bind_text(q, 1, store_id, -1, SQLITE_STATIC);
  sqlite3_bind_int(q, 2, with_closed != 0);
  int step, rc = 0;
  while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
    account a;
    if (read_account(st, q, &a, err) < 0) rc = -1;
    else rc = fn(ctx, &a);
  }
  if (rc == 0 && step != SQLITE_DONE) rc = store_db_fail(st, err, "listing the accounts");
  sqlite3_finalize(q);
  return rc;
}

int store_home_id(store *st, char out[SALE_ID_MAX], pi_error *err) {
  sqlite3_stmt *q;
  out[0] = '\0';
  if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key='store_id'", -1, &q,
                         NULL) != SQLITE_OK)
    return store_db_fail(st, err, "reading meta");
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) copy_col(out, SALE_ID_MAX, q, 0);
  sqlite3_finalize(q);
  return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : store_db_fail(st, err, "reading meta");
}
