/* SPDX-License-Identifier: MIT */
/* cmd_sales.c - `posintent sales list` and `posintent sale show`: arguments
 * in, report/sales.h does the reading, the result out. */
#include <stdio.h>
#include <string.h>

#include "cli/cliutil.h"
#include "cli/commands.h"
#include "report/csvout.h"
#include "report/sales.h"
#include "domain/sale.h"

/* Where a usage error points. */
#define SALES_HINT "posintent help sales"
#define SALE_HINT "posintent help sale"

static const char sales_help[] =
    "NAME\n"
    "    posintent sales list - list recorded sales\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] sales list [--from DATE] [--to DATE]\n"
    "              [--purpose own_use|gift|resale] [--format table|json|csv]\n"
    "\n"
    "DESCRIPTION\n"
    "    One row per recorded sale, oldest first: its business day, store,\n"
    "    terminal, sale id, status (completed, voided), purpose, customer,\n"
    "    reseller identifier and verdict, line count, amounts in major\n"
    "    units of its currency, tax treatment, and script_errors: how often a\n"
    "    store script failed under fail_open while the sale was open (0 for\n"
    "    none; sales recorded before schema 11 kept none).\n"
    "    --purpose keeps the sales with at least one\n"
    "    line of that purpose (a mixed basket counts for each).  Reads the\n"
    "    database read-only: safe while the till is recording.\n"
    "\n"
    "OPTIONS\n"
    "    --from DATE   first business day (YYYY-MM-DD), inclusive\n"
    "    --to DATE     last business day, inclusive\n"
    "    --purpose P   own_use, gift or resale\n"
    "    --format F    table (default), json or csv\n"
    "\n"
    "EXIT STATUS\n"
    "    0 listed (possibly nothing); 2 usage error; 3 database error.\n"
    "\n"
    "EXAMPLES\n"
    "    posintent --db shop.db sales list --from 2026-11-01 --purpose resale\n";

static const char sale_help[] =
    "NAME\n"
    "    posintent sale show - show one recorded sale line by line\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] sale show STORE TERMINAL SALE\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints what was recorded for the sale: its header (times, customer,\n"
    "    gift details, tax treatment, script meta), then each line with its\n"
    "    purpose and buyer status, then the reseller evidence with verdicts,\n"
    "    then the store-script failures the sale was decided with (hook,\n"
    "    file:line, how often, the sentence; \"[truncated]\" when it was cut).\n"
    "\n"
    "EXIT STATUS\n"
    "    0 shown; 1 no such sale; 2 usage error; 3 database error.\n";

static int list(const cli_globals *g, int argc, char **argv) {
  const char *from = "0000-01-01", *to = "9999-12-31", *purp = NULL, *fmt = "table";
  const cliargs_opt opts[] = {{"--from", &from},     {"--to", &to},
                              {"--purpose", &purp}, {"--format", &fmt},
                              {NULL, NULL}};
  cliargs a;
  cli_args(&a, "sales list", SALES_HINT, argc, argv, 1);
  for (; cliargs_cur(&a); a.i++) {
    int f = cliargs_take(&a, opts);
    if (f == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  purpose p;
  sink_format sf;
  if ((strcmp(from, "0000-01-01") && cli_check_date(SALES_HINT, "--from", from)) ||
      (strcmp(to, "9999-12-31") && cli_check_date(SALES_HINT, "--to", to)))
    return EXIT_USAGE;
  if (strcmp(from, to) > 0)
    return cliargs_usage(&a, "--from %s is after --to %s", from, to);
  if (purp && purpose_parse(purp, &p))
    return cliargs_usage(&a, "--purpose must be own_use, gift or resale, not \"%s\"", purp);
  if (sink_format_parse(fmt, &sf) || sf == SINK_JSONL)
    return cliargs_usage(&a, "--format must be table, json or csv, not \"%s\"", fmt);
  store *st;
  int rc = cli_open_store(g, &st);
  if (rc) return rc;
  pi_error err;
  pi_error_clear(&err);
  sink *out = NULL;
  if (sink_open(stdout, sf, &out, &err) ||
      report_sales_list(st, from, to, purp, out, &err) || sink_finish(out, &err)) {
    cli_error("%s", err.message);
    rc = EXIT_RUNTIME;
  }
  sink_free(out);
  store_close(st);
  return rc;
}

int cmd_sales(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv) || (argc >= 2 && strcmp(argv[1], "help") == 0)) {
    fputs(sales_help, stdout);
    return 0;
  }
  if (argc < 2) return cli_usage(SALES_HINT, "sales: which subcommand? list");
  if (strcmp(argv[1], "list") == 0) return list(g, argc - 1, argv + 1);
  return cli_usage(SALES_HINT, "sales: unknown subcommand '%s' (list)", argv[1]);
}

static int show(const cli_globals *g, int argc, char **argv) {
  if (argc != 4)
    return cli_usage(SALE_HINT, "sale show: needs STORE TERMINAL SALE, %d given", argc - 1);
  store *st;
  int rc = cli_open_store(g, &st);
  if (rc) return rc;
  pi_error err;
  pi_error_clear(&err);
  switch (report_sale_show(st, argv[1], argv[2], argv[3], stdout, &err)) {
  case SALE_SHOWN:
    break;
  case SALE_NOT_RECORDED:
    cli_error("no sale %s on terminal %s of store %s", argv[3], argv[2], argv[1]);
    rc = 1;
    break;
  case SALE_SHOW_FAILED:
    cli_error("%s", err.message);
    rc = EXIT_RUNTIME;
    break;
  }
  store_close(st);
  return rc;
}

int cmd_sale(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv) || (argc >= 2 && strcmp(argv[1], "help") == 0)) {
    fputs(sale_help, stdout);
    return 0;
  }
  if (argc < 2) return cli_usage(SALE_HINT, "sale: which subcommand? show");
  if (strcmp(argv[1], "show") == 0) return show(g, argc - 1, argv + 1);
  return cli_usage(SALE_HINT, "sale: unknown subcommand '%s' (show)", argv[1]);
}
