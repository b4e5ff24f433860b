/* SPDX-License-Identifier: MIT */
/* cmd_sync.c - `posintent sync`, and verify and reports on the chain's
 * server: the CLI's side of libpq, linked into posintent-net alone
 * (netcmd.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/chain.h"
#include "cli/cliutil.h"
#include "cli/commands.h"

static const char sync_help[] =
    "NAME\n"
    "    posintent sync - ship a till's records to the chain's PostgreSQL\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db TILL.db] sync --to URL [--batch N] [--follow]\n"
    "              [--interval SECONDS]\n"
    "\n"
    "DESCRIPTION\n"
    "    Ships every journal entry of the till's database that the server has\n"
    "    not acknowledged yet, with the sales, lines, evidence, voids, salts and\n"
    "    erasures it covers, into the central schema \"posintent\" of the\n"
    "    PostgreSQL database URL names (postgresql://USER:PASSWORD@HOST/DB, or\n"
    "    libpq's key=value form \"host=HOST dbname=DB user=USER\"; PGPASSWORD\n"
    "    and ~/.pgpass work as for psql).  No message repeats a password.\n"
    "    The schema is created or migrated on first use.\n"
    "\n"
    "    --db may also follow the command name.  The till's database is only\n"
    "    read, in one short snapshot per batch: the till records on while\n"
    "    sync runs.  Each batch of at most N journal entries (default 500) is\n"
    "    one transaction on the server, so a kill of sync or of the server\n"
    "    loses nothing: the next run resumes after the last batch the server\n"
    "    acknowledged, and facts shipped twice are kept once (sales are keyed\n"
    "    by store, terminal and sale, entries by store, till and sequence).\n"
    "\n"
    "    --follow keeps shipping as sales land, every --interval seconds\n"
    "    (default 2), and waits with growing pauses (up to 60 s) while the\n"
    "    server cannot be reached, is restarting or lost the connection; it\n"
    "    ends on SIGTERM or SIGINT, and at once (exit 3) when the server\n"
    "    refuses it for good: wrong credentials, no password, a database or\n"
    "    role that does not exist, a malformed URL.\n"
    "\n"
    "    SIGTERM or SIGINT (with or without --follow) stops sync between two\n"
    "    batches: the batch in flight is committed (or, if the server fails\n"
    "    it, rolled back), a line says that sync stopped, and the exit status\n"
    "    is 0; the next run ships the rest.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 everything recorded is on the server; 2 usage error; 3 the server\n"
    "    or the till's database failed (unreachable, wrong credentials, a\n"
    "    newer central schema, not a posintent database, a conflict): nothing\n"
    "    of the failed batch was kept.\n";

/* The signal that asked sync to stop (0: none yet). */
static volatile sig_atomic_t stop;
static void on_stop(int sig) { stop = sig; }

/* Sleep `secs` seconds unless asked to stop. */
static void pause_for(int secs) {
  for (int i = 0; i < secs * 10 && !stop; i++) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_stats(const char *db, const chain_sync_stats *s, double secs) {
  if (s->chain[0] == '\0') {
    printf("%s: nothing recorded yet\n", db);
    return;
  }
  printf("%s: store %s, till %.12s: shipped %lld entries (%lld sales, %lld lines) "
         "in %lld batches, %.2f s; the server is at entry %lld of %lld\n",
         db, s->store, s->chain, (long long)s->entries, (long long)s->sales,
         (long long)s->lines, (long long)s->batches, secs,
         (long long)(s->server_seq + s->entries), (long long)s->head_seq);
}

int cmd_sync(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    fputs(sync_help, stdout);
    return 0;
  }
  const char *to = NULL, *db = g->db_path, *batch_s = NULL, *interval_s = NULL;
  int follow = 0;
  const cliargs_opt opts[] = {{"--to", &to},
                              {"--db", &db},
                              {"--batch", &batch_s},
                              {"--interval", &interval_s},
                              {NULL, NULL}};
  cliargs a;
  cli_args(&a, "sync", "posintent help sync", argc, argv, 1);
  for (; cliargs_cur(&a); a.i++) {
    int f = cliargs_flag(&a, "--follow");
    if (f < 0) return EXIT_USAGE;
    if (f) {
      follow = 1;
      continue;
    }
    f = cliargs_take(&a, opts);
    if (f == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  if (to == NULL) return cliargs_usage(&a, "needs --to URL, the chain's PostgreSQL");
  long batch = 500, interval = 2;
  char *end;
  if (batch_s) {
    batch = strtol(batch_s, &end, 10);
    if (*end || batch < 1 || batch > 1000000)
      return cliargs_usage(&a, "--batch must be a number of entries from 1 to 1000000, "
                               "not \"%s\"", batch_s);
  }
  if (interval_s) {
    interval = strtol(interval_s, &end, 10);
    if (*end || interval < 1 || interval > 86400)
      return cliargs_usage(&a, "--interval must be seconds from 1 to 86400, not \"%s\"",
                           interval_s);
  }
  if (db && cli_db_is_server(db))
    return cliargs_usage(&a, "--db names the till's SQLite database; %s is a PostgreSQL "
                             "server (the chain's goes to --to)",
                         db);
  cli_globals mine = *g;
  mine.db_path = db;
  char buf[MANIFEST_PATH_MAX];
  const char *path;
  int rc = cli_db_path(&mine, buf, sizeof buf, &path);
  if (rc) return rc;

  signal(SIGTERM, on_stop);
  signal(SIGINT, on_stop);
  PGconn *pg = NULL;
  int backoff = 1;
  do {
    pi_error err;
    pi_error_clear(&err);
    if (pg == NULL && chain_connect(to, &pg, &err)) {
      cli_error("sync: %s", err.message);
      if (!follow || err.kind != PI_E_SERVER) return EXIT_RUNTIME;
      pause_for(backoff);
      backoff = backoff >= 60 ? 60 : backoff * 2;
      continue;
    }
    chain_sync_stats s;
    double t0 = now_s();
    if (chain_sync(pg, path, (int)batch, &stop, &s, &err)) {
      if (s.entries) print_stats(path, &s, now_s() - t0);
      cli_error("sync: %s", err.message);
      if (!follow || err.kind != PI_E_SERVER) {
        PQfinish(pg);
        return EXIT_RUNTIME;
      }
      PQfinish(pg); /* the connection is gone: a new one next time */
      pg = NULL;
      pause_for(backoff);
      backoff = backoff >= 60 ? 60 : backoff * 2;
      continue;
    }
    backoff = 1;
    if (!follow || s.entries || s.stopped) print_stats(path, &s, now_s() - t0);
    fflush(stdout);
    if (follow && !stop) pause_for((int)interval);
  } while (follow && !stop);
  PQfinish(pg);
  if (stop) {
    /* The one log line of a clean stop: systemd's journal shows why the
     * service ended and that nothing was left half-shipped. */
    printf("%s: stopped by %s between batches: every batch shipped was committed; "
           "the next run ships the rest\n",
           path, stop == SIGINT ? "SIGINT" : "SIGTERM");
    fflush(stdout);
  }
  return 0;
}

static int print_item(const chain_verify_item *it, void *ctx) {
  int *bad = ctx;
  if (it->rep.ok) {
    printf("store %s, till %.12s: verified, %lld entries (%lld sales), head %lld %s\n",
           it->store, it->chain, (long long)it->rep.entries, (long long)it->rep.sales,
           (long long)it->rep.head_seq, it->rep.head);
  } else {
    ++*bad;
    printf("store %s, till %.12s: NOT verified after %lld entries\n", it->store,
           it->chain, (long long)it->rep.entries);
    printf("problem: %s\n", it->rep.problem);
  }
  return 0;
}

/* `posintent --db URL verify`: every till's chain on the server. */
static int verify_chain(const char *url) {
  PGconn *pg;
  pi_error err;
  pi_error_clear(&err);
  if (chain_connect(url, &pg, &err)) {
    cli_error("verify: %s", err.message);
    return EXIT_RUNTIME;
  }
  int bad = 0;
  int64_t chains = 0;
  int rc = chain_verify(pg, print_item, &bad, &chains, &err);
  PQfinish(pg);
  if (rc) {
    cli_error("verify: %s", err.message);
    return EXIT_RUNTIME;
  }
  if (chains == 0) {
    /* Nothing walked is no verdict: an auditor pointed at the wrong
     * database, or at a server sync never reached, must not read "all
     * good" from it. */
    printf("chain: no till on the server: NOTHING verified (the server holds no "
           "till's records; has sync shipped to this database?)\n");
    return 1;
  }
  printf("chain: %lld till%s, %d not verified\n", (long long)chains,
         chains == 1 ? "" : "s", bad);
  return bad ? 1 : 0;
}

/* The chain's sales of `store_id` and `terminal` (NULL: all) from the
 * server at `url`, as a till database the reports run on (chain.h). */
static int report_store(const char *url, const char *what, const char *store_id,
                        const char *terminal, store **st) {
  PGconn *pg;
  pi_error err;
  pi_error_clear(&err);
  if (chain_connect(url, &pg, &err) == 0) {
    int rc = chain_report_store(pg, store_id, terminal, st, &err);
    PQfinish(pg);
    if (rc == 0) return 0;
  }
  cli_error("%s: %s", what, err.message);
  return EXIT_RUNTIME;
}

const cli_chain cli_chain_pg = {verify_chain, report_store};
