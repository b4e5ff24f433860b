/* SPDX-License-Identifier: MIT */
/* central.c - the connection to the central PostgreSQL and its schema. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "chain/chain_int.h"

/* Forward-only migrations of the central schema: migrations[i] takes
 * version i to i+1.  Every table is keyed by store first (chain.h). */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE chains("
    " store text NOT NULL, chain text NOT NULL,"
    " first_at text NOT NULL,"
    " PRIMARY KEY(store, chain));"
    "CREATE TABLE journal("
    " store text NOT NULL, chain text NOT NULL,"
    " seq bigint NOT NULL, at text NOT NULL, kind text NOT NULL,"
    " sale_id bigint NOT NULL, body text NOT NULL, pii text NOT NULL,"
    " prev text NOT NULL, hash text NOT NULL,"
    " PRIMARY KEY(store, chain, seq));"
    "CREATE TABLE sales("
    " chain text NOT NULL,"
    " id bigint NOT NULL,"
    " store text NOT NULL, terminal text NOT NULL, sale text NOT NULL,"
    " cashier text NOT NULL, began_at text NOT NULL, day text NOT NULL,"
    " completed_at text, currency text NOT NULL, purpose text NOT NULL,"
    " net bigint NOT NULL, tax bigint NOT NULL, total bigint NOT NULL,"
    " customer_id text, customer_name text, customer_org bigint NOT NULL,"
    " reseller_kind text, reseller_id text, reseller_country text,"
    " reseller_valid bigint, reseller_reason text, treatment text NOT NULL,"
    " gift_receipt bigint NOT NULL, gift_message text, recipient_name text,"
    " recipient_contact text, tenders text, meta text, reply text NOT NULL,"
    " status text NOT NULL,"
    " PRIMARY KEY(store, terminal, sale),"
    " UNIQUE(store, chain, id));"
    "CREATE INDEX sales_day ON sales(store, day);"
    "CREATE TABLE lines("
    " store text NOT NULL, chain text NOT NULL,"
    " sale_id bigint NOT NULL, seq bigint NOT NULL, line text NOT NULL,"
    " sku text, name text, qty_milli bigint NOT NULL,"
    " unit_price bigint NOT NULL, net bigint NOT NULL, tax bigint NOT NULL,"
    " purpose text NOT NULL, status text NOT NULL, treatment text NOT NULL,"
    " gift_receipt bigint NOT NULL, gift_message text, recipient_name text,"
    " recipient_contact text,"
    " PRIMARY KEY(store, chain, sale_id, seq));"
    "CREATE TABLE evidence("
    " store text NOT NULL, chain text NOT NULL,"
    " id bigint NOT NULL, sale_id bigint NOT NULL, kind text NOT NULL,"
    " input text NOT NULL, state text, expires text, compact text NOT NULL,"
    " country text NOT NULL, valid bigint NOT NULL, reason text NOT NULL,"
    " chosen bigint NOT NULL,"
    " PRIMARY KEY(store, chain, id));"
    "CREATE TABLE voids("
    " store text NOT NULL, chain text NOT NULL,"
    " sale_id bigint NOT NULL, at text NOT NULL, reason text NOT NULL,"
    " PRIMARY KEY(store, chain, sale_id));"
    "CREATE TABLE salts("
    " store text NOT NULL, chain text NOT NULL,"
    " sale_id bigint NOT NULL, field text NOT NULL, salt bytea NOT NULL,"
    " PRIMARY KEY(store, chain, sale_id, field));",
    /* 1 -> 2: the till's schema 5 column sales.attempt, the host's attempt
     * key, which journal format 4 chains (central verify rebuilds it). */
    "ALTER TABLE sales ADD COLUMN attempt text;",
    /* 2 -> 3: the till's schema 6 returns and return_lines (store.c), which
     * "return" journal entries chain.  A return is keyed by its own store
     * (the original sale's), its till and its row id; its lines by their
     * return's key.  No uniqueness of (store, ret) across tills: each till
     * enforces it for its own returns, and the server keeps what they
     * recorded. */
    "CREATE TABLE returns("
    " chain text NOT NULL,"
    " id bigint NOT NULL, sale_id bigint NOT NULL,"
    " store text NOT NULL, ret text NOT NULL,"
    " at text NOT NULL, day text NOT NULL, recorded_at text NOT NULL,"
    " reason text NOT NULL, reason_text text, currency text NOT NULL,"
    " net bigint NOT NULL, tax bigint NOT NULL, total bigint NOT NULL,"
    " reseller_kind text, reseller_id text, reseller_country text,"
    " reseller_valid bigint, reseller_reason text, customer_id text,"
    " refund text NOT NULL, reply text NOT NULL,"
    " PRIMARY KEY(store, chain, id));"
    "CREATE INDEX returns_sale ON returns(store, chain, sale_id);"
    "CREATE INDEX returns_day ON returns(store, day);"
    "CREATE TABLE return_lines("
    " store text NOT NULL, chain text NOT NULL,"
    " return_id bigint NOT NULL, seq bigint NOT NULL, line_seq bigint NOT NULL,"
    " line text NOT NULL, qty_milli bigint NOT NULL,"
    " net bigint NOT NULL, tax bigint NOT NULL,"
    " purpose text NOT NULL, status text NOT NULL, treatment text NOT NULL,"
    " PRIMARY KEY(store, chain, return_id, seq));",
    /* 3 -> 4: what the server acknowledged to each till: the last entry
     * of its last committed batch (seq and hash), raised by every batch
     * in the batch's transaction and never lowered.  Central verify holds
     * the journal to it, so a journal whose last entries were deleted on
     * the server fails (cverify.c).  Filled from the journal as it is. */
    "CREATE TABLE acks("
    " store text NOT NULL, chain text NOT NULL,"
    " seq bigint NOT NULL, hash text NOT NULL,"
    " PRIMARY KEY(store, chain));"
    "INSERT INTO acks SELECT DISTINCT ON (store, chain) store, chain, seq, hash"
    " FROM journal ORDER BY store, chain, seq DESC;",
    /* 4 -> 5: the till's schema 7 accounts and account_evidence
     * (store.c), which "account" journal entries chain.  A version of an
     * account is keyed by its own store, its till and its row id; its
     * evidence by that key.  The name is personal: an erasure on the till
     * ships it again as NULL (sync.c).  Its salt is in salts under the
     * negative row id (journal.c), with the account's store.  No
     * uniqueness of (store, account, version) across tills: each till
     * enforces it for its own accounts (docs/accounts.md: accounts are
     * local to a till), and the server keeps what they recorded. */
    "CREATE TABLE accounts("
    " chain text NOT NULL,"
    " id bigint NOT NULL,"
    " store text NOT NULL, account text NOT NULL, version bigint NOT NULL,"
    " name text, kind text NOT NULL, purpose text NOT NULL, status text NOT NULL,"
    " created_at text NOT NULL, updated_at text NOT NULL,"
    " PRIMARY KEY(store, chain, id));"
    "CREATE INDEX accounts_account ON accounts(store, account);"
    "CREATE TABLE account_evidence("
    " store text NOT NULL, chain text NOT NULL,"
    " account_id bigint NOT NULL, seq bigint NOT NULL, kind text NOT NULL,"
    " input text NOT NULL, state text, signed text, expires text,"
    " compact text NOT NULL, country text NOT NULL,"
    " PRIMARY KEY(store, chain, account_id, seq));",
    /* 5 -> 6: the till's schema 9 verifications (store.c), one online
     * check of a VAT number each, which "verification" journal entries
     * chain.  The till's rows hold no store: they are keyed by the till's
     * home store (as its journal entries are), its chain and the row id.
     * A till that shipped its verification entries before this version
     * ships the rows with its next batch (sync.c: every row above the
     * server's highest of that till). */
    "CREATE TABLE verifications("
    " store text NOT NULL, chain text NOT NULL,"
    " id bigint NOT NULL, number text NOT NULL, country text NOT NULL,"
    " service text NOT NULL, requester text NOT NULL, outcome text NOT NULL,"
    " code text NOT NULL, detail text NOT NULL, checked_at text NOT NULL,"
    " request_date text, consultation text, retry_after text,"
    " name text, address text,"
    " PRIMARY KEY(store, chain, id));"
    "CREATE INDEX verifications_number ON verifications(number);"
    /* The highest row a till's verification entries name, one index read
     * (sync.c asks it before every batch). */
    "CREATE INDEX journal_verification ON journal(store, chain, sale_id)"
    " WHERE kind = 'verification';",
    /* 6 -> 7: the till's schema 10 columns lines.tax_rate_bp and
     * lines.tax_code, the tax the host applied to a line, which journal
     * format 5 chains (central verify rebuilds it) and the VAT return
     * totals by.  NULL for lines shipped before. */
    "ALTER TABLE lines ADD COLUMN tax_rate_bp bigint;"
    "ALTER TABLE lines ADD COLUMN tax_code text;",
    /* 7 -> 8: the till's schema 11 script_errors (store.c), the store
     * scripts' failures a sale was decided with, which its "sale" entry
     * chains from format 6 on; keyed like lines.  The sentence is
     * personal: an erasure on the till ships it again as NULL (sync.c). */
    "CREATE TABLE script_errors("
    " store text NOT NULL, chain text NOT NULL,"
    " sale_id bigint NOT NULL, seq bigint NOT NULL,"
    " event text NOT NULL, hook text NOT NULL, location text NOT NULL,"
    " count bigint NOT NULL, truncated integer NOT NULL, message text,"
    " PRIMARY KEY(store, chain, sale_id, seq));",
};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(NMIGRATIONS == CHAIN_SCHEMA_VERSION,
               "chain.h CHAIN_SCHEMA_VERSION must count the migrations");

/* The advisory lock under which the schema is migrated: any constant
 * other programs are unlikely to pick ("posi" in ASCII). */
#define MIGRATE_LOCK "1886351209"

/* libpq's sentences end in a newline; one line reads better in ours. */
static void one_line(char *s) {
  char *o = s;
  for (const char *p = s; *p; p++) {
    char ch = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
    if (ch == ' ' && (o == s || o[-1] == ' ')) continue;
    *o++ = ch;
  }
  while (o > s && o[-1] == ' ') o--;
  *o = '\0';
}

int chain_pg_fail(PGconn *pg, const PGresult *res, const char *what, pi_error *err) {
  char msg[200];
  const char *m = res ? PQresultErrorMessage(res) : NULL;
  if (m == NULL || m[0] == '\0') m = pg ? PQerrorMessage(pg) : "no connection";
  snprintf(msg, sizeof msg, "%s", m);
  one_line(msg);
  /* Gone: libpq says so, or the error is its own (no SQLSTATE: "server
   * closed the connection unexpectedly"), or the server's class 08
   * (connection exception) or 57P01-57P03 (shut down, crashed, starting). */
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  int gone = pg == NULL || PQstatus(pg) != CONNECTION_OK || state == NULL ||
             strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
             strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
  if (gone)
    return pi_fail(err, PI_E_SERVER, "server",
                   "%s: the connection to the server was lost (%.120s); the "
                   "next run resumes after the last batch it acknowledged",
                   what, msg);
  return pi_fail(err, PI_E_STORAGE, "server", "%s: %s", what, msg);
}

static int exec(PGconn *pg, const char *sql, const char *what, pi_error *err) {
  PGresult *r = PQexec(pg, sql);
  ExecStatusType s = PQresultStatus(r);
  int rc = 0;
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) rc = chain_pg_fail(pg, r, what, err);
  PQclear(r);
  return rc;
}

/* The server's schema version: 0 when there is no posintent schema yet.
 * Returns 0 or -1 with err. */
static int read_version(PGconn *pg, int *ver, pi_error *err) {
  PGresult *r = PQexec(pg, "SELECT CASE WHEN to_regclass('posintent.schema_version')"
                           " IS NULL THEN 0 ELSE -1 END");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    chain_pg_fail(pg, r, "reading the central schema version", err);
    PQclear(r);
    return -1;
  }
  *ver = atoi(PQgetvalue(r, 0, 0));
  PQclear(r);
  if (*ver == 0) return 0;
  r = PQexec(pg, "SELECT coalesce(max(version), 0) FROM posintent.schema_version");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    chain_pg_fail(pg, r, "reading the central schema version", err);
    PQclear(r);
    return -1;
  }
  *ver = atoi(PQgetvalue(r, 0, 0));
  PQclear(r);
  return 0;
}

static int newer(int ver, pi_error *err) {
  return pi_fail(err, PI_E_SCHEMA, "server",
                 "the server's posintent schema has version %d; this posintent "
                 "knows up to %d: upgrade posintent (nothing was changed on the "
                 "server)",
                 ver, CHAIN_SCHEMA_VERSION);
}

static int migrate(PGconn *pg, pi_error *err) {
  int ver;
  if (read_version(pg, &ver, err)) return -1;
  if (ver > CHAIN_SCHEMA_VERSION) return newer(ver, err);
  if (ver == CHAIN_SCHEMA_VERSION) return 0;
  /* Whoever connects first migrates; the others wait on the lock and
   * find the result, as the till's store.c does with SQLite's. */
  if (exec(pg, "BEGIN", "starting the schema migration", err)) return -1;
  if (exec(pg, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")",
           "locking the schema migration", err) ||
      exec(pg, "CREATE SCHEMA IF NOT EXISTS posintent;"
               "CREATE TABLE IF NOT EXISTS posintent.schema_version("
               " version integer NOT NULL)",
           "creating the central schema", err) ||
      read_version(pg, &ver, err))
    goto fail;
  if (ver > CHAIN_SCHEMA_VERSION) {
    newer(ver, err);
    goto fail;
  }
  for (int v = ver; v < CHAIN_SCHEMA_VERSION; v++) {
    char sql[96];
    if (exec(pg, migrations[v], "migrating the central schema", err)) goto fail;
    snprintf(sql, sizeof sql,
             "DELETE FROM posintent.schema_version;"
             "INSERT INTO posintent.schema_version VALUES(%d)",
             v + 1);
    if (exec(pg, sql, "migrating the central schema", err)) goto fail;
  }
  return exec(pg, "COMMIT", "committing the schema migration", err);
fail:
  PQclear(PQexec(pg, "ROLLBACK"));
  return -1;
}

static void quiet(void *arg, const char *message) {
  (void)arg;
  (void)message; /* NOTICEs ("already exists, skipping") are no news */
}

/* The SQLSTATE in a verbose libpq connection error ("...failed: FATAL:
 * 28P01: password authentication failed...": the severity word may be
 * translated, the code never is) into state[6]; "" when the server sent
 * none (the failure was the network's or libpq's own). */
static void connect_state(const char *msg, char state[6]) {
  state[0] = '\0';
  for (const char *p = strstr(msg, ":  "); p; p = strstr(p + 1, ":  ")) {
    const char *c = p + 3;
    int ok = 1;
    for (int i = 0; i < 5 && ok; i++)
      ok = (c[i] >= '0' && c[i] <= '9') || (c[i] >= 'A' && c[i] <= 'Z');
    if (ok && c[5] == ':') {
      memcpy(state, c, 5);
      state[5] = '\0';
      return;
    }
  }
}

/* libpq's verbose sentence as its default one: without the SQLSTATE and
 * the LOCATION line, on one line. */
static void plain_message(const char *verbose, const char *state, char *out, size_t cap) {
  snprintf(out, cap, "%s", verbose);
  char *loc = strstr(out, "\nLOCATION:");
  if (loc) *loc = '\0';
  if (state[0]) {
    char tag[8];
    snprintf(tag, sizeof tag, "%s: ", state);
    char *t = strstr(out, tag);
    if (t) memmove(t, t + 7, strlen(t + 7) + 1);
  }
  one_line(out);
}

/* Connect, telling a failure that waiting may cure (the server is down,
 * restarting, unreachable, or out of connections: "server") from one it
 * never will (wrong credentials, no password given, a database or role
 * that does not exist, no right to connect, a malformed URL:
 * "server_refused"), so that `sync --follow` retries only the first. */
static int connect_server(const char *url, PGconn **out, pi_error *err) {
  char *perr = NULL;
  PQconninfoOption *opts = PQconninfoParse(url, &perr);
  if (opts == NULL) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s", perr ? perr : "out of memory");
    one_line(msg);
    PQfreemem(perr);
    return pi_fail(err, PI_E_SERVER_REFUSED, "server",
                   "the server's address is not a PostgreSQL URL or key=value "
                   "connection string libpq accepts: %s",
                   msg);
  }
  PQconninfoFree(opts);
  PGconn *pg = PQconnectStart(url);
  if (pg == NULL) return pi_fail(err, PI_E_NOMEM, "server", "out of memory");
  PQsetErrorVerbosity(pg, PQERRORS_VERBOSE); /* for the SQLSTATE */
  PostgresPollingStatusType st = PQstatus(pg) == CONNECTION_BAD ? PGRES_POLLING_FAILED
                                                                : PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    int fd = PQsocket(pg);
    if (fd >= 0 && (st == PGRES_POLLING_READING || st == PGRES_POLLING_WRITING)) {
      struct pollfd pfd = {fd, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0};
      if (poll(&pfd, 1, -1) < 0 && errno != EINTR) break;
    }
    st = PQconnectPoll(pg);
  }
  if (PQstatus(pg) == CONNECTION_OK) {
    PQsetErrorVerbosity(pg, PQERRORS_DEFAULT);
    *out = pg;
    return 0;
  }
  char state[6], msg[200];
  connect_state(PQerrorMessage(pg), state);
  plain_message(PQerrorMessage(pg), state, msg, sizeof msg);
  int no_password = PQconnectionNeedsPassword(pg);
  PQfinish(pg);
  /* Class 08 (connection exception), 53 (insufficient resources: too many
   * connections), 57 (operator intervention: shutting down, starting up,
   * in recovery), or no SQLSTATE at all: a later try may succeed. */
  int transient = !no_password &&
                  (state[0] == '\0' || strncmp(state, "08", 2) == 0 ||
                   strncmp(state, "53", 2) == 0 || strncmp(state, "57", 2) == 0);
  if (transient)
    return pi_fail(err, PI_E_SERVER, "server", "cannot connect to the PostgreSQL server: %s",
                   msg);
  const char *why = no_password ? "no password was given (PGPASSWORD, ~/.pgpass or the URL)"
                    : strncmp(state, "28", 2) == 0 ? "the server refused the credentials"
                    : strcmp(state, "3D000") == 0  ? "the database does not exist"
                    : strcmp(state, "42501") == 0  ? "the role may not connect"
                                                   : "the server refused the connection";
  return pi_fail(err, PI_E_SERVER_REFUSED, "server",
                 "cannot connect to the PostgreSQL server: %s (%s; trying again will "
                 "not help)",
                 msg, why);
}

int chain_connect(const char *url, PGconn **out, pi_error *err) {
  *out = NULL;
  PGconn *pg;
  if (connect_server(url, &pg, err)) return -1;
  PQsetNoticeProcessor(pg, quiet, NULL);
  if (PQsetClientEncoding(pg, "UTF8") != 0 ||
      exec(pg, "SET search_path TO posintent", "setting the search path", err) ||
      migrate(pg, err)) {
    if (err && err->kind == PI_OK) chain_pg_fail(pg, NULL, "setting up", err);
    PQfinish(pg);
    return -1;
  }
  *out = pg;
  return 0;
}
