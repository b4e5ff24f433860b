/* SPDX-License-Identifier: MIT */
/* report.c - what every report shares: queries, periods, the row emitter,
 * report_row hooks and the progress line. */
#include "report/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/calendar.h"
#include "base/money.h"
#include "report/report_int.h"

/* ---- queries and periods ------------------------------------------------ */

int report_by_parse(const char *s, report_by *out) {
  static const char *const names[] = {"", "day", "week", "month"};
  for (int i = 1; i < 4; i++)
    if (s && strcmp(s, names[i]) == 0) {
      *out = (report_by)i;
      return 0;
    }
  return -1;
}

int report_query_check(const report_query *q, pi_error *err) {
  if (q->from && cal_parse_date(q->from, NULL, NULL, NULL) < 0)
    return pi_fail(err, PI_E_USAGE, "--from",
                   "--from %s: give a calendar date as YYYY-MM-DD", q->from);
  if (q->to && cal_parse_date(q->to, NULL, NULL, NULL) < 0)
    return pi_fail(err, PI_E_USAGE, "--to",
                   "--to %s: give a calendar date as YYYY-MM-DD", q->to);
  if (q->from && q->to && strcmp(q->from, q->to) > 0)
    return pi_fail(err, PI_E_USAGE, "--from", "--from %s is after --to %s", q->from,
                   q->to);
  return 0;
}

const char *report_from(const report_query *q) {
  return q->from ? q->from : "0000-01-01";
}

const char *report_to(const report_query *q) {
  return q->to ? q->to : "9999-12-31";
}

static int digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

int report_period_parse(const char *s, report_period *p, pi_error *err) {
  memset(p, 0, sizeof *p);
  size_t n = s ? strlen(s) : 0;
  int first, last;
  if (n == 7 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2)) {
    first = last = (s[5] - '0') * 10 + (s[6] - '0');
  } else if (n == 7 && digits(s, 4) && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q') &&
             s[6] >= '1' && s[6] <= '4') {
    p->quarter = s[6] - '0';
    first = p->quarter * 3 - 2;
    last = p->quarter * 3;
  } else {
    return pi_fail(err, PI_E_USAGE, "--period",
                   "--period %s: give a month YYYY-MM or a quarter YYYY-Qn",
                   s ? s : "");
  }
  p->year = atoi(s); /* four digits: 0..9999 */
  if (p->year < 1 || p->year > 9999 || first < 1 || last > 12)
    return pi_fail(err, PI_E_USAGE, "--period", "--period %s: no such month", s);
  p->month = last;
  /* The modulo keeps the compiler's range analysis sure that 10 bytes
   * hold the date; the checks above already bound the values. */
  unsigned y = (unsigned)p->year % 10000u;
  snprintf(p->from, sizeof p->from, "%04u-%02u-01", y, (unsigned)first % 100u);
  snprintf(p->to, sizeof p->to, "%04u-%02u-%02u", y, (unsigned)last % 100u,
           (unsigned)cal_days_in_month(p->year, last) % 100u);
  return 0;
}

/* ---- small helpers -------------------------------------------------------- */

int report_db_fail(sqlite3 *db, pi_error *err, const char *what) {
  return pi_fail(err, PI_E_STORAGE, "database", "%s: %s", what, sqlite3_errmsg(db));
}

int report_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **q, pi_error *err) {
  if (sqlite3_prepare_v2(db, sql, -1, q, NULL) != SQLITE_OK) {
    *q = NULL;
    return report_db_fail(db, err, "preparing the report query");
  }
  return 0;
}

const char *report_col_text(sqlite3_stmt *q, int i) {
  const unsigned char *t = sqlite3_column_text(q, i);
  return t ? (const char *)t : "";
}

void report_bind_range(sqlite3_stmt *q, const char *from, const char *to,
                       const char *store_id) {
  sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, to, -1, SQLITE_STATIC);
  if (store_id)
    sqlite3_bind_text(q, 3, store_id, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(q, 3);
}

/* A deferred read transaction takes its snapshot at the first read: every
 * statement of the report then sees the same committed sales, even while
 * the till keeps recording (WAL readers never block the writer).  A report
 * run inside the caller's own transaction (period.c closes a period under
 * the write lock, so that the filed bytes and the head it records belong
 * to one state) neither begins nor ends one: it reads that transaction's
 * state. */
int report_begin_read(sqlite3 *db, pi_error *err) {
  if (!sqlite3_get_autocommit(db)) return 0; /* the caller's transaction */
  if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return report_db_fail(db, err, "starting a read transaction");
  return 0;
}

void report_end_read(sqlite3 *db) {
  /* Never the caller's write transaction: only a read (or not yet
   * reading) one, which report_begin_read began. */
  if (!sqlite3_get_autocommit(db) && sqlite3_txn_state(db, "main") != SQLITE_TXN_WRITE)
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

void report_warn(const report_out *out, const char *fmt, ...) {
  if (out->warn == NULL) return;
  char msg[1024]; /* a check's sentence names its sales (check.c) */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  out->warn(out->warn_ctx, msg);
}

int report_exponent(const report_out *out, const char *currency) {
  int e = money_exponent(currency);
  if (e >= 0) return e;
  report_warn(out, "currency \"%s\" is not ISO 4217; its amounts are shown "
                   "with 2 decimals",
              currency);
  return 2;
}

/* ---- identity ------------------------------------------------------------- */

void report_identity_from_config(const plugin_config *cfg, report_identity *id) {
  memset(id, 0, sizeof *id);
  snprintf(id->store_id, sizeof id->store_id, "%s", cfg->store_id);
  snprintf(id->country, sizeof id->country, "%s", cfg->store_country);
  snprintf(id->vat, sizeof id->vat, "%s", cfg->store_vat);
  snprintf(id->branch, sizeof id->branch, "%s", cfg->branch);
  snprintf(id->contact, sizeof id->contact, "%s", cfg->contact_name);
  snprintf(id->currency, sizeof id->currency, "%s", cfg->currency);
}

int report_identity_load(store *st, report_identity *id, pi_error *err) {
  memset(id, 0, sizeof *id);
  sqlite3 *db = store_db(st);
  sqlite3_stmt *q;
  if (report_prepare(db, "SELECT key, value FROM meta", &q, err)) return -1;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *k = report_col_text(q, 0), *v = report_col_text(q, 1);
    char *dst = NULL;
    size_t cap = 0;
    if (strcmp(k, "store_id") == 0) dst = id->store_id, cap = sizeof id->store_id;
    else if (strcmp(k, "store_country") == 0) dst = id->country, cap = sizeof id->country;
    else if (strcmp(k, "store_vat") == 0) dst = id->vat, cap = sizeof id->vat;
    else if (strcmp(k, "branch") == 0) dst = id->branch, cap = sizeof id->branch;
    else if (strcmp(k, "contact_name") == 0) dst = id->contact, cap = sizeof id->contact;
    else if (strcmp(k, "currency") == 0) dst = id->currency, cap = sizeof id->currency;
    if (dst) snprintf(dst, cap, "%s", v);
  }
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? 0 : report_db_fail(db, err, "reading the store identity");
}

/* ---- progress ------------------------------------------------------------- */

static double since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int progress_tick(void *arg) {
  report_progress *p = arg;
  double s = since(&p->start);
  if (s < 1.0 || s - p->last < 0.25) return 0;
  p->last = s;
  p->shown = 1;
  if (p->rows)
    fprintf(stderr, "\rposintent: %s: %.1f s, %zu rows written ", p->label, s,
            *p->rows);
  else
    fprintf(stderr, "\rposintent: %s: %.1f s ", p->label, s);
  return 0; /* never interrupt the query */
}

void report_progress_start(report_progress *p, sqlite3 *db, const report_out *out,
                           const size_t *rows) {
  memset(p, 0, sizeof *p);
  p->on = out->progress;
  if (!p->on) return;
  p->label = out->label ? out->label : "report";
  p->rows = rows;
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  /* ~100k VM instructions between calls: a few hundred calls a second,
   * each a clock read, so the cost does not show in the timings. */
  sqlite3_progress_handler(db, 100000, progress_tick, p);
}

void report_progress_stop(report_progress *p, sqlite3 *db) {
  if (!p->on) return;
  sqlite3_progress_handler(db, 0, NULL, NULL);
  if (p->shown) fputs("\r\033[K", stderr);
  p->on = 0;
}

/* ---- the emitter and report_row hooks ------------------------------------ */

static const char *const summed_names[EMIT_SUMMED] = {"net", "tax", "returned_net",
                                                      "returned_tax"};

int emit_begin(emitter *e, sqlite3 *db, const report_out *out,
               const char *const *cols, size_t ncols, pi_error *err) {
  memset(e, 0, sizeof *e);
  e->out = out;
  e->cols = cols;
  e->ncols = ncols;
  e->db = db;
  e->cur_col = -1;
  int any = 0;
  for (size_t k = 0; k < EMIT_SUMMED; k++) {
    e->sum_col[k] = -1;
    for (size_t i = 0; i < ncols; i++)
      if (strcmp(cols[i], summed_names[k]) == 0) e->sum_col[k] = (int)i, any = 1;
  }
  for (size_t i = 0; i < ncols; i++)
    if (strcmp(cols[i], "currency") == 0) e->cur_col = (int)i;
  e->totals = (out->totals || out->format == SINK_TABLE) && any && e->cur_col >= 0;
  /* Every number the report writes (and its report_row hooks compute) in
   * the "C" locale, whatever the process's is: 1.5, never 1,5. */
  c_locale_enter(&e->locale);
  if (sink_open(out->file, out->format, &e->sink, err)) {
    c_locale_leave(&e->locale);
    return -1;
  }
  sink_set_style(e->sink, &out->csv);
  report_progress_start(&e->progress, db, out, &e->rows);
  return 0;
}

static int declare(emitter *e, pi_error *err) {
  const char *names[SINK_COLUMNS_MAX];
  for (size_t i = 0; i < e->ncols; i++) names[i] = e->cols[i];
  for (size_t i = 0; i < e->nextra; i++) names[e->ncols + i] = e->extra[i];
  e->declared = 1;
  return sink_columns(e->sink, names, e->ncols + e->nextra, err);
}

/* The row as the hooks see it: text as strings, counts as integers,
 * amounts as strings in major units ("12.34": exact, where a Lua number
 * would be a float), booleans, null. */
static cJSON *row_object(const emitter *e, const cell *cells) {
  cJSON *o = cJSON_CreateObject();
  char buf[64];
  for (size_t i = 0; o && i < e->ncols; i++) {
    const cell *c = &cells[i];
    cJSON *v;
    switch (c->kind) {
    case CELL_TEXT:
    case CELL_ID:
    case CELL_JSON:
      v = c->text ? cJSON_CreateString(c->text) : cJSON_CreateNull();
      break;
    case CELL_INT:
      v = cJSON_CreateNumber((double)c->num);
      break;
    case CELL_AMOUNT:
    case CELL_NUMBER:
      v = cell_format(c, buf, sizeof buf) >= 0 ? cJSON_CreateString(buf)
                                                : cJSON_CreateNull();
      break;
    case CELL_BOOL:
      v = cJSON_CreateBool(c->num != 0);
      break;
    default:
      v = cJSON_CreateNull();
      break;
    }
    if (v == NULL || !cJSON_AddItemToObject(o, e->cols[i], v)) {
      cJSON_Delete(v);
      cJSON_Delete(o);
      return NULL;
    }
  }
  return o;
}

static int is_base_column(const emitter *e, const char *name) {
  for (size_t i = 0; i < e->ncols; i++)
    if (strcmp(e->cols[i], name) == 0) return 1;
  return 0;
}

/* First row: every member the hooks added (in the order they added them)
 * becomes a column, up to the sink's limit.  Later rows fill those columns;
 * a member first seen on a later row cannot get a column any more (the CSV
 * header is written) and is reported once. */
static void learn_extras(emitter *e, const cJSON *o) {
  const cJSON *m;
  cJSON_ArrayForEach(m, o) {
    if (m->string == NULL || is_base_column(e, m->string)) continue;
    size_t len = strlen(m->string);
    if (len == 0 || len >= SINK_NAME_MAX || e->ncols + e->nextra >= SINK_COLUMNS_MAX) {
      report_warn(e->out, "report_row hook member \"%.60s\" left out: too long "
                          "a name or too many columns",
                  m->string);
      continue;
    }
    memcpy(e->extra[e->nextra++], m->string, len + 1);
  }
}

static void warn_unknown_members(emitter *e, const cJSON *o) {
  if (e->dropped_warned) return;
  const cJSON *m;
  cJSON_ArrayForEach(m, o) {
    if (m->string == NULL || is_base_column(e, m->string)) continue;
    int known = 0;
    for (size_t i = 0; i < e->nextra; i++)
      if (strcmp(e->extra[i], m->string) == 0) known = 1;
    if (!known) {
      report_warn(e->out, "report_row hook member \"%.60s\" appeared after the "
                          "first row; only members the first row has become "
                          "columns",
                  m->string);
      e->dropped_warned = 1;
      return;
    }
  }
}

/* Convert a hook's value into a cell.  Strings stay borrowed from `v`;
 * numbers and nested JSON are printed into `buf` or `*alloc`. */
static cell hook_cell(const cJSON *v, char *buf, size_t cap, char **alloc) {
  if (v == NULL || cJSON_IsNull(v)) return cell_null();
  if (cJSON_IsString(v)) return cell_text(v->valuestring);
  if (cJSON_IsBool(v)) return cell_bool(cJSON_IsTrue(v));
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (!isfinite(d)) return cell_null();
    if (d == floor(d) && fabs(d) < 9007199254740992.0)
      snprintf(buf, cap, "%lld", (long long)d);
    else
      snprintf(buf, cap, "%.17g", d);
    cell c = {CELL_NUMBER, buf, 0, 0};
    return c;
  }
  *alloc = cJSON_PrintUnformatted(v);
  cell c = {CELL_JSON, *alloc, 0, 0};
  return *alloc ? c : cell_null();
}

static int emit_hooked(emitter *e, const cell *cells, pi_error *err) {
  cJSON *o = row_object(e, cells);
  if (o == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  pi_error herr;
  pi_error_clear(&herr);
  int rc = hooks_report_row_in(e->out->hooks, o, report_name_of(e->cols), &herr);
  if (rc != HOOK_PASS) {
    cJSON_Delete(o);
    if (rc == HOOK_REFUSE)
      return pi_fail(err, PI_E_SCRIPT, herr.field, "a report_row hook refused: %s",
                     herr.message);
    return pi_fail(err, herr.kind != PI_OK ? herr.kind : PI_E_SCRIPT, herr.field, "%s",
                   herr.message[0] ? herr.message : "a report_row hook failed");
  }
  if (!e->declared) {
    learn_extras(e, o);
    if (declare(e, err)) {
      cJSON_Delete(o);
      return -1;
    }
  }
  warn_unknown_members(e, o);
  cell all[SINK_COLUMNS_MAX];
  char nums[SINK_COLUMNS_MAX][32];
  char *allocs[SINK_COLUMNS_MAX] = {0};
  memcpy(all, cells, e->ncols * sizeof *cells);
  for (size_t i = 0; i < e->nextra; i++)
    all[e->ncols + i] =
        hook_cell(cJSON_GetObjectItemCaseSensitive(o, e->extra[i]), nums[i],
                  sizeof nums[i], &allocs[i]);
  rc = sink_row(e->sink, all, e->ncols + e->nextra, err);
  for (size_t i = 0; i < e->nextra; i++) cJSON_free(allocs[i]);
  cJSON_Delete(o);
  return rc;
}

/* Add a written row's amounts to its currency's totals. */
static int add_totals(emitter *e, const cell *cells, pi_error *err) {
  const cell *cc = &cells[e->cur_col];
  const char *cur = cc->text && strlen(cc->text) == 3 ? cc->text : "";
  emit_total *t = NULL;
  for (size_t i = 0; i < e->ntot && t == NULL; i++)
    if (strcmp(e->tot[i].currency, cur) == 0) t = &e->tot[i];
  if (t == NULL) {
    if (e->ntot == EMIT_CURRENCIES_MAX)
      return pi_fail(err, PI_E_OVERFLOW, "currency",
                     "more than %d currencies to total; report fewer stores or days",
                     EMIT_CURRENCIES_MAX);
    if (e->ntot % 8 == 0) {
      emit_total *n = realloc(e->tot, (e->ntot + 8) * sizeof *n);
      if (n == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
      e->tot = n;
    }
    t = &e->tot[e->ntot++];
    memset(t, 0, sizeof *t);
    memcpy(t->currency, cur, strlen(cur) + 1);
    t->exponent = -1;
  }
  for (size_t k = 0; k < EMIT_SUMMED; k++) {
    if (e->sum_col[k] < 0) continue;
    const cell *a = &cells[e->sum_col[k]];
    if (a->kind != CELL_AMOUNT) continue;
    t->exponent = a->exponent;
    if (money_add(&t->sum[k], a->num))
      return pi_fail(err, PI_E_OVERFLOW, summed_names[k],
                     "the total of %s in %s does not fit a 64-bit integer of minor "
                     "units; report a shorter range",
                     summed_names[k], t->currency[0] ? t->currency : "(none)");
  }
  return 0;
}

/* The total rows (emit_end).  Hooks' columns, when any, stay empty. */
static int write_totals(emitter *e, pi_error *err) {
  size_t n = e->ncols + e->nextra;
  if (e->ntot && sink_separator(e->sink, err)) return -1;
  for (size_t i = 0; i < e->ntot; i++) {
    const emit_total *t = &e->tot[i];
    cell c[SINK_COLUMNS_MAX];
    for (size_t k = 0; k < n; k++) c[k] = cell_null();
    c[0] = cell_text("Total");
    c[e->cur_col] = cell_text(t->currency);
    int ex = t->exponent >= 0 ? t->exponent : report_exponent(e->out, t->currency);
    for (size_t k = 0; k < EMIT_SUMMED; k++)
      if (e->sum_col[k] >= 0) c[e->sum_col[k]] = cell_amount(t->sum[k], ex);
    if (sink_row(e->sink, c, n, err)) return -1;
  }
  return 0;
}

int emit_row(emitter *e, const cell *cells, pi_error *err) {
  int rc;
  if (e->out->hooks) {
    rc = emit_hooked(e, cells, err);
  } else {
    if (!e->declared && declare(e, err)) return -1;
    rc = sink_row(e->sink, cells, e->ncols, err);
  }
  if (rc == 0) e->rows++;
  if (rc == 0 && e->totals) rc = add_totals(e, cells, err);
  return rc;
}

int emit_end(emitter *e, pi_error *err) {
  report_progress_stop(&e->progress, e->db);
  if (!e->declared && declare(e, err)) return -1;
  if (e->totals && write_totals(e, err)) return -1;
  return sink_finish(e->sink, err);
}

void emit_free(emitter *e) {
  report_progress_stop(&e->progress, e->db);
  sink_free(e->sink);
  e->sink = NULL;
  free(e->tot);
  e->tot = NULL;
  e->ntot = 0;
  c_locale_leave(&e->locale);
}
