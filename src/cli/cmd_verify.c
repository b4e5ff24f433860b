/* SPDX-License-Identifier: MIT */
/* cmd_verify.c - `posintent verify` and `posintent erase`. */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cliutil.h"
#include "cli/commands.h"
#include "store/erase.h"
#include "store/journal.h"

static const char verify_help[] =
    "NAME\n"
    "    posintent verify - check the tamper-evident journal against the records\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] verify\n"
    "    posintent --db postgresql://URL verify\n"
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

static const char chain_verify_help[] =
    "\n"
    "    With --db postgresql://URL, verifies every till's chain on the server\n"
    "    the same way, one line per till, and exits 1 when any fails.  Each\n"
    "    till's journal must also reach the last entry the server acknowledged\n"
    "    to it (a journal whose last entries were deleted on the server fails).\n"
    "    A server that holds no till at all exits 1 as well, saying so:\n"
    "    nothing verified is not a verified chain.\n";

static const char erase_help[] =
    "NAME\n"
    "    posintent erase - erase personal data, keeping totals and the journal\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] erase --customer ID\n"
    "    posintent [--db PATH] erase --customer-name NAME\n"
    "    posintent [--db PATH] erase --sale SALE [--store ID] [--terminal ID]\n"
    "    posintent [--db PATH] erase --recipient SALE [--store ID] [--terminal ID]\n"
    "    posintent [--db PATH] erase --account ID [--store ID]\n"
    "\n"
    "DESCRIPTION\n"
    "    --customer ID        every sale of the customer with that id: the\n"
    "                         customer's name, the gift recipients' names,\n"
    "                         contacts and messages, the store scripts' meta\n"
    "                         and the receipt lines scripts printed.\n"
    "    --customer-name NAME the same for every sale recorded with exactly\n"
    "                         that customer name (a customer without an id).\n"
    "    --sale SALE          the same for one sale (find a customer without\n"
    "                         an id by a sale they appear in).\n"
    "    --recipient SALE     one sale's gift recipient: name, contact and gift\n"
    "                         message, on the sale and its lines, with the\n"
    "                         scripts' meta and receipt lines.\n"
    "    --account ID         a customer account (posintent account): its name\n"
    "                         in every version of it, the name and address the\n"
    "                         registers returned in every online check of its\n"
    "                         VAT numbers (posintent evidence verify), and\n"
    "                         everything --customer ID erases on the sales\n"
    "                         recorded under it.  The account stays on file,\n"
    "                         without a name, with its id, kind, status and\n"
    "                         evidence (close it with `posintent account\n"
    "                         close`), and each check keeps its number, outcome\n"
    "                         and consultation number.  --store narrows it to\n"
    "                         one store's account.\n"
    "    --store and --terminal may be left out while the sale id names one\n"
    "    recorded sale; when it names several, nothing is erased and the\n"
    "    message lists them.\n"
    "\n"
    "    Amounts, purposes, buyer statuses, tenders, the customer id and the\n"
    "    VAT/EORI numbers and resale certificates of businesses, which tax law\n"
    "    requires, stay.  Each erasure is appended to the journal, which still\n"
    "    verifies: it holds only salted digests of personal data, and the\n"
    "    salts are erased too.  Freed bytes are overwritten and the WAL is\n"
    "    checkpointed and emptied, so no copy remains in the database files,\n"
    "    also while a till has the database open.  Exports already written\n"
    "    are yours to delete.  See docs/privacy.md.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 erased (or nothing personal was left); 1 no such customer, account or sale\n"
    "    (nothing erased); 2 usage error, or a sale id that names several\n"
    "    sales; 3 database error (or a checkpoint that could not finish: run\n"
    "    it again).\n";

int cmd_verify(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    fputs(verify_help, stdout);
    fputs(chain_verify_help, stdout);
    return 0;
  }
  if (argc > 1)
    return cli_usage("posintent help verify", "verify: takes no arguments, not '%s'", argv[1]);
  if (g->db_path && cli_db_is_server(g->db_path)) {
    /* posintent hands this command line to posintent-net (netcmd.h),
     * which gives the server's side in g->chain. */
    assert(g->chain != NULL);
    if (g->chain == NULL) return cli_net_missing("verify");
    return g->chain->verify(g->db_path);
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
  const char *customer = NULL, *name = NULL, *sale_id = NULL, *recipient = NULL,
             *store_id = NULL, *terminal = NULL, *acct = NULL;
  const cliargs_opt opts[] = {{"--customer", &customer}, {"--customer-name", &name},
                              {"--account", &acct},
                              {"--sale", &sale_id},       {"--recipient", &recipient},
                              {"--store", &store_id},     {"--terminal", &terminal},
                              {NULL, NULL}};
  cliargs a;
  cli_args(&a, "erase", "posintent help erase", argc, argv, 1);
  for (; cliargs_cur(&a); a.i++) {
    int f = cliargs_take(&a, opts);
    if (f == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  if ((customer != NULL) + (name != NULL) + (sale_id != NULL) + (recipient != NULL) +
          (acct != NULL) !=
      1)
    return cliargs_usage(&a, "needs exactly one of --customer ID, --customer-name NAME, "
                             "--sale SALE, --recipient SALE or --account ID");
  if ((store_id || terminal) && !sale_id && !recipient && !(acct && !terminal))
    return cliargs_usage(&a, "--store and --terminal go with --sale or --recipient "
                             "(--store also with --account)");
  erase_request rq = {ERASE_CUSTOMER, customer, store_id, terminal, NULL};
  if (name) rq.kind = ERASE_CUSTOMER_NAME, rq.customer = name;
  if (sale_id) rq.kind = ERASE_SALE, rq.sale = sale_id;
  if (recipient) rq.kind = ERASE_RECIPIENT, rq.sale = recipient;
  if (acct) rq.kind = ERASE_ACCOUNT, rq.customer = acct;
  store *st;
  int orc = cli_open_store_as(g, STORE_EXISTING, NULL, &st);
  if (orc) return orc;
  pi_error err;
  pi_error_clear(&err);
  char at[32];
  now_rfc3339(at);
  erase_result res;
  int rc = erase_personal_data(st, &rq, at, &res, &err);
  store_close(st);
  if (acct && (rc == 0 || res.names))
    printf("erased the name of account %s in %lld version%s\n", acct,
           (long long)res.names, res.names == 1 ? "" : "s");
  if (acct && res.verifications)
    printf("erased the name and address the registers returned in %lld online "
           "check%s of its VAT numbers\n",
           (long long)res.verifications, res.verifications == 1 ? "" : "s");
  /* A recorded sale whose personal data is already gone is not "0 sales". */
  if (acct && res.sales == 0)
    ; /* an account without sales: the line above says it all */
  else if (rc == 0 && res.fields == 0)
    printf("nothing personal left to erase on %lld matching sale%s (already erased?)\n",
           (long long)res.sales, res.sales == 1 ? "" : "s");
  else if (res.fields || rc == 0)
    printf("erased %lld field%s on %lld sale%s\n", (long long)res.fields,
           res.fields == 1 ? "" : "s", (long long)res.erased, res.erased == 1 ? "" : "s");
  if (rc && err.kind == PI_E_AMBIGUOUS_SALE)
    return cliargs_usage(&a, "%s; nothing was erased: give %s", err.message,
                         strcmp(err.field, "store") == 0 ? "--store and --terminal"
                                                         : "--terminal");
  if (rc) {
    cli_error("%s", err.message);
    if (err.kind == PI_E_NOT_FOUND || err.kind == PI_E_UNKNOWN_SALE ||
        err.kind == PI_E_UNKNOWN_ACCOUNT)
      return 1;
    return EXIT_RUNTIME;
  }
  return 0;
}
