/* SPDX-License-Identifier: MIT */
/* erase.c - erasure of personal data: every field, every place, no copy. */
#include "store/erase.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "store/journal.h"
#include "base/jsonw.h"

static int db_fail(sqlite3 *db, pi_error *err, const char *what) {
  return pi_fail(err, PI_E_STORAGE, "database", "%s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, pi_error *err) {
  return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_fail(db, err, sql);
}

/* ------------------------------------------------------------------------ */
/* The stored reply                                                          */

/* The receipt lines the plugin itself prints (decide.c), rebuilt from the
 * recorded sale: "Gift receipt", and for a resale with valid evidence
 * "Purchased for resale - <kind> <identifier>".  They name no person (a
 * business identifier is kept by law anyway).  Every other line was written
 * by a store script and may hold anything: "Gift message: ...". */
static int own_line(const char *text, const char *kind, const char *id, int valid) {
  if (strcmp(text, "Gift receipt") == 0) return 1;
  if (!valid || kind == NULL || id == NULL) return 0;
  const char *what = strcmp(kind, "vat") == 0    ? "VAT"
                     : strcmp(kind, "eori") == 0 ? "EORI"
                                                 : "resale certificate";
  char line[192];
  snprintf(line, sizeof line, "Purchased for resale - %s %s", what, id);
  return strcmp(text, line) == 0;
}

/* Where the top-level "receipt" array of a reply written by reply.c is:
 * *start at its '[', returns the byte after its ']', or NULL.  The array
 * holds strings only; a '"' inside them is escaped, so the key cannot be
 * matched inside a string. */
static const char *receipt_span(const char *reply, const char **start) {
  const char *p = strstr(reply, "\"receipt\":[");
  if (p == NULL || p == reply || (p[-1] != ',' && p[-1] != '{')) return NULL;
  p = strchr(p, '[');
  *start = p++;
  int in_str = 0;
  for (; *p; p++) {
    if (in_str) {
      if (*p == '\\' && p[1]) p++;
      else if (*p == '"') in_str = 0;
    } else if (*p == '"') {
      in_str = 1;
    } else if (*p == ']') {
      return p + 1;
    }
  }
  return NULL;
}

/* Remove the script-written receipt lines from sale `id`'s stored reply
 * (the answer a resent completion gets), through journal_rewrite_reply:
 * the reply is chained as a salted digest, and a rewrite gets a new salt
 * and an "erase" entry that verification holds the new text to.  The rest
 * of the reply keeps its bytes.  *removed receives how many lines went.
 * Returns 0 or -1. */
static int scrub_reply(store *st, int64_t id, const char *at, int *removed,
                       pi_error *err) {
  sqlite3 *db = store_db(st);
  sqlite3_stmt *q;
  *removed = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT reply, reseller_kind, reseller_id, reseller_valid"
                         " FROM sales WHERE id=?1",
                         -1, &q, NULL) != SQLITE_OK)
    return db_fail(db, err, "reading the stored reply");
  sqlite3_bind_int64(q, 1, id);
  int step = sqlite3_step(q);
  if (step != SQLITE_ROW) {
    sqlite3_finalize(q);
    return step == SQLITE_DONE ? 0 : db_fail(db, err, "reading the stored reply");
  }
  const char *reply = (const char *)sqlite3_column_text(q, 0);
  const char *kind = (const char *)sqlite3_column_text(q, 1);
  const char *rid = (const char *)sqlite3_column_text(q, 2);
  int valid = sqlite3_column_int(q, 3);
  const char *start = NULL, *end = reply ? receipt_span(reply, &start) : NULL;
  cJSON *doc = end ? cJSON_Parse(reply) : NULL;
  cJSON *lines = cJSON_GetObjectItemCaseSensitive(doc, "receipt");
  jsonw w;
  memset(&w, 0, sizeof w);
  jw_reset(&w);
  jw_array(&w);
  int kept = 0, rc = 0;
  const cJSON *line;
  cJSON_ArrayForEach(line, lines) {
    if (cJSON_IsString(line) && own_line(line->valuestring, kind, rid, valid)) {
      jw_str(&w, line->valuestring);
      kept++;
    } else {
      (*removed)++;
    }
  }
  jw_end_array(&w);
  char *fresh = NULL;
  if (*removed > 0) {
    if (!jw_ok(&w)) {
      rc = jw_fail(&w, err, "reply");
    } else {
      size_t pre = (size_t)(start - reply), arr = strlen(w.buf), post = strlen(end);
      fresh = malloc(pre + arr + post + 1);
      if (fresh == NULL) {
        rc = pi_fail(err, PI_E_NOMEM, "", "out of memory");
      } else {
        memcpy(fresh, reply, pre);
        memcpy(fresh + pre, w.buf, arr);
        memcpy(fresh + pre + arr, end, post + 1);
        /* The result must be the same reply with the kept lines only. */
        cJSON *check = cJSON_Parse(fresh);
        if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(check, "receipt")) !=
            kept)
          rc = pi_fail(err, PI_E_STORAGE, "reply",
                       "the stored reply of sale row %lld could not be rewritten "
                       "without its script lines",
                       (long long)id);
        cJSON_Delete(check);
      }
    }
  }
  cJSON_Delete(doc);
  jw_free(&w);
  sqlite3_finalize(q);
  if (rc == 0 && fresh) rc = journal_rewrite_reply(store_journal(st), id, fresh, at, err);
  free(fresh);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Which sales                                                               */

/* The one sale `rq` names (ERASE_SALE, ERASE_RECIPIENT): store and terminal
 * may be left out only while that leaves one sale (store_find says which
 * when not).  Returns 0 with *id, or -1 with err (unknown_sale,
 * ambiguous_sale, storage). */
static int find_sale(store *st, const erase_request *rq, int64_t *id, pi_error *err) {
  store_sale found;
  store_lookup rc = store_find(st, rq->store, rq->terminal, rq->sale, &found, err);
  if (rc == STORE_FOUND) *id = found.rowid;
  store_sale_free(&found);
  if (rc == STORE_NOT_FOUND)
    return pi_fail(err, PI_E_UNKNOWN_SALE, "sale", "no sale %s is recorded%s%s%s%s", rq->sale,
                   rq->store ? " in store " : "", rq->store ? rq->store : "",
                   rq->terminal ? " on terminal " : "", rq->terminal ? rq->terminal : "");
  return rc == STORE_FOUND ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Erasing                                                                   */

/* Inside a transaction: erase `which` (NULL: everything personal) on sale
 * `id`, and the script lines of its stored reply.  *fields receives how
 * many fields went. */
static int erase_one(store *st, int64_t id, const char *const *which, const char *at,
                     int *fields, pi_error *err) {
  int removed = 0, k = 0;
  if (journal_erase(store_journal(st), id, which, at, &k, err) ||
      scrub_reply(st, id, at, &removed, err))
    return -1;
  *fields = k + (removed > 0); /* the reply's script lines count as one */
  return 0;
}

/* Commit or roll back the batch in hand. */
static int finish(sqlite3 *db, int rc, pi_error *err) {
  if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return 0;
  if (rc == 0) db_fail(db, err, "committing the erasure");
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

/* One batch of a customer's sales after row id *last: erase them, commit,
 * advance *last.  Returns the number of sales in the batch, or -1. */
static int customer_batch(store *st, const erase_request *rq, const char *at,
                          int64_t *last, erase_result *res, pi_error *err) {
  sqlite3 *db = store_db(st);
  const char *sql = rq->kind == ERASE_CUSTOMER
                        ? "SELECT id FROM sales WHERE customer_id=?1 AND id>?2"
                          " ORDER BY id LIMIT ?3"
                        : "SELECT id FROM sales WHERE customer_name=?1 AND id>?2"
                          " ORDER BY id LIMIT ?3";
  if (exec(db, "BEGIN IMMEDIATE", err)) return -1;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
    return finish(db, db_fail(db, err, "finding the sales"), err);
  sqlite3_bind_text(q, 1, rq->customer, -1, SQLITE_STATIC);
  sqlite3_bind_int64(q, 2, *last);
  sqlite3_bind_int(q, 3, ERASE_BATCH);
  /* Ids first: erasing while the SELECT is open would write the table it
   * reads. */
  int64_t ids[ERASE_BATCH];
  int n = 0, step;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    assert(n < ERASE_BATCH);
    ids[n++] = sqlite3_column_int64(q, 0);
  }
  sqlite3_finalize(q);
  if (step != SQLITE_DONE) return finish(db, db_fail(db, err, "finding the sales"), err);
  erase_result batch = {0, 0, 0, 0, 0};
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    int k = 0;
    rc = erase_one(st, ids[i], NULL, at, &k, err);
    batch.sales++;
    batch.erased += k > 0;
    batch.fields += k;
  }
  if (finish(db, rc, err)) return -1;
  res->sales += batch.sales;
  res->erased += batch.erased;
  res->fields += batch.fields;
  if (n) *last = ids[n - 1];
  return n;
}

/* Inside erase_account's transaction: the name and address the registers
 * returned for the account's VAT numbers (those on file in any version of
 * it), in every online check of them (verifications.h): cleared, their
 * salts dropped, an "erase" entry each (journal_erase_verification).
 * res->verifications counts the checks.  Returns 0 or -1 with err. */
static int erase_account_checks(store *st, const erase_request *rq, const char *at,
                                erase_result *res, pi_error *err) {
  sqlite3 *db = store_db(st);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db,
                         "SELECT id FROM verifications WHERE (name IS NOT NULL OR"
                         " address IS NOT NULL) AND number IN (SELECT e.compact FROM"
                         " account_evidence e JOIN accounts a ON a.id = e.account_id"
                         " WHERE e.kind = 'vat' AND a.account = ?1 AND"
                         " (?2 IS NULL OR a.store = ?2)) ORDER BY id",
                         -1, &q, NULL) != SQLITE_OK)
    return db_fail(db, err, "finding the account's verifications");
  sqlite3_bind_text(q, 1, rq->customer, -1, SQLITE_STATIC);
  if (rq->store) sqlite3_bind_text(q, 2, rq->store, -1, SQLITE_STATIC);
  /* Read whole before any is erased: erasing updates the table read. */
  int64_t *rows = NULL;
  size_t n = 0, cap = 0;
  int step, rc = 0;
  while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
    if (n == cap) {
      size_t ncap = cap ? 2 * cap : 16;
      int64_t *v = realloc(rows, ncap * sizeof *v);
      if (v == NULL) rc = pi_fail(err, PI_E_NOMEM, "", "out of memory");
      else rows = v, cap = ncap;
    }
    if (rc == 0) rows[n++] = sqlite3_column_int64(q, 0);
  }
  sqlite3_finalize(q);
  if (rc == 0 && step != SQLITE_DONE) rc = db_fail(db, err, "finding the account's verifications");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int k = 0;
    rc = journal_erase_verification(store_journal(st), rows[i], at, &k, err);
    res->verifications += k;
  }
  free(rows);
  return rc;
}

/* ERASE_ACCOUNT: the name of every version of the account, in one
 * transaction (an account has a version per change: few), then its sales
 * as a customer's.  *fields counts the names erased.  Returns 0 or -1. */
static int erase_account(store *st, const erase_request *rq, const char *at,
                         erase_result *res, pi_error *err) {
  sqlite3 *db = store_db(st);
  if (exec(db, "BEGIN IMMEDIATE", err)) return -1;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db,
                         "SELECT id FROM accounts WHERE account=?1 AND"
                         " (?2 IS NULL OR store=?2) ORDER BY id",
                         -1, &q, NULL) != SQLITE_OK)
    return finish(db, db_fail(db, err, "finding the account"), err);
  sqlite3_bind_text(q, 1, rq->customer, -1, SQLITE_STATIC);
  if (rq->store) sqlite3_bind_text(q, 2, rq->store, -1, SQLITE_STATIC);
  int64_t *rows = NULL;
  size_t n = 0, cap = 0;
  int step, rc = 0;
  while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
    if (n == cap) {
      size_t ncap = cap ? 2 * cap : 16;
      int64_t *v = realloc(rows, ncap * sizeof *v);
      if (v == NULL) rc = pi_fail(err, PI_E_NOMEM, "", "out of memory");
      else rows = v, cap = ncap;
    }
    if (rc == 0) rows[n++] = sqlite3_column_int64(q, 0);
  }
  sqlite3_finalize(q);
  if (rc == 0 && step != SQLITE_DONE) rc = db_fail(db, err, "finding the account");
  if (rc == 0 && n == 0)
    rc = pi_fail(err, PI_E_UNKNOWN_ACCOUNT, "account",
                 "no account %s is on file%s%s; nothing was erased", rq->customer,
                 rq->store ? " in store " : "", rq->store ? rq->store : "");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int k = 0;
    rc = journal_erase_account(store_journal(st), rows[i], at, &k, err);
    res->names += k;
  }
  free(rows);
  if (rc == 0) rc = erase_account_checks(st, rq, at, res, err);
  if (finish(db, rc, err)) return -1;
  /* The account's sales, as a customer's; none is not an error here. */
  erase_request sales = {ERASE_CUSTOMER, rq->customer, NULL, NULL, NULL};
  int64_t last = 0;
  int got;
  do {
    got = customer_batch(st, &sales, at, &last, res, err);
    if (got < 0) return -1;
  } while (got == ERASE_BATCH);
  return 0;
}

/* Erase what rq names, batch by batch.  Returns 0 or -1 with err. */
static int erase_matching(store *st, const erase_request *rq, const char *at,
                          erase_result *res, pi_error *err) {
  sqlite3 *db = store_db(st);
  if (rq->kind == ERASE_ACCOUNT) {
    assert(rq->customer != NULL);
    return erase_account(st, rq, at, res, err);
  }
  if (rq->kind == ERASE_CUSTOMER || rq->kind == ERASE_CUSTOMER_NAME) {
    assert(rq->customer != NULL);
    int64_t last = 0;
    int n;
    do {
      n = customer_batch(st, rq, at, &last, res, err);
      if (n < 0) return -1;
    } while (n == ERASE_BATCH);
    if (res->sales == 0)
      return pi_fail(err, PI_E_NOT_FOUND, "customer",
                     "no sale is recorded for customer %s \"%s\"%s; nothing was erased",
                     rq->kind == ERASE_CUSTOMER ? "id" : "name", rq->customer,
                     rq->kind == ERASE_CUSTOMER_NAME ? " (already erased?)" : "");
    return 0;
  }
  /* What scripts kept (meta) or said (a failure's sentence) may name the
   * recipient as well. */
  static const char *const recipient[] = {"gift_message", "recipient_name",
                                          "recipient_contact", "meta", "message", NULL};
  assert(rq->sale != NULL);
  int64_t id = 0;
  if (exec(db, "BEGIN IMMEDIATE", err)) return -1;
  int k = 0, rc = find_sale(st, rq, &id, err);
  if (rc == 0)
    rc = erase_one(st, id, rq->kind == ERASE_RECIPIENT ? recipient : NULL, at, &k, err);
  if (finish(db, rc, err)) return -1;
  res->sales = 1;
  res->erased = k > 0;
  res->fields = k;
  return 0;
}

int erase_personal_data(store *st, const erase_request *rq, const char *at,
                        erase_result *res, pi_error *err) {
  sqlite3 *db = store_db(st);
  memset(res, 0, sizeof *res);
  if (sqlite3_db_readonly(db, "main") != 0)
    return pi_fail(err, PI_E_STORAGE, "database", "the database is open read-only");
  /* Freed bytes are overwritten, not left in the pages (this connection's
   * writes: the erasure's). */
  if (exec(db, "PRAGMA secure_delete=ON", err)) return -1;
  int rc = erase_matching(st, rq, at, res, err);
  /* The old values are still in WAL frames (and, until copied back, the
   * database file holds the old pages): copy everything into the database
   * file, overwritten as secure_delete left it, and empty the WAL.  The
   * -shm holds page numbers only.  Another connection's read transaction
   * would stop the checkpoint: the busy timeout waits for it.  Done also
   * when nothing matched, so that running an erasure again finishes the
   * checkpoint an earlier run could not. */
  int log = 0, done = 0;
  int ck = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
  if (ck != SQLITE_OK && (rc == 0 || err->kind != PI_E_STORAGE)) {
    char first[sizeof err->message];
    snprintf(first, sizeof first, "%s", rc == 0 ? "the erasure is recorded" : err->message);
    return pi_fail(err, PI_E_CHECKPOINT, "database",
                   "%s, but old copies may remain in the -wal file: the "
                   "checkpoint failed (%s); run the erasure again when no one "
                   "is reading the database",
                   first, sqlite3_errmsg(db));
  }
  return rc;
}
