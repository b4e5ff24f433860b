/* SPDX-License-Identifier: MIT */
/*
 * htmlout.h - a report as one self-contained HTML page, to look at and to
 * print: the report's table and an inline SVG chart of net sales by
 * purpose over time (docs/reports.md, "HTML").
 *
 * The page needs nothing but itself: UTF-8 with <meta charset>, inline CSS
 * (with @media print), inline SVG, no script, no external URL of any kind
 * (no links, images, fonts or imports), and a Content-Security-Policy of
 * default-src 'none' so that a browser fetches nothing even if it tried.
 *
 * How it is made: the report is run exactly as for `--format csv` into an
 * unlinked temporary file, which is then read back record by record and
 * written as the <table>.  So every cell holds exactly the CSV's field
 * value (same columns, hooks' columns included, same exact decimals, the
 * CSV's formula guard included: Excel opens HTML tables too), and memory
 * stays flat however many rows there are.  The chart is totals per period
 * and purpose, a few hundred numbers at most, held in memory.
 */
#ifndef POSINTENT_HTMLOUT_H
#define POSINTENT_HTMLOUT_H

#include "report/csvout.h"
#include "base/error.h"
#include "report/report.h"
#include "store/store.h"

/* Periods one chart shows at most; a longer range shows its last ones
 * and says so (the table always has every row). */
#define HTML_CHART_PERIODS_MAX 400

/* Currencies charted at most (one chart each; amounts in different
 * currencies are never added up).  Others are named in a note. */
#define HTML_CHART_CURRENCIES_MAX 6

typedef enum html_report_kind {
  HTML_RESELLERS = 0, /* report_resellers (with or without q->detail)      */
  HTML_PURPOSES,      /* report_purposes, periods as q->by says            */
  HTML_TAX_RATES      /* report_tax_rates, periods as q->by says; no chart */
} html_report_kind;

/* Write the HTML page of report `kind` for query `q` to out->file.
 *
 * The chart shows net amounts (lines' net, without tax) per purpose
 * (own_use, gift, resale), stacked per period, one chart per currency:
 *   purposes   the report's own periods (--by day, week or month; the
 *              whole range as one bar without --by), so the chart and the
 *              table agree figure for figure;
 *   resellers  the same range and store, every purpose (resale beside own
 *              use and gifts), read by a second query in its own read
 *              transaction; per day for a range of up to 31 days, per ISO
 *              week up to 26 weeks, else per month.
 * The time axis runs from --from (else the first sale) to --to (else the
 * last), periods without sales included as gaps.
 *
 * out->format is ignored (the page is built from CSV); out->hooks add
 * their columns to the table as in CSV; out->warn, progress and label
 * are used as the reports use them.  Temporary files go to $TMPDIR (else
 * /tmp) and are unlinked at once.
 *
 * Returns 0, or -1 with err: what the report itself fails with ("usage",
 * "storage", "script", ...), or "io" (a temporary file or the output
 * cannot be written), "nomem".  When the report fails, nothing has been
 * written to out->file. */
int html_report(store *st, html_report_kind kind, const report_query *q,
                const report_out *out, pi_error *err);

/* Write `s` as HTML text or attribute value through `emit`: & < > " '
 * become entities, bytes that are not valid UTF-8 become U+FFFD, every
 * other character stays as it is.  NULL writes nothing.  Returns 0, or -1
 * when emit fails or memory runs out. */
int html_escape_to(text_put_fn emit, void *ctx, const char *s);

#endif
