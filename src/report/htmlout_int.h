/* SPDX-License-Identifier: MIT */
/*
 * htmlout_int.h - inside the HTML report (htmlout.h); not part of the API.
 *
 *   htmlout.c    the page: escaping, head and CSS, the <table>, and
 *                html_report, which runs the reports and puts it together;
 *   csvin.c      the report's CSV, spooled to an unlinked temporary file
 *                and read back one record at a time;
 *   htmlchart.c  the chart: calendar periods, the totals per currency,
 *                period and purpose read from a purposes CSV, and the SVG.
 */
#ifndef POSINTENT_HTMLOUT_INT_H
#define POSINTENT_HTMLOUT_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "report/csvout.h"
#include "base/error.h"
#include "report/htmlout.h"
#include "report/report.h"

/* ---- the page writer ------------------------------------------------------ */

/* Output goes through stdio; a write error sticks in the stream and is
 * reported once at the end (ferror), like the sink does.  A failed
 * allocation while escaping is remembered the same way. */
typedef struct pw {
  FILE *f;
  int nomem;
} pw;

static inline int file_emit(void *ctx, const void *p, size_t n) {
  return n == 0 || fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

static inline void w(pw *o, const char *s) { fputs(s, o->f); }

/* Escaped text. */
static inline void wt(pw *o, const char *s) {
  if (html_escape_to(file_emit, o->f, s) && !ferror(o->f)) o->nomem = 1;
}

static inline void wf(pw *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void wf(pw *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(o->f, fmt, ap);
  va_end(ap);
}

/* ---- csvin.c: reading the CSV back ---------------------------------------- */

/* One RFC 4180 record at a time, as csvout.c writes it: fields separated
 * by commas, records ended by CRLF, quoted fields with quotes doubled and
 * CR/LF inside.  The fields are NUL-terminated in one buffer.  Start from
 * a zeroed csv_in with `f` set; free(buf) when done. */
typedef struct csv_in {
  FILE *f;
  char *buf;
  size_t len, cap;
  size_t off[SINK_COLUMNS_MAX];
  size_t n;
} csv_in;

/* An unlinked temporary file in $TMPDIR (else /tmp), open for writing and
 * reading back.  Returns the stream (the caller fcloses it), or NULL with
 * err "io". */
FILE *csvin_temp(pi_error *err);

/* Read the next record of r->f.  A record of more than HTML_ROW_MAX bytes
 * or SINK_COLUMNS_MAX fields, or that is not CSV, is an error.  Returns 1
 * with r->n fields, 0 at the end, or -1 with err ("io", "nomem"). */
int csvin_next(csv_in *r, pi_error *err);

/* Field i of the current record; "" past its last field. */
const char *csvin_field(const csv_in *r, size_t i);

/* The index of column `name` in a header record, or -1. */
int csvin_column(const csv_in *r, const char *name);

/* Fail with err "io" on the temporary file: "reading the report back:
 * <why>".  Returns -1. */
int csvin_fail(pi_error *err, const char *why);

/* ---- htmlchart.c: the chart ----------------------------------------------- */

/* The periods a chart (and the purposes report) groups by. */
typedef enum unit { UNIT_DAY, UNIT_WEEK, UNIT_MONTH, UNIT_WHOLE } unit;

/* The word for one period of each unit: "day", "week", "month", "period". */
extern const char *const chart_unit_word[];

/* Net sales per currency, period and purpose, a few hundred numbers. */
typedef struct chart chart;

/* A new, empty chart (zeroed), or NULL when memory runs out.  free() it. */
chart *chart_new(void);

/* Read the chart's data from a purposes CSV (src, from its start) whose
 * periods are of unit `u`; the chart's periods are `u` too, or, with
 * choose_unit (src per day), the day, week or month the span calls for.
 * The axis runs from q->from (else the first sale) to q->to (else the
 * last).  Returns 0, or -1 with err (as csvin_next, or the purposes
 * columns are missing). */
int chart_load(chart *ch, FILE *src, unit u, const report_query *q, int choose_unit,
               pi_error *err);

/* Write the chart's <section>: a note on what it shows, then one SVG per
 * currency, or a line saying why there is nothing to chart. */
void chart_draw(pw *o, const chart *ch, html_report_kind kind);

#endif
