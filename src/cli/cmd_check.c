/* SPDX-License-Identifier: MIT */
/* cmd_check.c - `posintent check`: a thin front end over report/check.h,
 * which holds the rules the reports warn about. */
#include <stdio.h>
#include <string.h>

#include "base/money.h"
#include "cli/cliutil.h"
#include "cli/commands.h"
#include "report/check.h"
#include "report/report.h"
#include "store/store.h"

static const char check_help[] =
    "NAME\n"
    "    posintent check - what needs review before a report goes to a tax advisor\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH | --manifest PATH] check [--period YYYY-MM|YYYY-Qn]\n"
    "        [--from DATE] [--to DATE] [--store ID] [--esl-format hmrc|zm|csv]\n"
    "        [--format csv|json|table] [--csv-dialect D] [--bom]\n"
    "\n"
    "DESCRIPTION\n"
    "    Check the recorded sales against the rules the reports warn about,\n"
    "    and list every finding, one row each: rule, day, store, terminal,\n"
    "    sale, line, customer, currency, amount, message.  The rules:\n"
    "\n"
    "    tax_on_untaxed_line  tax on a line whose tax-treatment hint is\n"
    "                         exempt_resale or reverse_charge\n"
    "    own_vat_number       a customer identifier that is the store's own\n"
    "                         VAT number\n"
    "    esl_rounds_to_zero   an EC Sales List line whose value is 0 in whole\n"
    "                         units (HMRC refuses 0 and leaves it out)\n"
    "    esl_under_one_unit   an EC Sales List line under one unit of money\n"
    "    esl_empty            an EC Sales List period with nothing to declare\n"
    "    zm_too_many_lines    a ZM of more than 1,500 lines (the ELSTER limit)\n"
    "    mixed_currency       a sale in another currency than the filing's\n"
    "                         (HMRC GBP, ZM EUR)\n"
    "    evidence_invalid     a resale line backed by a VAT number a register\n"
    "                         found not registered (posintent evidence verify)\n"
    "    evidence_unverified  a resale line backed by a VAT number not verified\n"
    "                         online (only once numbers are verified at all)\n"
    "    script_failed        a sale decided while a store script failed and\n"
    "                         was ignored (fail_open): its hints may lack a rule\n"
    "\n"
    "    The first two and the last three look at the sales of --from .. --to (every day when\n"
    "    neither is given), or of --period; the EC Sales List rules need\n"
    "    --period.  A summary line goes to standard error.\n"
    "\n"
    "OPTIONS\n"
    "    --period P       A month (2026-11) or quarter (2026-Q4): its sales and\n"
    "                     its EC Sales List.\n"
    "    --from DATE, --to DATE  Business days, YYYY-MM-DD, inclusive (not with\n"
    "                     --period).\n"
    "    --store ID       Only this store's sales.\n"
    "    --esl-format F   The filing the EC Sales List rules judge: hmrc, zm or\n"
    "                     csv; default hmrc for a UK store (GB, XI), zm for a\n"
    "                     German one, else csv.\n"
    "    --format FMT     csv (default), json or table.\n"
    "    --csv-dialect D, --bom  With csv: as for posintent report (rfc4180,\n"
    "                     excel or excel-de; a byte-order mark).\n"
    "    -h, --help       Show this help.\n"
    "\n"
    "    The store's identity (its VAT number, country) is the manifest's when\n"
    "    one is given (--manifest, or ./plugin.manifest), else the database's.\n"
    "\n"
    "EXIT STATUS\n"
    "    0  nothing needs review\n"
    "    1  something needs review (the findings are listed)\n"
    "    2  usage error\n"
    "    3  runtime failure: the database, the manifest, writing\n"
    "\n"
    "EXAMPLES\n"
    "    posintent --manifest plugin.manifest check --period 2026-11\n"
    "    posintent --db pos.db check --from 2026-01-01 --to 2026-12-31 --format table\n"
    "\n"
    "SEE ALSO\n"
    "    posintent report --help, docs/reports.md (\"Consistency checks\")\n";

#define HINT "posintent help check"

static const char *const columns[] = {"rule", "day",      "store",    "terminal", "sale",
                                      "line", "customer", "currency", "amount",   "message"};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static int row(void *ctx, const check_finding *f, pi_error *err) {
  sink *s = ctx;
  int e = money_exponent(f->currency);
  cell c[NCOLUMNS] = {cell_text(check_rule_name(f->rule)),
                      cell_text(f->day),
                      cell_id(f->store),
                      cell_id(f->terminal),
                      cell_id(f->sale),
                      cell_id(f->line),
                      cell_id(f->customer),
                      cell_text(f->currency),
                      f->has_amount ? cell_amount(f->amount, e < 0 ? 2 : e) : cell_null(),
                      cell_text(f->message)};
  return sink_row(s, c, NCOLUMNS, err);
}

/* `posintent check ...` (argv[0] is "check").  Returns 0 (nothing to
 * review), 1 (findings), 2 (usage) or 3 (runtime); see commands.h. */
int cmd_check_records(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    fputs(check_help, stdout);
    return 0;
  }
  const char *period = NULL, *from = NULL, *to = NULL, *store_id = NULL, *esl = NULL,
             *format = NULL, *dialect = NULL;
  int bom = 0;
  const cliargs_opt opts[] = {{"--period", &period}, {"--from", &from},
                              {"--to", &to},         {"--store", &store_id},
                              {"--esl-format", &esl}, {"--format", &format},
                              {"--csv-dialect", &dialect}, {NULL, NULL}};
  cliargs a;
  cli_args(&a, "check", HINT, argc, argv, 1);
  for (; cliargs_cur(&a); a.i++) {
    int f = cliargs_flag(&a, "--bom");
    if (f > 0) {
      bom = 1;
      continue;
    }
    if (f == 0) f = cliargs_take(&a, opts);
    if (f == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  sink_format out_fmt = SINK_CSV;
  if (format && (sink_format_parse(format, &out_fmt) || out_fmt == SINK_JSONL))
    return cli_usage(HINT, "check: unknown --format '%s' (csv, json or table)", format);
  csv_style style;
  int urc = cli_csv_style(HINT, "check", dialect, bom, out_fmt == SINK_CSV, &style);
  if (urc) return urc;
  ecsl_format efmt = ECSL_CSV;
  if (esl && ecsl_format_parse(esl, &efmt))
    return cli_usage(HINT, "check: unknown --esl-format '%s' (hmrc, zm or csv)", esl);
  if (period && (from || to))
    return cli_usage(HINT, "check: give --period or --from/--to, not both");
  pi_error err;
  pi_error_clear(&err);
  report_period p;
  if (period && report_period_parse(period, &p, &err))
    return cli_usage(HINT, "check: %s", err.message);
  report_query rq = {from, to, store_id, 0, REPORT_BY_NONE};
  if (report_query_check(&rq, &err)) return cli_usage(HINT, "check: %s", err.message);
  plugin_config cfg;
  int have_cfg = cli_load_manifest(g, &cfg);
  if (have_cfg < 0) return EXIT_RUNTIME;
  store *st;
  int rc = cli_open_store(g, &st);
  if (rc) return rc;
  /* The store's identity as `report ec-sales-list` takes it. */
  report_identity id;
  if (have_cfg)
    report_identity_from_config(&cfg, &id);
  else if (report_identity_load(st, &id, &err)) {
    cli_error("check: %s", err.message);
    store_close(st);
    return EXIT_RUNTIME;
  }
  if (esl == NULL) efmt = check_default_format(&id);
  check_scope cs = {period ? p.from : from, period ? p.to : to, store_id, &id,
                    period ? &p : NULL, efmt, 0};
  sink *s;
  size_t found = 0;
  rc = sink_open(stdout, out_fmt, &s, &err);
  if (rc == 0) {
    sink_set_style(s, &style);
    rc = sink_columns(s, columns, NCOLUMNS, &err);
    if (rc == 0)
      rc = check_run(st, &cs, CHECK_SALE_RULES | CHECK_ESL_RULES, row, s, &found, &err);
    if (rc == 0) rc = sink_finish(s, &err);
    sink_free(s);
  }
  store_close(st);
  if (rc) {
    cli_error("check: %s", err.message);
    return EXIT_RUNTIME;
  }
  if (found == 0) {
    fprintf(stderr, "posintent: check: nothing needs review%s\n",
                 period ? "" : " (give --period to check an EC Sales List too)");
    return 0;
  }
  fprintf(stderr, "posintent: check: %zu finding%s to review\n", found,
          found == 1 ? "" : "s");
  return 1;
}
