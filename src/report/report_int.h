/* SPDX-License-Identifier: MIT */
/*
 * report_int.h - what the report_*.c files share; not part of the API.
 *
 * An emitter wraps a sink for one report: it declares the columns (adding
 * those that report_row hooks contribute), runs the hooks on each row,
 * shows the progress line, and turns SQLite errors into pi_error.
 */
#ifndef POSINTENT_REPORT_INT_H
#define POSINTENT_REPORT_INT_H

#include "base/clocale.h"
#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "report/csvout.h"
#include "report/report.h"

/* The progress line: SQLite calls back every few thousand VM steps; after
 * the first second, and then at most every 250 ms, one line is redrawn on
 * stderr. */
typedef struct report_progress {
  int on;
  const char *label;
  struct timespec start;
  double last;            /* seconds since start of the last redraw      */
  int shown;              /* 1 once something was drawn (to clear it)    */
  const size_t *rows;     /* rows written so far, or NULL                */
} report_progress;

void report_progress_start(report_progress *p, sqlite3 *db, const report_out *out,
                           const size_t *rows);
void report_progress_stop(report_progress *p, sqlite3 *db);

/* The columns a total row sums (the same as the HTML table's footer):
 * amounts whose sum over rows means something.  Counts are not summed (a
 * purposes row counts a sale under each of its purposes), nor is an
 * export's sale_net, repeated on each of the sale's lines. */
#define EMIT_SUMMED 4
#define EMIT_CURRENCIES_MAX 256 /* more ISO 4217 codes than exist */

typedef struct emit_total {
  char currency[4];
  int exponent;
  int64_t sum[EMIT_SUMMED];
} emit_total;

typedef struct emitter {
  const report_out *out;
  sink *sink;
  const char *const *cols; /* the report's own columns                    */
  size_t ncols;
  char extra[SINK_COLUMNS_MAX][SINK_NAME_MAX]; /* hooks' columns          */
  size_t nextra;
  size_t rows;
  int declared;
  int dropped_warned;      /* warned once about a hook member left out    */
  report_progress progress;
  sqlite3 *db;
  c_locale_scope locale;   /* numbers in "C" from emit_begin to emit_free  */
  /* Totals per currency (out->totals, or the table format): */
  int totals;
  int cur_col;             /* the "currency" column, or -1                 */
  int sum_col[EMIT_SUMMED];/* net, tax, returned_net, returned_tax or -1   */
  emit_total *tot;         /* in order of first appearance                 */
  size_t ntot;
} emitter;

/* Start a report with `cols` (borrowed; must outlive the emitter).
 * Returns 0 or -1 with err. */
int emit_begin(emitter *e, sqlite3 *db, const report_out *out,
               const char *const *cols, size_t ncols, pi_error *err);

/* Write one row of e->ncols cells (hooks may add cells).  0 or -1. */
int emit_row(emitter *e, const cell *cells, pi_error *err);

/* Declare the columns if no row came; when totals are asked for (or the
 * format is a table) and the report has a currency column and amounts to
 * sum, write one row per currency, in the order the currencies came:
 * "Total" in the first column, the currency, the exact sums of net, tax,
 * returned_net and returned_tax, every other cell empty (a table shows a
 * rule above them); then finish the sink.  A sum that does not fit 64
 * bits fails (code "overflow").  0 or -1. */
int emit_end(emitter *e, pi_error *err);

/* Free what the emitter holds (safe after a failure).  */
void emit_free(emitter *e);

/* The day bounds of a query: from, or "0000-01-01"; to, or "9999-12-31". */
const char *report_from(const report_query *q);
const char *report_to(const report_query *q);

/* Prepare `sql` on db, or fail with code "storage". */
int report_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **q, pi_error *err);

/* Fail with code "storage" and SQLite's message. */
int report_db_fail(sqlite3 *db, pi_error *err, const char *what);

/* Column `i` as text, "" when NULL. */
const char *report_col_text(sqlite3_stmt *q, int i);

/* The exponent of a currency code; when the code is not ISO 4217 (the
 * event parser refuses such codes, so only a hand-edited database has
 * one), a warning through out->warn and 2. */
int report_exponent(const report_out *out, const char *currency);

/* A period label: "2024-03-05", "2024-W10", "2024-03", or the whole range
 * "2024-01-01/2024-12-31" (report purposes, report tax-rates). */
#define REPORT_PERIOD_MAX 32

/* The label of the period of `by` that business day `day` ("YYYY-MM-DD")
 * falls in, into buf: the day, its ISO 8601 week, its month, or `whole`
 * for REPORT_BY_NONE. */
void report_period_of(report_by by, const char *day, const char *whole,
                      char buf[REPORT_PERIOD_MAX]);

/* The one period of a report without --by, as an ISO 8601 interval
 * "first/last" into whole[32]: --from and --to where given, an open end
 * the first or last business day with a sold or returned line in range.
 * Returns 0, or -1 with err. */
int report_whole_period(sqlite3 *db, const report_query *q, char whole[32],
                        pi_error *err);

/* Send a warning through out->warn (printf-style). */
void report_warn(const report_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The WHERE clause every report shares (sales aliased s): completed,
 * not voided, day in [?1, ?2], store ?3 when not NULL. */
#define REPORT_SALES_WHERE                                                    \
  " s.status = 'completed'"                                                   \
  " AND s.day BETWEEN ?1 AND ?2"                                              \
  " AND (?3 IS NULL OR s.store = ?3)"                                         \
  " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"

/* The business day of the void v of sale s: the date of v.at (the
 * plugin's clock, UTC) on the sale's own clock, i.e. shifted by the UTC
 * offset of s.began_at (RFC 3339, validated at sale.begin: "Z" or
 * "+HH:MM"/"-HH:MM"), just as sales.day is the date of s.began_at as the
 * till gave it.  A void at 00:30 in Berlin on 1 December is a December
 * void, although it is still 30 November in UTC. */
#define REPORT_VOID_DAY                                                        \
  "date(v.at, (CASE WHEN upper(substr(s.began_at, -1)) = 'Z' THEN 0"          \
  " ELSE (CASE substr(s.began_at, -6, 1) WHEN '-' THEN -1 ELSE 1 END)"        \
  " * (CAST(substr(s.began_at, -5, 2) AS INTEGER) * 60"                       \
  " + CAST(substr(s.began_at, -2, 2) AS INTEGER)) END) || ' minutes')"

/* The lines an EC Sales List declares (sales aliased s, lines l): the
 * reverse-charge lines of sales to a valid VAT number.  The country filter
 * (EU, not home) is applied in C, where the list lives. */
#define REPORT_ECSL_LINES                                                      \
  " s.status = 'completed' AND (?3 IS NULL OR s.store = ?3)"                   \
  " AND s.reseller_reason IS NOT NULL AND s.reseller_kind = 'vat'"             \
  " AND s.reseller_valid = 1 AND l.treatment = 'reverse_charge'"

/* The returned lines an EC Sales List credits (returns aliased r, return
 * lines rl): reverse-charge lines of a return of a sale to a valid VAT
 * number, as the return copied them from the sale (store.h). */
#define REPORT_ECSL_RETURN_LINES                                               \
  " (?3 IS NULL OR r.store = ?3)"                                              \
  " AND r.reseller_reason IS NOT NULL AND r.reseller_kind = 'vat'"             \
  " AND r.reseller_valid = 1 AND rl.treatment = 'reverse_charge'"

/* Every line an EC Sales List of period [?1, ?2] counts (store ?3 when not
 * NULL), one row each: country, vat, currency, sid (sales.id), net (a
 * credit negative), ref (the sale's id, or "return R1" for a return),
 * day (the business day it counts on: the sale's, the void's, the
 * return's), store, terminal (the sale's; '' for a return), then, to
 * follow each figure back (--detail): sale (the sale's id, also for a
 * return), sterm (the sale's terminal), line (the line's id), treatment,
 * record ("sale", "void" or "return") and ret (the return's id, or
 * NULL).  report_ecsl.c totals them per customer; check.c names the
 * sales behind a total.
 *
 * The rule (docs/reports.md, "Voids and filed periods"): a sale counts in
 * the period of its business day unless it was voided on that very day
 * (or, by a clock set wrong, before it); a completed sale voided on a
 * later day stays in its own period and is a full return, a negative line
 * for the same customer, in the period of the void's day.  So a period's
 * figures never change once its last day is over, whether or not it was
 * closed.  A return (sale.return) is a partial credit by the same rule:
 * its returned reverse-charge lines, negated, count for the sale's
 * customer VAT number in the period of the return's business day (UStAE
 * 18a.4 (1); HMRC: credit notes are deducted in the period they are
 * given).  A sale with returns cannot be voided (store.h), so no line is
 * credited twice. */
#define REPORT_ECSL_ROWS                                                       \
  "  SELECT s.reseller_country AS country, s.reseller_id AS vat,"              \
  "   s.currency AS currency, s.id AS sid, l.net AS net, s.sale AS ref,"       \
  "   s.day AS day, s.store AS store, s.terminal AS terminal,"                 \
  "   s.sale AS sale, s.terminal AS sterm, l.line AS line,"                    \
  "   l.treatment AS treatment, 'sale' AS record, NULL AS ret"                 \
  "  FROM sales s JOIN lines l ON l.sale_id = s.id"                            \
  "  WHERE s.day BETWEEN ?1 AND ?2 AND" REPORT_ECSL_LINES                      \
  "  AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id"             \
  "   AND " REPORT_VOID_DAY " <= s.day)"                                       \
  "  UNION ALL"                                                                \
  "  SELECT s.reseller_country, s.reseller_id, s.currency, s.id, -l.net,"      \
  "   s.sale, " REPORT_VOID_DAY ", s.store, s.terminal,"                       \
  "   s.sale, s.terminal, l.line, l.treatment, 'void', NULL"                   \
  "  FROM voids v JOIN sales s ON s.id = v.sale_id"                            \
  "  JOIN lines l ON l.sale_id = s.id"                                         \
  "  WHERE " REPORT_VOID_DAY " BETWEEN ?1 AND ?2"                              \
  "  AND " REPORT_VOID_DAY " > s.day AND" REPORT_ECSL_LINES                    \
  "  UNION ALL"                                                                \
  "  SELECT r.reseller_country, r.reseller_id, r.currency, r.sale_id, -rl.net,"\
  "   'return ' || r.ret, r.day, r.store, '',"                                 \
  "   rs.sale, rs.terminal, rl.line, rl.treatment, 'return', r.ret"            \
  "  FROM returns r JOIN return_lines rl ON rl.return_id = r.id"               \
  "  JOIN sales rs ON rs.id = r.sale_id"                                       \
  "  WHERE r.day BETWEEN ?1 AND ?2 AND" REPORT_ECSL_RETURN_LINES

/* The store's identity `id` must be the database's own (report.h,
 * report_ec_sales_list); 0, or -1 with err (code "store_mismatch"). */
int report_check_store(store *st, const report_identity *id, pi_error *err);

/* Bind ?1 ?2 ?3 as REPORT_SALES_WHERE expects. */
void report_bind_range(sqlite3_stmt *q, const char *from, const char *to,
                       const char *store_id);

/* Start and end the read transaction a report runs in, so that all its
 * statements see one snapshot.  report_begin_read returns 0 or -1 with
 * err; report_end_read never fails (a read transaction has nothing to
 * lose). */
int report_begin_read(sqlite3 *db, pi_error *err);
void report_end_read(sqlite3 *db);

#endif
