/* SPDX-License-Identifier: MIT */
/* cmd_report.c - `posintent report ...` and `posintent export`: thin front
 * ends over report.h.  All the querying and formatting lives in the core. */
#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/calendar.h"
#include "cli/cliutil.h"
#include "cli/commands.h"
#include "script/hooks.h"
#include "report/fxrates.h"
#include "report/htmlout.h"
#include "config/manifest.h"
#include "report/report.h"
#include "store/store.h"

static const char report_help[] =
    "NAME\n"
    "    posintent report - reports an accountant can file\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH | --manifest PATH] report resellers [--from DATE]\n"
    "        [--to DATE] [--store ID] [--format csv|json|table|html] [--detail]\n"
    "        [--csv-dialect rfc4180|excel|excel-de] [--bom] [--totals]\n"
    "    posintent ... report ec-sales-list --period YYYY-MM|YYYY-Qn\n"
    "        [--format hmrc|zm|csv] [--store ID] [--rates FILE]\n"
    "    posintent ... report ec-sales-list --corrections|--detail --period P\n"
    "        [--format csv|json|table] [--store ID]\n"
    "    posintent ... report purposes [--from DATE] [--to DATE] [--store ID]\n"
    "        [--by day|week|month] [--format csv|json|table|html]\n"
    "    posintent ... report tax-rates [--from DATE] [--to DATE] [--store ID]\n"
    "        [--by day|week|month] [--format csv|json|table|html]\n"
    "    posintent ... report gifts [--from DATE] [--to DATE] [--store ID]\n"
    "        [--format csv|json|table]\n"
    "    posintent ... report evidence [--expiring-within Nd] [--on DATE]\n"
    "        [--store ID] [--format csv|json|table] [--csv-dialect D] [--bom]\n"
    "\n"
    "DESCRIPTION\n"
    "    Read the plugin's database (read-only; safe while the till records)\n"
    "    and write a report on standard output.  Reports count completed\n"
    "    sales that were not voided, by business day, from --from to --to\n"
    "    inclusive (either may be left out for an open range).\n"
    "\n"
    "    resellers      One row per reseller identifier, verdict, currency and\n"
    "                   store: identifier, kind, verdict, name, country,\n"
    "                   currency, store, sales, lines, net, tax, first_sale,\n"
    "                   last_sale,\n"
    "                   returned_net, returned_tax (returns of the range,\n"
    "                   netted in net and tax), verification (a VAT number's\n"
    "                   latest online check: valid, invalid, unavailable,\n"
    "                   input_error, unverified; posintent evidence verify),\n"
    "                   consultation (of its latest valid check), then\n"
    "                   any columns report_row hooks add.  Only lines whose\n"
    "                   buyer status is reseller count.  Rows whose evidence\n"
    "                   was invalid (verdict invalid:<reason>) or missing\n"
    "                   (verdict missing) are listed, never dropped.\n"
    "    ec-sales-list  Reverse-charge sales to valid VAT numbers of other EU\n"
    "                   member states, per customer: HMRC's bulk-submission\n"
    "                   CSV (hmrc), the German Zusammenfassende Meldung CSV\n"
    "                   (zm), or plain CSV.  A sale voided on a later day\n"
    "                   stays in its own period and is a credit (a negative\n"
    "                   value) for the customer in the period of the void.\n"
    "                   --corrections lists the sales of the period voided\n"
    "                   after it: void_day, country, vat_number, currency,\n"
    "                   store, terminal, sale, sale_day, lines, net.\n"
    "    purposes       Sales, lines, net and tax per period, store, currency,\n"
    "                   purpose and buyer status.\n"
    "    tax-rates      Sales, lines, net and tax per period, store, currency,\n"
    "                   tax treatment, tax rate and tax code of the lines\n"
    "                   (sale.line's tax_rate_bp and tax_code; empty for\n"
    "                   lines sent without), returns taken off under the\n"
    "                   rate they were sold at: a VAT return's figures.\n"
    "                   tax_rate is a percentage with two decimals (19.00).\n"
    "    gifts          Gift sales with recipient and gift-receipt flag.\n"
    "    evidence       The evidence on file that needs attention: one row per\n"
    "                   resale certificate of an open customer account\n"
    "                   (posintent account) that expires within the window,\n"
    "                   or has expired: kind (expired or expiring; the reason\n"
    "                   it is listed), store, account, name, evidence, state,\n"
    "                   number, expires, days_left (from --on; 0 on the last\n"
    "                   valid day, negative once expired), most urgent first.\n"
    "                   Before them, each VAT number of an open account whose\n"
    "                   latest online check failed (posintent evidence\n"
    "                   verify): kind invalid or input_error, evidence vat.\n"
    "                   Sales are not read: --from and --to do not apply.\n"
    "\n"
    "OPTIONS\n"
    "    --from DATE, --to DATE  Business days, YYYY-MM-DD, inclusive.\n"
    "    --store ID      Only this store's sales.\n"
    "    --terminal ID   With --db postgresql://URL: only this terminal's.\n"
    "    --format FMT    csv (default; RFC 4180, spreadsheet formulas\n"
    "                    neutralised), json (an array of objects) or table;\n"
    "                    resellers, purposes and tax-rates also html: one\n"
    "                    self-contained page (no script, nothing fetched) with\n"
    "                    the CSV's table and, but for tax-rates, an SVG chart\n"
    "                    of net sales by purpose over time.\n"
    "    --csv-dialect D With --format csv: rfc4180 (the default: ',' and a\n"
    "                    decimal point, for programs), excel (identifiers a\n"
    "                    spreadsheet would read as numbers, such as the VAT\n"
    "                    number 094259216, kept text as =\"094259216\") or\n"
    "                    excel-de (the same, with ';' between fields and a\n"
    "                    decimal comma, for a German spreadsheet).  Not for\n"
    "                    ec-sales-list's hmrc and zm, the authorities' layouts.\n"
    "    --bom           With --format csv: start with a UTF-8 byte-order mark,\n"
    "                    so that Excel reads accents right.\n"
    "    --totals        With csv or json: after the rows, one row per currency\n"
    "                    with Total in the first column and the exact sums of\n"
    "                    net, tax, returned_net and returned_tax (the table and\n"
    "                    html always have them).  Not for hmrc and zm.\n"
    "    --detail        resellers: one row per resale line.  ec-sales-list:\n"
    "                    every line behind the list (day, country, vat_number,\n"
    "                    currency, store, terminal, sale, line, treatment,\n"
    "                    record sale|void|return, return, net), so that each\n"
    "                    figure can be followed back to its sales; the hmrc\n"
    "                    and zm files stay as they are.\n"
    "    --rates FILE    ec-sales-list --format hmrc or --detail: convert\n"
    "                    sales in other currencies to sterling at the rates\n"
    "                    of FILE, HMRC's monthly exchange rates CSV (Currency\n"
    "                    Code, Currency Units per £1, Start date, End date;\n"
    "                    months may be concatenated), each line at the rate\n"
    "                    of its day, to the penny (half away from zero), then\n"
    "                    the pence of each customer dropped.  The rates used\n"
    "                    are listed on stderr; --detail adds gbp_rate and\n"
    "                    net_gbp.  A currency without a rate is an error.\n"
    "    --by UNIT       purposes, tax-rates: one period per day, ISO week or\n"
    "                    month.\n"
    "    --period P      ec-sales-list: a month (2024-03) or quarter (2024-Q1).\n"
    "    --expiring-within Nd  evidence: the window, a whole number of days\n"
    "                    followed by d, 0d to 3650d (default 30d).\n"
    "    --on DATE       evidence: the day the window starts and days_left\n"
    "                    counts from, YYYY-MM-DD (default today, UTC).\n"
    "    -h, --help      Show this help.\n"
    "\n"
    "    With --db postgresql://URL every report runs across the chain: the\n"
    "    sales every till shipped there (posintent sync), all stores or\n"
    "    --store's, all terminals or --terminal's; for one till the output is\n"
    "    that till's own report, byte for byte (docs/chain.md).\n"
    "\n"
    "    The database is --db PATH, else the manifest's config.database\n"
    "    (--manifest FILE, else ./plugin.manifest).  The manifest also\n"
    "    supplies the store's VAT number, branch and contact for the HMRC\n"
    "    header (else they come from the database) and the store scripts\n"
    "    whose report_row hooks add columns.\n"
    "\n"
    "EXIT STATUS\n"
    "    0  the report was written (an empty report included)\n"
    "    1  ec-sales-list --format hmrc: nothing to declare in the period\n"
    "       (HMRC accepts no nil declaration; no file is written)\n"
    "    2  usage error: unknown option or format, bad date or period,\n"
    "       --from after --to\n"
    "    3  runtime failure: the database, the manifest, a script, writing,\n"
    "       or an EC Sales List that cannot be filed as asked\n"
    "\n"
    "EXAMPLES\n"
    "    posintent --db pos.db report resellers --from 2024-01-01 --to 2024-12-31\n"
    "    posintent --manifest plugin.manifest report ec-sales-list \\\n"
    "        --period 2024-Q1 --format hmrc > esl-2024-q1.csv\n"
    "    posintent --manifest plugin.manifest report ec-sales-list \\\n"
    "        --period 2026-Q4 --format hmrc --rates exrates-2026-q4.csv > esl.csv\n"
    "    posintent --db pos.db report purposes --from 2024-03-01 --to 2024-03-31 \\\n"
    "        --by week --format table\n"
    "    posintent --db pos.db report purposes --from 2024-01-01 --to 2024-12-31 \\\n"
    "        --by month --format html > purposes-2024.html\n"
    "    posintent --db pos.db report tax-rates --from 2024-01-01 --to 2024-03-31 \\\n"
    "        --by month --totals\n"
    "    posintent --db pos.db report evidence --expiring-within 30d --format table\n"
    "\n"
    "SEE ALSO\n"
    "    posintent export --help, docs/reports.md\n";

static const char export_help[] =
    "NAME\n"
    "    posintent export - every recorded sale, for a spreadsheet or warehouse\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH | --manifest PATH] export [--from DATE] [--to DATE]\n"
    "        [--store ID] [--format jsonl|csv] [--csv-dialect D] [--bom]\n"
    "\n"
    "DESCRIPTION\n"
    "    Stream every recorded sale whose business day lies in the range,\n"
    "    voided ones included and marked, with its lines, purposes, buyer\n"
    "    statuses, evidence, tenders and script meta.  jsonl (the default)\n"
    "    writes one JSON object per sale with its lines nested; csv writes one\n"
    "    row per line with the sale's columns repeated (a sale without lines\n"
    "    gets one row).  Amounts are exact decimals in the currency's major\n"
    "    unit.  Memory stays flat however large the database is.\n"
    "\n"
    "OPTIONS\n"
    "    --from DATE, --to DATE  Business days, YYYY-MM-DD, inclusive.\n"
    "    --store ID      Only this store's sales.\n"
    "    --terminal ID   With --db postgresql://URL: only this terminal's.\n"
    "    --format FMT    jsonl (default) or csv.\n"
    "    --csv-dialect D, --bom  With csv: as for posintent report (rfc4180,\n"
    "                    excel or excel-de; a byte-order mark).\n"
    "    -h, --help      Show this help.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written; 2 usage error; 3 database or write failure.\n"
    "\n"
    "EXAMPLES\n"
    "    posintent --db pos.db export --from 2024-01-01 --to 2024-01-31 > jan.jsonl\n"
    "    posintent --db pos.db export --format csv > all.csv\n";

typedef struct opts {
  const char *from, *to, *store, *terminal, *format, *by, *period, *within, *on;
  const char *csv_dialect, *rates;
  int detail, corrections, bom, totals;
} opts;

/* What each subcommand accepts. */
enum {
  O_RANGE = 1, O_FORMAT = 2, O_DETAIL = 4, O_BY = 8, O_PERIOD = 16, O_HTML = 32,
  O_CORRECTIONS = 64, O_EVIDENCE = 128, O_TOTALS = 256, O_RATES = 512
};

/* Where a usage error of `what` points. */
static const char *hint_of(const char *what) {
  return strncmp(what, "export", 6) == 0 ? "posintent help export" : "posintent help report";
}

/* A usage error of `what` ("report resellers"): one line, exit status 2. */
static int usage(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage(const char *what, const char *fmt, ...) {
  cliargs a;
  cli_args(&a, what, hint_of(what), 0, NULL, 0);
  va_list ap;
  va_start(ap, fmt);
  cliargs_vusage(&a, fmt, ap);
  va_end(ap);
  return EXIT_USAGE;
}

/* Parse the options `allowed` ("--opt VALUE" or "--opt=VALUE", cliargs.h).
 * Returns 0, 1 for --help, or EXIT_USAGE after printing why. */
static int parse(const char *what, int argc, char **argv, unsigned allowed, opts *o) {
  memset(o, 0, sizeof *o);
  const struct {
    cliargs_opt opt;
    unsigned flag;
  } table[] = {
      {{"--from", &o->from}, O_RANGE},     {{"--to", &o->to}, O_RANGE},
      {{"--store", &o->store}, O_RANGE | O_PERIOD | O_EVIDENCE},
      {{"--terminal", &o->terminal}, O_RANGE | O_PERIOD},
      {{"--format", &o->format}, O_FORMAT}, {{"--by", &o->by}, O_BY},
      {{"--period", &o->period}, O_PERIOD},
      {{"--expiring-within", &o->within}, O_EVIDENCE}, {{"--on", &o->on}, O_EVIDENCE},
      {{"--csv-dialect", &o->csv_dialect}, O_FORMAT},
      {{"--rates", &o->rates}, O_RATES},
  };
  cliargs_opt mine[sizeof table / sizeof table[0] + 1];
  size_t n = 0;
  for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
    if (allowed & table[k].flag) mine[n++] = table[k].opt;
  mine[n] = (cliargs_opt){NULL, NULL};
  cliargs a;
  cli_args(&a, what, hint_of(what), argc, argv, 0);
  for (; cliargs_cur(&a); a.i++) {
    if (cliargs_is_help(cliargs_cur(&a))) return 1;
    int f = (allowed & O_DETAIL) ? cliargs_flag(&a, "--detail") : 0;
    if (f > 0) {
      o->detail = 1;
      continue;
    }
    if (f == 0 && (allowed & O_FORMAT)) {
      f = cliargs_flag(&a, "--bom");
      if (f > 0) {
        o->bom = 1;
        continue;
      }
    }
    if (f == 0 && (allowed & O_TOTALS)) {
      f = cliargs_flag(&a, "--totals");
      if (f > 0) {
        o->totals = 1;
        continue;
      }
    }
    if (f == 0 && (allowed & O_CORRECTIONS)) {
      f = cliargs_flag(&a, "--corrections");
      if (f > 0) {
        o->corrections = 1;
        continue;
      }
    }
    if (f == 0) f = cliargs_take(&a, mine);
    if (f == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  return 0;
}

static void warn_stderr(void *ctx, const char *msg) {
  fprintf(stderr, "posintent: %s: %s\n", (const char *)ctx, msg);
}

static void log_stderr(void *ctx, int level, const char *msg) {
  (void)level;
  fprintf(stderr, "posintent: %s: %s\n", (const char *)ctx, msg);
}

/* The runtime context of one command: manifest, database, hooks. */
typedef struct ctx {
  plugin_config cfg;
  int have_cfg;
  store *st;
  hooks *h;
} ctx;

static int fail(const char *what, const pi_error *err) {
  if (err->kind == PI_E_USAGE) return usage(what, "%s", err->message);
  cli_error("%s: %s", what, err->message);
  /* Nothing to file (an empty HMRC list) is an answer, not a failure. */
  return err->kind == PI_E_ECSL_EMPTY ? 1 : EXIT_RUNTIME;
}

/* Load the manifest (--manifest, else ./plugin.manifest when present) and
 * open the database read-only, the way every posintent command does; with
 * --db postgresql://URL, the chain's sales of the store and terminal
 * given (NULL: all).  --terminal goes with a server only: a till's own
 * reports are per store. */
static int open_ctx(const cli_globals *g, const char *what, int want_hooks, ctx *c,
                    const char *store_id, const char *terminal) {
  memset(c, 0, sizeof *c);
  int server = g->db_path && cli_db_is_server(g->db_path);
  if (terminal && !server)
    return usage(what, "--terminal goes with --db postgresql://URL (the chain's "
                       "server); a till's database is reported per store");
  int m = cli_load_manifest(g, &c->cfg);
  if (m < 0) return EXIT_RUNTIME;
  c->have_cfg = m;
  /* A server's reports run in posintent-net (netcmd.h), which gives the
   * server's side in g->chain. */
  assert(!server || g->chain != NULL);
  if (server && g->chain == NULL) return cli_net_missing(what);
  int rc = server ? g->chain->report_store(g->db_path, what, store_id, terminal, &c->st)
                  : cli_open_store(g, &c->st);
  if (rc) return rc;
  if (want_hooks && c->have_cfg && c->cfg.scripts.dir[0]) {
    pi_error err;
    pi_error_clear(&err);
    hooks_env env;
    memset(&env, 0, sizeof env);
    env.cfg = &c->cfg;
    env.log = log_stderr;
    env.log_ctx = (void *)what;
    if (hooks_open(&env, &c->h, &err)) {
      store_close(c->st);
      c->st = NULL;
      return fail(what, &err);
    }
  }
  return 0;
}

static void close_ctx(ctx *c) {
  hooks_close(c->h);
  store_close(c->st);
}

static void init_out(report_out *out, const char *label, hooks *h) {
  memset(out, 0, sizeof *out);
  out->file = stdout;
  out->format = SINK_CSV;
  out->hooks = h;
  out->warn = warn_stderr;
  out->warn_ctx = (void *)label;
  out->progress = isatty(STDERR_FILENO);
  out->label = label;
}

typedef int (*row_report_fn)(store *, const report_query *, const report_out *,
                             pi_error *);

/* resellers, purposes, gifts: the same shape. */
static int run_rows(const cli_globals *g, const char *label, unsigned allowed,
                    row_report_fn fn, int argc, char **argv) {
  opts o;
  int rc = parse(label, argc, argv, allowed, &o);
  if (rc == 1) {
    fputs(report_help, stdout);
    return 0;
  }
  if (rc) return rc;
  report_query q = {o.from, o.to, o.store, o.detail, REPORT_BY_NONE};
  sink_format fmt = SINK_CSV;
  int html = (allowed & O_HTML) && o.format && strcmp(o.format, "html") == 0;
  if (o.format && !html && (sink_format_parse(o.format, &fmt) || fmt == SINK_JSONL)) {
    return usage(label, "unknown --format '%s' (%s)", o.format,
                 (allowed & O_HTML) ? "csv, json, table or html" : "csv, json or table");
  }
  if (o.by && report_by_parse(o.by, &q.by)) {
    return usage(label, "unknown --by '%s' (day, week or month)", o.by);
  }
  csv_style style;
  if ((rc = cli_csv_style(hint_of(label), label, o.csv_dialect, o.bom,
                          !html && fmt == SINK_CSV, &style)) != 0)
    return rc;
  if (o.totals && html)
    return usage(label, "--totals goes with csv or json (the html page and the table "
                        "always total each currency)");
  pi_error err;
  pi_error_clear(&err);
  if (report_query_check(&q, &err)) return fail(label, &err);
  ctx c;
  if ((rc = open_ctx(g, label, 1, &c, o.store, o.terminal)) != 0) return rc;
  report_out out;
  init_out(&out, label, c.h);
  out.format = fmt;
  out.csv = style;
  out.totals = o.totals;
  if (html)
    rc = html_report(c.st,
                     fn == report_purposes    ? HTML_PURPOSES
                     : fn == report_tax_rates ? HTML_TAX_RATES
                                              : HTML_RESELLERS,
                     &q, &out, &err);
  else
    rc = fn(c.st, &q, &out, &err);
  rc = rc ? fail(label, &err) : 0;
  close_ctx(&c);
  return rc;
}

static int run_ecsl(const cli_globals *g, int argc, char **argv) {
  const char *label = "report ec-sales-list";
  opts o;
  int rc =
      parse(label, argc, argv,
            O_FORMAT | O_PERIOD | O_CORRECTIONS | O_TOTALS | O_DETAIL | O_RATES, &o);
  if (rc == 1) {
    fputs(report_help, stdout);
    return 0;
  }
  if (rc) return rc;
  if (o.period == NULL) return usage(label, "--period YYYY-MM or YYYY-Qn is required");
  ecsl_format fmt = ECSL_CSV;
  sink_format rows = SINK_CSV;
  if (o.corrections && o.detail)
    return usage(label, "give --detail or --corrections, not both");
  if (o.corrections || o.detail) {
    if (o.format && (sink_format_parse(o.format, &rows) || rows == SINK_JSONL))
      return usage(label, "unknown --format '%s' with --%s (csv, json or table)",
                   o.format, o.detail ? "detail" : "corrections");
  } else if (o.format && ecsl_format_parse(o.format, &fmt)) {
    return usage(label, "unknown --format '%s' (hmrc, zm or csv)", o.format);
  }
  if (o.rates && (o.corrections || (!o.detail && fmt != ECSL_HMRC)))
    return usage(label, "--rates goes with --format hmrc or --detail: the sterling "
                        "filing, and the lines behind it");
  if (o.totals && !o.corrections && !o.detail && fmt != ECSL_CSV)
    return usage(label, "--totals goes with --format csv: hmrc and zm are the "
                        "authorities' layouts");
  /* hmrc and zm are the authorities' layouts, byte for byte: no dialect. */
  csv_style style;
  if ((rc = cli_csv_style(hint_of(label), label, o.csv_dialect, o.bom,
                          o.corrections || o.detail ? rows == SINK_CSV : fmt == ECSL_CSV,
                          &style)) != 0)
    return rc;
  pi_error err;
  pi_error_clear(&err);
  report_period p;
  if (report_period_parse(o.period, &p, &err)) return fail(label, &err);
  /* The rates first: a file that cannot be used fails before anything
   * is opened. */
  fx_rates rates;
  memset(&rates, 0, sizeof rates);
  if (o.rates && fx_rates_load(o.rates, &rates, &err)) {
    fx_rates_free(&rates);
    return fail(label, &err);
  }
  ctx c;
  if ((rc = open_ctx(g, label, 0, &c, o.store, o.terminal)) != 0) {
    fx_rates_free(&rates);
    return rc;
  }
  /* The store's identity: the manifest when given (what the admin set up
   * now), else what the plugin last wrote into the database. */
  report_identity id;
  if (c.have_cfg) {
    report_identity_from_config(&c.cfg, &id);
  } else if (report_identity_load(c.st, &id, &err)) {
    close_ctx(&c);
    return fail(label, &err);
  }
  report_out out;
  init_out(&out, label, NULL);
  out.format = rows;
  out.csv = style;
  out.totals = o.totals;
  if (o.corrections) {
    rc = report_ecsl_corrections(c.st, &p, o.store, &id, &out, &err);
  } else if (o.detail) {
    rc = report_ecsl_detail_fx(c.st, &p, o.store, &id, o.rates ? &rates : NULL, &out, &err);
  } else {
    rc = report_ec_sales_list_fx(c.st, &p, o.store, &id, fmt, o.rates ? &rates : NULL, &out,
                                 &err);
  }
  rc = rc ? fail(label, &err) : 0;
  fx_rates_free(&rates);
  close_ctx(&c);
  return rc;
}

/* `report evidence`: the evidence on file that expires within a window. */
static int run_evidence(const cli_globals *g, int argc, char **argv) {
  const char *label = "report evidence";
  opts o;
  int rc = parse(label, argc, argv, O_EVIDENCE | O_FORMAT, &o);
  if (rc == 1) {
    fputs(report_help, stdout);
    return 0;
  }
  if (rc) return rc;
  sink_format fmt = SINK_CSV;
  if (o.format && (sink_format_parse(o.format, &fmt) || fmt == SINK_JSONL))
    return usage(label, "unknown --format '%s' (csv, json or table)", o.format);
  csv_style style;
  if ((rc = cli_csv_style(hint_of(label), label, o.csv_dialect, o.bom, fmt == SINK_CSV,
                          &style)) != 0)
    return rc;
  pi_error err;
  pi_error_clear(&err);
  report_evidence_query q = {o.store, o.on, 30};
  if (o.within && report_window_parse(o.within, &q.within_days, &err))
    return fail(label, &err);
  char today[11];
  if (o.on == NULL) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    q.on = today;
  } else if (cal_parse_date(o.on, NULL, NULL, NULL)) {
    return usage(label, "--on '%s' is not a real date YYYY-MM-DD", o.on);
  }
  /* The accounts live in each till's database; the chain's server keeps
   * each till's copy for verify, not one list to report on (docs/accounts.md). */
  if (g->db_path && cli_db_is_server(g->db_path))
    return usage(label, "reads a till's database (--db PATH); the accounts on the "
                        "chain's server are not reported yet");
  ctx c;
  if ((rc = open_ctx(g, label, 0, &c, o.store, NULL)) != 0) return rc;
  report_out out;
  init_out(&out, label, NULL);
  out.format = fmt;
  out.csv = style;
  rc = report_evidence(c.st, &q, &out, &err) ? fail(label, &err) : 0;
  close_ctx(&c);
  return rc;
}

/* `posintent report SUB ...` (argv[0] is "report", argv[1] the report).
 * Returns the exit status: 0, 2 (usage) or 3 (runtime); see commands.h. */
int cmd_report(const cli_globals *g, int argc, char **argv) {
  if (argc < 2)
    return usage("report",
                 "which report? resellers, ec-sales-list, purposes, tax-rates, gifts or "
                 "evidence");
  const char *sub = argv[1];
  if (cliargs_is_help(sub) || strcmp(sub, "help") == 0) {
    fputs(report_help, stdout);
    return 0;
  }
  if (strcmp(sub, "resellers") == 0)
    return run_rows(g, "report resellers",
                    O_RANGE | O_FORMAT | O_DETAIL | O_HTML | O_TOTALS, report_resellers,
                    argc - 2, argv + 2);
  if (strcmp(sub, "purposes") == 0)
    return run_rows(g, "report purposes", O_RANGE | O_FORMAT | O_BY | O_HTML | O_TOTALS,
                    report_purposes, argc - 2, argv + 2);
  if (strcmp(sub, "tax-rates") == 0)
    return run_rows(g, "report tax-rates", O_RANGE | O_FORMAT | O_BY | O_HTML | O_TOTALS,
                    report_tax_rates, argc - 2, argv + 2);
  if (strcmp(sub, "gifts") == 0)
    return run_rows(g, "report gifts", O_RANGE | O_FORMAT | O_TOTALS, report_gifts,
                    argc - 2, argv + 2);
  if (strcmp(sub, "ec-sales-list") == 0) return run_ecsl(g, argc - 2, argv + 2);
  if (strcmp(sub, "evidence") == 0) return run_evidence(g, argc - 2, argv + 2);
  return usage("report",
               "unknown report '%s' (resellers, ec-sales-list, purposes, tax-rates, gifts, "
               "evidence)",
               sub);
}

/* `posintent export ...` (argv[0] is "export").  Returns 0, 2 or 3. */
int cmd_export(const cli_globals *g, int argc, char **argv) {
  const char *label = "export";
  opts o;
  int rc = parse(label, argc - 1, argv + 1, O_RANGE | O_FORMAT, &o);
  if (rc == 1) {
    fputs(export_help, stdout);
    return 0;
  }
  if (rc) return rc;
  sink_format fmt = SINK_JSONL;
  if (o.format && (sink_format_parse(o.format, &fmt) ||
                   (fmt != SINK_JSONL && fmt != SINK_CSV))) {
    return usage(label, "unknown --format '%s' (jsonl or csv)", o.format);
  }
  csv_style style;
  if ((rc = cli_csv_style(hint_of(label), label, o.csv_dialect, o.bom, fmt == SINK_CSV,
                          &style)) != 0)
    return rc;
  report_query q = {o.from, o.to, o.store, 0, REPORT_BY_NONE};
  pi_error err;
  pi_error_clear(&err);
  if (report_query_check(&q, &err)) return fail(label, &err);
  ctx c;
  if ((rc = open_ctx(g, label, 0, &c, o.store, o.terminal)) != 0) return rc;
  report_out out;
  init_out(&out, label, NULL);
  out.format = fmt;
  out.csv = style;
  rc = report_export(c.st, &q, &out, &err) ? fail(label, &err) : 0;
  close_ctx(&c);
  return rc;
}
