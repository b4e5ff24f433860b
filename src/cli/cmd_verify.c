/* cmd_verify.c - `posintent verify` and `posintent erase`. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cliutil.h"
#include "commands.h"
#include "journal.h"

static const char verify_help[] =
    "NAME\n"
    "    posintent verify - check the tamper-evident journal against the records\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] verify\n"
    "\n"
    "DESCRIPTION\n"
    "    Walks the hash chain of the journal from its first entry: every entry\n"
    "    must follow the previous one without gaps, chain to its hash, and hash\n"
    "    to its own content; every sale, line, evidence and void row must match\n"
    "    the entry that recorded it, and no row may exist without one.  Prints\n"
    "    the number of entries and the head (the last entry's sequence number\n"
    "    and hash): note the head on the day's closing report, so that a\n"
    "    rewrite of the whole chain shows too.  Read-only.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 the journal verifies; 1 it does not (the first problem is printed);\n"
    "    2 usage error; 3 the database could not be read.\n";

static const char erase_help[] =
    "NAME\n"
    "    posintent erase - erase personal data, keeping totals and the journal\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] erase --customer ID\n"
    "    posintent [--db PATH] erase --recipient SALE [--store ID] [--terminal ID]\n"
    "\n"
    "DESCRIPTION\n"
    "    --customer ID removes the customer's name, and the gift recipients'\n"
    "    names, contacts and gift messages, from every sale of that customer.\n"
    "    --recipient SALE removes the gift recipient's name, contact and gift\n"
    "    message from one sale (of --store, default: the manifest's store id).\n"
    "    Amounts, purposes, buyer statuses and the VAT/EORI numbers and resale\n"
    "    certificates of businesses, which tax law requires, stay.  Each\n"
    "    erasure is appended to the journal, which still verifies: it holds\n"
    "    only salted digests of personal data, and the salts are erased too.\n"
    "    See docs/privacy.md.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 erased (or nothing to erase); 2 usage error; 3 database error.\n";

int cmd_verify(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    fputs(verify_help, stdout);
    return 0;
  }
  if (argc > 1) {
    cli_error("verify takes no arguments (see --help)");
    return EXIT_USAGE;
  }
  store *st;
  int rc = cli_open_store(g, &st);
  if (rc) return rc;
  journal_report rep;
  pi_error err;
  pi_error_clear(&err);
  rc = store_verify(st, &rep, &err);
  store_close(st);
  if (rc) {
    cli_error("%s", err.message);
    return EXIT_RUNTIME;
  }
  if (!rep.ok) {
    printf("journal: NOT verified after %lld entries\n", (long long)rep.entries);
    printf("problem: %s\n", rep.problem);
    return 1;
  }
  printf("journal: verified, %lld entries (%lld sales)\n", (long long)rep.entries,
         (long long)rep.sales);
  printf("head: %lld %s\n", (long long)rep.head_seq, rep.head);
  return 0;
}

static void now_rfc3339(char out[32]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cmd_erase(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    fputs(erase_help, stdout);
    return 0;
  }
  const char *customer = NULL, *recipient = NULL, *store_id = NULL, *terminal = NULL;
  for (int i = 1; i < argc; i++) {
    const char **dst = strcmp(argv[i], "--customer") == 0    ? &customer
                       : strcmp(argv[i], "--recipient") == 0 ? &recipient
                       : strcmp(argv[i], "--store") == 0     ? &store_id
                       : strcmp(argv[i], "--terminal") == 0  ? &terminal
                                                             : NULL;
    if (dst == NULL) {
      cli_error("erase: unknown option %s (see --help)", argv[i]);
      return EXIT_USAGE;
    }
    if ((*dst = cli_value(argc, argv, &i)) == NULL) return EXIT_USAGE;
  }
  if ((customer == NULL) == (recipient == NULL)) {
    cli_error("erase needs exactly one of --customer ID or --recipient SALE");
    return EXIT_USAGE;
  }
  plugin_config cfg;
  if (recipient && store_id == NULL) {
    int m = cli_load_manifest(g, &cfg);
    if (m <= 0) {
      if (m == 0) cli_error("--recipient needs --store ID (or a manifest)");
      return m < 0 ? EXIT_RUNTIME : EXIT_USAGE;
    }
    store_id = cfg.store_id;
  }
  char buf[MANIFEST_PATH_MAX];
  const char *path = cli_db_path(g, buf, sizeof buf);
  if (path == NULL) return EXIT_RUNTIME;
  store *st;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(path, STORE_EXISTING, NULL, &st, &err)) {
    cli_error("%s", err.message);
    return EXIT_RUNTIME;
  }
  char at[32];
  now_rfc3339(at);
  int sales = 0, fields = 0, rc;
  if (customer)
    rc = store_erase_customer(st, customer, at, &sales, &fields, &err);
  else {
    rc = store_erase_recipient(st, store_id, terminal, recipient, at, &fields, &err);
    sales = fields > 0;
  }
  store_close(st);
  if (rc) {
    cli_error("%s", err.message);
    return EXIT_RUNTIME;
  }
  printf("erased %d field%s on %d sale%s\n", fields, fields == 1 ? "" : "s", sales,
         sales == 1 ? "" : "s");
  return 0;
}
