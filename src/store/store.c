/* SPDX-License-Identifier: MIT */
/* store.c - SQLite storage: opening (the file, its mode, the schema and its
 * migrations, this store's identity) and closing.  Looking sales up is in
 * store_find.c, recording them in store_record.c. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "store/store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/journal.h"
#include "store/store_int.h"
#include "base/money.h"


/* Forward-only migrations: migrations[i] takes user_version i to i+1. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE sales("
    " id INTEGER PRIMARY KEY,"
    " store TEXT NOT NULL, terminal TEXT NOT NULL, sale TEXT NOT NULL,"
    " cashier TEXT NOT NULL DEFAULT '',"
    " began_at TEXT NOT NULL,"
    " day TEXT NOT NULL,"
    " completed_at TEXT,"
    " currency TEXT NOT NULL,"
    " purpose TEXT NOT NULL,"
    " net INTEGER NOT NULL, tax INTEGER NOT NULL, total INTEGER NOT NULL,"
    " customer_id TEXT, customer_name TEXT,"
    " customer_org INTEGER NOT NULL DEFAULT 0,"
    " reseller_kind TEXT, reseller_id TEXT, reseller_country TEXT,"
    " reseller_valid INTEGER, reseller_reason TEXT,"
    " treatment TEXT NOT NULL,"
    " gift_receipt INTEGER NOT NULL DEFAULT 0,"
    " gift_message TEXT, recipient_name TEXT, recipient_contact TEXT,"
    " tenders TEXT, meta TEXT,"
    " reply TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK(status IN ('completed','voided')),"
    " UNIQUE(store, sale, terminal));"
    "CREATE INDEX sales_day ON sales(day);"
    "CREATE TABLE lines("
    " sale_id INTEGER NOT NULL REFERENCES sales(id),"
    " seq INTEGER NOT NULL,"
    " line TEXT NOT NULL, sku TEXT, name TEXT,"
    " qty_milli INTEGER NOT NULL, unit_price INTEGER NOT NULL,"
    " net INTEGER NOT NULL, tax INTEGER NOT NULL,"
    " purpose TEXT NOT NULL, status TEXT NOT NULL, treatment TEXT NOT NULL,"
    " gift_receipt INTEGER NOT NULL DEFAULT 0,"
    " gift_message TEXT, recipient_name TEXT, recipient_contact TEXT,"
    " PRIMARY KEY(sale_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE evidence("
    " id INTEGER PRIMARY KEY,"
    " sale_id INTEGER NOT NULL REFERENCES sales(id),"
    " kind TEXT NOT NULL, input TEXT NOT NULL, state TEXT, expires TEXT,"
    " compact TEXT NOT NULL, country TEXT NOT NULL,"
    " valid INTEGER NOT NULL, reason TEXT NOT NULL,"
    " chosen INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX evidence_sale ON evidence(sale_id);"
    "CREATE TABLE voids("
    " sale_id INTEGER PRIMARY KEY REFERENCES sales(id),"
    " at TEXT NOT NULL, reason TEXT NOT NULL);" JOURNAL_SCHEMA,
    /* 1 -> 2: for the reports (src/report/report_resellers.c, report_ecsl.c).
     * Both are partial: only sales with a reseller line and only reseller
     * lines are indexed, so the till pays for them on resale sales alone.
     * sales_resale covers what the reseller and EC Sales List reports read
     * of a sale, by business day; lines_reseller lets the reseller report
     * total each sale's resale lines without reading the lines table. */
    "CREATE INDEX sales_resale ON sales(day, reseller_kind, reseller_id,"
    " reseller_valid, reseller_reason, reseller_country, currency,"
    " customer_id, customer_name, store, status)"
    " WHERE reseller_reason IS NOT NULL;"
    "CREATE INDEX lines_reseller ON lines(sale_id, net, tax)"
    " WHERE status = 'reseller';",
    /* 2 -> 3: a resent event may name only the sale id (a restarted host
     * does not know the store); finding "the one sale with this id,
     * whatever its store" must not read the whole table. */
    "CREATE INDEX sales_sale ON sales(sale, terminal);",
    /* 3 -> 4: the journal records the closing of filed periods (period.h)
     * as entries of kind "period"; journal.h says why the table is
     * rebuilt. */
    JOURNAL_SCHEMA_V4,
    /* 4 -> 5: the host's attempt key of a sale ("attempt" of sale.begin,
     * sale.complete, sale.void), so that a resend after a restart is told apart from
     * another till's sale under the same ids.  NULL for sales recorded
     * without one, and for every sale recorded before; journal format 4
     * chains it (journal.c). */
    "ALTER TABLE sales ADD COLUMN attempt TEXT;",
    /* 5 -> 6: returns (store_record_return).  A return belongs to one
     * recorded sale (sale_id) and is identified by its id within that
     * sale's store; it copies what the reports need of the sale at the time
     * (currency, the reseller identity and verdict, the customer id) and
     * each return line copies its original line's purpose, buyer status and
     * tax treatment, never re-evaluated.  reason_text is personal data
     * (erased with the sale's, journal.h).  The journal may hold "return"
     * entries. */
    "CREATE TABLE returns("
    " id INTEGER PRIMARY KEY,"
    " sale_id INTEGER NOT NULL REFERENCES sales(id),"
    " store TEXT NOT NULL, ret TEXT NOT NULL,"
    " at TEXT NOT NULL, day TEXT NOT NULL, recorded_at TEXT NOT NULL,"
    " reason TEXT NOT NULL"
    "  CHECK(reason IN ('damaged','unwanted','wrong_item','other')),"
    " reason_text TEXT,"
    " currency TEXT NOT NULL,"
    " net INTEGER NOT NULL, tax INTEGER NOT NULL, total INTEGER NOT NULL,"
    " reseller_kind TEXT, reseller_id TEXT, reseller_country TEXT,"
    " reseller_valid INTEGER, reseller_reason TEXT, customer_id TEXT,"
    " refund TEXT NOT NULL, reply TEXT NOT NULL,"
    " UNIQUE(store, ret));"
    "CREATE INDEX returns_sale ON returns(sale_id);"
    "CREATE INDEX returns_day ON returns(day);"
    "CREATE TABLE return_lines("
    " return_id INTEGER NOT NULL REFERENCES returns(id),"
    " seq INTEGER NOT NULL,"
    " line_seq INTEGER NOT NULL,"
    " line TEXT NOT NULL,"
    " qty_milli INTEGER NOT NULL CHECK(qty_milli > 0),"
    " net INTEGER NOT NULL, tax INTEGER NOT NULL,"
    " purpose TEXT NOT NULL, status TEXT NOT NULL, treatment TEXT NOT NULL,"
    " PRIMARY KEY(return_id, seq)) WITHOUT ROWID;" JOURNAL_SCHEMA_V6,
    /* 6 -> 7: customer accounts (store/account.h).  A row is one version
     * of an account of a store, never changed once written (erasure of the
     * name excepted): an update or a closing adds the next version, so the
     * journal's "account" entries cover every state an account was in, and
     * a sale copies the latest version's evidence when it names the
     * account.  account_evidence holds a version's evidence on file (VAT,
     * EORI, US resale certificates with signed date and expiry). */
    "CREATE TABLE accounts("
    " id INTEGER PRIMARY KEY,"
    " store TEXT NOT NULL, account TEXT NOT NULL,"
    " version INTEGER NOT NULL CHECK(version >= 1),"
    " name TEXT,"
    " kind TEXT NOT NULL CHECK(kind IN ('business','person')),"
    " purpose TEXT NOT NULL CHECK(purpose IN ('','own_use','gift','resale')),"
    " status TEXT NOT NULL CHECK(status IN ('open','closed')),"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
    " UNIQUE(store, account, version));"
    "CREATE TABLE account_evidence("
    " account_id INTEGER NOT NULL REFERENCES accounts(id),"
    " seq INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK(kind IN ('vat','eori','resale_cert')),"
    " input TEXT NOT NULL, state TEXT, signed TEXT, expires TEXT,"
    " compact TEXT NOT NULL, country TEXT NOT NULL,"
    " PRIMARY KEY(account_id, seq)) WITHOUT ROWID;" JOURNAL_SCHEMA_V7,
    /* 7 -> 8: fewer pages per sale (issue 16).  lines_reseller made every
     * resale sale write about 2.2 more pages (WAL frames, then their
     * checkpoint copies) of a 14.9-page sale: an index b-tree grown at its
     * right end is rebalanced across three sibling leaves, so it touched
     * two to four pages at a time.  The reseller report totals the same
     * lines through the lines table's primary key (sale_id, seq), bounded
     * by the same sale ids: a range search, never a scan of the table
     * (EXPLAIN QUERY PLAN), at 1.4 to 1.7 times the CPU for a year's report
     * (bench_report, docs/performance.md).  sales_resale stays: without
     * it the EC Sales List's credits and corrections scan the whole sales
     * and lines tables. */
    "DROP INDEX IF EXISTS lines_reseller;",
    /* 8 -> 9: online verification of VAT numbers (store/verifications.h).
     * One row per answer (or failure to get one) from VIES or HMRC,
     * appended, never changed: the triggers refuse an UPDATE or DELETE,
     * and each row has its "verification" journal entry, so an edit made
     * with the triggers dropped still shows in `posintent verify`.  The
     * status of a number is its latest row. */
    "CREATE TABLE verifications("
    " id INTEGER PRIMARY KEY,"
    " number TEXT NOT NULL, country TEXT NOT NULL,"
    " service TEXT NOT NULL CHECK(service IN ('vies','hmrc')),"
    " requester TEXT NOT NULL,"
    " outcome TEXT NOT NULL"
    "  CHECK(outcome IN ('valid','invalid','unavailable','input_error')),"
    " code TEXT NOT NULL, detail TEXT NOT NULL,"
    " checked_at TEXT NOT NULL, request_date TEXT, consultation TEXT,"
    " retry_after TEXT, name TEXT, address TEXT);"
    "CREATE INDEX verifications_number ON verifications(number, id);"
    "CREATE TRIGGER verifications_no_update BEFORE UPDATE ON verifications"
    " BEGIN SELECT RAISE(ABORT, 'verifications are append-only'); END;"
    "CREATE TRIGGER verifications_no_delete BEFORE DELETE ON verifications"
    " BEGIN SELECT RAISE(ABORT, 'verifications are append-only'); END;"
    JOURNAL_SCHEMA_V9,
    /* 9 -> 10: the tax the host applied to each line (sale.line's
     * tax_rate_bp and tax_code, docs/events.md), for the VAT return's
     * per-rate figures (report tax-rates).  NULL for lines sent without,
     * and for every line recorded before; journal format 5 chains both
     * (journal.c).  The CHECKs repeat the event parser's limits, so a
     * row edited past them is refused by SQLite too. */
    "ALTER TABLE lines ADD COLUMN tax_rate_bp INTEGER"
    " CHECK(tax_rate_bp BETWEEN 0 AND 10000);"
    "ALTER TABLE lines ADD COLUMN tax_code TEXT"
    " CHECK(length(tax_code) BETWEEN 1 AND 16);",
    /* 10 -> 11: the store scripts' failures a sale was decided with
     * (issue 17: under fail_open a crashed rule no longer looks like a
     * rule that had nothing to say).  One row per different failure
     * (hook, location, sentence) with how often it happened; past
     * SALE_SCRIPT_ERRORS_MAX of them one last row with hook '' only
     * counts the rest.  The sentence is personal data (it may echo a name
     * a script read): chained as a salted digest, erasable (journal.c).
     * Sales recorded before have no rows: nothing was kept then. */
    "CREATE TABLE script_errors("
    " sale_id INTEGER NOT NULL REFERENCES sales(id),"
    " seq INTEGER NOT NULL,"
    " event TEXT NOT NULL, hook TEXT NOT NULL, location TEXT NOT NULL,"
    " count INTEGER NOT NULL CHECK(count >= 1),"
    " truncated INTEGER NOT NULL CHECK(truncated IN (0, 1)),"
    " message TEXT,"
    " PRIMARY KEY(sale_id, seq)) WITHOUT ROWID;",
    /* 11 -> 12: the name and address a register returned are erasable
     * (erase --account, journal_erase_verification): the update trigger
     * now lets exactly that through -- name and address set to NULL,
     * every other column as it was -- and refuses any other change.
     * From now on "verification" entries chain them as salted digests
     * (journal format 2), salts under sale id 0. */
    "DROP TRIGGER verifications_no_update;"
    "CREATE TRIGGER verifications_no_update BEFORE UPDATE ON verifications"
    " WHEN NOT (NEW.id IS OLD.id AND NEW.number IS OLD.number"
    " AND NEW.country IS OLD.country AND NEW.service IS OLD.service"
    " AND NEW.requester IS OLD.requester AND NEW.outcome IS OLD.outcome"
    " AND NEW.code IS OLD.code AND NEW.detail IS OLD.detail"
    " AND NEW.checked_at IS OLD.checked_at AND NEW.request_date IS OLD.request_date"
    " AND NEW.consultation IS OLD.consultation AND NEW.retry_after IS OLD.retry_after"
    " AND (NEW.name IS OLD.name OR NEW.name IS NULL)"
    " AND (NEW.address IS OLD.address OR NEW.address IS NULL))"
    " BEGIN SELECT RAISE(ABORT, 'verifications are append-only: only the name and"
    " address returned may be erased'); END;",
};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(NMIGRATIONS == STORE_SCHEMA_VERSION,
               "store.h STORE_SCHEMA_VERSION must count the migrations");

int store_db_fail(store *st, pi_error *err, const char *what) {
  return pi_fail(err, PI_E_STORAGE, "database", "%s: %s", what,
                 st && st->db ? sqlite3_errmsg(st->db) : "no database");
}

static int exec(store *st, const char *sql, pi_error *err) {
  char *msg = NULL;
  int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) {
    st->busy |= (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
    pi_fail(err, PI_E_STORAGE, "database", "%s", msg ? msg : sqlite3_errmsg(st->db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

/* Create the file with owner-only permissions before SQLite opens it, so
 * there is no moment where it exists world-readable.  SQLite gives the
 * -wal and -shm files the database file's mode.  A symlink the admin made
 * (/var/lib/posintent/shop.db -> /srv/tills/shop.db) is followed, as SQLite
 * follows it: a dangling one has its target created here, 0600.  (open()
 * with O_EXCL does not follow a symlink and fails with EEXIST, and SQLite
 * then created the target with its default 0644.)  An existing file is
 * left to SQLite, which says what is wrong with it, if anything.
 * `created` gets the path of the file this call created, or "" when it
 * created none, so that a start that fails can remove it. */
#define SYMLINK_HOPS 40 /* as Linux's own limit (ELOOP) */
int store_precreate(const char *path, char created[PATH_MAX], pi_error *err) {
  created[0] = '\0';
  /* Names SQLite does not take as a file: in memory, temporary. */
  if (strcmp(path, ":memory:") == 0 || path[0] == '\0') return 0;
  char cur[PATH_MAX];
  if (strlen(path) >= sizeof cur)
    return pi_fail(err, PI_E_STORAGE, "database",
                   "cannot create %s: the path is longer than %d bytes", path,
                   PATH_MAX - 1);
  strcpy(cur, path);
  for (int hops = 0;; hops++) {
    int fd = open(cur, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      /* Exactly 0600, whatever the umask took away. */
      int rc = fchmod(fd, 0600);
      int saved = errno;
      close(fd);
      if (rc != 0) {
        unlink(cur);
        return pi_fail(err, PI_E_STORAGE, "database",
                       "cannot make %s readable by its owner only: %s", cur,
                       strerror(saved));
      }
      strcpy(created, cur);
      return 0;
    }
    if (errno != EEXIST)
      return pi_fail(err, PI_E_STORAGE, "database", "cannot create %s%s%s: %s",
                     cur, hops ? ", the target of the symlink " : "",
                     hops ? path : "", strerror(errno));
    struct stat sb;
    if (lstat(cur, &sb) != 0) {
      if (errno == ENOENT && hops < SYMLINK_HOPS) continue; /* removed meanwhile */
      return pi_fail(err, PI_E_STORAGE, "database", "cannot read %s: %s", cur,
                     strerror(errno));
    }
    if (!S_ISLNK(sb.st_mode) || stat(cur, &sb) == 0) return 0; /* it exists */
    if (hops >= SYMLINK_HOPS)
      return pi_fail(err, PI_E_STORAGE, "database",
                     "cannot create %s: more than %d symlinks in a row", path,
                     SYMLINK_HOPS);
    /* A dangling symlink: go on with its target, which a relative link
     * names from the link's own folder. */
    char target[PATH_MAX];
    ssize_t n = readlink(cur, target, sizeof target);
    if (n < 0 || (size_t)n >= sizeof target)
      return pi_fail(err, PI_E_STORAGE, "database", "cannot read the symlink %s: %s",
                     cur, n < 0 ? strerror(errno) : "its target is too long");
    target[n] = '\0';
    const char *slash = strrchr(cur, '/');
    int dir = target[0] == '/' || slash == NULL ? 0 : (int)(slash - cur) + 1;
    if ((size_t)dir + (size_t)n >= sizeof cur)
      return pi_fail(err, PI_E_STORAGE, "database",
                     "cannot create %s: the symlink's target is too long", path);
    memcpy(cur + dir, target, (size_t)n + 1);
  }
}

/* Remove the database file this start created (precreate's `created`)
 * when the start failed, so that a refused start leaves nothing behind.
 * Only a file still empty and without a -wal: one that another till
 * opened meanwhile and wrote to is that till's database now.  (A till
 * that opened it and has not written yet finds it deleted and writes it
 * anew, see rebuild().) */
static void remove_created(const char *created) {
  struct stat sb;
  char wal[PATH_MAX + 8];
  if (created[0] == '\0') return;
  snprintf(wal, sizeof wal, "%s-wal", created);
  if (stat(created, &sb) == 0 && sb.st_size == 0 && lstat(wal, &sb) != 0)
    unlink(created);
}

static int read_version(store *st, int *ver, pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "reading schema version");
  int rc = sqlite3_step(q);
  *ver = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
  st->busy |= (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
  sqlite3_finalize(q);
  return *ver < 0 ? store_db_fail(st, err, "reading schema version") : 0;
}

/* A file whose schema version is 0 is a new database to posintent only
 * when it holds nothing: one with tables (or indexes, views, triggers) is
 * another application's, which a mistyped --db or config.database names;
 * given posintent's tables and switched to WAL, it would take the till's
 * sales and be damaged for its own program.  Both are read in one
 * statement, so one snapshot: a till creating the database at the same
 * moment writes its tables and version 1.. in one transaction, so it is
 * seen either empty or migrated.  Returns 0, or -1 with err (st->busy set
 * when a lock was in the way). */
static int refuse_foreign(store *st, pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db,
                         "SELECT (SELECT user_version FROM pragma_user_version),"
                         " (SELECT count(*) FROM sqlite_master)",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "reading the schema");
  int rc = sqlite3_step(q);
  int ver = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
  int objects = rc == SQLITE_ROW ? sqlite3_column_int(q, 1) : 0;
  st->busy |= (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
  sqlite3_finalize(q);
  if (rc != SQLITE_ROW) return store_db_fail(st, err, "reading the schema");
  if (ver == 0 && objects > 0)
    return pi_fail(err, PI_E_NOT_A_DATABASE, "database",
                   "%s is an SQLite database of another application, not a "
                   "posintent one (it has tables but no posintent schema "
                   "version); nothing was changed: check the path",
                   sqlite3_db_filename(st->db, "main"));
  return 0;
}

/* Bring the schema to NMIGRATIONS.  Many tills may open a new (or older)
 * database at the same moment: the version is read again inside a write
 * transaction (BEGIN IMMEDIATE, which waits within the busy timeout), so
 * that whoever comes first migrates and the others find the result.  A
 * version read outside the lock would let two of them run the same
 * migration ("table meta already exists"). */
static int migrate(store *st, pi_error *err) {
  int ver;
  if (read_version(st, &ver, err)) return -1;
  if (ver > (int)NMIGRATIONS)
    return pi_fail(err, PI_E_STORAGE, "database",
                   "the database has schema version %d; this posintent knows "
                   "up to %d: upgrade posintent",
                   ver, (int)NMIGRATIONS);
  if (ver == (int)NMIGRATIONS) return 0;
  if (st->readonly)
    return pi_fail(err, PI_E_STORAGE, "database",
                   "the database has schema version %d and needs migrating to "
                   "%d; open it once with the plugin",
                   ver, (int)NMIGRATIONS);
  if (exec(st, "BEGIN IMMEDIATE", err)) return -1;
  if (read_version(st, &ver, err)) goto fail;
  if (ver > (int)NMIGRATIONS) {
    pi_fail(err, PI_E_STORAGE, "database",
            "the database was migrated meanwhile to schema version %d; this "
            "posintent knows up to %d: upgrade posintent",
            ver, (int)NMIGRATIONS);
    goto fail;
  }
  /* Under the write lock, again: nothing may have been put in the file
   * since setup() looked. */
  if (ver == 0 && refuse_foreign(st, err)) goto fail;
  for (int v = ver; v < (int)NMIGRATIONS; v++) {
    char sql[64];
    if (exec(st, migrations[v], err)) goto fail;
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", v + 1);
    if (exec(st, sql, err)) goto fail;
  }
  return exec(st, "COMMIT", err);
fail:
  sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

static int put_meta(store *st, const char *key, const char *value, pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db,
                         "INSERT INTO meta(key,value) VALUES(?1,?2) "
                         "ON CONFLICT(key) DO UPDATE SET value=excluded.value "
                         "WHERE value IS NOT excluded.value",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "preparing meta");
  sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? 0 : store_db_fail(st, err, "writing meta");
}

/* *other = 1 when meta names a store and it is not store_id. */
static int meta_names_other_store(store *st, const char *store_id, int *other,
                                  pi_error *err) {
  sqlite3_stmt *q;
  *other = 0;
  if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'store_id'", -1, &q,
                         NULL) != SQLITE_OK)
    return store_db_fail(st, err, "reading meta");
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    const unsigned char *v = sqlite3_column_text(q, 0);
    *other = v && v[0] && strcmp((const char *)v, store_id) != 0;
  }
  sqlite3_finalize(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_fail(st, err, "reading meta");
}

static int prepare(store *st, sqlite3_stmt **q, const char *sql, pi_error *err) {
  if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) !=
      SQLITE_OK)
    return store_db_fail(st, err, "preparing a statement");
  return 0;
}


static int prepare_all(store *st, pi_error *err) {
  if (prepare(st, &st->begin, "BEGIN IMMEDIATE", err) ||
      prepare(st, &st->commit, "COMMIT", err) ||
      prepare(st, &st->rollback, "ROLLBACK", err) ||
      prepare(st, &st->find_store, FIND_COLS "WHERE store=?1 AND sale=?2 AND "
              "(?3 IS NULL OR terminal=?3) ORDER BY id LIMIT " FIND_LIMIT_SQL,
              err) ||
      prepare(st, &st->find_any, FIND_COLS "WHERE sale=?2 AND "
              "(?3 IS NULL OR terminal=?3) ORDER BY id LIMIT " FIND_LIMIT_SQL,
              err))
    return -1;
  if (st->readonly) return 0;
  return prepare(st, &st->ins_sale,
                 "INSERT INTO sales(store,terminal,sale,cashier,began_at,day,"
                 "completed_at,currency,purpose,net,tax,total,customer_id,"
                 "customer_name,customer_org,reseller_kind,reseller_id,"
                 "reseller_country,reseller_valid,reseller_reason,treatment,"
                 "gift_receipt,gift_message,recipient_name,recipient_contact,"
                 "tenders,meta,reply,status,attempt) VALUES(?1,?2,?3,?4,?5,?6,"
                 "?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
                 "?23,?24,?25,?26,?27,?28,?29,?30)",
                 err) ||
         prepare(st, &st->ins_line,
                 "INSERT INTO lines(sale_id,seq,line,sku,name,qty_milli,"
                 "unit_price,net,tax,purpose,status,treatment,gift_receipt,"
                 "gift_message,recipient_name,recipient_contact,tax_rate_bp,"
                 "tax_code) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
                 "?14,?15,?16,?17,?18)",
                 err) ||
         prepare(st, &st->ins_ev,
                 "INSERT INTO evidence(sale_id,kind,input,state,expires,"
                 "compact,country,valid,reason,chosen) VALUES(?1,?2,?3,?4,?5,"
                 "?6,?7,?8,?9,?10)",
                 err) ||
         prepare(st, &st->ins_void,
                 "INSERT INTO voids(sale_id,at,reason) VALUES(?1,?2,?3)", err) ||
         prepare(st, &st->ins_script_error,
                 "INSERT INTO script_errors(sale_id,seq,event,hook,location,count,"
                 "truncated,message) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
                 err);
}

/* The admin CLI's ways in (STORE_READONLY, STORE_EXISTING) never create
 * anything: a mistyped path must not become a new, empty database that a
 * report then describes as a quiet day, or that `erase` "erases" in. */
static int must_exist(const char *path, pi_error *err) {
  struct stat sb;
  if (path[0] == '\0' || strcmp(path, ":memory:") == 0)
    return pi_fail(err, PI_E_NOT_A_DATABASE, "database",
                   "\"%s\" names no database file; give the path of the till's "
                   "database",
                   path);
  if (stat(path, &sb) != 0)
    return pi_fail(err, PI_E_NOT_A_DATABASE, "database",
                   "there is no database at %s (%s); nothing was created: check "
                   "the path",
                   path, strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return pi_fail(err, PI_E_NOT_A_DATABASE, "database",
                   "%s is not a file, so not a posintent database", path);
  if (sb.st_size == 0)
    return pi_fail(err, PI_E_NOT_A_DATABASE, "database",
                   "%s is empty: not a posintent database", path);
  return 0;
}

/* `path` as an SQLite URI with `query` ("mode=ro"), or NULL when out of
 * memory (sqlite3_free it).  '%', '?' and '#' are escaped; an absolute path
 * gets an empty authority so that "//x" stays a path. */
static char *file_uri(const char *path, const char *query) {
  size_t n = strlen(path);
  char *uri = sqlite3_malloc64(3 * (sqlite3_uint64)n + strlen(query) + 16);
  if (uri == NULL) return NULL;
  size_t o = (size_t)sprintf(uri, "file:%s", path[0] == '/' ? "//" : "");
  for (const char *p = path; *p; p++) {
    if (*p == '%' || *p == '?' || *p == '#')
      o += (size_t)sprintf(uri + o, "%%%02X", (unsigned char)*p);
    else
      uri[o++] = *p;
  }
  sprintf(uri + o, "?%s", query);
  return uri;
}

/* Read the schema version; returns SQLite's result code (SQLITE_OK). */
static int probe_version(sqlite3 *db, int *ver) {
  sqlite3_stmt *q;
  *ver = -1;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) *ver = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Open the existing file at `path` for the CLI and check that it is a
 * posintent database before anything is written to or beside it.
 *
 * Read-only (reports, verify) works on an accountant's copy that cannot be
 * written, by another user, in a folder that cannot be written: the
 * database is in WAL mode, and SQLite then needs a -shm file beside it,
 * which it cannot create there ("attempt to write a readonly database").
 * When there is no -wal file, the database file alone holds every
 * committed sale (the last connection to close checkpoints and deletes the
 * -wal), so it is opened "immutable" (no -shm, no locks).  That is only
 * right for a file nobody writes: it is taken only when SQLite could not
 * set up its shared memory, and only without a -wal, which a till writing
 * the database always has.  A -wal file, even an empty one, means a till
 * may be writing, or holds sales the file does not: the copy is refused
 * with what to do. */
static int open_existing(store *st, const char *path, pi_error *err) {
  if (must_exist(path, err)) return -1;
  char *uri = file_uri(path, st->readonly ? "mode=ro" : "mode=rw");
  if (uri == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  int flags = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX |
              (st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
  int rc = sqlite3_open_v2(uri, &st->db, flags, NULL), ver = -1;
  sqlite3_free(uri);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(st->db, 2000);
    rc = probe_version(st->db, &ver);
  }
  if (st->readonly && (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN ||
                       (rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)) {
    /* SQLite follows a symlink to the database and keeps the -wal beside
     * the target: look there, not beside the link (a copy read through a
     * link lost the sales still in its -wal, and verify passed). */
    char real[PATH_MAX], wal[PATH_MAX + 8];
    struct stat sb;
    if (realpath(path, real) == NULL)
      return pi_fail(err, PI_E_STORAGE, "database", "cannot resolve %s: %s", path,
                     strerror(errno));
    snprintf(wal, sizeof wal, "%s-wal", real);
    if (stat(wal, &sb) == 0)
      return pi_fail(err, PI_E_STORAGE, "database",
                     "%s cannot be read here: it has a -wal file (a till may be "
                     "writing it, or the -wal holds sales not yet in the database "
                     "file), and SQLite needs to write a -shm file beside it to "
                     "read it, which is not allowed here; copy the database with "
                     "its -wal file into a folder you can write, or make the copy "
                     "with `sqlite3 %s \".backup COPY\"`",
                     path, path);
    sqlite3_close(st->db);
    st->db = NULL;
    uri = file_uri(real, "mode=ro&immutable=1");
    if (uri == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
    rc = sqlite3_open_v2(uri, &st->db, flags, NULL);
    sqlite3_free(uri);
    if (rc == SQLITE_OK) rc = probe_version(st->db, &ver);
  }
  if ((rc & 0xff) == SQLITE_NOTADB)
    return pi_fail(err, PI_E_NOT_A_DATABASE, "database",
                   "%s is not a posintent database (not an SQLite file)", path);
  /* A command that writes (erase, period close) on an accountant's
   * read-only copy: SQLite says "attempt to write a readonly database",
   * which does not say what to do. */
  if (!st->readonly && ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN ||
                        (rc & 0xff) == SQLITE_PERM))
    return pi_fail(err, PI_E_STORAGE, "database",
                   "%s can only be read here (a read-only copy, or a folder you cannot "
                   "write), and this command records into the database: run it on the "
                   "till's database, as a user who may write it",
                   path);
  if (rc != SQLITE_OK)
    return pi_fail(err, PI_E_STORAGE, "database", "cannot open %s: %s", path,
                   st->db ? sqlite3_errmsg(st->db) : "out of memory");
  sqlite3_extended_result_codes(st->db, 1);
  /* A posintent database: a schema version, and the tables every version
   * has. */
  sqlite3_stmt *q;
  int tables = 0;
  if (sqlite3_prepare_v2(st->db,
                         "SELECT count(*) FROM sqlite_master WHERE type='table' AND"
                         " name IN ('meta','sales','lines','journal','salts')",
                         -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "reading the schema");
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) tables = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  if (step != SQLITE_ROW) return store_db_fail(st, err, "reading the schema");
  if (ver < 1 || tables != 5)
    return pi_fail(err, PI_E_NOT_A_DATABASE, "database",
                   "%s is an SQLite database but not a posintent one (it lacks "
                   "posintent's tables)",
                   path);
  return 0;
}

/* The database's mode, its schema (migrate) and this store's identity in
 * meta.  Fails with st->busy set when another connection's lock was in
 * the way and the whole step may be tried again. */
static int setup(store *st, const plugin_config *cfg, pi_error *err) {
  if (st->readonly) return exec(st, "PRAGMA query_only=ON", err) || migrate(st, err);
  const char *sync = cfg && cfg->durability == DURABILITY_NORMAL
                         ? "PRAGMA synchronous=NORMAL"
                     : cfg && cfg->durability == DURABILITY_NONE
                         ? "PRAGMA synchronous=OFF"
                         : "PRAGMA synchronous=FULL";
  /* journal_mode answers the mode in force: SQLite keeps the old one,
   * without an error, when it cannot switch (another process holds the
   * file).  An in-memory database (durability "none") answers "memory". */
  /* Before anything is changed (the switch to WAL is permanent). */
  if (refuse_foreign(st, err)) return -1;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "setting WAL mode");
  int rc = sqlite3_step(q);
  const char *jm = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
  int wal = jm && (strcmp(jm, "wal") == 0 ||
                   (strcmp(jm, "memory") == 0 && cfg && cfg->durability == DURABILITY_NONE));
  st->busy |= (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED || (jm && !wal);
  if (!wal) pi_fail(err, PI_E_STORAGE, "database",
                    "could not switch the database to WAL mode (%s)",
                    jm ? jm : sqlite3_errmsg(st->db));
  sqlite3_finalize(q);
  if (!wal || exec(st, sync, err) || exec(st, "PRAGMA foreign_keys=ON", err) ||
      migrate(st, err))
    return -1;
  if (cfg == NULL) return 0;
  if (exec(st, "BEGIN IMMEDIATE", err)) return -1;
  /* The database's identity (what reports file under) is its own store's:
   * written when the database is new, and brought up to date by a till of
   * that store (its manifest is the newer truth: a new VAT number, a new
   * contact).  A till of another store may record its sales here too, but
   * never makes the database another store's: one ping from a till with
   * another manifest used to file every sale under that store. */
  int other = 0;
  if (meta_names_other_store(st, cfg->store_id, &other, err)) {
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
  }
  if (other) return exec(st, "COMMIT", err);
  if (put_meta(st, "store_id", cfg->store_id, err) ||
      put_meta(st, "store_country", cfg->store_country, err) ||
      put_meta(st, "store_vat", cfg->store_vat, err) ||
      put_meta(st, "branch", cfg->branch, err) ||
      put_meta(st, "contact_name", cfg->contact_name, err) ||
      put_meta(st, "currency", cfg->currency, err) || exec(st, "COMMIT", err)) {
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
  }
  return 0;
}

int store_open(const char *path, int mode, const plugin_config *cfg,
               store **out, pi_error *err) {
  *out = NULL;
  store *st = calloc(1, sizeof *st);
  if (st == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  assert(mode == STORE_READWRITE || mode == STORE_READONLY || mode == STORE_EXISTING);
  st->readonly = mode == STORE_READONLY;
  st->cfg = cfg;
  char created[PATH_MAX] = "";
  if (mode != STORE_READWRITE) {
    if (open_existing(st, path, err)) goto fail;
  } else {
    /* A "file:" name is an SQLite URI (Debian's SQLite takes one without
     * SQLITE_OPEN_URI), whose options could open the till's database
     * without locks (nolock=1), as unchanging (immutable=1), read-only
     * or through another VFS, and whose file precreate cannot make
     * owner-only. */
    if (strncmp(path, "file:", 5) == 0) {
      pi_fail(err, PI_E_CONFIG, "config.database",
              "\"%s\" is an SQLite URI, which the till does not take: give the "
              "database as a file path (a file whose name begins with \"file:\" "
              "as \"./%s\")",
              path, path);
      goto fail;
    }
    if (store_precreate(path, created, err)) goto fail;
    if (sqlite3_open_v2(path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
      pi_fail(err, PI_E_STORAGE, "database", "cannot open %s: %s", path,
              st->db ? sqlite3_errmsg(st->db) : "out of memory");
      goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
  }
  /* SQLite quietly opens a write-protected file read-only; the till must
   * know now, not at the first sale. */
  if (!st->readonly && sqlite3_db_readonly(st->db, "main") == 1) {
    pi_fail(err, PI_E_STORAGE, "database",
            "the database %s can only be read (file permissions or a read-only "
            "file system); %s needs to write to it",
            path, mode == STORE_EXISTING ? "this command" : "the till");
    goto fail;
  }
  /* A reply that says "recorded" must survive the process: an in-memory
   * or temporary database (":memory:", "") has no file name, and is
   * refused unless the manifest chose the mode meant for tests. */
  const char *file = sqlite3_db_filename(st->db, "main");
  if (!st->readonly && (cfg == NULL || cfg->durability != DURABILITY_NONE) &&
      (file == NULL || file[0] == '\0')) {
    pi_fail(err, PI_E_CONFIG, "config.database",
            "the database \"%s\" lives only in memory or in a temporary file, so "
            "recorded sales would not be durable: give a file path, or set "
            "config.durability to \"none\" (for tests only)",
            path);
    goto fail;
  }
  int timeout = cfg ? (int)cfg->busy_timeout_ms : 2000;
  sqlite3_busy_timeout(st->db, timeout);
  /* Most waits for another till happen inside SQLite's busy handler, but
   * some steps of opening a database that other processes are creating
   * or converting to WAL at the same moment fail at once with "database
   * is locked" (SQLite does not wait where waiting could deadlock).  Those
   * steps are retried here, within the same busy timeout. */
  for (int waited = 0;; waited += 10) {
    st->busy = 0;
    if (setup(st, cfg, err) == 0) break;
    if (!st->busy || waited >= timeout) goto fail;
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  if (prepare_all(st, err) || journal_open(st->db, &st->jr, err)) goto fail;
  *out = st;
  return 0;
fail:
  store_close(st);
  remove_created(created);
  return -1;
}

void store_close(store *st) {
  if (st == NULL) return;
  journal_close(st->jr);
  sqlite3_finalize(st->begin);
  sqlite3_finalize(st->commit);
  sqlite3_finalize(st->rollback);
  sqlite3_finalize(st->find_store);
  sqlite3_finalize(st->find_any);
  sqlite3_finalize(st->ins_sale);
  sqlite3_finalize(st->ins_line);
  sqlite3_finalize(st->ins_ev);
  sqlite3_finalize(st->ins_void);
  sqlite3_finalize(st->ins_script_error);
  sqlite3_close(st->db);
  free(st);
}

sqlite3 *store_db(store *st) { return st->db; }

journal *store_journal(store *st) { return st->jr; }

int store_verify(store *st, journal_report *rep, pi_error *err) {
  /* One read transaction: a consistent snapshot while the till writes. */
  if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "starting to read");
  int rc = journal_verify(st->jr, rep, err);
  sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
  return rc;
}
