/* SPDX-License-Identifier: MIT */
/* report_evidence.c - `report evidence --expiring-within 30d`: the evidence
 * on file (customer accounts, store/accounts.h) that needs the store's
 * attention before it lets a sale down: certificates that expire within
 * the window, and those already expired.
 *
 * A row is one piece of evidence of one account, and its `kind` column
 * says why it is listed ("expired", "expiring"), so that other reasons
 * (a number that failed online verification) are rows of the same report
 * with a kind of their own. */
#include "report/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "store/accounts.h"
#include "store/verifications.h"

const char *const report_evidence_columns[REPORT_EVIDENCE_NCOLUMNS] = {
    "kind",  "store",  "account", "name",    "evidence",
    "state", "number", "expires", "days_left"};

int report_window_parse(const char *s, int *days, pi_error *err) {
  const char *field = "--expiring-within";
  if (s == NULL || s[0] == '\0')
    return pi_fail(err, PI_E_USAGE, field, "%s needs a duration such as 30d", field);
  size_t n = 0;
  long v = 0;
  while (s[n] >= '0' && s[n] <= '9') {
    v = v * 10 + (s[n] - '0');
    if (v > REPORT_WINDOW_MAX_DAYS) {
      return pi_fail(err, PI_E_USAGE, field,
                     "%s '%s' is too long: at most %dd (ten years)", field, s,
                     REPORT_WINDOW_MAX_DAYS);
    }
    n++;
  }
  if (n == 0)
    return pi_fail(err, PI_E_USAGE, field,
                   "%s '%s' must start with a whole number of days, e.g. 30d", field, s);
  if (s[n] == '\0')
    return pi_fail(err, PI_E_USAGE, field,
                   "%s '%s' has no unit: write %sd (days)", field, s, s);
  if (s[n] != 'd' || s[n + 1] != '\0')
    return pi_fail(err, PI_E_USAGE, field,
                   "%s '%s': the unit must be d (days), e.g. 30d", field, s);
  *days = (int)v;
  return 0;
}

/* One row, held until every account has been read and the rows sorted. */
typedef struct ev_row {
  const char *kind;              /* "expired", "expiring"; "invalid",
                                    "input_error" (a failed verification) */
  const char *evidence;          /* "resale_cert" or "vat"                 */
  int has_days;                  /* 0: a failed verification (no expiry)  */
  char store[SALE_ID_MAX];
  char account[ACCOUNT_ID_MAX];
  char name[SALE_NAME_MAX];      /* "" once erased                        */
  char state[3];
  char number[SALE_NAME_MAX];
  char expires[11];
  long days_left;
} ev_row;

typedef struct collect {
  store *st;                     /* for the verifications of VAT numbers   */
  long today, last;              /* days since 1970: the day, and the
                                    window's last day                     */
  ev_row *rows;
  size_t n, cap;
  const report_out *out;         /* for warnings                          */
  pi_error *err;
} collect;

static long day_number(const char *ymd) {
  int y, m, d;
  return cal_parse_date(ymd, &y, &m, &d) ? -1 : cal_days_from_civil(y, m, d);
}

/* store_account_list callback: the certificates of one account that
 * expire by the window's last day. */
/* The kind of the row of a VAT number whose latest online check failed
 * (store/verifications.h): "invalid" (not registered) or "input_error"
 * (the register refused the request); NULL when it did not fail (valid,
 * unavailable -- still to be asked --, or never checked).  -1 in *failed
 * with err when the database cannot be read. */
static const char *failed_check(collect *c, const account_evidence *e, int *failed) {
  vcheck v;
  *failed = 0;
  store_lookup f = store_vcheck_status(c->st, e->compact, &v, c->err);
  if (f == STORE_LOOKUP_FAILED) {
    *failed = -1;
    return NULL;
  }
  if (v.outcome == VCHECK_INVALID) return "invalid";
  if (v.outcome == VCHECK_INPUT_ERROR) return "input_error";
  return NULL;
}

static int take_account(void *ctx, const account *a) {
  collect *c = ctx;
  for (size_t i = 0; i < a->nev; i++) {
    const account_evidence *e = &a->ev[i];
    const char *failed_kind = NULL;
    long exp = 0;
    if (e->kind == TAXID_VAT) {
      int failed;
      failed_kind = failed_check(c, e, &failed);
      if (failed) return -1;
      if (failed_kind == NULL) continue;
    } else {
      if (e->kind != TAXID_CERT || e->expires[0] == '\0') continue;
      exp = day_number(e->expires);
      if (exp < 0) {
        /* account_evidence_cert files only real dates: a row edited behind
         * its back.  Said, never skipped in silence; verify finds the edit. */
        if (c->out->warn) {
          char msg[300];
          snprintf(msg, sizeof msg,
                   "account %s of store %s: the %s certificate's expiry '%s' is not a "
                   "date; posintent verify checks the records",
                   a->id, a->store, e->state, e->expires);
          c->out->warn(c->out->warn_ctx, msg);
        }
        continue;
      }
      if (exp > c->last) continue;
    }
    if (c->n == c->cap) {
      size_t cap = c->cap ? 2 * c->cap : 64;
      ev_row *r = realloc(c->rows, cap * sizeof *r);
      if (r == NULL) {
        pi_fail(c->err, PI_E_NOMEM, "", "out of memory listing %zu certificates", c->n);
        return -1;
      }
      c->rows = r;
      c->cap = cap;
    }
    ev_row *r = &c->rows[c->n++];
    memset(r, 0, sizeof *r);
    memcpy(r->store, a->store, sizeof r->store);
    memcpy(r->account, a->id, sizeof r->account);
    if (!a->name_erased) memcpy(r->name, a->name, sizeof r->name);
    if (failed_kind) {
      r->kind = failed_kind;
      r->evidence = "vat";
      snprintf(r->number, sizeof r->number, "%s", e->compact);
      continue;
    }
    r->kind = exp < c->today ? "expired" : "expiring";
    r->evidence = "resale_cert";
    r->has_days = 1;
    memcpy(r->state, e->state, sizeof r->state);
    memcpy(r->number, e->input, sizeof r->number);
    memcpy(r->expires, e->expires, sizeof r->expires);
    r->days_left = exp - c->today;
  }
  return 0;
}

/* The most urgent first: by days left, then store, account, state. */
static int cmp_rows(const void *pa, const void *pb) {
  const ev_row *a = pa, *b = pb;
  /* Failed verifications first: nothing will make them good by waiting. */
  if (a->has_days != b->has_days) return a->has_days < b->has_days ? -1 : 1;
  if (a->days_left != b->days_left) return a->days_left < b->days_left ? -1 : 1;
  int c = strcmp(a->store, b->store);
  if (c == 0) c = strcmp(a->account, b->account);
  if (c == 0) c = strcmp(a->state, b->state);
  return c;
}

int report_evidence(store *st, const report_evidence_query *q, const report_out *out,
                    pi_error *err) {
  long today = day_number(q->on ? q->on : "");
  if (today < 0)
    return pi_fail(err, PI_E_USAGE, "--on", "--on '%s' is not a real date YYYY-MM-DD",
                   q->on ? q->on : "");
  if (q->within_days < 0 || q->within_days > REPORT_WINDOW_MAX_DAYS)
    return pi_fail(err, PI_E_USAGE, "--expiring-within",
                   "the window must be 0 to %d days", REPORT_WINDOW_MAX_DAYS);
  collect c = {st, today, today + q->within_days, NULL, 0, 0, out, err};
  /* Closed accounts buy nothing more: their evidence needs no renewal. */
  int rc = store_account_list(st, q->store_id, 0, take_account, &c, err);
  if (rc != 0) {
    free(c.rows);
    return -1;
  }
  if (c.n) qsort(c.rows, c.n, sizeof *c.rows, cmp_rows);
  sink *s;
  if (sink_open(out->file, out->format, &s, err)) {
    free(c.rows);
    return -1;
  }
  sink_set_style(s, &out->csv);
  rc = sink_columns(s, report_evidence_columns, REPORT_EVIDENCE_NCOLUMNS, err);
  for (size_t i = 0; rc == 0 && i < c.n; i++) {
    const ev_row *r = &c.rows[i];
    cell cells[REPORT_EVIDENCE_NCOLUMNS] = {
        cell_text(r->kind),   cell_id(r->store),     cell_id(r->account),
        r->name[0] ? cell_text(r->name) : cell_null(), cell_text(r->evidence),
        cell_text(r->state),  cell_id(r->number),    cell_text(r->expires),
        r->has_days ? cell_int(r->days_left) : cell_null()};
    rc = sink_row(s, cells, REPORT_EVIDENCE_NCOLUMNS, err);
  }
  if (rc == 0) rc = sink_finish(s, err);
  sink_free(s);
  free(c.rows);
  return rc;
}
