/* SPDX-License-Identifier: MIT */
/* cmd_period.c - `posintent period close|list`: a thin front end over
 * period.h.  What closing means and records lives in src/report/period.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cliutil.h"
#include "cli/commands.h"
#include "report/period.h"
#include "report/report.h"
#include "store/store.h"

static const char period_help[] =
    "NAME\n"
    "    posintent period - close a filed period; list the closed ones\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH | --manifest PATH] period close --period YYYY-MM|YYYY-Qn\n"
    "        [--report ec-sales-list] [--format hmrc|zm|csv] [--store ID]\n"
    "    posintent [--db PATH] period list [--format csv|json|table]\n"
    "\n"
    "DESCRIPTION\n"
    "    close  Write the period's report on standard output, exactly as\n"
    "           `posintent report ec-sales-list` writes it with the same\n"
    "           options, and record in the journal's hash chain that it was\n"
    "           filed: the period, the report and format, the SHA-256 of the\n"
    "           bytes written and the journal's head.  Refused, with nothing\n"
    "           recorded, when the period is not over in every time zone (it\n"
    "           may be closed from the second day after its last day, UTC),\n"
    "           when it overlaps a closed period, or when the database cannot\n"
    "           be written (a read-only copy).  Reports never rewrite a\n"
    "           period: a sale voided on a later day is a credit in the\n"
    "           void's period, so the closed period's report regenerates\n"
    "           byte for byte; `report ec-sales-list --corrections` lists\n"
    "           what later periods declared against it.\n"
    "    list   The closed periods, oldest first: period, from, to, report,\n"
    "           format, store, bytes, sha256, head_seq, head, closed_at,\n"
    "           entry (the journal entry).  Read-only.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 closed (the report written) or listed; 1 closing refused (not\n"
    "    over, already closed, an HMRC list with nothing to file); 2 usage\n"
    "    error; 3 runtime failure (the database, a read-only copy, the\n"
    "    manifest, writing, a report that cannot be filed as asked).\n"
    "\n"
    "EXAMPLES\n"
    "    posintent --manifest plugin.manifest period close --period 2026-11 \\\n"
    "        --format zm > zm-2026-11.csv\n"
    "    posintent --db pos.db period list --format table\n"
    "\n"
    "SEE ALSO\n"
    "    posintent report --help, docs/reports.md (\"Filing a month\")\n";

#define HINT "posintent help period"

/* The options of one subcommand, parsed with the CLI's convention
 * (cliargs.h).  Returns 0, or EXIT_USAGE after a one-line usage error. */
static int parse(const char *what, int argc, char **argv, const cliargs_opt *opts) {
  cliargs a;
  cli_args(&a, what, HINT, argc, argv, 0);
  for (; cliargs_cur(&a); a.i++) {
    int f = cliargs_take(&a, opts);
    if (f == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  return 0;
}

static void warn_stderr(void *ctx, const char *msg) {
  fprintf(stderr, "posintent: %s: %s\n", (const char *)ctx, msg);
}

static int run_close(const cli_globals *g, int argc, char **argv) {
  const char *period = NULL, *report = NULL, *format = NULL, *store_id = NULL;
  const cliargs_opt opts[] = {{"--period", &period},
                              {"--report", &report},
                              {"--format", &format},
                              {"--store", &store_id},
                              {NULL, NULL}};
  if (parse("period close", argc, argv, opts)) return EXIT_USAGE;
  if (period == NULL)
    return cli_usage(HINT, "period close: --period YYYY-MM or YYYY-Qn is required");
  if (report && strcmp(report, "ec-sales-list") != 0)
    return cli_usage(HINT, "period close: unknown --report '%s' (ec-sales-list)", report);
  period_filing f = {ECSL_CSV, store_id, NULL};
  if (format && ecsl_format_parse(format, &f.format))
    return cli_usage(HINT, "period close: unknown --format '%s' (hmrc, zm or csv)", format);
  plugin_config cfg;
  int have_cfg = cli_load_manifest(g, &cfg);
  if (have_cfg < 0) return EXIT_RUNTIME;
  store *st;
  /* STORE_EXISTING: a closing is written, so a read-only copy is refused. */
  int orc = cli_open_store_as(g, STORE_EXISTING, "period close", &st);
  if (orc) return orc;
  pi_error err;
  pi_error_clear(&err);
  /* The store's identity as `report ec-sales-list` takes it: the manifest
   * when given, else what the plugin last wrote into the database. */
  report_identity id;
  if (have_cfg) {
    report_identity_from_config(&cfg, &id);
  } else if (report_identity_load(st, &id, &err)) {
    cli_error("period close: %s", err.message);
    store_close(st);
    return EXIT_RUNTIME;
  }
  f.id = &id;
  report_out out;
  memset(&out, 0, sizeof out);
  out.warn = warn_stderr;
  out.warn_ctx = (void *)"period close";
  out.label = "period close";
  char *bytes = NULL;
  size_t len = 0;
  period_closing c;
  int rc = period_close(st, period, &f, (int64_t)time(NULL), &out, &bytes, &len, &c, &err);
  store_close(st);
  if (rc && err.kind == PI_E_USAGE) /* a malformed --period */
    return cli_usage(HINT, "period close: %s", err.message);
  if (rc) {
    cli_error("period close: %s", err.message);
    if (err.kind == PI_E_PERIOD_OPEN || err.kind == PI_E_PERIOD_CLOSED ||
        err.kind == PI_E_ECSL_EMPTY) /* an HMRC list with nothing to file */
      return 1;
    return EXIT_RUNTIME;
  }
  int wrote = fwrite(bytes, 1, len, stdout) == len && fflush(stdout) == 0;
  free(bytes);
  fprintf(stderr,
          "posintent: period %s closed: %s %s, %lld bytes, sha256 %s; journal entry "
          "%lld, head at closing %lld %s\n",
          c.period, c.report, c.format, (long long)c.bytes, c.sha256, (long long)c.seq,
          (long long)c.head_seq, c.head);
  if (!wrote) {
    cli_error("period close: the period is closed, but writing the report failed; "
              "`posintent report ec-sales-list --period %s --format %s` writes the "
              "same bytes again",
              c.period, c.format);
    return EXIT_RUNTIME;
  }
  return 0;
}

static int run_list(const cli_globals *g, int argc, char **argv) {
  const char *format = NULL;
  const cliargs_opt opts[] = {{"--format", &format}, {NULL, NULL}};
  if (parse("period list", argc, argv, opts)) return EXIT_USAGE;
  report_out out;
  memset(&out, 0, sizeof out);
  out.file = stdout;
  out.format = SINK_CSV;
  if (format && (sink_format_parse(format, &out.format) || out.format == SINK_JSONL))
    return cli_usage(HINT, "period list: unknown --format '%s' (csv, json or table)",
                     format);
  store *st;
  int rc = cli_open_store(g, &st);
  if (rc) return rc;
  pi_error err;
  pi_error_clear(&err);
  rc = period_list(st, &out, &err);
  store_close(st);
  if (rc) {
    cli_error("period list: %s", err.message);
    return EXIT_RUNTIME;
  }
  return 0;
}

/* `posintent period close|list ...` (argv[0] is "period").  Returns the
 * exit status (commands.h). */
int cmd_period(const cli_globals *g, int argc, char **argv) {
  if (argc < 2) return cli_usage(HINT, "period: close or list?");
  const char *sub = argv[1];
  if (cli_wants_help(argc, argv) || strcmp(sub, "help") == 0) {
    fputs(period_help, stdout);
    return 0;
  }
  if (strcmp(sub, "close") == 0) return run_close(g, argc - 2, argv + 2);
  if (strcmp(sub, "list") == 0) return run_list(g, argc - 2, argv + 2);
  return cli_usage(HINT, "period: unknown subcommand '%s' (close or list)", sub);
}
