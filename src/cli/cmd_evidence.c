/* SPDX-License-Identifier: MIT */
/* cmd_evidence.c - `posintent evidence verify`: a thin front end over
 * src/verify/ (the registers, the pace, the backoff) and
 * store/verifications.h (the record).
 *
 * It links libcurl through posintent_verify, so it runs in posintent-net
 * (netcmd.h, NETCMD_LIST): `posintent evidence ...` executes posintent-net
 * with the same arguments, and posintent itself never loads libcurl. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cliutil.h"
#include "cli/commands.h"
#include "store/verifications.h"
#include "verify/verify.h"

static const char evidence_help[] =
    "NAME\n"
    "    posintent evidence - check the VAT numbers on file with VIES and HMRC\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] [--manifest FILE] evidence verify [--config FILE]\n"
    "        [--retry-now] [--follow [--interval SECONDS]]\n"
    "\n"
    "DESCRIPTION\n"
    "    verify  Asks the registers about every VAT number that is due: the\n"
    "            numbers on file (open accounts) and those recorded with sales,\n"
    "            never checked yet, or found unavailable and due again.  EU and\n"
    "            XI numbers go to the European Commission's VIES (REST API),\n"
    "            GB numbers to HMRC's \"Check a UK VAT number\" API v2.  Each\n"
    "            answer is recorded, with its journal entry, as one of:\n"
    "              valid        registered; the consultation number is kept;\n"
    "              invalid      not registered;\n"
    "              unavailable  no usable answer (a member state or the\n"
    "                           service down, a limit reached, HTTP 5xx or\n"
    "                           429, a timeout, an answer that is not JSON,\n"
    "                           a TLS failure, a redirect loop): the number\n"
    "                           stays unverified and is asked again later,\n"
    "                           waiting twice as long after each such answer;\n"
    "              input error  the register refused the request\n"
    "                           (INVALID_INPUT, INVALID_REQUESTER_INFO).\n"
    "            One line per number on stdout (valid, invalid) or stderr\n"
    "            (unavailable, input error, saying what came), then a summary.\n"
    "            The till never waits on this: it reads what was recorded.\n"
    "\n"
    "    --config FILE  settings, JSON: vies_url, hmrc_url, hmrc_token_url,\n"
    "                   hmrc_client_id, hmrc_client_secret (the file must then\n"
    "                   be private: chmod 600), vies_requester, hmrc_requester,\n"
    "                   timeout_ms (20000), vies_per_second (1),\n"
    "                   hmrc_per_second (3), retry_base_s (60), retry_max_s\n"
    "                   (86400).  The requesters default to the manifest's\n"
    "                   config.store_vat when it is of that register.  The\n"
    "                   secret is never printed.\n"
    "    --retry-now    Ask the unavailable numbers again now, whatever their\n"
    "                   wait (after an outage is over).\n"
    "    --follow       Keep going: a pass every --interval seconds (300) until\n"
    "                   SIGTERM or SIGINT, which stop it between two passes.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 the pass ran (whatever the answers); 2 usage error; 3 runtime\n"
    "    failure (the database, the settings).\n"
    "\n"
    "EXAMPLES\n"
    "    posintent --db pos.db evidence verify --config /etc/posintent/verify.json\n"
    "\n"
    "SEE ALSO\n"
    "    docs/verification.md, docs/accounts.md\n";

static volatile sig_atomic_t stop;
static void on_stop(int sig) { stop = sig; }

static void pause_for(long secs) {
  for (long i = 0; i < secs * 10 && !stop; i++) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

/* Results on stdout, problems on stderr. */
static void log_line(void *ctx, int level, const char *msg) {
  (void)ctx;
  if (level >= POSPLUG_LOG_WARN) fprintf(stderr, "posintent: evidence verify: %s\n", msg);
  else printf("%s\n", msg);
  fflush(level >= POSPLUG_LOG_WARN ? stderr : stdout);
}

/* The requester of a register from the manifest's store_vat, when the
 * settings name none and the store's number is of that register. */
static void default_requester(char num[TAXID_COMPACT_MAX], const char *store_vat,
                              const char *service) {
  if (num[0] || store_vat[0] == '\0') return;
  char try[TAXID_COMPACT_MAX];
  snprintf(try, sizeof try, "%s", store_vat);
  pi_error err;
  pi_error_clear(&err);
  if (verify_requester_check(try, service, "store_vat", &err) == 0)
    snprintf(num, TAXID_COMPACT_MAX, "%s", try);
}

static int run(const cli_globals *g, const verify_config *c, int retry_now, int follow,
               long interval) {
  store *st;
  int rc = cli_open_store_as(g, STORE_EXISTING, "evidence verify", &st);
  if (rc) return rc;
  pi_error err;
  pi_error_clear(&err);
  if (verify_global_init(&err)) {
    store_close(st);
    cli_error("evidence verify: %s", err.message);
    return EXIT_RUNTIME;
  }
  signal(SIGTERM, on_stop);
  signal(SIGINT, on_stop);
  verify_session *s = calloc(1, sizeof *s);
  rc = s ? 0 : EXIT_RUNTIME;
  if (s == NULL) cli_error("evidence verify: out of memory");
  while (rc == 0) {
    verify_stats n;
    if (verify_pass(st, c, s, retry_now, log_line, NULL, &n, &err)) {
      cli_error("evidence verify: %s", err.message);
      rc = EXIT_RUNTIME;
      break;
    }
    printf("evidence verify: %lld due: %lld valid, %lld invalid, %lld unavailable, "
           "%lld input errors\n",
           (long long)n.due, (long long)n.valid, (long long)n.invalid,
           (long long)n.unavailable, (long long)n.input_error);
    fflush(stdout);
    if (!follow || stop) break;
    retry_now = 0; /* --retry-now: the first pass only */
    pause_for(interval);
    if (stop) break;
  }
  if (stop) {
    printf("evidence verify: stopped by %s between passes; every answer was recorded\n",
           stop == SIGINT ? "SIGINT" : "SIGTERM");
    fflush(stdout);
  }
  if (s) memset(s->token, 0, sizeof s->token);
  free(s);
  verify_global_cleanup();
  store_close(st);
  return rc;
}

int cmd_evidence(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    fputs(evidence_help, stdout);
    return 0;
  }
  if (argc < 2)
    return cli_usage("posintent help evidence", "evidence: give a subcommand (verify)");
  if (strcmp(argv[1], "verify") != 0)
    return cli_usage("posintent help evidence", "evidence: unknown subcommand '%s'",
                     argv[1]);
  const char *config = NULL, *interval_s = NULL;
  int follow = 0, retry_now = 0;
  const cliargs_opt opts[] = {
      {"--config", &config}, {"--interval", &interval_s}, {NULL, NULL}};
  cliargs a;
  cli_args(&a, "evidence verify", "posintent help evidence", argc, argv, 2);
  for (; cliargs_cur(&a); a.i++) {
    int f = cliargs_flag(&a, "--follow");
    if (f < 0) return EXIT_USAGE;
    if (f > 0) {
      follow = 1;
      continue;
    }
    if ((f = cliargs_flag(&a, "--retry-now")) < 0) return EXIT_USAGE;
    if (f > 0) {
      retry_now = 1;
      continue;
    }
    if ((f = cliargs_take(&a, opts)) == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  long interval = 300;
  if (interval_s) {
    char *end;
    interval = strtol(interval_s, &end, 10);
    if (*end || interval < 1 || interval > 86400)
      return cliargs_usage(&a, "--interval must be seconds from 1 to 86400, not \"%s\"",
                           interval_s);
    if (!follow) return cliargs_usage(&a, "--interval goes with --follow");
  }
  verify_config *c = malloc(sizeof *c);
  if (c == NULL) {
    cli_error("evidence verify: out of memory");
    return EXIT_RUNTIME;
  }
  verify_config_default(c);
  pi_error err;
  pi_error_clear(&err);
  if (config && verify_config_load(c, config, &err)) {
    cli_error("evidence verify: %s: %s", err.field, err.message);
    free(c);
    return EXIT_RUNTIME;
  }
  plugin_config cfg;
  int have = cli_load_manifest(g, &cfg);
  if (have < 0) {
    free(c);
    return EXIT_RUNTIME;
  }
  if (have > 0) {
    default_requester(c->vies_requester, cfg.store_vat, "vies");
    default_requester(c->hmrc_requester, cfg.store_vat, "hmrc");
  }
  int rc = run(g, c, retry_now, follow, interval);
  memset(c->hmrc_client_secret, 0, sizeof c->hmrc_client_secret);
  free(c);
  return rc;
}
