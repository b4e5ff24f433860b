/* SPDX-License-Identifier: MIT */
/* period.c - closing filed periods into the journal, listing them. */
#include "report/period.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "base/calendar.h"
#include "store/journal.h"
#include "base/jsonw.h"

static const char *const format_names[] = {"hmrc", "zm", "csv"};

static int db_fail(sqlite3 *db, pi_error *err, const char *what) {
  return pi_fail(err, PI_E_STORAGE, "database", "%s: %s", what, sqlite3_errmsg(db));
}

/* The period as it is written everywhere: "2026-11", "2026-Q4". */
static void period_name(const report_period *p, char out[16]) {
  if (p->quarter)
    snprintf(out, 16, "%04d-Q%d", p->year, p->quarter);
  else
    snprintf(out, 16, "%04d-%02d", p->year, p->month);
}

/* Refuse a period that is not over everywhere yet: it may be closed from
 * day to + PERIOD_GRACE_DAYS (UTC). */
static int check_over(const report_period *p, const char *name, int64_t now,
                      pi_error *err) {
  int y, m, d;
  if (cal_parse_date(p->to, &y, &m, &d) != 0)
    return pi_fail(err, PI_E_USAGE, "--period", "period %s has no last day", name);
  long first_ok = cal_days_from_civil(y, m, d) + PERIOD_GRACE_DAYS;
  int64_t today = now >= 0 ? now / 86400 : -((-now + 86399) / 86400);
  if (today >= first_ok) return 0;
  cal_civil_from_days(first_ok, &y, &m, &d);
  return pi_fail(err, PI_E_PERIOD_OPEN, "--period",
                 "period %s is not over yet (it ends %s; it may be closed from "
                 "%04d-%02d-%02d UTC, when it is over in every time zone)",
                 name, p->to, y, m, d);
}

/* The store scope of a closing: "" for every store. */
static int same_scope(const char *a, const char *b) {
  return a[0] == '\0' || b[0] == '\0' || strcmp(a, b) == 0;
}

static const char *member(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t member_int(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Fill *c from a period entry (seq, at, body).  Returns 0, or -1 when the
 * body is not a period body (verify reports that). */
static int read_closing(int64_t seq, const char *at, const char *body,
                        period_closing *c) {
  memset(c, 0, sizeof *c);
  cJSON *b = cJSON_Parse(body);
  if (!cJSON_IsObject(b)) {
    cJSON_Delete(b);
    return -1;
  }
  c->seq = seq;
  snprintf(c->closed_at, sizeof c->closed_at, "%s", at);
  snprintf(c->period, sizeof c->period, "%s", member(b, "period"));
  snprintf(c->from, sizeof c->from, "%s", member(b, "from"));
  snprintf(c->to, sizeof c->to, "%s", member(b, "to"));
  snprintf(c->report, sizeof c->report, "%s", member(b, "report"));
  snprintf(c->format, sizeof c->format, "%s", member(b, "format"));
  snprintf(c->store, sizeof c->store, "%s", member(b, "store"));
  snprintf(c->sha256, sizeof c->sha256, "%s", member(b, "sha256"));
  snprintf(c->head, sizeof c->head, "%s", member(b, "head"));
  c->bytes = member_int(b, "bytes");
  c->head_seq = member_int(b, "head_seq");
  cJSON_Delete(b);
  return 0;
}

typedef int (*closing_fn)(void *ctx, const period_closing *c, pi_error *err);

/* Call fn for each closed period, oldest first.  Returns 0, fn's non-zero
 * result, or -1 with err. */
static int each_closing(sqlite3 *db, closing_fn fn, void *ctx, pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db,
                         "SELECT seq, at, body FROM journal WHERE kind = 'period'"
                         " ORDER BY seq",
                         -1, &q, NULL) != SQLITE_OK)
    return db_fail(db, err, "reading closed periods");
  int step, rc = 0;
  while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
    period_closing c;
    const char *at = (const char *)sqlite3_column_text(q, 1);
    const char *body = (const char *)sqlite3_column_text(q, 2);
    if (read_closing(sqlite3_column_int64(q, 0), at ? at : "", body ? body : "", &c))
      rc = pi_fail(err, PI_E_STORAGE, "journal",
                   "journal entry %lld, a period closing, cannot be read; run "
                   "posintent verify",
                   (long long)sqlite3_column_int64(q, 0));
    else
      rc = fn(ctx, &c, err);
  }
  if (rc == 0 && step != SQLITE_DONE) rc = db_fail(db, err, "reading closed periods");
  sqlite3_finalize(q);
  return rc;
}

typedef struct overlap_ctx {
  const report_period *p;
  const char *store;
} overlap_ctx;

static int refuse_overlap(void *vctx, const period_closing *c, pi_error *err) {
  const overlap_ctx *o = vctx;
  if (strcmp(c->from, o->p->to) > 0 || strcmp(c->to, o->p->from) < 0 ||
      !same_scope(c->store, o->store))
    return 0;
  return pi_fail(err, PI_E_PERIOD_CLOSED, "--period",
                 "period %s (%s to %s%s%s) was closed at %s (journal entry %lld, "
                 "%s %s, sha256 %s); a closed period stays as filed: later "
                 "changes are declared in the period they happen in (see "
                 "report ec-sales-list --corrections)",
                 c->period, c->from, c->to, c->store[0] ? ", store " : "", c->store,
                 c->closed_at, (long long)c->seq, c->report, c->format, c->sha256);
}

static int sha256_hex(const void *data, size_t len, char out[65], pi_error *err) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
    return pi_fail(err, PI_E_STORAGE, "period", "SHA-256 is not available from libcrypto");
  static const char h[] = "0123456789abcdef";
  for (unsigned i = 0; i < 32; i++) {
    out[2 * i] = h[md[i] >> 4];
    out[2 * i + 1] = h[md[i] & 15];
  }
  out[64] = '\0';
  return 0;
}

/* The report, exactly as `posintent report ec-sales-list` writes it, into
 * a malloc'd buffer. */
static int render(store *st, const report_period *p, const period_filing *f,
                  const report_out *out_report, char **bytes, size_t *len,
                  pi_error *err) {
  *bytes = NULL;
  *len = 0;
  FILE *mem = open_memstream(bytes, len);
  if (mem == NULL) return pi_fail(err, PI_E_NOMEM, "period", "out of memory");
  report_out o = *out_report;
  o.file = mem;
  o.format = SINK_CSV;
  o.hooks = NULL;
  int rc = report_ec_sales_list(st, p, f->store_id, f->id, f->format, &o, err);
  if (fclose(mem) != 0 && rc == 0) rc = pi_fail(err, PI_E_NOMEM, "period", "out of memory");
  if (rc) {
    free(*bytes);
    *bytes = NULL;
    *len = 0;
  }
  return rc;
}

static void utc_text(int64_t now, char out[40]) {
  time_t t = (time_t)now;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int period_close(store *st, const char *period_text, const period_filing *f,
                 int64_t now, const report_out *out_report, char **bytes, size_t *len,
                 period_closing *closed, pi_error *err) {
  report_period p;
  char name[16];
  *bytes = NULL;
  *len = 0;
  memset(closed, 0, sizeof *closed);
  assert(f->format >= ECSL_HMRC && f->format <= ECSL_CSV);
  if (report_period_parse(period_text, &p, err)) return -1;
  period_name(&p, name);
  if (check_over(&p, name, now, err)) return -1;
  sqlite3 *db = store_db(st);
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return db_fail(db, err, "starting to close the period");
  overlap_ctx o = {&p, f->store_id ? f->store_id : ""};
  int rc = each_closing(db, refuse_overlap, &o, err);
  period_closing *c = closed;
  if (rc == 0) rc = journal_head(store_journal(st), &c->head_seq, c->head, err);
  /* Under the write lock: the bytes and the head belong to one state. */
  if (rc == 0) rc = render(st, &p, f, out_report, bytes, len, err);
  if (rc == 0) rc = sha256_hex(*bytes ? *bytes : "", *len, c->sha256, err);
  jsonw body;
  memset(&body, 0, sizeof body);
  if (rc == 0) {
    snprintf(c->period, sizeof c->period, "%s", name);
    snprintf(c->from, sizeof c->from, "%s", p.from);
    snprintf(c->to, sizeof c->to, "%s", p.to);
    snprintf(c->report, sizeof c->report, "ec-sales-list");
    snprintf(c->format, sizeof c->format, "%s", format_names[f->format]);
    snprintf(c->store, sizeof c->store, "%s", f->store_id ? f->store_id : "");
    utc_text(now, c->closed_at);
    c->bytes = (int64_t)*len;
    c->seq = c->head_seq + 1;
    jw_reset(&body);
    jw_object(&body);
    jw_kint(&body, "v", JOURNAL_PERIOD_FORMAT);
    jw_kstr(&body, "period", c->period);
    jw_kstr(&body, "from", c->from);
    jw_kstr(&body, "to", c->to);
    jw_kstr(&body, "report", c->report);
    jw_kstr(&body, "format", c->format);
    jw_key(&body, "store");
    if (f->store_id)
      jw_str(&body, f->store_id);
    else
      jw_raw(&body, "null");
    jw_kint(&body, "bytes", c->bytes);
    jw_kstr(&body, "sha256", c->sha256);
    jw_kint(&body, "head_seq", c->head_seq);
    jw_kstr(&body, "head", c->head);
    jw_end_object(&body);
    rc = jw_fail(&body, err, "period");
  }
  if (rc == 0)
    rc = journal_append_period(store_journal(st), c->closed_at, body.buf, err);
  jw_free(&body);
  if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    rc = db_fail(db, err, "recording the closing");
  if (rc) {
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    free(*bytes);
    *bytes = NULL;
    *len = 0;
    memset(closed, 0, sizeof *closed);
    return -1;
  }
  return 0;
}

static const char *const list_columns[] = {"period",   "from",     "to",     "report",
                                           "format",   "store",    "bytes",  "sha256",
                                           "head_seq", "head",     "closed_at", "entry"};
#define LIST_COLUMNS (sizeof list_columns / sizeof list_columns[0])

static int list_row(void *ctx, const period_closing *c, pi_error *err) {
  cell row[LIST_COLUMNS] = {
      cell_text(c->period), cell_text(c->from),   cell_text(c->to),
      cell_text(c->report), cell_text(c->format), cell_text(c->store),
      cell_int(c->bytes),   cell_text(c->sha256), cell_int(c->head_seq),
      cell_text(c->head),   cell_text(c->closed_at), cell_int(c->seq)};
  return sink_row(ctx, row, LIST_COLUMNS, err);
}

int period_list(store *st, const report_out *out, pi_error *err) {
  sqlite3 *db = store_db(st);
  sink *s;
  if (sink_open(out->file, out->format, &s, err)) return -1;
  int rc = sink_columns(s, list_columns, LIST_COLUMNS, err);
  if (rc == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    rc = db_fail(db, err, "starting to read");
  if (rc == 0) {
    rc = each_closing(db, list_row, s, err);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  }
  if (rc == 0) rc = sink_finish(s, err);
  sink_free(s);
  return rc;
}
