/* SPDX-License-Identifier: MIT */
/* htmlout.c - a report as one self-contained HTML page (htmlout.h): the
 * head and CSS, the report's CSV read back into a <table> (csvin.c), and
 * the chart (htmlchart.c) above it.  See htmlpage.h, csvin.h and
 * htmlchart.h. */
#include "base/clocale.h"
#include "report/htmlpage.h"
#include "report/csvin.h"
#include "report/htmlchart.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/money.h"
#include "base/utf8.h"

/* ---- escaping ------------------------------------------------------------- */

int html_escape_to(text_put_fn emit, void *ctx, const char *s) {
  if (s == NULL) return 0;
  char *fixed = NULL;
  if (!utf8_valid(s)) {
    fixed = utf8_repair(s);
    if (fixed == NULL) return -1;
    s = fixed;
  }
  int rc = 0;
  const char *run = s; /* start of the bytes not yet written */
  for (const char *p = s;; p++) {
    const char *ent;
    switch (*p) {
    case '&': ent = "&amp;"; break;
    case '<': ent = "&lt;"; break;
    case '>': ent = "&gt;"; break;
    case '"': ent = "&quot;"; break;
    case '\'': ent = "&#39;"; break;
    case '\0': ent = NULL; break;
    default: continue;
    }
    if (p > run && emit(ctx, run, (size_t)(p - run))) {
      rc = -1;
      break;
    }
    if (ent == NULL) break;
    if (emit(ctx, ent, strlen(ent))) {
      rc = -1;
      break;
    }
    run = p + 1;
  }
  free(fixed);
  return rc;
}

/* ---- the page -------------------------------------------------------------- */

static const char page_css[] =
    ":root{color-scheme:light}\n"
    "body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,Helvetica,sans-serif;"
    "color:#111;background:#fff;margin:1.5rem;line-height:1.35}\n"
    "h1{font-size:1.45em;margin:0 0 .25rem}\n"
    "h2{font-size:1.1em;margin:1.2rem 0 .3rem}\n"
    ".meta{color:#333;margin:0 0 .5rem}\n"
    ".note{color:#444;font-size:.85em;margin:.2rem 0 .5rem}\n"
    ".empty{font-style:italic}\n"
    "figure.chart{margin:0 0 1rem}\n"
    "svg.plot{display:block;width:100%;max-width:60rem;height:auto}\n"
    "svg.plot .tick{font-size:13px;fill:#222}\n"
    "svg.plot .val{font-size:12px;fill:#000}\n"
    ".legend{font-size:.85em;margin-top:.2rem}\n"
    ".key{white-space:nowrap;margin-left:.8rem}\n"
    ".key svg{vertical-align:-1px}\n"
    "table{border-collapse:collapse;width:100%;font-size:.85em}\n"
    "caption{caption-side:top;text-align:left;font-weight:bold;padding:.3rem 0}\n"
    "th,td{border-bottom:1px solid #ccc;padding:.2rem .45rem;text-align:left;"
    "vertical-align:top;white-space:nowrap}\n"
    "td.w{white-space:normal;min-width:10em}\n"
    "td.flag{font-weight:bold;color:#A00000}\n"
    "th{border-bottom:2px solid #333;background:#eee}\n"
    "tfoot td{border-top:2px solid #333;font-weight:bold}\n"
    "th.n,td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tbody tr:nth-child(even){background:#f6f6f6}\n"
    "footer{margin-top:1rem;font-size:.8em;color:#444}\n"
    "@page{size:A4 landscape;margin:12mm}\n"
    "@media print{\n"
    "body{margin:0;font-size:9pt;color:#000}\n"
    "th{background:none}\n"
    "tbody tr:nth-child(even){background:none}\n"
    "thead{display:table-header-group}\n"
    "tr,figure.chart{break-inside:avoid;page-break-inside:avoid}\n"
    "svg.plot{width:auto;height:65mm;max-width:100%}\n"
    "h2{margin-top:.6rem}\n"
    "}\n";

/* How a column's cells are set: numbers right-aligned ("n"), names that
 * may be long wrapped ("w"), everything else (dates, codes, identifiers)
 * on one line.  NULL: the default. */
static const char *column_class(const char *name) {
  static const char *const numeric[] = {"sales", "lines",        "net",          "tax",
                                        "qty",   "returned_net", "returned_tax", "tax_rate"};
  static const char *const wrapped[] = {"name", "item", "recipient"};
  for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++)
    if (strcmp(numeric[i], name) == 0) return "n";
  for (size_t i = 0; i < sizeof wrapped / sizeof wrapped[0]; i++)
    if (strcmp(wrapped[i], name) == 0) return "w";
  return NULL;
}

static const char *report_title(html_report_kind kind, const report_query *q) {
  if (kind == HTML_PURPOSES) return "Sales by purpose";
  if (kind == HTML_TAX_RATES) return "Sales by tax rate";
  return q->detail ? "Resale lines" : "Resellers";
}

/* "2024-01-01 to 2024-03-31", "from 2024-01-01", "every recorded day". */
static void write_period(pw *o, const report_query *q) {
  if (q->from && q->to) {
    wt(o, q->from);
    w(o, " to ");
    wt(o, q->to);
  } else if (q->from) {
    w(o, "from ");
    wt(o, q->from);
  } else if (q->to) {
    w(o, "up to ");
    wt(o, q->to);
  } else {
    w(o, "every recorded day");
  }
}

/* "2024-01-01 to 2024-03-31, all stores" and the like, escaped. */
static void write_scope(pw *o, const report_query *q) {
  write_period(o, q);
  if (q->store_id) {
    w(o, ", store ");
    wt(o, q->store_id);
  } else {
    w(o, ", all stores");
  }
}

/* ---- totals per currency ---------------------------------------------------- */

/* The amount columns a table totals, per currency, under its rows.  Counts
 * (sales, lines) are not added up: in the purposes report a sale with
 * lines of two purposes counts once under each. */
static const char *const summed[] = {"net", "tax", "returned_net", "returned_tax"};
#define NSUMMED (sizeof summed / sizeof summed[0])

/* Currencies totalled at most; a table with more says so under its
 * totals (the rows always have every figure). */
#define TOTAL_CURRENCIES_MAX 16

typedef struct totals {
  int cur_col;                  /* the currency column, or -1             */
  int col[NSUMMED];             /* each summed column, or -1              */
  char cur[TOTAL_CURRENCIES_MAX][4];
  int exp[TOTAL_CURRENCIES_MAX];
  int64_t sum[TOTAL_CURRENCIES_MAX][NSUMMED];
  int bad[TOTAL_CURRENCIES_MAX]; /* an amount unread or a sum overflowed */
  size_t ncur;
  size_t untotalled;            /* rows of currencies past the maximum    */
} totals;

static void totals_columns(totals *t, const csv_in *r) {
  memset(t, 0, sizeof *t);
  t->cur_col = csvin_column(r, "currency");
  for (size_t k = 0; k < NSUMMED; k++) t->col[k] = csvin_column(r, summed[k]);
}

static void totals_add(totals *t, const csv_in *r) {
  if (t->cur_col < 0) return;
  const char *code = csvin_field(r, (size_t)t->cur_col);
  size_t i = 0;
  while (i < t->ncur && strcmp(t->cur[i], code) != 0) i++;
  if (i == t->ncur) {
    if (t->ncur == TOTAL_CURRENCIES_MAX || strlen(code) != 3) {
      t->untotalled++;
      return;
    }
    memcpy(t->cur[i], code, 4);
    int e = money_exponent(code);
    t->exp[i] = e < 0 ? 2 : e; /* as the report wrote it (report_exponent) */
    t->ncur++;
  }
  for (size_t k = 0; k < NSUMMED; k++) {
    if (t->col[k] < 0) continue;
    int64_t v;
    if (chart_parse_amount(csvin_field(r, (size_t)t->col[k]), t->exp[i], &v) ||
        money_add(&t->sum[i][k], v))
      t->bad[i] = 1;
  }
}

/* One <tfoot> row per currency: "Total", the currency, the exact sums
 * in their columns.  Nothing when the table has no amount column. */
static void write_totals(pw *o, const totals *t, size_t ncols, const char *const *cls) {
  int any = 0;
  for (size_t k = 0; k < NSUMMED; k++) any |= t->col[k] >= 0;
  if (!any || t->cur_col < 0 || t->ncur == 0) return;
  w(o, "<tfoot>\n");
  for (size_t i = 0; i < t->ncur; i++) {
    w(o, "<tr class=\"total\">");
    for (size_t c = 0; c < ncols; c++) {
      char amt[48] = "";
      const char *text = "";
      if (c == 0) text = "Total";
      if ((int)c == t->cur_col) text = t->cur[i];
      for (size_t k = 0; k < NSUMMED; k++)
        if ((int)c == t->col[k]) {
          if (t->bad[i]) text = "(not totalled)";
          else if (money_format(t->sum[i][k], t->exp[i], amt, sizeof amt) >= 0) text = amt;
        }
      if (cls[c]) wf(o, "<td class=\"%s\">", cls[c]);
      else w(o, "<td>");
      wt(o, text);
      w(o, "</td>");
    }
    w(o, "</tr>\n");
  }
  w(o, "</tfoot>\n");
}

/* The table, streamed from the report's CSV: the header record gives the
 * column headers, every other record one row, each cell exactly the
 * field's value, escaped.  Returns the number of rows, or -1 with err. */
static long write_table(pw *o, FILE *rows, html_report_kind kind,
                        const report_query *q, pi_error *err) {
  csv_in r;
  memset(&r, 0, sizeof r);
  r.f = rows;
  rewind(rows);
  const char *cls[SINK_COLUMNS_MAX] = {0};
  int verdict = -1; /* resellers: the column whose non-valid cells stand out */
  long n = 0;
  int rc = csvin_next(&r, err);
  w(o, "<section class=\"report\">\n<table id=\"report\">\n<caption>");
  wt(o, report_title(kind, q));
  if ((kind == HTML_PURPOSES || kind == HTML_TAX_RATES) && q->by != REPORT_BY_NONE)
    wf(o, " per %s", chart_unit_word[q->by == REPORT_BY_DAY    ? UNIT_DAY
                                     : q->by == REPORT_BY_WEEK ? UNIT_WEEK
                                                               : UNIT_MONTH]);
  w(o, ", ");
  write_scope(o, q);
  w(o, "</caption>\n<thead><tr>");
  for (size_t i = 0; rc == 1 && i < r.n; i++) {
    cls[i] = column_class(csvin_field(&r, i));
    if (kind == HTML_RESELLERS && strcmp(csvin_field(&r, i), "verdict") == 0)
      verdict = (int)i;
    w(o, "<th scope=\"col\"");
    if (cls[i]) wf(o, " class=\"%s\"", cls[i]);
    w(o, ">");
    wt(o, csvin_field(&r, i));
    w(o, "</th>");
  }
  w(o, "</tr></thead>\n<tbody>\n");
  totals tot;
  size_t ncols = rc == 1 ? r.n : 0;
  totals_columns(&tot, &r);
  while (rc == 1 && (rc = csvin_next(&r, err)) == 1) {
    w(o, "<tr>");
    for (size_t i = 0; i < r.n; i++) {
      if ((int)i == verdict && strcmp(csvin_field(&r, i), "valid") != 0)
        w(o, "<td class=\"flag\">"); /* invalid or missing evidence */
      else if (cls[i])
        wf(o, "<td class=\"%s\">", cls[i]);
      else
        w(o, "<td>");
      wt(o, csvin_field(&r, i));
      w(o, "</td>");
    }
    w(o, "</tr>\n");
    totals_add(&tot, &r);
    /* Stop early on a full disk rather than format a million rows. */
    if (++n % 1024 == 0 && ferror(o->f)) break;
  }
  if (rc < 0) {
    free(r.buf);
    return -1;
  }
  w(o, "</tbody>\n");
  write_totals(o, &tot, ncols, cls);
  free(r.buf);
  w(o, "</table>\n");
  if (tot.untotalled)
    wf(o, "<p class=\"note\">Totals are shown for the first %d currencies; %zu rows in "
          "others are in the table but not totalled.</p>\n",
       TOTAL_CURRENCIES_MAX, tot.untotalled);
  if (n == 0) w(o, "<p class=\"empty\">No rows: nothing in this period.</p>\n");
  w(o, "</section>\n");
  return n;
}

static int write_page(pw *o, FILE *rows, const chart *ch, html_report_kind kind,
                      const report_query *q, pi_error *err) {
  char now[32] = "";
  time_t t = time(NULL);
  struct tm tm;
  if (gmtime_r(&t, &tm)) strftime(now, sizeof now, "%Y-%m-%d %H:%M UTC", &tm);
  w(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
  /* The page is a document, never an application: whatever a value holds,
   * the browser may load nothing and run nothing. */
  w(o, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
       "style-src 'unsafe-inline'\">\n");
  w(o, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  w(o, "<meta name=\"generator\" content=\"posintent\">\n<title>");
  wt(o, report_title(kind, q));
  w(o, ", ");
  write_scope(o, q);
  w(o, "</title>\n<style>\n");
  w(o, page_css);
  w(o, "</style>\n</head>\n<body>\n<header>\n<h1>");
  wt(o, report_title(kind, q));
  w(o, "</h1>\n<p class=\"meta\">Period: ");
  write_period(o, q);
  w(o, ". Store: ");
  wt(o, q->store_id ? q->store_id : "all stores");
  w(o, ". Completed sales that were not voided, by business day");
  if (kind == HTML_RESELLERS)
    w(o, "; only lines whose buyer status is reseller. Rows with invalid or "
         "missing evidence are listed, never dropped");
  w(o, ".</p>\n</header>\n");
  if (kind != HTML_TAX_RATES) chart_draw(o, ch, kind); /* rates: the table alone */
  if (write_table(o, rows, kind, q, err) < 0) return -1;
  w(o, "<footer>Written by posintent");
  if (now[0]) wf(o, " on %s", now);
  w(o, ". Amounts are exact, in major units of their currency; the table holds "
       "the same values as the CSV report.</footer>\n</body>\n</html>\n");
  return 0;
}

/* ---- the report ------------------------------------------------------------ */

int html_report(store *st, html_report_kind kind, const report_query *q,
                const report_out *out, pi_error *err) {
  if (report_query_check(q, err)) return -1;
  FILE *rows = NULL, *series = NULL;
  chart *ch = NULL;
  int rc = -1;
  /* The SVG's coordinates are printf'd doubles: "12.5", never "12,5". */
  c_locale_scope locale;
  c_locale_enter(&locale);
  if ((rows = csvin_temp(err)) == NULL) goto done;
  /* The report exactly as --format csv writes it, hooks included. */
  report_out csv = *out;
  csv.file = rows;
  csv.format = SINK_CSV;
  if ((kind == HTML_PURPOSES    ? report_purposes
       : kind == HTML_TAX_RATES ? report_tax_rates
                                : report_resellers)(st, q, &csv, err))
    goto done;
  if ((ch = chart_new()) == NULL) {
    pi_fail(err, PI_E_NOMEM, "", "out of memory");
    goto done;
  }
  if (kind == HTML_TAX_RATES) {
    /* no chart: a rate's share over time is not what a return asks */
  } else if (kind == HTML_PURPOSES) {
    static const unit by_unit[] = {UNIT_WHOLE, UNIT_DAY, UNIT_WEEK, UNIT_MONTH};
    if (chart_load(ch, rows, by_unit[q->by], q, 0, err)) goto done;
  } else {
    /* Resellers: the purposes of the same range and store, per day (the
     * chart's period is chosen from the span), without hooks: the chart
     * reads only the report's own columns. */
    if ((series = csvin_temp(err)) == NULL) goto done;
    report_query pq = *q;
    pq.detail = 0;
    pq.by = REPORT_BY_DAY;
    report_out po = csv;
    po.file = series;
    po.hooks = NULL;
    if (report_purposes(st, &pq, &po, err)) goto done;
    if (chart_load(ch, series, UNIT_DAY, q, 1, err)) goto done;
  }
  pw o = {out->file, 0};
  if (write_page(&o, rows, ch, kind, q, err)) goto done;
  if (o.nomem) {
    pi_fail(err, PI_E_NOMEM, "", "out of memory");
    goto done;
  }
  if (fflush(out->file) != 0 || ferror(out->file)) {
    pi_fail(err, PI_E_IO, "output", "cannot write the report");
    goto done;
  }
  rc = 0;
done:
  if (rows) fclose(rows);
  if (series) fclose(series);
  free(ch);
  c_locale_leave(&locale);
  return rc;
}
