/* SPDX-License-Identifier: MIT */
/* report_purposes.c - `report purposes` (what left the shop as gifts, for
 * resale, for own use) and `report gifts` (gift sales and recipients). */
#include "report/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "base/money.h"
#include "report/report_int.h"

const char *const report_purpose_columns[12] = {
    "period", "store", "currency", "purpose", "status",       "sales",
    "lines",  "net",   "tax",      "returns", "returned_net", "returned_tax"};

const char *const report_gift_columns[13] = {
    "date",      "store",        "terminal", "sale", "currency",     "recipient",
    "gift_receipt", "lines",     "net",      "tax",  "return",       "returned_net",
    "returned_tax"};

/* ---- periods -------------------------------------------------------------- */

#define PERIOD_MAX REPORT_PERIOD_MAX

/* The period label of business day `day` ("YYYY-MM-DD") into buf[PERIOD_MAX]:
 * the day itself, its month, or its ISO 8601 week.  An ISO week belongs to
 * the year of its Thursday (weeks start on Monday), so 2021-01-03 is in
 * 2020-W53 and 2024-12-30 in 2025-W01. */
void report_period_of(report_by by, const char *day, const char *whole,
                      char buf[REPORT_PERIOD_MAX]) {
  int y = 0, m = 0, d = 0;
  switch (by) {
  case REPORT_BY_DAY:
    snprintf(buf, PERIOD_MAX, "%.10s", day);
    return;
  case REPORT_BY_MONTH:
    snprintf(buf, PERIOD_MAX, "%.7s", day);
    return;
  case REPORT_BY_WEEK:
    if (sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3) {
      snprintf(buf, PERIOD_MAX, "?");
      return;
    }
    {
      int wy, week;
      cal_iso_week(cal_days_from_civil(y, m, d), &wy, &week);
      snprintf(buf, PERIOD_MAX, "%04d-W%02d", wy % 10000, week % 100);
    }
    return;
  default:
    snprintf(buf, PERIOD_MAX, "%s", whole);
    return;
  }
}

/* ---- report purposes -------------------------------------------------------- */

/* One group of a period: a store, currency, purpose and buyer status.  net and
 * tax are what was sold less what came back (sale.return) in the period;
 * returned_net and returned_tax what came back, positive. */
typedef struct pgroup {
  char store[65]; /* store ids are at most 64 bytes (manifest.h)          */
  char currency[4];
  char purpose[12];
  char status[12];
  int64_t sales, lines, net, tax;
  int64_t returns, returned_net, returned_tax;
  sqlite3_int64 last_sale;   /* to count each sale once per group        */
  sqlite3_int64 last_return; /* and each return                          */
} pgroup;

/* Currencies x purposes x statuses of one period: a few dozen in practice;
 * the cap only stops a corrupt database from growing memory. */
#define PGROUPS_MAX 4096

typedef struct pstate {
  pgroup *g;
  size_t n, cap;
  char period[PERIOD_MAX];
} pstate;

static int pgroup_cmp(const void *a, const void *b) {
  const pgroup *x = a, *y = b;
  int c = strcmp(x->store, y->store);
  if (c == 0) c = strcmp(x->currency, y->currency);
  if (c == 0) c = strcmp(x->purpose, y->purpose);
  if (c == 0) c = strcmp(x->status, y->status);
  return c;
}

/* Write the period's groups, sorted, and forget them. */
static int flush_period(pstate *p, emitter *e, const report_out *out, pi_error *err) {
  qsort(p->g, p->n, sizeof *p->g, pgroup_cmp);
  for (size_t i = 0; i < p->n; i++) {
    const pgroup *g = &p->g[i];
    int ex = report_exponent(out, g->currency);
    cell c[12] = {cell_text(p->period),        cell_id(g->store),
                  cell_text(g->currency),
                  cell_text(g->purpose),       cell_text(g->status),
                  cell_int(g->sales),          cell_int(g->lines),
                  cell_amount(g->net, ex),     cell_amount(g->tax, ex),
                  cell_int(g->returns),        cell_amount(g->returned_net, ex),
                  cell_amount(g->returned_tax, ex)};
    if (emit_row(e, c, err)) return -1;
  }
  p->n = 0;
  return 0;
}

static pgroup *find_group(pstate *p, const char *store_id, const char *cur,
                          const char *purp, const char *status, pi_error *err) {
  for (size_t i = p->n; i-- > 0;)
    if (strcmp(p->g[i].purpose, purp) == 0 && strcmp(p->g[i].status, status) == 0 &&
        strcmp(p->g[i].currency, cur) == 0 && strcmp(p->g[i].store, store_id) == 0)
      return &p->g[i];
  if (strlen(store_id) >= sizeof p->g->store) {
    pi_fail(err, PI_E_STORAGE, "database", "store id \"%.40s...\" is longer than %zu "
                                        "bytes: not one a till records",
            store_id, sizeof p->g->store - 1);
    return NULL;
  }
  if (p->n == PGROUPS_MAX) {
    pi_fail(err, PI_E_STORAGE, "database", "more than %d store, currency, purpose and "
                                        "status combinations in one period",
            PGROUPS_MAX);
    return NULL;
  }
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 32;
    pgroup *g = realloc(p->g, cap * sizeof *g);
    if (g == NULL) {
      pi_fail(err, PI_E_NOMEM, "", "out of memory");
      return NULL;
    }
    p->g = g;
    p->cap = cap;
  }
  pgroup *g = &p->g[p->n++];
  memset(g, 0, sizeof *g);
  g->last_sale = -1;
  g->last_return = -1;
  snprintf(g->store, sizeof g->store, "%s", store_id);
  snprintf(g->currency, sizeof g->currency, "%s", cur);
  snprintf(g->purpose, sizeof g->purpose, "%s", purp);
  snprintf(g->status, sizeof g->status, "%s", status);
  return g;
}

/*
 * Why this is not one GROUP BY: grouping five million lines a year makes
 * SQLite sort them all (ten seconds in the benchmark), and count(DISTINCT)
 * adds a tree per group.  The rows come instead in business-day order
 * (the sales_day index gives it without sorting), so every period's lines
 * arrive together and are totalled in a small table, at most a few dozen
 * groups, written out when the period ends.  A sale's lines are adjacent,
 * so a group counts a sale when its id differs from the last one it saw.
 *
 * Returns (sale.return) count in the period of the return's business day,
 * not of the sale's: each return line comes as a row of kind 1, with the
 * purpose and buyer status its original line was sold with (copied at the
 * return, never re-evaluated), so a gift brought back by its recipient is
 * a gift return.  Its amounts are taken off the group's net and tax and
 * shown in returned_net and returned_tax; it adds no sale and no line.
 * Both halves of the UNION come in day order from their day index
 * (sales_day, returns_day) and SQLite merges them.
 */
static const char purposes_sql[] =
    "SELECT 0, s.id, s.day, s.currency, l.purpose, l.status, l.net, l.tax, s.store"
    " FROM sales s JOIN lines l ON l.sale_id = s.id"
    " WHERE" REPORT_SALES_WHERE
    " UNION ALL "
    "SELECT 1, r.id, r.day, r.currency, rl.purpose, rl.status, rl.net, rl.tax, r.store"
    " FROM returns r JOIN return_lines rl ON rl.return_id = r.id"
    " WHERE r.day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR r.store = ?3)"
    " ORDER BY 3, 1, 2";

/* Add one row (a sold line, or a returned line when `returned`) to g.
 * Returns 0, or -1 with err when a total no longer fits 64 bits: an error,
 * never a wrapped, plausible-looking figure in an accountant's file. */
static int add_row(pgroup *g, const char *period, int returned, sqlite3_int64 id,
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
    /* The parser keeps amounts within +-MONEY_MAX; only a hand-edited
     * database holds one that cannot be negated. */
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
                 which, g->currency, g->purpose, period);
}

/* The first and the last business day the report counts (a sale with a
 * line, or a return with a line, in [?1, ?2] of store ?3), each read from
 * its day index in order and stopped at the first row. */
static const char span_sql[] =
    "SELECT"
    " (SELECT s.day FROM sales s WHERE" REPORT_SALES_WHERE
    "  AND EXISTS (SELECT 1 FROM lines l WHERE l.sale_id = s.id) ORDER BY s.day LIMIT 1),"
    " (SELECT s.day FROM sales s WHERE" REPORT_SALES_WHERE
    "  AND EXISTS (SELECT 1 FROM lines l WHERE l.sale_id = s.id)"
    "  ORDER BY s.day DESC LIMIT 1),"
    " (SELECT r.day FROM returns r WHERE r.day BETWEEN ?1 AND ?2"
    "  AND (?3 IS NULL OR r.store = ?3)"
    "  AND EXISTS (SELECT 1 FROM return_lines rl WHERE rl.return_id = r.id)"
    "  ORDER BY r.day LIMIT 1),"
    " (SELECT r.day FROM returns r WHERE r.day BETWEEN ?1 AND ?2"
    "  AND (?3 IS NULL OR r.store = ?3)"
    "  AND EXISTS (SELECT 1 FROM return_lines rl WHERE rl.return_id = r.id)"
    "  ORDER BY r.day DESC LIMIT 1)";

/* The one period of a report without --by, as an ISO 8601 interval
 * "first/last" into whole[32]: --from and --to where given; an open end
 * is the first or last business day the report counts, so the period
 * says which days the figures cover ("2026-11-20/2026-12-10"), never the
 * "../.." that meant nothing to a reader.  An empty report has no row to
 * label.  Returns 0, or -1 with err. */
int report_whole_period(sqlite3 *db, const report_query *q, char whole[32],
                        pi_error *err) {
  char first[11] = "", last[11] = "";
  if (q->from == NULL || q->to == NULL) {
    sqlite3_stmt *stmt;
    if (report_prepare(db, span_sql, &stmt, err)) return -1;
    report_bind_range(stmt, report_from(q), report_to(q), q->store_id);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
      sqlite3_finalize(stmt);
      return report_db_fail(db, err, "reading the span of the sales");
    }
    for (int i = 0; i < 4; i++) {
      const char *d = report_col_text(stmt, i);
      if (d[0] == '\0') continue;
      if (first[0] == '\0' || strcmp(d, first) < 0) snprintf(first, sizeof first, "%.10s", d);
      if (strcmp(d, last) > 0) snprintf(last, sizeof last, "%.10s", d);
    }
    sqlite3_finalize(stmt);
  }
  snprintf(whole, 32, "%.10s/%.10s", q->from ? q->from : first, q->to ? q->to : last);
  return 0;
}

int report_purposes(store *st, const report_query *q, const report_out *out,
                    pi_error *err) {
  if (report_query_check(q, err)) return -1;
  sqlite3 *db = store_db(st);
  if (report_begin_read(db, err)) return -1;
  /* One period for the whole range: an ISO 8601 interval. */
  char whole[32];
  if (q->by == REPORT_BY_NONE && report_whole_period(db, q, whole, err)) {
    report_end_read(db);
    return -1;
  }
  sqlite3_stmt *stmt;
  if (report_prepare(db, purposes_sql, &stmt, err)) {
    report_end_read(db);
    return -1;
  }
  report_bind_range(stmt, report_from(q), report_to(q), q->store_id);
  emitter e;
  pstate p;
  memset(&p, 0, sizeof p);
  char day[11] = "", period[PERIOD_MAX];
  int rc = SQLITE_DONE, fail = emit_begin(&e, db, out, report_purpose_columns, 12, err) != 0;
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
    pgroup *g = find_group(&p, report_col_text(stmt, 8), report_col_text(stmt, 3),
                           report_col_text(stmt, 4), report_col_text(stmt, 5), err);
    if (g == NULL ||
        add_row(g, p.period, sqlite3_column_int(stmt, 0), sqlite3_column_int64(stmt, 1),
                sqlite3_column_int64(stmt, 6), sqlite3_column_int64(stmt, 7), err)) {
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

/* One row per gift sale and recipient: a basket with gifts for two people
 * gives two rows.  lines.recipient_name already holds the recipient that
 * applies to the line (its own gift tag, else the sale's).
 *
 * A return of gift lines is a gift return: one row per return and
 * recipient, dated with the return's business day (the period it counts
 * in), naming the original sale and the return, with the lines brought
 * back, net and tax negative (so that a column's sum is what the period
 * kept) and the returned amounts, positive, in returned_net and
 * returned_tax.  Whether a line is a gift is the original line's purpose,
 * copied into the return line: the recipient who brings a gift back is
 * the consumer, never re-tagged.  Rows come by day, sales before returns. */
static const char gifts_sql[] =
    "SELECT s.day, s.store, s.terminal, s.sale, s.currency,"
    " COALESCE(l.recipient_name, '') AS recipient, max(l.gift_receipt),"
    " count(*), sum(l.net), sum(l.tax), NULL, 0, 0, 0 AS kind, s.id AS k"
    " FROM sales s JOIN lines l ON l.sale_id = s.id"
    " WHERE" REPORT_SALES_WHERE " AND l.purpose = 'gift'"
    " GROUP BY s.day, s.id, recipient"
    " UNION ALL "
    "SELECT r.day, r.store, s.terminal, s.sale, r.currency,"
    " COALESCE(l.recipient_name, '') AS recipient, max(l.gift_receipt),"
    " count(*), -sum(rl.net), -sum(rl.tax), r.ret, sum(rl.net), sum(rl.tax), 1, r.id"
    " FROM returns r JOIN return_lines rl ON rl.return_id = r.id"
    " JOIN sales s ON s.id = r.sale_id"
    " JOIN lines l ON l.sale_id = r.sale_id AND l.seq = rl.line_seq"
    " WHERE rl.purpose = 'gift' AND r.day BETWEEN ?1 AND ?2"
    " AND (?3 IS NULL OR r.store = ?3)"
    " GROUP BY r.day, r.id, recipient"
    " ORDER BY 1, 14, 15, 6";

int report_gifts(store *st, const report_query *q, const report_out *out,
                 pi_error *err) {
  if (report_query_check(q, err)) return -1;
  sqlite3 *db = store_db(st);
  if (report_begin_read(db, err)) return -1;
  sqlite3_stmt *stmt;
  if (report_prepare(db, gifts_sql, &stmt, err)) {
    report_end_read(db);
    return -1;
  }
  report_bind_range(stmt, report_from(q), report_to(q), q->store_id);
  emitter e;
  int rc = SQLITE_DONE, fail = emit_begin(&e, db, out, report_gift_columns, 13, err) != 0;
  while (!fail && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    int ex = report_exponent(out, report_col_text(stmt, 4));
    const char *recipient = report_col_text(stmt, 5);
    cell c[13];
    for (int i = 0; i < 5; i++)
      c[i] = i >= 1 && i <= 3 ? cell_id(report_col_text(stmt, i))
                              : cell_text(report_col_text(stmt, i));
    c[5] = recipient[0] ? cell_text(recipient) : cell_null();
    c[6] = cell_bool(sqlite3_column_int(stmt, 6));
    c[7] = cell_int(sqlite3_column_int64(stmt, 7));
    c[8] = cell_amount(sqlite3_column_int64(stmt, 8), ex);
    c[9] = cell_amount(sqlite3_column_int64(stmt, 9), ex);
    c[10] = sqlite3_column_type(stmt, 10) == SQLITE_NULL
                ? cell_null()
                : cell_id(report_col_text(stmt, 10));
    c[11] = cell_amount(sqlite3_column_int64(stmt, 11), ex);
    c[12] = cell_amount(sqlite3_column_int64(stmt, 12), ex);
    if (emit_row(&e, c, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading sales") != 0;
  if (!fail && emit_end(&e, err)) fail = 1;
  emit_free(&e);
  sqlite3_finalize(stmt);
  report_end_read(db);
  return fail ? -1 : 0;
}
