/* SPDX-License-Identifier: MIT */
/* htmlchart.c - the HTML report's chart: net sales per currency, period
 * and purpose, read from a purposes CSV onto a calendar axis, drawn as
 * stacked columns in inline SVG.  See htmlchart.h. */
#include "report/htmlchart.h"
#include "report/csvin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "base/money.h"

/* ---- calendar ------------------------------------------------------------- */

const char *const chart_unit_word[] = {"day", "week", "month", "period"};

#define LABEL_MAX 32 /* "2024-03-05", "2024-W10", "2024-03", "a/b" */


/* The label of the period of `u` that holds day z, exactly as
 * report_purposes.c writes it: an ISO 8601 week belongs to the year of its
 * Thursday (2021-01-03 is in 2020-W53). */
static void label_of(unit u, long z, char buf[LABEL_MAX]) {
  int y, m, d;
  if (u == UNIT_WEEK) {
    int week;
    cal_iso_week(z, &y, &week);
    snprintf(buf, LABEL_MAX, "%04d-W%02d", y % 10000, week % 100);
    return;
  }
  cal_civil_from_days(z, &y, &m, &d);
  if (u == UNIT_MONTH)
    snprintf(buf, LABEL_MAX, "%04d-%02d", y % 10000, m % 100);
  else
    snprintf(buf, LABEL_MAX, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

static int two(const char *s) {
  return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'
             ? (s[0] - '0') * 10 + (s[1] - '0')
             : -1;
}

static int four(const char *s) {
  int a = two(s), b = two(s + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

/* The first day of the period a label of `u` names ("2024-03-05",
 * "2024-W10" -> its Monday, "2024-03" -> the 1st).  Returns 0, or -1 when
 * the label is not one. */
static int label_start(unit u, const char *s, long *z) {
  size_t n = strlen(s);
  int y = n >= 4 ? four(s) : -1;
  if (y < 0 || s[4] != '-') return -1;
  if (u == UNIT_WEEK) {
    int wk = n == 8 && s[5] == 'W' ? two(s + 6) : -1;
    if (wk < 1 || wk > 53) return -1;
    long jan4 = cal_days_from_civil(y, 1, 4); /* always in week 1 */
    *z = jan4 - cal_weekday0(jan4) + (long)(wk - 1) * 7;
    return 0;
  }
  int m = two(s + 5);
  if (m < 1 || m > 12) return -1;
  if (u == UNIT_MONTH && n == 7) {
    *z = cal_days_from_civil(y, m, 1);
    return 0;
  }
  int d = n == 10 && s[7] == '-' ? two(s + 8) : -1;
  if (u != UNIT_DAY || d < 1 || d > 31) return -1;
  *z = cal_days_from_civil(y, m, d);
  return 0;
}

/* The first day of the period after the one starting on z. */
static long next_start(unit u, long z) {
  if (u == UNIT_DAY) return z + 1;
  if (u == UNIT_WEEK) return z + 7;
  int y, m, d;
  cal_civil_from_days(z, &y, &m, &d);
  return m == 12 ? cal_days_from_civil(y + 1, 1, 1) : cal_days_from_civil(y, m + 1, 1);
}

/* Number of periods of `u` from the one holding lo to the one holding hi. */
static long periods_between(unit u, long lo, long hi) {
  if (u == UNIT_DAY) return hi - lo + 1;
  if (u == UNIT_WEEK) return (hi - cal_weekday0(hi) - (lo - cal_weekday0(lo))) / 7 + 1;
  int y1, m1, y2, m2, d;
  cal_civil_from_days(lo, &y1, &m1, &d);
  cal_civil_from_days(hi, &y2, &m2, &d);
  return (long)(y2 - y1) * 12 + (m2 - m1) + 1;
}

/* ---- the chart's data ---------------------------------------------------- */

enum { P_OWN_USE, P_GIFT, P_RESALE, NPURPOSES };
static const char *const purpose_key[NPURPOSES] = {"own_use", "gift", "resale"};
static const char *const purpose_label[NPURPOSES] = {"own use", "gift", "resale"};
/* Paul Tol's "muted" colours, chosen to stay apart in greyscale print too
 * (light, middle, dark), stacked in that order from the axis. */
static const char *const purpose_fill[NPURPOSES] = {"#88CCEE", "#CC6677", "#332288"};

struct chart {
  unit unit;               /* the chart's periods                            */
  unit src_unit;           /* the periods of the CSV it is read from         */
  char label[HTML_CHART_PERIODS_MAX][LABEL_MAX]; /* ascending                */
  char whole[64];          /* UNIT_WHOLE: the range in words, as shown       */
  size_t nb;
  long all_periods;        /* periods of the axis before cutting to the max  */
  char cur[HTML_CHART_CURRENCIES_MAX][4];
  int exp[HTML_CHART_CURRENCIES_MAX];
  size_t ncur;
  char others[64];         /* currencies left out, for the note              */
  int64_t net[HTML_CHART_CURRENCIES_MAX][HTML_CHART_PERIODS_MAX][NPURPOSES];
  int64_t total[HTML_CHART_CURRENCIES_MAX][NPURPOSES];
  int overflow[HTML_CHART_CURRENCIES_MAX];
  size_t skipped;          /* rows not charted (unknown purpose, bad amount) */
};

chart *chart_new(void) { return calloc(1, sizeof(chart)); }

/* Parse an exact decimal as the sink writes amounts ("12.34", "-0.05",
 * "1500") into minor units of a currency with `exponent` decimals.
 * Returns 0, or -1 when it is not one or does not fit. */
int chart_parse_amount(const char *s, int exponent, int64_t *out) {
  int neg = *s == '-';
  if (neg) s++;
  if (*s < '0' || *s > '9') return -1;
  int64_t v = 0;
  int frac = -1; /* digits after the point, -1 before it */
  for (; *s; s++) {
    if (*s == '.' && frac < 0) {
      frac = 0;
      continue;
    }
    if (*s < '0' || *s > '9') return -1;
    if (frac >= 0 && ++frac > exponent) return -1;
    if (v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (*s - '0');
  }
  if (frac == 0) return -1;
  for (int k = frac < 0 ? 0 : frac; k < exponent; k++) {
    if (v > INT64_MAX / 10) return -1;
    v *= 10;
  }
  *out = neg ? -v : v;
  return 0;
}

static int add_ok(int64_t *acc, int64_t v) {
  return __builtin_add_overflow(*acc, v, acc) ? -1 : 0;
}

static int cur_index(const chart *ch, const char *code) {
  for (size_t i = 0; i < ch->ncur; i++)
    if (strcmp(ch->cur[i], code) == 0) return (int)i;
  return -1;
}

static int purpose_index(const char *p) {
  for (int i = 0; i < NPURPOSES; i++)
    if (strcmp(purpose_key[i], p) == 0) return i;
  return -1;
}

static int bucket_index(const chart *ch, const char *label) {
  size_t lo = 0, hi = ch->nb;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(ch->label[mid], label);
    if (c == 0) return (int)mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

static int by_code(const void *a, const void *b) { return strcmp(a, b); }

/* The columns of a purposes CSV the chart reads. */
typedef struct pcols {
  int period, currency, purpose, net;
} pcols;

static int pcols_find(const csv_in *r, pcols *c, pi_error *err) {
  c->period = csvin_column(r, "period");
  c->currency = csvin_column(r, "currency");
  c->purpose = csvin_column(r, "purpose");
  c->net = csvin_column(r, "net");
  if (c->period < 0 || c->currency < 0 || c->purpose < 0 || c->net < 0)
    return csvin_fail(err, "the purposes columns are missing");
  return 0;
}

/* First pass: the first and last period with sales and the currencies. */
static int chart_scan(chart *ch, csv_in *r, char first[LABEL_MAX],
                      char last[LABEL_MAX], pi_error *err) {
  pcols c;
  int rc = csvin_next(r, err);
  if (rc <= 0) return rc < 0 ? -1 : 0;
  if (pcols_find(r, &c, err)) return -1;
  first[0] = last[0] = '\0';
  while ((rc = csvin_next(r, err)) == 1) {
    const char *p = csvin_field(r, (size_t)c.period),
               *cur = csvin_field(r, (size_t)c.currency);
    if (strlen(p) >= LABEL_MAX) continue;
    if (first[0] == '\0' || strcmp(p, first) < 0) snprintf(first, LABEL_MAX, "%s", p);
    if (strcmp(p, last) > 0) snprintf(last, LABEL_MAX, "%s", p);
    if (cur_index(ch, cur) >= 0 || strlen(cur) != 3) continue;
    if (ch->ncur < HTML_CHART_CURRENCIES_MAX) {
      memcpy(ch->cur[ch->ncur++], cur, 4);
    } else if (strstr(ch->others, cur) == NULL &&
               strlen(ch->others) + 5 < sizeof ch->others) {
      if (ch->others[0]) strcat(ch->others, ", ");
      strcat(ch->others, cur);
    }
  }
  if (rc < 0) return -1;
  qsort(ch->cur, ch->ncur, sizeof ch->cur[0], by_code);
  for (size_t i = 0; i < ch->ncur; i++) {
    int e = money_exponent(ch->cur[i]);
    ch->exp[i] = e < 0 ? 2 : e; /* as report_exponent() prints them */
  }
  return 0;
}

/* The time axis: from --from (else the first period with sales) to --to
 * (else the last), every period in between, so that a week without sales
 * shows as a gap.  When that is more than the chart holds, the span of the
 * sales; when even that is, its last HTML_CHART_PERIODS_MAX periods.
 * For resellers (src_unit day), the unit is chosen here from the span. */
static void chart_axis(chart *ch, const report_query *q, int choose_unit,
                       const char *first, const char *last) {
  if (ch->unit == UNIT_WHOLE) { /* one period: the range */
    snprintf(ch->label[0], LABEL_MAX, "%s", first);
    /* Shown in words: the CSV's interval "../.." for an open range is
     * for programs, not for the reader of a printout. */
    if (q->from && q->to)
      snprintf(ch->whole, sizeof ch->whole, "%s to %s", q->from, q->to);
    else if (q->from)
      snprintf(ch->whole, sizeof ch->whole, "from %s", q->from);
    else if (q->to)
      snprintf(ch->whole, sizeof ch->whole, "up to %s", q->to);
    else
      snprintf(ch->whole, sizeof ch->whole, "every recorded day");
    ch->nb = 1;
    ch->all_periods = 1;
    return;
  }
  long dfirst, dlast, lo, hi;
  if (label_start(ch->src_unit, first, &dfirst) || label_start(ch->src_unit, last, &dlast))
    return; /* not labels of the unit: nothing to chart */
  lo = dfirst;
  hi = dlast;
  if (q->from) label_start(UNIT_DAY, q->from, &lo);
  if (q->to) label_start(UNIT_DAY, q->to, &hi);
  if (lo > dfirst) lo = dfirst;
  if (hi < dlast) hi = dlast;
  if (choose_unit) {
    long days = hi - lo + 1;
    ch->unit = days <= 31 ? UNIT_DAY : days <= 26 * 7 ? UNIT_WEEK : UNIT_MONTH;
  }
  long n = periods_between(ch->unit, lo, hi);
  if (n > HTML_CHART_PERIODS_MAX) {
    lo = dfirst;
    hi = dlast;
    n = periods_between(ch->unit, lo, hi);
  }
  ch->all_periods = n;
  char buf[LABEL_MAX];
  label_of(ch->unit, lo, buf);
  long z = 0;
  label_start(ch->unit, buf, &z); /* the first day of lo's period */
  for (long i = 0; i < n; i++, z = next_start(ch->unit, z)) {
    if (n - i > HTML_CHART_PERIODS_MAX) continue; /* keep the last ones */
    label_of(ch->unit, z, ch->label[ch->nb++]);
  }
}

/* Second pass: add each row's net into its currency, period and purpose. */
static int chart_sum(chart *ch, csv_in *r, pi_error *err) {
  pcols c;
  int rc = csvin_next(r, err);
  if (rc <= 0) return rc < 0 ? -1 : 0;
  if (pcols_find(r, &c, err)) return -1;
  while ((rc = csvin_next(r, err)) == 1) {
    int ci = cur_index(ch, csvin_field(r, (size_t)c.currency));
    if (ci < 0) continue; /* named in the note */
    const char *label = csvin_field(r, (size_t)c.period);
    char buf[LABEL_MAX];
    long z;
    if (ch->unit != ch->src_unit && ch->unit != UNIT_WHOLE) {
      if (label_start(ch->src_unit, label, &z)) {
        ch->skipped++;
        continue;
      }
      label_of(ch->unit, z, buf);
      label = buf;
    }
    int b = bucket_index(ch, label),
        p = purpose_index(csvin_field(r, (size_t)c.purpose));
    int64_t v;
    if (p < 0 || chart_parse_amount(csvin_field(r, (size_t)c.net), ch->exp[ci], &v)) {
      ch->skipped++;
      continue;
    }
    if (b < 0) continue; /* before the periods the chart shows */
    if (add_ok(&ch->net[ci][b][p], v) || add_ok(&ch->total[ci][p], v))
      ch->overflow[ci] = 1;
  }
  return rc < 0 ? -1 : 0;
}

int chart_load(chart *ch, FILE *src, unit u, const report_query *q, int choose_unit,
               pi_error *err) {
  ch->unit = ch->src_unit = u;
  csv_in r;
  memset(&r, 0, sizeof r);
  r.f = src;
  char first[LABEL_MAX] = "", last[LABEL_MAX] = "";
  rewind(src);
  int rc = chart_scan(ch, &r, first, last, err);
  if (rc == 0 && first[0]) {
    chart_axis(ch, q, choose_unit, first, last);
    rewind(src);
    rc = chart_sum(ch, &r, err);
  }
  free(r.buf);
  return rc;
}

/* ---- drawing ------------------------------------------------------------- */

/* The SVG's own coordinates; the CSS scales it to the page's width. */
#define SVG_W 960.0
#define SVG_H 320.0
#define PLOT_L 110.0 /* room for the amounts on the axis */
#define PLOT_R 12.0
#define PLOT_T 24.0
#define PLOT_B 44.0

/* A tick step in minor units: 1, 2 or 5 times a power of ten, giving
 * about five intervals over `span` (> 0).  Tick labels are then exact
 * decimals of the currency ("250.00"), never rounded floats. */
static int64_t nice_step(int64_t span) {
  int64_t raw = span / 5 > 0 ? span / 5 : 1, p = 1;
  while (p <= raw / 10) p *= 10;
  if (p >= raw) return p;
  if (2 * p >= raw) return 2 * p;
  if (5 * p >= raw) return 5 * p;
  return 10 * p;
}

static int64_t floor_to(int64_t v, int64_t step) {
  int64_t q = v / step;
  if (v % step != 0 && v < 0) q--;
  return q * step;
}

static int64_t ceil_to(int64_t v, int64_t step) {
  int64_t q = v / step;
  if (v % step != 0 && v > 0) q++;
  return q * step;
}

/* Amounts a chart can scale without its arithmetic overflowing. */
#define CHART_LIMIT (INT64_MAX / 64)

static void amount_text(int64_t minor, int exponent, char *buf, size_t cap) {
  if (money_format(minor, exponent, buf, cap) < 0) snprintf(buf, cap, "?");
}

/* The stacked column of one period: what stands above and below zero. */
static void stack_of(const int64_t v[NPURPOSES], int64_t *pos, int64_t *neg) {
  *pos = *neg = 0;
  for (int p = 0; p < NPURPOSES; p++) {
    if (v[p] > 0) *pos += v[p];
    else *neg += v[p];
  }
}

/* How one currency's amounts map onto the plot: the axis from `bottom` to
 * `top` in ticks of `step` (minor units), `scale` SVG units per minor unit;
 * the periods in bands of `band`, each column `bw` wide. */
typedef struct plot {
  const char *cur;
  int ex;
  int64_t top, bottom, step;
  double scale, band, bw;
} plot;

/* The SVG y of amount v. */
static double plot_y(const plot *pl, int64_t v) {
  return PLOT_T + (double)(pl->top - v) * pl->scale;
}

/* The plot of currency ci: an axis that holds every stacked column.
 * Returns 0, or -1 when its amounts are too large to chart. */
static int plot_scale(const chart *ch, size_t ci, plot *pl) {
  int64_t ymax = 0, ymin = 0;
  for (size_t b = 0; b < ch->nb; b++) {
    for (int p = 0; p < NPURPOSES; p++)
      if (ch->net[ci][b][p] > CHART_LIMIT || ch->net[ci][b][p] < -CHART_LIMIT) return -1;
    int64_t pos, neg;
    stack_of(ch->net[ci][b], &pos, &neg);
    if (pos > ymax) ymax = pos;
    if (neg < ymin) ymin = neg;
  }
  if (ymax == ymin) ymax = 1; /* nothing but zeros: still draw an axis */
  pl->cur = ch->cur[ci];
  pl->ex = ch->exp[ci];
  pl->step = nice_step(ymax - ymin);
  pl->top = ceil_to(ymax, pl->step);
  pl->bottom = floor_to(ymin, pl->step);
  double plot_w = SVG_W - PLOT_L - PLOT_R, plot_h = SVG_H - PLOT_T - PLOT_B;
  pl->scale = plot_h / (double)(pl->top - pl->bottom);
  pl->band = plot_w / (double)ch->nb;
  pl->bw = pl->band * 0.72;
  if (pl->bw < 0.5) pl->bw = 0.5;
  if (pl->bw > 56) pl->bw = 56; /* one or two periods: columns, not walls */
  return 0;
}

/* Amount axis: gridlines with exact labels, and the currency. */
static void draw_amount_axis(pw *o, const plot *pl) {
  char amt[48];
  for (int64_t t = pl->bottom; t <= pl->top; t += pl->step) {
    amount_text(t, pl->ex, amt, sizeof amt);
    wf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
          "stroke-width=\"1\"/>\n",
       PLOT_L, plot_y(pl, t), SVG_W - PLOT_R, plot_y(pl, t), t == 0 ? "#000000" : "#D0D0D0");
    wf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%s</text>\n",
       PLOT_L - 6, plot_y(pl, t) + 4, amt);
  }
  wf(o, "<text x=\"8\" y=\"14\" class=\"tick\">%s</text>\n", pl->cur);
}

/* Period b as the reader sees it: its label, or for the whole range the
 * range in words. */
static const char *shown(const chart *ch, size_t b) {
  return ch->unit == UNIT_WHOLE && ch->whole[0] ? ch->whole : ch->label[b];
}

/* Period b's stacked column: one rect per purpose, positive amounts
 * above zero and negative below, with its total on top when few. */
static void draw_column(pw *o, const chart *ch, size_t ci, const plot *pl, size_t b) {
  char amt[48];
  double x = PLOT_L + pl->band * (double)b + (pl->band - pl->bw) / 2;
  int64_t up = 0, down = 0, sum = 0;
  w(o, "<g class=\"period\" data-period=\"");
  wt(o, ch->label[b]);
  w(o, "\">\n");
  for (int p = 0; p < NPURPOSES; p++) {
    int64_t v = ch->net[ci][b][p];
    if (v == 0) continue;
    double y0, y1;
    if (v > 0) {
      y0 = plot_y(pl, up + v), y1 = plot_y(pl, up);
      up += v;
    } else {
      y0 = plot_y(pl, down), y1 = plot_y(pl, down + v);
      down += v;
    }
    sum += v;
    amount_text(v, pl->ex, amt, sizeof amt);
    wf(o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">"
          "<title>",
       x, y0, pl->bw, y1 - y0, purpose_fill[p]);
    wt(o, ch->label[b]); /* the period's key, as in the CSV */
    wf(o, " %s: %s %s</title></rect>\n", purpose_label[p], amt, pl->cur);
  }
  /* Few columns: their totals written on top, exact. */
  if (ch->nb <= 16 && (up != 0 || down != 0)) {
    amount_text(sum, pl->ex, amt, sizeof amt);
    wf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"val\">%s</text>\n",
       x + pl->bw / 2, plot_y(pl, up) - 5, amt);
  }
  w(o, "</g>\n");
}

/* Period labels under the columns, thinned so that they do not overlap,
 * and the amount axis's line. */
static void draw_period_axis(pw *o, const chart *ch, const plot *pl) {
  double plot_w = SVG_W - PLOT_L - PLOT_R;
  size_t chars = strlen(shown(ch, 0)) ? strlen(shown(ch, 0)) : 1;
  size_t fit = (size_t)(plot_w / ((double)chars * 7.8 + 14));
  size_t every = fit ? (ch->nb + fit - 1) / fit : ch->nb;
  if (every == 0) every = 1;
  for (size_t b = 0; b < ch->nb; b += every) {
    double cx = PLOT_L + pl->band * ((double)b + 0.5);
    wf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\"/>\n",
       cx, SVG_H - PLOT_B, cx, SVG_H - PLOT_B + 4);
    wf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">", cx,
       SVG_H - PLOT_B + 18);
    wt(o, shown(ch, b));
    w(o, "</text>\n");
  }
  wf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\"/>\n",
     PLOT_L, PLOT_T, PLOT_L, SVG_H - PLOT_B);
}

/* The legend: each purpose's colour and exact total over the periods. */
static void draw_legend(pw *o, const chart *ch, size_t ci, const plot *pl) {
  char amt[48];
  wf(o, "<b>%s</b>, net totals of the %ss shown:", pl->cur, chart_unit_word[ch->unit]);
  for (int p = 0; p < NPURPOSES; p++) {
    amount_text(ch->total[ci][p], pl->ex, amt, sizeof amt);
    wf(o, " <span class=\"key\"><svg width=\"12\" height=\"12\" aria-hidden=\"true\">"
          "<rect width=\"12\" height=\"12\" fill=\"%s\"/></svg> %s %s</span>",
       purpose_fill[p], purpose_label[p], amt);
  }
}

/* One currency's chart: stacked columns per period, a labelled amount
 * axis, period labels thinned to fit, and a legend with the exact totals. */
static void draw_currency(pw *o, const chart *ch, size_t ci) {
  plot pl;
  if (plot_scale(ch, ci, &pl)) {
    wf(o, "<p class=\"note\">The %s amounts are too large to chart.</p>\n", ch->cur[ci]);
    return;
  }
  wf(o, "<figure class=\"chart\">\n<svg class=\"plot\" viewBox=\"0 0 %.0f %.0f\" "
        "role=\"img\" aria-label=\"Net sales by purpose per %s, %s\">\n",
     SVG_W, SVG_H, chart_unit_word[ch->unit], pl.cur);
  draw_amount_axis(o, &pl);
  for (size_t b = 0; b < ch->nb; b++) draw_column(o, ch, ci, &pl, b);
  draw_period_axis(o, ch, &pl);
  w(o, "</svg>\n<figcaption class=\"legend\">");
  draw_legend(o, ch, ci, &pl);
  w(o, "</figcaption>\n</figure>\n");
}

void chart_draw(pw *o, const chart *ch, html_report_kind kind) {
  w(o, "<section class=\"charts\">\n");
  wf(o, "<h2>Net sales by purpose, per %s</h2>\n", chart_unit_word[ch->unit]);
  w(o, "<p class=\"note\">Net amounts of the lines (tax not included) per purpose, "
       "stacked: own use, gift, resale; one chart per currency.");
  if (kind == HTML_RESELLERS)
    w(o, " Every sale of the range and store is charted, not only resale, "
         "so that resale shows beside the rest; read in a second query just "
         "after the table's.");
  if (ch->unit == UNIT_WHOLE) w(o, " Use --by day, week or month for a time axis.");
  w(o, "</p>\n");
  if (ch->ncur == 0 || ch->nb == 0) {
    w(o, "<p class=\"empty\">No sales in this period.</p>\n</section>\n");
    return;
  }
  if (ch->all_periods > (long)ch->nb)
    wf(o, "<p class=\"note\">The chart shows the last %zu of %ld %ss; the table has "
          "them all.</p>\n",
       ch->nb, ch->all_periods, chart_unit_word[ch->unit]);
  for (size_t ci = 0; ci < ch->ncur; ci++) {
    if (ch->overflow[ci]) {
      wf(o, "<p class=\"note\">The %s amounts are too large to chart.</p>\n", ch->cur[ci]);
      continue;
    }
    draw_currency(o, ch, ci);
  }
  if (ch->others[0]) {
    w(o, "<p class=\"note\">Not charted (more currencies than charts): ");
    wt(o, ch->others);
    w(o, "; the table has their rows.</p>\n");
  }
  if (ch->skipped)
    wf(o, "<p class=\"note\">%zu rows of another purpose or with an unreadable "
          "amount are not charted.</p>\n",
       ch->skipped);
  w(o, "</section>\n");
}
