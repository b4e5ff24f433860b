/* SPDX-License-Identifier: MIT */
/*
 * htmlchart.h - the HTML report's chart (htmlchart.c): calendar periods,
 * the totals per currency, period and purpose read from a purposes CSV,
 * and the SVG.  Not part of the API.
 */
#ifndef POSINTENT_HTMLCHART_H
#define POSINTENT_HTMLCHART_H

#include <stdio.h>

#include "base/error.h"
#include "report/htmlout.h"
#include "report/htmlpage.h"
#include "report/report.h"

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

/* Parse an exact decimal as the sink writes amounts ("12.34", "-0.05",
 * "1500") into minor units of a currency with `exponent` decimals.
 * Returns 0, or -1 when it is not one or does not fit an int64_t. */
int chart_parse_amount(const char *s, int exponent, int64_t *out);

/* Write the chart's <section>: a note on what it shows, then one SVG per
 * currency, or a line saying why there is nothing to chart. */
void chart_draw(pw *o, const chart *ch, html_report_kind kind);

#endif
