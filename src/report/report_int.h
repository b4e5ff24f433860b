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
} emitter;

/* Start a report with `cols` (borrowed; must outlive the emitter).
 * Returns 0 or -1 with err. */
int emit_begin(emitter *e, sqlite3 *db, const report_out *out,
               const char *const *cols, size_t ncols, pi_error *err);

/* Write one row of e->ncols cells (hooks may add cells).  0 or -1. */
int emit_row(emitter *e, const cell *cells, pi_error *err);

/* Declare the columns if no row came, finish the sink.  0 or -1. */
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
