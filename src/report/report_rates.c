/* SPDX-License-Identifier: MIT */
/* report_rates.c - `report tax-rates`: net and tax per tax rate and code,
 * the figures a VAT return is filled from (docs/reports.md). */
#include "report/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/money.h"
#include "domain/sale.h"
#include "report/report_int.h"

const char *const report_tax_rate_columns[REPORT_TAX_RATE_COLS] = {
    "period", "store",  "currency", "treatment", "tax_rate", "tax_code",     "sales",
    "lines",  "net",    "tax",      "returns",   "returned_net", "returned_tax"};

/* One group of a period: a store, currency, treatment, rate and code.
 * net and tax are what was sold less what came back in the period;
 * returned_net and returned_tax what came back, positive.  rate_bp is -1
 * for lines recorded without a rate. */
typedef struct rgroup {
  char store[65]; /* store ids are at most 64 bytes (manifest.h)          */
  char currency[4];
  char treatment[16];
  int64_t rate_bp;
  char code[SALE_TAX_CODE_MAX];
  int64_t sales, lines, net, tax;
  int64_t returns, returned_net, returned_tax;
  sqlite3_int64 last_sale;   /* to count each sale once per group        */
  sqlite3_int64 last_return; /* and each return                          */
} rgroup;

/* Stores x currencies x treatments x rates of one period: a few dozen in
 * practice; the cap only stops a corrupt database from growing memory. */
#define RGROUPS_MAX 4096

typedef struct rstate {
  rgroup *g;
  size_t n, cap;
  char period[REPORT_PERIOD_MAX];
} rstate;

/* Store, currency, treatment, then the rate ascending (no rate first),
 * then the code: a return's rows read in the order of its boxes. */
static int rgroup_cmp(const void *a, const void *b) {
  const rgroup *x = a, *y = b;
  int c = strcmp(x->store, y->store);
  if (c == 0) c = strcmp(x->currency, y->currency);
  if (c == 0) c = strcmp(x->treatment, y->treatment);
  if (c == 0) c = (x->rate_bp > y->rate_bp) - (x->rate_bp < y->rate_bp);
  if (c == 0) c = strcmp(x->code, y->code);
  return c;
}

/* Write the period's groups, sorted, and forget them. */
static int flush_period(rstate *p, emitter *e, const report_out *out, pi_error *err) {
  qsort(p->g, p->n, sizeof *p->g, rgroup_cmp);
  for (size_t i = 0; i < p->n; i++) {
    const rgroup *g = &p->g[i];
    int ex = report_exponent(out, g->currency);
    /* The rate as an exact percentage with two decimals (1900 -> 19.00),
     * written as an amount so that a CSV dialect's decimal comma applies
     * to it as to the money columns. */
    cell c[REPORT_TAX_RATE_COLS] = {
        cell_text(p->period),
        cell_id(g->store),
        cell_text(g->currency),
        cell_text(g->treatment),
        g->rate_bp < 0 ? cell_null() : cell_amount(g->rate_bp, 2),
        g->code[0] ? cell_id(g->code) : cell_null(),
        cell_int(g->sales),
        cell_int(g->lines),
        cell_amount(g->net, ex),
        cell_amount(g->tax, ex),
        cell_int(g->returns),
        cell_amount(g->returned_net, ex),
        cell_amount(g->returned_tax, ex)};
    if (emit_row(e, c, err)) return -1;
  }
  p->n = 0;
  return 0;
}

static rgroup *find_group(rstate *p, const char *store_id, const char *cur,
                          const char *treatment, int64_t rate_bp, const char *code,
                          pi_error *err) {
  for (size_t i = p->n; i-- > 0;)
    if (p->g[i].rate_bp == rate_bp && strcmp(p->g[i].code, code) == 0 &&
        strcmp(p->g[i].treatment, treatment) == 0 && strcmp(p->g[i].currency, cur) == 0 &&
        strcmp(p->g[i].store, store_id) == 0)
      return &p->g[i];
  if (strlen(store_id) >= sizeof p->g->store || strlen(treatment) >= sizeof p->g->treatment ||
      strlen(code) >= sizeof p->g->code || strlen(cur) >= sizeof p->g->currency) {
    pi_fail(err, PI_E_STORAGE, "database",
            "a line of store \"%.40s\" holds a store id, currency, treatment or tax "
            "code longer than a till records",
            store_id);
    return NULL;
  }
  if (p->n == RGROUPS_MAX) {
    pi_fail(err, PI_E_STORAGE, "database",
            "more than %d store, currency, treatment and tax rate combinations in one "
            "period",
            RGROUPS_MAX);
    return NULL;
  }
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 32;
    rgroup *g = realloc(p->g, cap * sizeof *g);
    if (g == NULL) {
      pi_fail(err, PI_E_NOMEM, "", "out of memory");
      return NULL;
    }
    p->g = g;
    p->cap = cap;
  }
  rgroup *g = &p->g[p->n++];
  memset(g, 0, sizeof *g);
  g->last_sale = -1;
  g->last_return = -1;
  g->rate_bp = rate_bp;
  snprintf(g->store, sizeof g->store, "%s", store_id);
  snprintf(g->currency, sizeof g->currency, "%s", cur);
  snprintf(g->treatment, sizeof g->treatment, "%s", treatment);
  snprintf(g->code, sizeof g->code, "%s", code);
  return g;
}

/* Add one row (a sold line, or a returned line when `returned`) to g.
 * Returns 0, or -1 with err when a total no longer fits 64 bits. */
static int add_row(rgroup *g, const char *period, int returned, sqlite3_int64 id,
                   int64_t net, int64_t tax, pi_error *err) {
  const char *which = NULL;
  if (!returned) {
    if (g->last_sale != id) {
      g->last_sale = id;
      g->sales++;
    }
    g->lines++;
    which = money_add(&g->net, net) ? "net" : money_add(&g->tax, tax) ? "tax" : NULL;
  } else {
    if (g->last_return != id) {
      g->last_return = id;
      g->returns++;
    }
    which = net == INT64_MIN || money_add(&g->net, -net)  ? "net"
            : tax == INT64_MIN || money_add(&g->tax, -tax) ? "tax"
            : money_add(&g->returned_net, net)             ? "returned_net"
            : money_add(&g->returned_tax, tax)             ? "returned_tax"
                                                           : NULL;
  }
  if (which == NULL) return 0;
  return pi_fail(err, PI_E_OVERFLOW, which,
                 "the %s total of the %s %s lines in %s does not fit a 64-bit integer "
                 "of minor units; report shorter periods (--from/--to, --by)",
                 which, g->currency, g->treatment, period);
}

/*
 * As report purposes (report_purposes.c says why this is not one GROUP
 * BY): sold lines and returned lines in business-day order, totalled per
 * period in a small table.  A returned line takes the rate and code of
 * the line it returns (the sale's line, joined by its seq: a line's rate
 * is recorded once and never changes), and counts in the period of the
 * return's own business day, taken off the group's net and tax.
 */
static const char rates_sql[] =
    "SELECT 0, s.id, s.day, s.currency, l.treatment, l.tax_rate_bp, l.tax_code,"
    " l.net, l.tax, s.store"
    " FROM sales s JOIN lines l ON l.sale_id = s.id"
    " WHERE" REPORT_SALES_WHERE
    " UNION ALL "
    "SELECT 1, r.id, r.day, r.currency, rl.treatment, l.tax_rate_bp, l.tax_code,"
    " rl.net, rl.tax, r.store"
    " FROM returns r JOIN return_lines rl ON rl.return_id = r.id"
    " JOIN lines l ON l.sale_id = r.sale_id AND l.seq = rl.line_seq"
    " WHERE r.day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR r.store = ?3)"
    " ORDER BY 3, 1, 2";

int report_tax_rates(store *st, const report_query *q, const report_out *out,
                     pi_error *err) {
  if (report_query_check(q, err)) return -1;
  sqlite3 *db = store_db(st);
  if (report_begin_read(db, err)) return -1;
  char whole[32];
  if (q->by == REPORT_BY_NONE && report_whole_period(db, q, whole, err)) {
    report_end_read(db);
    return -1;
  }
  sqlite3_stmt *stmt;
  if (report_prepare(db, rates_sql, &stmt, err)) {
    report_end_read(db);
    return -1;
  }
  report_bind_range(stmt, report_from(q), report_to(q), q->store_id);
  emitter e;
  rstate p;
  memset(&p, 0, sizeof p);
  char day[11] = "", period[REPORT_PERIOD_MAX];
  int rc = SQLITE_DONE,
      fail = emit_begin(&e, db, out, report_tax_rate_columns, REPORT_TAX_RATE_COLS, err) != 0;
  while (!fail && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *d = report_col_text(stmt, 2);
    if (strncmp(d, day, 10) != 0) { /* a new day: maybe a new period */
      snprintf(day, sizeof day, "%.10s", d);
      report_period_of(q->by, day, whole, period);
      if (strcmp(period, p.period) != 0) {
        if (p.n && flush_period(&p, &e, out, err)) {
          fail = 1;
          break;
        }
        snprintf(p.period, sizeof p.period, "%s", period);
      }
    }
    int64_t rate = sqlite3_column_type(stmt, 5) == SQLITE_NULL
                       ? -1
                       : (int64_t)sqlite3_column_int64(stmt, 5);
    rgroup *g = find_group(&p, report_col_text(stmt, 9), report_col_text(stmt, 3),
                           report_col_text(stmt, 4), rate, report_col_text(stmt, 6), err);
    if (g == NULL ||
        add_row(g, p.period, sqlite3_column_int(stmt, 0), sqlite3_column_int64(stmt, 1),
                sqlite3_column_int64(stmt, 7), sqlite3_column_int64(stmt, 8), err)) {
      fail = 1;
      break;
    }
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading sales") != 0;
  if (!fail && p.n && flush_period(&p, &e, out, err)) fail = 1;
  if (!fail && emit_end(&e, err)) fail = 1;
  emit_free(&e);
  free(p.g);
  sqlite3_finalize(stmt);
  report_end_read(db);
  return fail ? -1 : 0;
}
