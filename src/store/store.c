/* SPDX-License-Identifier: MIT */
/* store.c - SQLite storage: schema, migrations, one transaction per sale. */
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
#include "base/money.h"

struct store {
  sqlite3 *db;
  int readonly;
  int busy; /* the last setup step failed on another connection's lock */
  const plugin_config *cfg; /* borrowed from the caller; may be NULL */
  /* Prepared once: the till records every sale through these. */
  sqlite3_stmt *find_store, *find_any, *ins_sale, *ins_line, *ins_ev, *ins_void;
  sqlite3_stmt *begin, *commit, *rollback;
  journal *jr;
};

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
};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(NMIGRATIONS == STORE_SCHEMA_VERSION,
               "store.h STORE_SCHEMA_VERSION must count the migrations");

static int db_fail(store *st, pi_error *err, const char *what) {
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
static int precreate(const char *path, char created[PATH_MAX], pi_error *err) {
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
    return db_fail(st, err, "reading schema version");
  int rc = sqlite3_step(q);
  *ver = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
  st->busy |= (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
  sqlite3_finalize(q);
  return *ver < 0 ? db_fail(st, err, "reading schema version") : 0;
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
    return db_fail(st, err, "reading the schema");
  int rc = sqlite3_step(q);
  int ver = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
  int objects = rc == SQLITE_ROW ? sqlite3_column_int(q, 1) : 0;
  st->busy |= (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
  sqlite3_finalize(q);
  if (rc != SQLITE_ROW) return db_fail(st, err, "reading the schema");
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
    return db_fail(st, err, "preparing meta");
  sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? 0 : db_fail(st, err, "writing meta");
}

/* *other = 1 when meta names a store and it is not store_id. */
static int meta_names_other_store(store *st, const char *store_id, int *other,
                                  pi_error *err) {
  sqlite3_stmt *q;
  *other = 0;
  if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'store_id'", -1, &q,
                         NULL) != SQLITE_OK)
    return db_fail(st, err, "reading meta");
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    const unsigned char *v = sqlite3_column_text(q, 0);
    *other = v && v[0] && strcmp((const char *)v, store_id) != 0;
  }
  sqlite3_finalize(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(st, err, "reading meta");
}

static int prepare(store *st, sqlite3_stmt **q, const char *sql, pi_error *err) {
  if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) !=
      SQLITE_OK)
    return db_fail(st, err, "preparing a statement");
  return 0;
}

/* What store_find reads of a sale.  At most FIND_LIMIT rows are read: one
 * is the answer, more are listed in the "ambiguous" sentence. */
#define FIND_COLS                                                              \
  "SELECT id, store, terminal, sale, currency, completed_at, total, status,"   \
  " EXISTS(SELECT 1 FROM voids v WHERE v.sale_id=s.id), tenders, reply"        \
  " FROM sales s "
#define FIND_LIMIT 4
#define FIND_LIMIT_SQL "4"

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
                 "tenders,meta,reply,status) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,"
                 "?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,"
                 "?24,?25,?26,?27,?28,?29)",
                 err) ||
         prepare(st, &st->ins_line,
                 "INSERT INTO lines(sale_id,seq,line,sku,name,qty_milli,"
                 "unit_price,net,tax,purpose,status,treatment,gift_receipt,"
                 "gift_message,recipient_name,recipient_contact) VALUES(?1,?2,"
                 "?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
                 err) ||
         prepare(st, &st->ins_ev,
                 "INSERT INTO evidence(sale_id,kind,input,state,expires,"
                 "compact,country,valid,reason,chosen) VALUES(?1,?2,?3,?4,?5,"
                 "?6,?7,?8,?9,?10)",
                 err) ||
         prepare(st, &st->ins_void,
                 "INSERT INTO voids(sale_id,at,reason) VALUES(?1,?2,?3)", err);
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
    return db_fail(st, err, "reading the schema");
  if (sqlite3_step(q) == SQLITE_ROW) tables = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
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
    return db_fail(st, err, "setting WAL mode");
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
    if (precreate(path, created, err)) goto fail;
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
  sqlite3_close(st->db);
  free(st);
}

sqlite3 *store_db(store *st) { return st->db; }

journal *store_journal(store *st) { return st->jr; }

int store_verify(store *st, journal_report *rep, pi_error *err) {
  /* One read transaction: a consistent snapshot while the till writes. */
  if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return db_fail(st, err, "starting to read");
  int rc = journal_verify(st->jr, rep, err);
  sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
  return rc;
}

void store_sale_free(store_sale *r) {
  if (r == NULL) return;
  free(r->tenders);
  free(r->reply);
  r->tenders = r->reply = NULL;
}

/* Copy a text column, NULL staying NULL; -1 when out of memory. */
static int dup_col(sqlite3_stmt *q, int i, char **out) {
  const char *t = (const char *)sqlite3_column_text(q, i);
  *out = t ? strdup(t) : NULL;
  return t && *out == NULL ? -1 : 0;
}

static void read_found(sqlite3_stmt *q, store_sale *r) {
  r->rowid = sqlite3_column_int64(q, 0);
  snprintf(r->store, sizeof r->store, "%s", (const char *)sqlite3_column_text(q, 1));
  snprintf(r->terminal, sizeof r->terminal, "%s", (const char *)sqlite3_column_text(q, 2));
  snprintf(r->sale, sizeof r->sale, "%s", (const char *)sqlite3_column_text(q, 3));
  snprintf(r->currency, sizeof r->currency, "%s", (const char *)sqlite3_column_text(q, 4));
  const char *at = (const char *)sqlite3_column_text(q, 5);
  snprintf(r->completed_at, sizeof r->completed_at, "%s", at ? at : "");
  r->total = sqlite3_column_int64(q, 6);
  r->completed = strcmp((const char *)sqlite3_column_text(q, 7), "completed") == 0;
  r->voided = !r->completed || sqlite3_column_int(q, 8) != 0;
}

void store_sale_describe(const store_sale *r, char *buf, size_t cap) {
  char amount[48];
  int exp = money_exponent(r->currency);
  if (money_format(r->total, exp < 0 ? 0 : exp, amount, sizeof amount) < 0)
    snprintf(amount, sizeof amount, "%lld", (long long)r->total);
  if (r->completed)
    snprintf(buf, cap, "store %s, terminal %s: completed at %s, total %s %s%s", r->store,
             r->terminal, r->completed_at, amount, r->currency,
             r->voided ? ", voided since" : "");
  else
    snprintf(buf, cap, "store %s, terminal %s: voided before completion", r->store,
             r->terminal);
}

int store_find(store *st, const char *store_id, const char *terminal,
               const char *sale_id, store_sale *out, pi_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *q = store_id ? st->find_store : st->find_any;
  if (store_id) sqlite3_bind_text(q, 1, store_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, sale_id, -1, SQLITE_STATIC);
  if (terminal) sqlite3_bind_text(q, 3, terminal, -1, SQLITE_STATIC);
  int rc, n = 0, stores_differ = 0;
  char where[FIND_LIMIT][2 * SALE_ID_MAX + 32];
  store_sale first;
  memset(&first, 0, sizeof first);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    store_sale r;
    read_found(q, &r);
    if (n == 0) {
      first = r;
      if (dup_col(q, 9, &first.tenders) || dup_col(q, 10, &first.reply)) {
        rc = SQLITE_NOMEM;
        n++;
        break;
      }
    } else {
      stores_differ |= strcmp(r.store, first.store) != 0;
    }
    snprintf(where[n], sizeof where[n], "store %s, terminal %s", r.store, r.terminal);
    n++;
  }
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
  if (rc == SQLITE_NOMEM) {
    store_sale_free(&first);
    return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  }
  if (rc != SQLITE_DONE) {
    store_sale_free(&first);
    return db_fail(st, err, "looking up the sale");
  }
  if (n == 0) return 0;
  if (n > 1) {
    store_sale_free(&first);
    char list[FIND_LIMIT * (2 * SALE_ID_MAX + 34)] = "";
    size_t used = 0;
    for (int i = 0; i < n && i < FIND_LIMIT - 1; i++)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? "; " : "",
                               where[i]);
    return pi_fail(err, PI_E_AMBIGUOUS_SALE, stores_differ ? "store" : "terminal",
                   "sale %s is recorded %s times (%s%s); name the %s in the event",
                   sale_id, n >= FIND_LIMIT ? "several" : n == 2 ? "two" : "three",
                   list, n >= FIND_LIMIT ? "; ..." : "",
                   stores_differ ? "store and terminal" : "terminal");
  }
  *out = first;
  return 1;
}

/* Bind a string, NULL when empty. */
static void bind_opt(sqlite3_stmt *q, int i, const char *s) {
  if (s && *s)
    sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(q, i);
}

static int step_done(store *st, sqlite3_stmt *q, pi_error *err, const char *what) {
  int rc = sqlite3_step(q);
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
  if (rc == SQLITE_DONE) return 0;
  return db_fail(st, err, what);
}

/* The sale's day: the date part of its RFC 3339 timestamp, as the till
 * saw it (local business day, not UTC). */
static void day_of(const char *at, char day[11]) {
  memcpy(day, at, 10);
  day[10] = '\0';
}

static int insert_sale_row(store *st, const sale *s, const decision *d,
                           purpose dflt, int64_t total, const char *tenders,
                           const char *meta, const char *completed_at,
                           const char *reply, const char *status,
                           sqlite3_int64 *rowid, pi_error *err) {
  sqlite3_stmt *q = st->ins_sale;
  int64_t net, tax;
  sale_totals(s, &net, &tax);
  char day[11];
  day_of(s->at, day);
  purpose sp = s->purpose != PURPOSE_NONE ? s->purpose : dflt;
  const evidence *ev = sale_best_evidence(s);
  sqlite3_bind_text(q, 1, s->store, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, s->terminal, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, s->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 4, s->cashier, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 5, s->at, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 6, day, -1, SQLITE_TRANSIENT);
  bind_opt(q, 7, completed_at);
  sqlite3_bind_text(q, 8, s->currency, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 9, sp == PURPOSE_NONE ? "none" : purpose_name(sp), -1,
                    SQLITE_STATIC);
  sqlite3_bind_int64(q, 10, net);
  sqlite3_bind_int64(q, 11, tax);
  sqlite3_bind_int64(q, 12, total);
  if (s->customer.present) {
    bind_opt(q, 13, s->customer.id);
    bind_opt(q, 14, s->customer.name);
    sqlite3_bind_int(q, 15, s->customer.org);
  } else {
    sqlite3_bind_null(q, 13);
    sqlite3_bind_null(q, 14);
    sqlite3_bind_int(q, 15, 0);
  }
  /* The reseller identity is the best evidence, recorded only when some
   * line of the sale was sold for resale. */
  int resale = d && d->resale_lines > 0;
  if (resale && ev) {
    sqlite3_bind_text(q, 16, taxid_kind_name(ev->kind), -1, SQLITE_STATIC);
    bind_opt(q, 17, ev->verdict.compact[0] ? ev->verdict.compact : ev->input);
    bind_opt(q, 18, ev->verdict.country);
    sqlite3_bind_int(q, 19, ev->verdict.valid);
    sqlite3_bind_text(q, 20, taxid_reason_code(ev->verdict.reason), -1,
                      SQLITE_STATIC);
  } else if (resale) {
    sqlite3_bind_null(q, 16);
    sqlite3_bind_null(q, 17);
    sqlite3_bind_null(q, 18);
    sqlite3_bind_int(q, 19, 0);
    sqlite3_bind_text(q, 20, "missing", -1, SQLITE_STATIC);
  } else {
    for (int i = 16; i <= 20; i++) sqlite3_bind_null(q, i);
  }
  sqlite3_bind_text(q, 21,
                    treatment_name(resale && d ? d->treatment : TREAT_STANDARD),
                    -1, SQLITE_STATIC);
  sqlite3_bind_int(q, 22, s->gift.gift_receipt > 0);
  bind_opt(q, 23, s->gift.message);
  bind_opt(q, 24, s->gift.recipient_name);
  bind_opt(q, 25, s->gift.recipient_contact);
  bind_opt(q, 26, tenders);
  bind_opt(q, 27, meta);
  sqlite3_bind_text(q, 28, reply, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 29, status, -1, SQLITE_STATIC);
  if (step_done(st, q, err, "recording the sale")) return -1;
  *rowid = sqlite3_last_insert_rowid(st->db);
  return 0;
}

static int insert_lines(store *st, const sale *s, const decision *d,
                        purpose dflt, sqlite3_int64 rowid, pi_error *err) {
  sqlite3_stmt *q = st->ins_line;
  for (size_t i = 0; i < s->nlines; i++) {
    const sale_line *l = &s->lines[i];
    purpose p = sale_line_purpose(s, l, dflt);
    buyer_status bs = sale_line_status(s, l, dflt);
    const gift_info *g = sale_line_gift(s, l);
    tax_treatment tt = d ? decision_line_treatment(d, bs) : TREAT_STANDARD;
    sqlite3_bind_int64(q, 1, rowid);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)i + 1);
    sqlite3_bind_text(q, 3, l->line, -1, SQLITE_STATIC);
    bind_opt(q, 4, l->sku);
    bind_opt(q, 5, l->name);
    sqlite3_bind_int64(q, 6, l->qty_milli);
    sqlite3_bind_int64(q, 7, l->unit_price);
    sqlite3_bind_int64(q, 8, l->net);
    sqlite3_bind_int64(q, 9, l->tax);
    sqlite3_bind_text(q, 10, p == PURPOSE_NONE ? "none" : purpose_name(p), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(q, 11, bs == STATUS_NONE ? "none" : status_name(bs), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(q, 12, treatment_name(tt), -1, SQLITE_STATIC);
    int gift = p == PURPOSE_GIFT && g;
    sqlite3_bind_int(q, 13, gift && g->gift_receipt > 0);
    bind_opt(q, 14, gift ? g->message : NULL);
    bind_opt(q, 15, gift ? g->recipient_name : NULL);
    bind_opt(q, 16, gift ? g->recipient_contact : NULL);
    if (step_done(st, q, err, "recording a line")) return -1;
  }
  return 0;
}

static int insert_evidence(store *st, const sale *s, sqlite3_int64 rowid,
                           pi_error *err) {
  if (!s->customer.present) return 0;
  const evidence *best = sale_best_evidence(s);
  sqlite3_stmt *q = st->ins_ev;
  for (size_t i = 0; i < s->customer.nev; i++) {
    const evidence *e = &s->customer.ev[i];
    sqlite3_bind_int64(q, 1, rowid);
    sqlite3_bind_text(q, 2, taxid_kind_name(e->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, e->input, -1, SQLITE_STATIC);
    bind_opt(q, 4, e->state);
    bind_opt(q, 5, e->expires);
    sqlite3_bind_text(q, 6, e->verdict.compact, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, e->verdict.country, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 8, e->verdict.valid);
    sqlite3_bind_text(q, 9, taxid_reason_code(e->verdict.reason), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int(q, 10, e == best);
    if (step_done(st, q, err, "recording evidence")) return -1;
  }
  return 0;
}

/* Is the database file still the one we opened?  When it was deleted (or
 * replaced) while open, SQLite would go on writing into the unlinked file
 * and every "recorded" reply would be a lie: the data vanishes when the
 * connection closes.  So each write first asks the VFS (one stat()); the
 * sale in hand is refused and stays open until the file is back. */
/* The database file was deleted while open (a cleanup script, a careless
 * rm): SQLite would go on writing into the unlinked file, and every sale
 * "recorded" there would vanish when the plugin closes.  Instead the file
 * is written anew from the open connection (VACUUM INTO copies every
 * committed row, the WAL's included), owner-only as before, and the store
 * reopens on it: nothing recorded before or after is lost.  A file put in
 * its place by someone else is not overwritten: that is refused. */
static int rebuild(store *st, pi_error *err) {
  char path[MANIFEST_PATH_MAX];
  snprintf(path, sizeof path, "%s", sqlite3_db_filename(st->db, "main"));
  if (access(path, F_OK) == 0)
    return pi_fail(err, PI_E_STORAGE, "database",
                   "the database file %s was replaced by another file while open; "
                   "nothing was recorded: put the original back, or restart the "
                   "plugin to use the file now there",
                   path);
  sqlite3_stmt *q;
  char created[PATH_MAX];
  if (precreate(path, created, err)) return -1;
  if (sqlite3_prepare_v2(st->db, "VACUUM INTO ?1", -1, &q, NULL) != SQLITE_OK) {
    unlink(path);
    return db_fail(st, err, "rebuilding the deleted database file");
  }
  sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) {
    pi_fail(err, PI_E_STORAGE, "database",
            "the database file %s was deleted while open and could not be written "
            "anew (%s); nothing was recorded",
            path, sqlite3_errmsg(st->db));
    unlink(path);
    return -1;
  }
  store *fresh;
  if (store_open(path, STORE_READWRITE, st->cfg, &fresh, err)) return -1;
  /* Swap: the caller's handle now points at the new file.  The old
   * connection must not checkpoint or delete "its" -wal and -shm on close:
   * those names are the new file's now. */
  store old = *st;
  *st = *fresh;
  *fresh = old;
  int persist = 1;
  sqlite3_file_control(fresh->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  sqlite3_db_config(fresh->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
  store_close(fresh);
  return 0;
}

static int check_file(store *st, pi_error *err) {
  int moved = 0;
  if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) !=
      SQLITE_OK)
    return 0; /* an in-memory database, or a VFS that cannot tell */
  return moved ? rebuild(st, err) : 0;
}

/* Transactions for recording: prepared once, since every sale runs them.
 * finish() commits when ok == 0 and rolls back otherwise, so that nothing
 * is half-recorded. */
static int begin(store *st, pi_error *err) {
  return step_done(st, st->begin, err, "starting a transaction");
}

static int finish(store *st, int ok, pi_error *err) {
  if (ok == 0 && step_done(st, st->commit, err, "committing") == 0) return 0;
  if (!sqlite3_get_autocommit(st->db)) {
    sqlite3_step(st->rollback);
    sqlite3_reset(st->rollback);
  }
  return -1;
}

int store_record_sale(store *st, const sale *s, const decision *d,
                      purpose dflt, int64_t total, const char *tenders_json,
                      const char *meta_json, const char *completed_at,
                      const char *reply, pi_error *err) {
  if (st->readonly)
    return pi_fail(err, PI_E_STORAGE, "database", "the database is read-only");
  if (check_file(st, err) || begin(st, err)) return -1;
  /* Inside the write transaction: another till (process) may have
   * recorded the same store, terminal and sale id since this one began. */
  store_sale found;
  int rc = store_find(st, s->store, s->terminal, s->id, &found, err);
  store_sale_free(&found);
  if (rc != 0) {
    finish(st, -1, err);
    return rc; /* 1: already recorded; -1: error */
  }
  sqlite3_int64 rowid = 0;
  rc = insert_sale_row(st, s, d, dflt, total, tenders_json, meta_json, completed_at,
                       reply, "completed", &rowid, err);
  if (rc == 0) rc = insert_lines(st, s, d, dflt, rowid, err);
  if (rc == 0) rc = insert_evidence(st, s, rowid, err);
  if (rc == 0) rc = journal_append_sale(st->jr, rowid, completed_at, err);
  return finish(st, rc, err);
}

int store_record_void(store *st, const sale *open_sale, purpose dflt,
                      const char *store_id,
                      const char *terminal, const char *sale_id,
                      const char *reason, const char *at, const char *reply,
                      pi_error *err) {
  if (st->readonly)
    return pi_fail(err, PI_E_STORAGE, "database", "the database is read-only");
  if (check_file(st, err) || begin(st, err)) return -1;
  sqlite3_int64 rowid = 0;
  store_sale found;
  int rc;
  if (open_sale) {
    /* Another till may have recorded this store, terminal and sale id. */
    rc = store_find(st, open_sale->store, open_sale->terminal, open_sale->id, &found,
                    err);
    if (rc == 1) {
      char what[256];
      store_sale_describe(&found, what, sizeof what);
      rc = pi_fail(err, PI_E_CONFLICT, "sale",
                   "sale %s is already recorded by another till (%s); this till's "
                   "sale was not recorded",
                   open_sale->id, what);
    }
    store_sale_free(&found);
    decision d;
    memset(&d, 0, sizeof d);
    if (rc == 0)
      rc = insert_sale_row(st, open_sale, &d, dflt, 0, NULL, NULL, NULL, reply,
                           "voided", &rowid, err);
    if (rc == 0) rc = insert_lines(st, open_sale, &d, dflt, rowid, err);
    if (rc == 0) rc = insert_evidence(st, open_sale, rowid, err);
    if (rc == 0) rc = journal_append_sale(st->jr, rowid, at, err);
  } else {
    /* Exactly one recorded sale, or a refusal that says what to add. */
    rc = store_find(st, store_id, terminal, sale_id, &found, err);
    if (rc == 0)
      rc = pi_fail(err, PI_E_UNKNOWN_SALE, "sale",
                   "sale %s is neither open on this till nor recorded%s%s", sale_id,
                   store_id ? " in store " : "", store_id ? store_id : "");
    else if (rc == 1) {
      rowid = found.rowid;
      rc = found.voided ? 1 : 0;
    }
    store_sale_free(&found);
  }
  if (rc == 0) {
    sqlite3_stmt *q = st->ins_void;
    sqlite3_bind_int64(q, 1, rowid);
    sqlite3_bind_text(q, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, reason, -1, SQLITE_STATIC);
    rc = step_done(st, q, err, "recording the void");
    if (rc == 0) rc = journal_append_void(st->jr, rowid, at, err);
  }
  if (rc == 1) {
    finish(st, -1, err);
    return 1;
  }
  return finish(st, rc, err);
}
