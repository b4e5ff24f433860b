/* SPDX-License-Identifier: MIT */
/* report_resellers.c - `report resellers`: what was sold for resale, per
 * reseller identity, with the evidence's verdict at the time of sale. */
#include "report/report.h"

#include <string.h>

#include "base/money.h"
#include "report/check.h"
#include "report/report_int.h"

const char *const report_reseller_columns[REPORT_RESELLER_COLS] = {
    "identifier", "kind",  "verdict",    "name",      "country",      "currency",
    "store",      "sales", "lines",      "net",       "tax",          "first_sale",
    "last_sale",  "returned_net", "returned_tax", "verification", "consultation"};

const char *const report_reseller_detail_columns[REPORT_RESELLER_DETAIL_COLS] = {
    "identifier", "kind",     "verdict", "name", "country", "currency",
    "date",       "store",    "terminal", "sale", "line",   "sku",
    "item",       "qty",      "net",      "tax",  "treatment",
    "verification", "consultation"};

/* The reports whose rows pass through report_row hooks. */
static const struct {
  const char *name;
  const char *const *cols;
  size_t n;
} reports[] = {{"resellers", report_reseller_columns, REPORT_RESELLER_COLS},
               {"resellers_detail", report_reseller_detail_columns,
                REPORT_RESELLER_DETAIL_COLS},
               {"purposes", report_purpose_columns, 12},
               {"gifts", report_gift_columns, 13},
               {"tax_rates", report_tax_rate_columns, REPORT_TAX_RATE_COLS}};

const char *report_name_of(const char *const *cols) {
  for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
    if (reports[i].cols == cols) return reports[i].name;
  return NULL;
}

const char *const *report_columns(const char *name, size_t *n) {
  for (size_t i = 0; name && i < sizeof reports / sizeof reports[0]; i++)
    if (strcmp(name, reports[i].name) == 0) {
      *n = reports[i].n;
      return reports[i].cols;
    }
  *n = 0;
  return NULL;
}

/*
 * What counts: every line whose buyer status is "reseller" (a resale tag on
 * the line or the sale, or a classify hook's override), in a completed,
 * unvoided sale.  A line tagged resale in a sale otherwise for own use
 * counts; the other lines of that sale do not.
 *
 * The identity is the sale's best evidence as recorded (compact identifier,
 * kind, country or US state).  The verdict is part of the group: a reseller
 * whose evidence was valid on some sales and invalid on others gets one row
 * per verdict, so an invalid or missing identifier is always visible and
 * its amounts never hide inside a valid row.  Sales without any identifier
 * ("missing") are grouped per customer (id, else name), so each such buyer
 * shows as its own flagged row.
 *
 * The name is the customer name of the most recent sale in the group (a
 * name typed differently on two days does not split a reseller).
 *
 * verification and consultation: what the registers say about a VAT
 * identifier now (`posintent evidence verify`, store/verifications.h):
 * the latest check's outcome (valid, invalid, unavailable, input_error),
 * "unverified" when it was never checked, "no_register" for CH and NO
 * numbers, "" for EORI numbers, certificates and missing evidence; and the
 * consultation number of the latest valid check, the proof to keep.
 *
 * Why the query has this shape (bench/bench_report.c measures it): the
 * straightforward join-and-GROUP-BY sorts one row per resale line (half a
 * million a year in the benchmark) and keeps a count(DISTINCT) tree per
 * group.  Here the lines are first totalled per sale through the lines
 * table's primary key (sale_id, seq: in sale order, no sort), so the GROUP
 * BY sorts one row per sale and counts sales with count(*).  (Schema 2 to
 * 7 had a partial index lines_reseller for this step; schema 8 dropped it
 * to save the till about 2.2 pages per resale sale, store.c.)  The sale-id bounds keep
 * that first step to the sales of the range: the first and last id of a
 * sale with a reseller line in the range, read from the partial index
 * sales_resale.  They bound every sale of the range whatever the order ids
 * were given in, and in practice (ids grow with time) they are tight.
 *
 * `s.reseller_reason IS NOT NULL` is what the store writes on every sale
 * with a reseller line (store.c: decision.resale_lines > 0, and decide()
 * counts exactly the lines of status reseller), so it selects the same
 * sales and lets SQLite use the partial index.
 */
#define VERDICT_SQL                                                           \
  "CASE WHEN s.reseller_valid = 1 THEN 'valid'"                               \
  " WHEN s.reseller_id IS NULL THEN 'missing'"                                \
  " ELSE 'invalid:' || COALESCE(NULLIF(s.reseller_reason, ''), 'unknown') END"

/* The verification columns of identifier `i`, kind `k`, VAT prefix `c`. */
#define VERIFICATION_SQL(i, k, c)                                             \
  "CASE WHEN " k " <> 'vat' OR " i " = '' THEN ''"                            \
  " WHEN " c " IN ('CH', 'NO') THEN 'no_register'"                            \
  " ELSE COALESCE((SELECT outcome FROM verifications WHERE number = " i       \
  "  ORDER BY id DESC LIMIT 1), 'unverified') END,"                           \
  " CASE WHEN " k " = 'vat' THEN COALESCE((SELECT consultation FROM"          \
  "  verifications WHERE number = " i " AND outcome = 'valid'"                \
  "  ORDER BY id DESC LIMIT 1), '') ELSE '' END"

/* The country column: a VAT or EORI number's country as its prefix
 * ("AT", "EL", "XI"); a US resale certificate's state as its ISO 3166-2
 * code, "US-CA", so that California never reads as Canada. */
#define COUNTRY_SQL(a)                                                        \
  "CASE WHEN " a ".reseller_kind = 'resale_cert' AND " a ".reseller_country <> ''" \
  " THEN 'US-' || " a ".reseller_country"                                     \
  " ELSE COALESCE(" a ".reseller_country, '') END"

#define RESALE_BOUND(fn)                                                      \
  "(SELECT " fn "(id) FROM sales WHERE day BETWEEN ?1 AND ?2"                 \
  " AND reseller_reason IS NOT NULL)"

/* Returns (sale.return) are netted in the period of the return's business
 * day: each return's reseller lines, with the identity and verdict the
 * return copied from its sale, make a row of their own in the union below,
 * with negative net and tax, no sale and no line, and the returned amounts
 * (positive) in returned_net and returned_tax.  The outer GROUP BY adds
 * them to the sales' row of the same identity; a reseller who only
 * returned goods in the period gets a row with 0 sales and a negative net.
 * The name is still the most recent sale's (a return row offers its
 * sale's day and name). */
#define RESELLER_GROUP(a)                                                     \
  "CASE WHEN " a ".reseller_id IS NULL"                                       \
  " THEN COALESCE(" a ".customer_id, s.customer_name, '') END"

static const char resellers_sql[] =
    "SELECT ident, kind, verdict, substr(max(dn), 11), country, currency, store,"
    " sum(nsales), sum(nlines), sum(net), sum(tax), min(first), max(last),"
    " sum(rnet), sum(rtax), " VERIFICATION_SQL("ident", "kind", "country")
    " FROM ("
    "SELECT COALESCE(s.reseller_id, '') AS ident, COALESCE(s.reseller_kind, '') AS kind,"
    " " VERDICT_SQL " AS verdict,"
    " max(s.day || COALESCE(s.customer_name, '')) AS dn,"
    " " COUNTRY_SQL("s") " AS country, s.currency AS currency, s.store AS store,"
    " count(*) AS nsales, sum(l.n) AS nlines, sum(l.net) AS net, sum(l.tax) AS tax,"
    " min(s.day) AS first, max(s.day) AS last, 0 AS rnet, 0 AS rtax,"
    " " RESELLER_GROUP("s") " AS grp"
    " FROM (SELECT sale_id, count(*) AS n, sum(net) AS net, sum(tax) AS tax"
    "  FROM lines WHERE status = 'reseller'"
    "  AND sale_id BETWEEN " RESALE_BOUND("min") " AND " RESALE_BOUND("max")
    "  GROUP BY sale_id) l"
    " JOIN sales s ON s.id = l.sale_id"
    " WHERE" REPORT_SALES_WHERE " AND s.reseller_reason IS NOT NULL"
    " GROUP BY s.reseller_kind, s.reseller_id, verdict, s.reseller_country,"
    " s.currency, s.store, grp"
    " UNION ALL "
    "SELECT COALESCE(r.reseller_id, ''), COALESCE(r.reseller_kind, ''),"
    " CASE WHEN r.reseller_valid = 1 THEN 'valid'"
    "  WHEN r.reseller_id IS NULL THEN 'missing'"
    "  ELSE 'invalid:' || COALESCE(NULLIF(r.reseller_reason, ''), 'unknown') END AS rv,"
    " max(s.day || COALESCE(s.customer_name, '')),"
    " " COUNTRY_SQL("r") ", r.currency, r.store, 0, 0,"
    " -sum(rl.net), -sum(rl.tax), NULL, NULL, sum(rl.net), sum(rl.tax),"
    " " RESELLER_GROUP("r") " AS rgrp"
    " FROM returns r JOIN return_lines rl ON rl.return_id = r.id"
    " JOIN sales s ON s.id = r.sale_id"
    " WHERE rl.status = 'reseller' AND r.reseller_reason IS NOT NULL"
    " AND r.day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR r.store = ?3)"
    " GROUP BY r.reseller_kind, r.reseller_id, rv, r.reseller_country, r.currency,"
    " r.store, rgrp"
    ") GROUP BY kind, ident, verdict, country, currency, store, grp"
    " ORDER BY 2, 1, 6, 7, 3, 4";

static const char detail_sql[] =
    "SELECT COALESCE(s.reseller_id, ''), COALESCE(s.reseller_kind, ''),"
    " " VERDICT_SQL ","
    " COALESCE(s.customer_name, ''), " COUNTRY_SQL("s") ","
    " s.currency, s.day, s.store, s.terminal, s.sale, l.line,"
    " COALESCE(l.sku, ''), COALESCE(l.name, ''), l.qty_milli, l.net, l.tax, l.treatment,"
    " " VERIFICATION_SQL("COALESCE(s.reseller_id, '')", "COALESCE(s.reseller_kind, '')",
                         "COALESCE(s.reseller_country, '')")
    " FROM sales s JOIN lines l ON l.sale_id = s.id"
    " WHERE" REPORT_SALES_WHERE
    " AND s.reseller_reason IS NOT NULL AND l.status = 'reseller'"
    " ORDER BY s.day, s.id, l.seq";

static int run(store *st, const report_query *q, const report_out *out,
               pi_error *err) {
  sqlite3 *db = store_db(st);
  const char *const *cols =
      q->detail ? report_reseller_detail_columns : report_reseller_columns;
  size_t ncols = q->detail ? REPORT_RESELLER_DETAIL_COLS : REPORT_RESELLER_COLS;
  sqlite3_stmt *stmt;
  if (report_prepare(db, q->detail ? detail_sql : resellers_sql, &stmt, err))
    return -1;
  report_bind_range(stmt, report_from(q), report_to(q), q->store_id);
  emitter e;
  if (emit_begin(&e, db, out, cols, ncols, err)) {
    sqlite3_finalize(stmt);
    return -1;
  }
  int rc, fail = 0;
  while (!fail && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    cell c[REPORT_RESELLER_DETAIL_COLS];
    char qty[32]; /* c[13] points here until emit_row */
    const char *currency = report_col_text(stmt, 5);
    int ex = report_exponent(out, currency);
    for (int i = 0; i < 6; i++) c[i] = cell_text(report_col_text(stmt, i));
    c[0] = cell_id(report_col_text(stmt, 0)); /* a spreadsheet keeps it text */
    if (!q->detail) {
      c[6] = cell_id(report_col_text(stmt, 6));
      c[7] = cell_int(sqlite3_column_int64(stmt, 7));
      c[8] = cell_int(sqlite3_column_int64(stmt, 8));
      c[9] = cell_amount(sqlite3_column_int64(stmt, 9), ex);
      c[10] = cell_amount(sqlite3_column_int64(stmt, 10), ex);
      c[11] = cell_text(report_col_text(stmt, 11));
      c[12] = cell_text(report_col_text(stmt, 12));
      c[13] = cell_amount(sqlite3_column_int64(stmt, 13), ex);
      c[14] = cell_amount(sqlite3_column_int64(stmt, 14), ex);
      c[15] = cell_text(report_col_text(stmt, 15));
      c[16] = cell_text(report_col_text(stmt, 16));
    } else {
      for (int i = 6; i < 13; i++)
        c[i] = i >= 7 && i <= 11 ? cell_id(report_col_text(stmt, i))
                                 : cell_text(report_col_text(stmt, i));
      if (qty_format(sqlite3_column_int64(stmt, 13), qty, sizeof qty) < 0)
        qty[0] = '\0';
      c[13] = (cell){CELL_NUMBER, qty, 0, 0};
      c[14] = cell_amount(sqlite3_column_int64(stmt, 14), ex);
      c[15] = cell_amount(sqlite3_column_int64(stmt, 15), ex);
      c[16] = cell_text(report_col_text(stmt, 16));
      c[17] = cell_text(report_col_text(stmt, 17));
      c[18] = cell_text(report_col_text(stmt, 18));
    }
    if (emit_row(&e, c, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading sales") != 0;
  sqlite3_finalize(stmt);
  if (!fail && emit_end(&e, err)) fail = 1;
  emit_free(&e);
  return fail ? -1 : 0;
}

int report_resellers(store *st, const report_query *q, const report_out *out,
                     pi_error *err) {
  if (report_query_check(q, err)) return -1;
  if (report_begin_read(store_db(st), err)) return -1;
  /* What needs review in these rows (check.h), as warnings: tax on lines
   * the hint says carry none, the store's own VAT number as a customer's.
   * The store's VAT number is the database's own (meta). */
  report_identity id;
  int rc = report_identity_load(st, &id, err);
  check_scope cs = {q->from, q->to, q->store_id, &id, NULL, ECSL_CSV, 0};
  if (rc == 0) rc = check_warn(st, &cs, CHECK_SALE_RULES, out, err);
  if (rc == 0) rc = run(st, q, out, err);
  report_end_read(store_db(st));
  return rc;
}
