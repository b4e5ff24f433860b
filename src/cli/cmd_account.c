/* SPDX-License-Identifier: MIT */
/* cmd_account.c - `posintent account add|show|list|update|close`: a thin
 * front end over store/accounts.h.  The rules (ids, names, evidence) live in
 * src/domain/account.c, the versions and their journal entries in
 * src/store/accounts.c. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cliutil.h"
#include "cli/commands.h"
#include "domain/account.h"
#include "store/accounts.h"
#include "store/store.h"

static const char account_help[] =
    "NAME\n"
    "    posintent account - customer accounts on file: add, show, list, update, close\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] account add ID --name NAME --kind business|person\n"
    "        [--purpose own_use|gift|resale] [--vat NUMBER] [--eori NUMBER]\n"
    "        [--cert state=XX,number=N,signed=YYYY-MM-DD[,expires=YYYY-MM-DD]]...\n"
    "        [--store ID]\n"
    "    posintent [--db PATH] account show ID [--store ID]\n"
    "    posintent [--db PATH] account list [--closed] [--store ID]\n"
    "    posintent [--db PATH] account update ID [--name NAME] [--kind KIND]\n"
    "        [--purpose PURPOSE|none] [--vat NUMBER | --no-vat]\n"
    "        [--eori NUMBER | --no-eori] [--cert SPEC]... [--no-certs] [--store ID]\n"
    "    posintent [--db PATH] account close ID [--store ID]\n"
    "\n"
    "DESCRIPTION\n"
    "    An account is a customer the store knows: a wholesale buyer the\n"
    "    cashier picks by its id (sale.customer {\"account\": ID}) instead of\n"
    "    retyping a VAT number.  The sale then copies the account's name,\n"
    "    evidence and default purpose as they stand at that moment; a later\n"
    "    update or closing never changes a recorded sale.\n"
    "\n"
    "    add     A new account, open, version 1.  ID is 1 to 64 printable ASCII\n"
    "            characters without spaces, unique in the store.  The evidence\n"
    "            is checked offline as `posintent taxid check` does: an\n"
    "            invalid number, or a certificate that expired, is refused\n"
    "            with the field at fault (vat, eori, cert.state, cert.number,\n"
    "            cert.signed, cert.expires).  At most one VAT number, one EORI\n"
    "            number and one certificate per US state, three pieces in all\n"
    "            (what one sale carries).  --purpose is what the account's\n"
    "            sales are for unless the cashier tags them otherwise.\n"
    "    show    The account's latest version: every field and its evidence.\n"
    "    list    The open accounts (with --closed, the closed ones too), by id:\n"
    "            id, version, kind, status, purpose, evidence, name.\n"
    "    update  A new version with the options given changed and the rest\n"
    "            kept: --vat, --eori replace that number, --no-vat, --no-eori\n"
    "            remove it; --cert (one or more) replaces every certificate,\n"
    "            --no-certs removes them; --purpose none removes the default.\n"
    "    close   A new version, closed: the till refuses the account from then\n"
    "            on (account_closed).  A closed account stays closed.\n"
    "\n"
    "    --store ID  the store whose accounts these are; default: the store\n"
    "                the database belongs to (its till's config.store_id).\n"
    "\n"
    "    Every version is appended to the journal's hash chain; `posintent\n"
    "    verify` reports an account row changed behind its back.  `posintent\n"
    "    erase --account ID` erases an account's name.  `posintent evidence\n"
    "    verify` checks the VAT numbers on file with VIES and HMRC.  Not built\n"
    "    yet: sharing accounts across a chain's tills, and reports on\n"
    "    expiring evidence.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 refused (invalid evidence, an unknown, closed or existing\n"
    "    account); 2 usage error; 3 runtime failure (the database).\n"
    "\n"
    "EXAMPLES\n"
    "    posintent --db pos.db account add ACME-01 --name \"Acme Wholesale GmbH\" \\\n"
    "        --kind business --purpose resale --vat DE136695976\n"
    "    posintent --db pos.db account update ACME-01 --cert \\\n"
    "        state=TX,number=1-23-4567890,signed=2026-01-15,expires=2027-01-15\n"
    "    posintent --db pos.db account list\n"
    "\n"
    "SEE ALSO\n"
    "    docs/accounts.md, posintent erase --help, posintent taxid --help\n";

#define HINT "posintent help account"

/* What one subcommand was given. */
typedef struct account_args {
  const char *id, *name, *kind, *purpose, *vat, *eori, *store;
  const char *certs[ACCOUNT_EVIDENCE_MAX + 1];
  size_t ncerts;
  int no_vat, no_eori, no_certs, closed;
} account_args;

/* Which options a subcommand takes. */
enum { OPT_FIELDS = 1, OPT_REMOVE = 2, OPT_CLOSED = 4, OPT_ID = 8 };

/* Parse argv[0..argc) of subcommand `what` into *g.  Returns 0, or
 * EXIT_USAGE after a one-line usage error. */
static int parse(const char *what, int opts, int argc, char **argv, account_args *g) {
  cliargs a;
  cli_args(&a, what, HINT, argc, argv, 0);
  const cliargs_opt fields[] = {{"--name", &g->name}, {"--kind", &g->kind},
                                {"--purpose", &g->purpose}, {"--vat", &g->vat},
                                {"--eori", &g->eori}, {"--store", &g->store},
                                {NULL, NULL}};
  const cliargs_opt store_only[] = {{"--store", &g->store}, {NULL, NULL}};
  const struct {
    const char *name;
    int *dst;
    int when;
  } flags[] = {{"--no-vat", &g->no_vat, OPT_REMOVE},
               {"--no-eori", &g->no_eori, OPT_REMOVE},
               {"--no-certs", &g->no_certs, OPT_REMOVE},
               {"--closed", &g->closed, OPT_CLOSED}};
  for (; cliargs_cur(&a); a.i++) {
    const char *cur = cliargs_cur(&a);
    if ((opts & OPT_FIELDS) && cliargs_is(&a, "--cert")) {
      const char *v = cliargs_value(&a);
      if (v == NULL) return EXIT_USAGE;
      if (g->ncerts == ACCOUNT_EVIDENCE_MAX)
        return cliargs_usage(&a, "--cert: at most %d (an account holds at most %d pieces "
                                 "of evidence)",
                             ACCOUNT_EVIDENCE_MAX, ACCOUNT_EVIDENCE_MAX);
      g->certs[g->ncerts++] = v;
      continue;
    }
    int f = cliargs_take(&a, (opts & OPT_FIELDS) ? fields : store_only);
    if (f < 0) return EXIT_USAGE;
    if (f > 0) continue;
    int matched = 0;
    for (size_t k = 0; k < sizeof flags / sizeof flags[0] && !matched; k++) {
      if (!(opts & flags[k].when)) continue;
      int fl = cliargs_flag(&a, flags[k].name);
      if (fl < 0) return EXIT_USAGE;
      if (fl) *flags[k].dst = matched = 1;
    }
    if (matched) continue;
    if ((opts & OPT_ID) && g->id == NULL && cur[0] != '-') {
      g->id = cur;
      continue;
    }
    return cliargs_unknown(&a);
  }
  if ((opts & OPT_ID) && g->id == NULL)
    return cli_usage(HINT, "%s: the account's ID is missing", what);
  if (g->vat && g->no_vat) return cli_usage(HINT, "%s: --vat or --no-vat, not both", what);
  if (g->eori && g->no_eori)
    return cli_usage(HINT, "%s: --eori or --no-eori, not both", what);
  if (g->ncerts && g->no_certs)
    return cli_usage(HINT, "%s: --cert or --no-certs, not both", what);
  if (g->kind) {
    account_kind k;
    if (account_kind_parse(g->kind, &k))
      return cli_usage(HINT, "%s: --kind '%s' is not business or person", what, g->kind);
  }
  if (g->purpose && strcmp(g->purpose, "none") != 0) {
    purpose p;
    if (purpose_parse(g->purpose, &p) || p == PURPOSE_NONE)
      return cli_usage(HINT, "%s: --purpose '%s' is not own_use, gift or resale%s", what,
                       g->purpose, (opts & OPT_REMOVE) ? " (or none)" : "");
  }
  if (g->purpose && strcmp(g->purpose, "none") == 0 && !(opts & OPT_REMOVE))
    return cli_usage(HINT, "%s: --purpose none: leave --purpose out instead", what);
  return 0;
}

/* A certificate's "state=TX,number=...,signed=...,expires=..." split into
 * its members (copied into buf).  Returns 0, or EXIT_USAGE after a usage
 * error naming the member that is not one of them. */
static int split_cert(const char *what, const char *spec, char *buf, size_t cap,
                      const char *val[4]) {
  static const char *const keys[4] = {"state", "number", "signed", "expires"};
  if (strlen(spec) >= cap)
    return cli_usage(HINT, "%s: --cert is too long", what);
  strcpy(buf, spec);
  for (int k = 0; k < 4; k++) val[k] = NULL;
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    char *eq = strchr(tok, '=');
    int k = 0;
    if (eq) {
      *eq = '\0';
      while (k < 4 && strcmp(tok, keys[k]) != 0) k++;
    }
    if (eq == NULL || k == 4)
      return cli_usage(HINT,
                       "%s: --cert member '%s' is not state=, number=, signed= or "
                       "expires=",
                       what, tok);
    if (val[k])
      return cli_usage(HINT, "%s: --cert gives %s= twice", what, keys[k]);
    val[k] = eq + 1;
  }
  return 0;
}

static void today_and_now(char day[11], char at[32]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(at, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
  strftime(day, 11, "%Y-%m-%d", &tm);
}

/* Report a refusal from the domain or the store: "posintent: WHAT:
 * FIELD: MESSAGE".  Returns the exit status: 3 for the database and
 * memory, 1 otherwise. */
static int refused(const char *what, const pi_error *err) {
  if (err->field[0] && err->kind != PI_E_STORAGE)
    cli_error("%s: %s: %s", what, err->field, err->message);
  else
    cli_error("%s: %s", what, err->message);
  return err->kind == PI_E_STORAGE || err->kind == PI_E_NOMEM ? EXIT_RUNTIME : 1;
}

/* Put the evidence options of *g on *a: for `add` into an empty account,
 * for `update` over what it holds.  Returns 0, or an exit status. */
static int apply_evidence(const char *what, const account_args *g, account *a,
                          const char *today) {
  pi_error err;
  pi_error_clear(&err);
  /* At most: what stays (ACCOUNT_EVIDENCE_MAX), a VAT, an EORI and the
   * certificates given (ACCOUNT_EVIDENCE_MAX): counted, then refused past
   * the account's limit below. */
  account_evidence kept[2 * ACCOUNT_EVIDENCE_MAX + 2];
  size_t n = 0;
  /* What stays: the kinds no option touches. */
  for (size_t i = 0; i < a->nev; i++) {
    taxid_kind k = a->ev[i].kind;
    if ((k == TAXID_VAT && (g->vat || g->no_vat)) ||
        (k == TAXID_EORI && (g->eori || g->no_eori)) ||
        (k == TAXID_CERT && (g->ncerts || g->no_certs)))
      continue;
    kept[n++] = a->ev[i];
  }
  if (g->vat && account_evidence_number(&kept[n++], TAXID_VAT, g->vat, &err))
    return refused(what, &err);
  if (g->eori && account_evidence_number(&kept[n++], TAXID_EORI, g->eori, &err))
    return refused(what, &err);
  for (size_t c = 0; c < g->ncerts; c++) {
    char buf[512];
    const char *v[4];
    if (split_cert(what, g->certs[c], buf, sizeof buf, v)) return EXIT_USAGE;
    assert(n < sizeof kept / sizeof kept[0]);
    if (account_evidence_cert(&kept[n++], v[0], v[1], v[2], v[3], today, &err))
      return refused(what, &err);
  }
  if (n > ACCOUNT_EVIDENCE_MAX) {
    cli_error("%s: evidence: an account holds at most %d pieces of evidence (what one "
              "sale carries); this would make %zu",
              what, ACCOUNT_EVIDENCE_MAX, n);
    return 1;
  }
  memcpy(a->ev, kept, n * sizeof kept[0]);
  a->nev = n;
  return 0;
}

/* The store the accounts belong to: --store, else the database's own.
 * Returns 0, or an exit status after a message. */
static int which_store(const char *what, const account_args *g, store *st,
                       char out[SALE_ID_MAX]) {
  pi_error err;
  pi_error_clear(&err);
  if (g->store) {
    if (strlen(g->store) >= SALE_ID_MAX)
      return cli_usage(HINT, "%s: --store is longer than %d bytes", what, SALE_ID_MAX - 1);
    strcpy(out, g->store);
    return 0;
  }
  if (store_home_id(st, out, &err)) return refused(what, &err);
  if (out[0] == '\0') {
    return cli_usage(HINT, "%s: the database names no store yet (no till has opened it): "
                           "give --store ID",
                     what);
  }
  return 0;
}

static void print_account(const account *a) {
  printf("account: %s\n", a->id);
  printf("store: %s\n", a->store);
  printf("version: %lld\n", (long long)a->version);
  printf("name: %s\n", a->name_erased ? "(erased)" : a->name);
  printf("kind: %s\n", account_kind_name(a->kind));
  printf("status: %s\n", account_status_name(a->status));
  printf("purpose: %s\n", a->purpose ? purpose_name(a->purpose) : "(the store's default)");
  printf("created: %s\n", a->created_at);
  printf("updated: %s\n", a->updated_at);
  for (size_t i = 0; i < a->nev; i++) {
    const account_evidence *e = &a->ev[i];
    if (e->kind == TAXID_CERT)
      printf("evidence: resale_cert %s signed %s expires %s\n", e->compact, e->signed_on,
             e->expires[0] ? e->expires : "never");
    else
      printf("evidence: %s %s\n", taxid_kind_name(e->kind), e->compact);
  }
  if (a->nev == 0) printf("evidence: none\n");
}

/* Open the database for writing (STORE_EXISTING) or reading. */
static int open_db(const cli_globals *cg, int write, const char *what, store **st) {
  return write ? cli_open_store_as(cg, STORE_EXISTING, what, st)
               : cli_open_store_as(cg, STORE_READONLY, what, st);
}

static int run_add(const cli_globals *cg, int argc, char **argv) {
  const char *what = "account add";
  account_args g;
  memset(&g, 0, sizeof g);
  if (parse(what, OPT_FIELDS | OPT_ID, argc, argv, &g)) return EXIT_USAGE;
  if (g.name == NULL) return cli_usage(HINT, "%s: --name NAME is required", what);
  if (g.kind == NULL) return cli_usage(HINT, "%s: --kind business|person is required", what);
  account a;
  memset(&a, 0, sizeof a);
  pi_error err;
  pi_error_clear(&err);
  if (account_id_check(g.id, "account", &err) || account_name_check(g.name, &err))
    return refused(what, &err);
  strcpy(a.id, g.id);
  strcpy(a.name, g.name);
  account_kind_parse(g.kind, &a.kind);
  if (g.purpose) purpose_parse(g.purpose, &a.purpose);
  a.status = ACCOUNT_OPEN;
  char day[11], at[32];
  today_and_now(day, at);
  int rc = apply_evidence(what, &g, &a, day);
  if (rc) return rc;
  store *st;
  if ((rc = open_db(cg, 1, what, &st))) return rc;
  rc = which_store(what, &g, st, a.store);
  if (rc == 0 && store_account_add(st, &a, at, &err)) rc = refused(what, &err);
  store_close(st);
  if (rc == 0)
    printf("account %s added to store %s (version %lld)\n", a.id, a.store,
           (long long)a.version);
  return rc;
}

static int run_show(const cli_globals *cg, int argc, char **argv) {
  const char *what = "account show";
  account_args g;
  memset(&g, 0, sizeof g);
  if (parse(what, OPT_ID, argc, argv, &g)) return EXIT_USAGE;
  store *st;
  int rc = open_db(cg, 0, what, &st);
  if (rc) return rc;
  char sid[SALE_ID_MAX];
  account a;
  pi_error err;
  pi_error_clear(&err);
  rc = which_store(what, &g, st, sid);
  if (rc == 0) {
    store_lookup f = store_account_find(st, sid, g.id, &a, &err);
    if (f == STORE_LOOKUP_FAILED) rc = refused(what, &err);
    else if (f == STORE_NOT_FOUND)
      cli_error("%s: account: store %s has no account %s", what, sid, g.id), rc = 1;
    else print_account(&a);
  }
  store_close(st);
  return rc;
}

static int list_row(void *ctx, const account *a) {
  (void)ctx;
  char ev[160] = "";
  size_t o = 0;
  for (size_t i = 0; i < a->nev && o < sizeof ev; i++)
    o += (size_t)snprintf(ev + o, sizeof ev - o, "%s%s", i ? " " : "", a->ev[i].compact);
  printf("%s\t%lld\t%s\t%s\t%s\t%s\t%s\n", a->id, (long long)a->version,
         account_kind_name(a->kind), account_status_name(a->status),
         a->purpose ? purpose_name(a->purpose) : "-", a->nev ? ev : "-",
         a->name_erased ? "(erased)" : a->name);
  return 0;
}

static int run_list(const cli_globals *cg, int argc, char **argv) {
  const char *what = "account list";
  account_args g;
  memset(&g, 0, sizeof g);
  if (parse(what, OPT_CLOSED, argc, argv, &g)) return EXIT_USAGE;
  store *st;
  int rc = open_db(cg, 0, what, &st);
  if (rc) return rc;
  char sid[SALE_ID_MAX];
  pi_error err;
  pi_error_clear(&err);
  rc = which_store(what, &g, st, sid);
  if (rc == 0) {
    printf("account\tversion\tkind\tstatus\tpurpose\tevidence\tname\n");
    if (store_account_list(st, sid, g.closed, list_row, NULL, &err)) rc = refused(what, &err);
  }
  store_close(st);
  return rc;
}

/* update and close: read the latest version, change it, write the next. */
static int run_change(const cli_globals *cg, int closing, int argc, char **argv) {
  const char *what = closing ? "account close" : "account update";
  account_args g;
  memset(&g, 0, sizeof g);
  if (parse(what, closing ? OPT_ID : OPT_FIELDS | OPT_REMOVE | OPT_ID, argc, argv, &g))
    return EXIT_USAGE;
  if (!closing && !g.name && !g.kind && !g.purpose && !g.vat && !g.eori && !g.ncerts &&
      !g.no_vat && !g.no_eori && !g.no_certs)
    return cli_usage(HINT, "%s: nothing to change (give --name, --kind, --purpose, "
                           "--vat, --eori, --cert or a --no- option)",
                     what);
  pi_error err;
  pi_error_clear(&err);
  if (g.name && account_name_check(g.name, &err)) return refused(what, &err);
  store *st;
  int rc = open_db(cg, 1, what, &st);
  if (rc) return rc;
  char sid[SALE_ID_MAX], day[11], at[32];
  account a;
  today_and_now(day, at);
  rc = which_store(what, &g, st, sid);
  store_lookup f = rc ? STORE_NOT_FOUND : store_account_find(st, sid, g.id, &a, &err);
  if (rc == 0 && f == STORE_LOOKUP_FAILED) rc = refused(what, &err);
  else if (rc == 0 && f == STORE_NOT_FOUND)
    cli_error("%s: account: store %s has no account %s", what, sid, g.id), rc = 1;
  if (rc == 0 && closing) {
    a.status = ACCOUNT_CLOSED;
  } else if (rc == 0) {
    if (g.name) strcpy(a.name, g.name), a.name_erased = 0;
    if (g.kind) account_kind_parse(g.kind, &a.kind);
    if (g.purpose && strcmp(g.purpose, "none") == 0) a.purpose = PURPOSE_NONE;
    else if (g.purpose) purpose_parse(g.purpose, &a.purpose);
    rc = apply_evidence(what, &g, &a, day);
  }
  if (rc == 0 && store_account_update(st, &a, at, &err)) rc = refused(what, &err);
  store_close(st);
  if (rc == 0)
    printf("account %s %s (version %lld)\n", a.id, closing ? "closed" : "updated",
           (long long)a.version);
  return rc;
}

/* `posintent account add|show|list|update|close ...` (argv[0] is
 * "account").  Returns the exit status (commands.h). */
int cmd_account(const cli_globals *g, int argc, char **argv) {
  if (argc < 2) return cli_usage(HINT, "account: add, show, list, update or close?");
  const char *sub = argv[1];
  if (cli_wants_help(argc, argv) || strcmp(sub, "help") == 0) {
    fputs(account_help, stdout);
    return 0;
  }
  if (strcmp(sub, "add") == 0) return run_add(g, argc - 2, argv + 2);
  if (strcmp(sub, "show") == 0) return run_show(g, argc - 2, argv + 2);
  if (strcmp(sub, "list") == 0) return run_list(g, argc - 2, argv + 2);
  if (strcmp(sub, "update") == 0) return run_change(g, 0, argc - 2, argv + 2);
  if (strcmp(sub, "close") == 0) return run_change(g, 1, argc - 2, argv + 2);
  return cli_usage(HINT, "account: unknown subcommand '%s' (add, show, list, update or "
                         "close)",
                   sub);
}
