/* SPDX-License-Identifier: MIT */
/* verifications.c - online checks of VAT numbers as appended rows, each
 * with its journal entry (verifications.h). */
#include "store/verifications.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/journal.h"
#include "store/store_int.h"

static const char *const outcome_names[] = {"unverified", "valid", "invalid",
                                            "unavailable", "input_error"};

const char *vcheck_outcome_name(vcheck_outcome o) {
  return (unsigned)o < sizeof outcome_names / sizeof outcome_names[0] ? outcome_names[o]
                                                                     : "";
}

static void bind_opt(sqlite3_stmt *q, int i, const char *v) {
  if (v[0] == '\0') sqlite3_bind_null(q, i);
  else sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}

int store_vcheck_add(store *st, const vcheck *v, pi_error *err) {
  if (v->outcome == VCHECK_NONE || !vcheck_outcome_name(v->outcome)[0])
    return pi_fail(err, PI_E_BAD_VALUE, "outcome", "a check needs an outcome");
  if (st->readonly)
    return pi_fail(err, PI_E_STORAGE, "database", "the database is open read-only");
  if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "starting to record a verification");
  sqlite3_stmt *q;
  int rc = 0;
  if (sqlite3_prepare_v2(st->db,
                         "INSERT INTO verifications(number, country, service, requester,"
                         " outcome, code, detail, checked_at, request_date, consultation,"
                         " retry_after, name, address)"
                         " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
                         -1, &q, NULL) != SQLITE_OK) {
    rc = store_db_fail(st, err, "recording a verification");
  } else {
    sqlite3_bind_text(q, 1, v->number, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, v->country, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, v->service, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, v->requester, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, vcheck_outcome_name(v->outcome), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, v->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, v->detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, v->checked_at, -1, SQLITE_STATIC);
    bind_opt(q, 9, v->request_date);
    bind_opt(q, 10, v->consultation);
    bind_opt(q, 11, v->outcome == VCHECK_UNAVAILABLE ? v->retry_after : "");
    bind_opt(q, 12, v->name);
    bind_opt(q, 13, v->address);
    if (sqlite3_step(q) != SQLITE_DONE) rc = store_db_fail(st, err, "recording a verification");
    sqlite3_finalize(q);
  }
  if (rc == 0)
    rc = journal_append_verification(st->jr, sqlite3_last_insert_rowid(st->db),
                                     v->checked_at, err);
  if (rc == 0 && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    rc = store_db_fail(st, err, "committing a verification");
  if (rc && !sqlite3_get_autocommit(st->db))
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

static void col(char *dst, size_t cap, sqlite3_stmt *q, int i) {
  const char *v = (const char *)sqlite3_column_text(q, i);
  snprintf(dst, cap, "%s", v ? v : "");
}

store_lookup store_vcheck_status(store *st, const char *number, vcheck *out,
                                 pi_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db,
                         "SELECT number, country, service, requester, outcome, code,"
                         " detail, checked_at, request_date, consultation, retry_after,"
                         " name, address FROM verifications WHERE number=?1"
                         " ORDER BY id DESC LIMIT 1",
                         -1, &q, NULL) != SQLITE_OK) {
    store_db_fail(st, err, "reading verifications");
    return STORE_LOOKUP_FAILED;
  }
  sqlite3_bind_text(q, 1, number, -1, SQLITE_STATIC);
  int step = sqlite3_step(q);
  store_lookup rc = STORE_NOT_FOUND;
  if (step == SQLITE_ROW) {
    char outcome[16];
    col(out->number, sizeof out->number, q, 0);
    col(out->country, sizeof out->country, q, 1);
    col(out->service, sizeof out->service, q, 2);
    col(out->requester, sizeof out->requester, q, 3);
    col(outcome, sizeof outcome, q, 4);
    for (int o = VCHECK_VALID; o <= VCHECK_INPUT_ERROR; o++)
      if (strcmp(outcome, vcheck_outcome_name((vcheck_outcome)o)) == 0)
        out->outcome = (vcheck_outcome)o;
    col(out->code, sizeof out->code, q, 5);
    col(out->detail, sizeof out->detail, q, 6);
    col(out->checked_at, sizeof out->checked_at, q, 7);
    col(out->request_date, sizeof out->request_date, q, 8);
    col(out->consultation, sizeof out->consultation, q, 9);
    col(out->retry_after, sizeof out->retry_after, q, 10);
    col(out->name, sizeof out->name, q, 11);
    col(out->address, sizeof out->address, q, 12);
    rc = STORE_FOUND;
  } else if (step != SQLITE_DONE) {
    store_db_fail(st, err, "reading verifications");
    rc = STORE_LOOKUP_FAILED;
  }
  sqlite3_finalize(q);
  if (rc != STORE_FOUND) memset(out, 0, sizeof *out);
  return rc;
}

int64_t store_vcheck_failures(store *st, const char *number, pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db,
                         "SELECT count(*) FROM verifications WHERE number=?1 AND"
                         " outcome='unavailable' AND id > coalesce((SELECT max(id) FROM"
                         " verifications WHERE number=?1 AND outcome<>'unavailable'), 0)",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "reading verifications");
  sqlite3_bind_text(q, 1, number, -1, SQLITE_STATIC);
  int64_t n = -1;
  if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  if (n < 0) return store_db_fail(st, err, "reading verifications");
  return n;
}

int store_vcheck_due(store *st, const char *now, const char *const *prefixes,
                     store_vcheck_due_fn fn, void *ctx, pi_error *err) {
  sqlite3_stmt *q;
  /* On file: the latest version of each open account; with sales: the
   * numbers the till found valid offline.  Due: never checked, or last
   * found unavailable and its retry time has come. */
  if (sqlite3_prepare_v2(
          st->db,
          "WITH nums(number, country) AS ("
          " SELECT e.compact, e.country FROM account_evidence e"
          "  JOIN accounts a ON a.id = e.account_id"
          "  WHERE e.kind = 'vat' AND a.status = 'open' AND NOT EXISTS(SELECT 1 FROM"
          "  accounts b WHERE b.store = a.store AND b.account = a.account AND"
          "  b.version > a.version)"
          " UNION SELECT compact, country FROM evidence WHERE kind = 'vat' AND valid = 1)"
          " SELECT n.number, n.country FROM nums n"
          " LEFT JOIN verifications v ON v.id = (SELECT max(id) FROM verifications"
          "  WHERE number = n.number)"
          " WHERE v.id IS NULL OR (v.outcome = 'unavailable' AND v.retry_after <= ?1)"
          " ORDER BY n.number",
          -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "finding the numbers to verify");
  sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
  /* Read them all first: `fn` may write to the database. */
  typedef struct due_row {
    char number[TAXID_COMPACT_MAX], country[3];
  } due_row;
  due_row *rows = NULL;
  size_t n = 0, cap = 0;
  int step, rc = 0;
  while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
    const char *number = (const char *)sqlite3_column_text(q, 0);
    const char *country = (const char *)sqlite3_column_text(q, 1);
    int wanted = prefixes == NULL;
    for (const char *const *p = prefixes; p && *p && !wanted; p++)
      wanted = country && strcmp(*p, country) == 0;
    if (!wanted || number == NULL || country == NULL) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      due_row *r = realloc(rows, cap * sizeof *rows);
      if (r == NULL) {
        rc = pi_fail(err, PI_E_NOMEM, "verifications", "out of memory");
        break;
      }
      rows = r;
    }
    snprintf(rows[n].number, sizeof rows[n].number, "%s", number);
    snprintf(rows[n].country, sizeof rows[n].country, "%s", country);
    n++;
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = store_db_fail(st, err, "finding the numbers to verify");
  sqlite3_finalize(q);
  for (size_t i = 0; rc == 0 && i < n; i++) rc = fn(ctx, rows[i].number, rows[i].country);
  free(rows);
  return rc;
}
