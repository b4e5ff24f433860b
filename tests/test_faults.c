/* SPDX-License-Identifier: MIT */
/* test_faults.c - storage faults: a full disk, write and sync errors, a
 * read-only file system, a deleted (rebuilt) or replaced database file and a
 * database locked by
 * another process.
 *
 * For each: the sale in hand gets a clear error reply (code "storage",
 * engine status POSPLUG_ERR_STORAGE) and stays open, nothing of it is
 * written, the database still passes integrity_check and the journal still
 * verifies, and once the condition clears the same completion, resent,
 * records the sale and the next sale records too.
 *
 * Real conditions are used where the test may create them (a small tmpfs
 * for the full disk and a read-only bind mount need root; the lock is a
 * child process); everything else goes through a fault-injecting SQLite VFS
 * (faultvfs below) that wraps the default one and fails the Nth write or
 * sync on demand.  When a mount is not permitted the injected fault stands
 * in for it and the test says so: the case is never skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "posplug.h"
#include "store/store.h"
#include "testutil.h"

/* ------------------------------------------------------------------------ */
/* faultvfs: the default VFS with writes and syncs that fail on demand.      */

typedef struct fault_file {
  sqlite3_file base;
  sqlite3_file *real; /* the wrapped file; lives right after this struct */
} fault_file;

enum fault_op { FAULT_NONE = 0, FAULT_WRITE, FAULT_SYNC, FAULT_OPEN_RW };

static struct {
  enum fault_op op;
  long countdown;  /* the op fails when this reaches 0                  */
  int persistent;  /* once failed, every later op of that kind fails too */
  int rc;          /* what the failing call returns                      */
  int fired;       /* how many calls failed                              */
} fault;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;

static void fault_arm(enum fault_op op, long nth, int persistent, int rc) {
  fault.op = op;
  fault.countdown = nth;
  fault.persistent = persistent;
  fault.rc = rc;
  fault.fired = 0;
}

static int fault_disarm(void) {
  int fired = fault.fired;
  memset(&fault, 0, sizeof fault);
  return fired;
}

/* Should this call of kind `op` fail? */
static int fault_hit(enum fault_op op) {
  if (fault.op != op) return 0;
  if (fault.fired && fault.persistent) {
    fault.fired++;
    return 1;
  }
  if (fault.fired || --fault.countdown > 0) return 0;
  fault.fired++;
  return 1;
}

static sqlite3_file *real_of(sqlite3_file *f) { return ((fault_file *)f)->real; }

static int f_close(sqlite3_file *f) { return real_of(f)->pMethods->xClose(real_of(f)); }
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off) {
  return real_of(f)->pMethods->xRead(real_of(f), b, n, off);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off) {
  if (fault_hit(FAULT_WRITE)) return fault.rc;
  return real_of(f)->pMethods->xWrite(real_of(f), b, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
static int f_sync(sqlite3_file *f, int flags) {
  if (fault_hit(FAULT_SYNC)) return fault.rc;
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
static int f_lock(sqlite3_file *f, int lock) {
  return real_of(f)->pMethods->xLock(real_of(f), lock);
}
static int f_unlock(sqlite3_file *f, int lock) {
  return real_of(f)->pMethods->xUnlock(real_of(f), lock);
}
static int f_reserved(sqlite3_file *f, int *out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
static int f_control(sqlite3_file *f, int op, void *arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
static int f_sector(sqlite3_file *f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
static int f_devchar(sqlite3_file *f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
static int f_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp) {
  return real_of(f)->pMethods->xShmMap(real_of(f), pg, pgsz, extend, pp);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), off, n, flags);
}
static void f_shm_barrier(sqlite3_file *f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
static int f_shm_unmap(sqlite3_file *f, int del) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp) {
  return real_of(f)->pMethods->xFetch(real_of(f), off, n, pp);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

static const sqlite3_io_methods fault_io = {
    3,         f_close,  f_read,     f_write,      f_truncate,    f_sync,
    f_size,    f_lock,   f_unlock,   f_reserved,   f_control,     f_sector,
    f_devchar, f_shm_map, f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch,
    f_unfetch};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
                  int *out_flags) {
  (void)vfs;
  fault_file *ff = (fault_file *)f;
  ff->real = (sqlite3_file *)(void *)(ff + 1);
  if ((flags & SQLITE_OPEN_MAIN_DB) && (flags & SQLITE_OPEN_READWRITE) &&
      fault.op == FAULT_OPEN_RW) {
    fault.fired++;
    ff->base.pMethods = NULL;
    return SQLITE_CANTOPEN;
  }
  int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
  /* SQLite calls xClose after a failed xOpen only when pMethods is set. */
  ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
  return rc;
}

/* Install faultvfs as the default VFS (once per process). */
static void fault_vfs_install(void) {
  if (real_vfs) return;
  real_vfs = sqlite3_vfs_find(NULL);
  assert_non_null(real_vfs);
  fault_vfs = *real_vfs;
  fault_vfs.zName = "faultvfs";
  fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
  fault_vfs.xOpen = f_open;
  assert_int_equal(sqlite3_vfs_register(&fault_vfs, 1), SQLITE_OK);
}

/* ------------------------------------------------------------------------ */
/* Sales                                                                     */

typedef struct fixture {
  char dir[512];
  char db[700];
  engine *e;
  char mnt[600]; /* a mount point to undo at teardown, or "" */
} fixture;

static const char *const extra =
    "\"durability\":\"full\",\"busy_timeout_ms\":100,\"store_id\":\"shop-1\"";

static int setup(void **state) {
  static fixture f;
  memset(&f, 0, sizeof f);
  fault_vfs_install();
  tu_tempdir(f.dir, sizeof f.dir);
  snprintf(f.db, sizeof f.db, "%s/faults.db", f.dir);
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  fault_disarm();
  engine_close(f->e);
  f->e = NULL;
  if (f->mnt[0] && umount(f->mnt) != 0) umount2(f->mnt, MNT_DETACH);
  tu_rmtree(f->dir);
  return 0;
}

/* Everything of sale `id` but its completion: three lines, a reseller
 * with a VAT number, a resale tag, the total.  Returns the sale's total. */
static long long sale_until_total(engine *e, const char *id) {
  cJSON_Delete(tu_ok(e,
                     "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"cashier\":\"c\","
                     "\"at\":\"2026-11-20T10:00:00+01:00\"}",
                     id));
  for (int i = 1; i <= 3; i++)
    cJSON_Delete(tu_ok(e,
                       "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L%d\","
                       "\"sku\":\"SKU%d\",\"name\":\"Item %d\",\"qty\":1,"
                       "\"unit_price\":%d,\"net\":%d,\"tax\":%d}",
                       id, i, i, i, 119 * i, 100 * i, 19 * i));
  cJSON_Delete(tu_ok(e,
                     "{\"type\":\"sale.customer\",\"sale\":\"%s\",\"customer\":"
                     "{\"id\":\"C1\",\"name\":\"Wiederverkauf GmbH\",\"org\":true,"
                     "\"vat\":\"ATU13585627\"}}",
                     id));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.tag\",\"sale\":\"%s\",\"purpose\":\"resale\"}",
                     id));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.total\",\"sale\":\"%s\"}", id));
  return 119 * 6;
}

static cJSON *complete(engine *e, const char *id, long long total, int *status) {
  return tu_send(e, status,
                 "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":%lld,"
                 "\"tenders\":[{\"type\":\"card\",\"amount\":%lld}]}",
                 id, total, total);
}

/* A whole sale that must record. */
static void good_sale(engine *e, const char *id) {
  long long total = sale_until_total(e, id);
  int st;
  cJSON *r = complete(e, id, total, &st);
  if (st != POSPLUG_OK || !cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
    char *t = cJSON_PrintUnformatted(r);
    fail_msg("sale %s did not record: %s", id, t);
  }
  assert_true(tu_num(r, "recorded") == 1);
  cJSON_Delete(r);
}

/* The completion failed for the storage: a clear error reply whose message
 * contains `words` (when not NULL), status POSPLUG_ERR_STORAGE. */
static void expect_storage_error(cJSON *r, int status, const char *words) {
  char *t = cJSON_PrintUnformatted(r);
  if (status != POSPLUG_ERR_STORAGE || !cJSON_IsFalse(cJSON_GetObjectItem(r, "ok")) ||
      tu_str(r, "error.code") == NULL || strcmp(tu_str(r, "error.code"), "storage") != 0)
    fail_msg("expected a storage error (status %d), got status %d: %s",
             POSPLUG_ERR_STORAGE, status, t);
  const char *msg = tu_str(r, "error.message");
  assert_non_null(msg);
  assert_true(strlen(msg) > 15);
  if (words && strstr(msg, words) == NULL)
    fail_msg("error message lacks \"%s\": %s", words, msg);
  free(t);
}

/* Rows of sale `id` in sales / lines / evidence, through a connection of
 * our own: either the whole sale (1, 3, 1) or nothing (0, 0, 0). */
static int recorded(const char *db, const char *id) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM sales WHERE sale='%s'", id);
  int64_t sales = tu_sql_int(db, sql);
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM lines WHERE sale_id IN (SELECT id FROM sales "
           "WHERE sale='%s')",
           id);
  int64_t lines = tu_sql_int(db, sql);
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM evidence WHERE sale_id IN (SELECT id FROM sales "
           "WHERE sale='%s')",
           id);
  int64_t ev = tu_sql_int(db, sql);
  if (sales == 0 && lines == 0 && ev == 0) return 0;
  if (sales == 1 && lines == 3 && ev == 1) return 1;
  fail_msg("sale %s is half-recorded: %lld sale rows, %lld lines, %lld evidence", id,
           (long long)sales, (long long)lines, (long long)ev);
  return -1;
}

/* integrity_check says ok and the journal verifies with `sales` sales. */
static void database_sound(const char *db, int64_t sales) {
  char ic[256];
  tu_sql_text(db, "PRAGMA integrity_check", ic, sizeof ic);
  assert_string_equal(ic, "ok");
  store *st = NULL;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(db, STORE_READONLY, NULL, &st, &err))
    fail_msg("store_open: %s", err.message);
  journal_report rep;
  memset(&rep, 0, sizeof rep);
  if (store_verify(st, &rep, &err)) fail_msg("store_verify: %s", err.message);
  store_close(st);
  if (!rep.ok) fail_msg("the journal does not verify: %s", rep.problem);
  assert_int_equal(rep.sales, sales);
  assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM sales"), sales);
}

static int64_t open_sales(engine *e) {
  cJSON *r = tu_ok(e, "{\"type\":\"ping\"}");
  int64_t n = (int64_t)tu_num(r, "open_sales");
  cJSON_Delete(r);
  return n;
}

/* The common shape: the sale in hand fails while the condition holds,
 * leaves nothing behind and stays open; then `clear` runs, the completion
 * is resent and records, and a further sale records. */
typedef void (*condition_fn)(fixture *f);

static void fail_then_clear(fixture *f, const char *id, condition_fn make,
                            condition_fn clear, const char *words, int64_t before) {
  long long total = sale_until_total(f->e, id);
  make(f);
  int st;
  cJSON *r = complete(f->e, id, total, &st);
  expect_storage_error(r, st, words);
  cJSON_Delete(r);
  assert_int_equal(open_sales(f->e), 1);
  clear(f);
  assert_int_equal(recorded(f->db, id), 0);
  r = complete(f->e, id, total, &st);
  assert_int_equal(st, POSPLUG_OK);
  assert_true(tu_num(r, "recorded") == 1);
  cJSON_Delete(r);
  assert_int_equal(recorded(f->db, id), 1);
  assert_int_equal(open_sales(f->e), 0);
  char next[80];
  snprintf(next, sizeof next, "%s-next", id);
  good_sale(f->e, next);
  database_sound(f->db, before + 2);
}

/* ------------------------------------------------------------------------ */
/* A full disk                                                               */

static char filler[700];

static void fill_disk(fixture *f) {
  (void)f;
  int fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true(fd >= 0);
  static char chunk[65536];
  memset(chunk, 'x', sizeof chunk);
  /* Big writes, then ever smaller ones, until not one byte fits. */
  for (size_t n = sizeof chunk; n > 0; n /= 2)
    while (write(fd, chunk, n) == (ssize_t)n) {
    }
  assert_int_equal(errno, ENOSPC);
  close(fd);
}

static void free_disk(fixture *f) {
  (void)f;
  assert_int_equal(unlink(filler), 0);
}

static void inject_full(fixture *f) {
  (void)f;
  fault_arm(FAULT_WRITE, 1, 1, SQLITE_FULL);
}

static void clear_injected(fixture *f) {
  (void)f;
  assert_true(fault_disarm() > 0);
}

static void disk_full(void **state) {
  fixture *f = *state;
  char mnt[600];
  snprintf(mnt, sizeof mnt, "%s/small", f->dir);
  assert_int_equal(mkdir(mnt, 0700), 0);
  int real = mount("tmpfs", mnt, "tmpfs", 0, "size=2m,mode=0700") == 0;
  if (real) {
    snprintf(f->mnt, sizeof f->mnt, "%s", mnt);
    snprintf(f->db, sizeof f->db, "%s/faults.db", mnt);
    snprintf(filler, sizeof filler, "%s/filler", mnt);
  } else {
    print_message("disk_full: cannot mount a tmpfs (%s); injecting ENOSPC "
                  "(SQLITE_FULL) into every write instead\n",
                  strerror(errno));
  }
  f->e = tu_engine(f->db, extra);
  good_sale(f->e, "S1");
  if (real)
    fail_then_clear(f, "S2", fill_disk, free_disk, "full", 1);
  else
    fail_then_clear(f, "S2", inject_full, clear_injected, "full", 1);
}

/* ------------------------------------------------------------------------ */
/* Write and sync errors at every point of a commit                          */

/* For each kind of failure, fail the Nth write (or sync) of a completion
 * for N = 1, 2, ... until a completion no longer reaches N: each one must
 * be refused whole and succeed when resent. */
static void torture_writes(void **state) {
  fixture *f = *state;
  f->e = tu_engine(f->db, extra);
  static const struct {
    enum fault_op op;
    int persistent;
    int rc;
    const char *what;
  } kinds[] = {
      {FAULT_WRITE, 1, SQLITE_FULL, "disk full"},
      {FAULT_WRITE, 1, SQLITE_IOERR_WRITE, "write error (EIO, read-only fs)"},
      {FAULT_WRITE, 0, SQLITE_IOERR_WRITE, "one transient write error"},
      {FAULT_SYNC, 1, SQLITE_IOERR_FSYNC, "fsync error"},
  };
  int64_t sales = 0;
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    long n;
    for (n = 1; n < 1000; n++) {
      char id[64];
      snprintf(id, sizeof id, "K%zu-%ld", k, n);
      long long total = sale_until_total(f->e, id);
      fault_arm(kinds[k].op, n, kinds[k].persistent, kinds[k].rc);
      int st;
      cJSON *r = complete(f->e, id, total, &st);
      int fired = fault_disarm();
      if (!fired) {
        /* The completion did fewer writes than n: every point is done. */
        assert_int_equal(st, POSPLUG_OK);
        cJSON_Delete(r);
        sales++;
        break;
      }
      if (st == POSPLUG_OK) {
        /* A failed write SQLite could recover from (e.g. a transient one
         * it retried): then the sale must be recorded whole. */
        assert_int_equal(recorded(f->db, id), 1);
        cJSON_Delete(r);
        sales++;
        continue;
      }
      expect_storage_error(r, st, NULL);
      cJSON_Delete(r);
      assert_int_equal(recorded(f->db, id), 0);
      r = complete(f->e, id, total, &st);
      if (st != POSPLUG_OK) {
        char *t = cJSON_PrintUnformatted(r);
        fail_msg("%s at write %ld: the resent completion failed: %s", kinds[k].what,
                 n, t);
      }
      cJSON_Delete(r);
      assert_int_equal(recorded(f->db, id), 1);
      sales++;
    }
    print_message("%-32s %ld failure points, each refused whole and recorded on "
                  "resend\n",
                  kinds[k].what, n - 1);
    assert_true(n > 1); /* a completion writes at least once */
    database_sound(f->db, sales);
  }
  assert_int_equal(open_sales(f->e), 0);
}

/* ------------------------------------------------------------------------ */
/* A read-only database                                                      */

/* The file is read-only when the plugin starts: create() fails with a
 * clear storage error; once writable again, the plugin opens and records. */
static void readonly_at_open(void **state) {
  fixture *f = *state;
  f->e = tu_engine(f->db, extra);
  good_sale(f->e, "S1");
  engine_close(f->e);
  f->e = NULL;

  char ro[600], rodb[700];
  snprintf(ro, sizeof ro, "%s/ro", f->dir);
  snprintf(rodb, sizeof rodb, "%s/faults.db", ro);
  assert_int_equal(mkdir(ro, 0700), 0);
  /* How to make it read-only: permissions bind an ordinary user; root
   * needs a read-only bind mount; without that, an injected refusal. */
  int how;
  if (geteuid() != 0) {
    how = 0;
    snprintf(rodb, sizeof rodb, "%s", f->db);
    assert_int_equal(chmod(f->db, 0400), 0);
  } else if (mount(f->dir, ro, NULL, MS_BIND, NULL) == 0) {
    snprintf(f->mnt, sizeof f->mnt, "%s", ro);
    how = 1;
    assert_int_equal(mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
  } else {
    print_message("readonly_at_open: cannot bind-mount (%s); injecting a refused "
                  "read-write open instead\n",
                  strerror(errno));
    how = 2;
    snprintf(rodb, sizeof rodb, "%s", f->db);
    fault_arm(FAULT_OPEN_RW, 1, 1, SQLITE_CANTOPEN);
  }
  char over[1200];
  snprintf(over, sizeof over, "{\"database\":\"%s\",%s}", rodb, extra);
  engine_options opt = {.manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
                        .overrides_json = over};
  pi_error err;
  pi_error_clear(&err);
  engine *e = NULL;
  assert_int_equal(engine_open(&opt, &e, &err), -1);
  assert_null(e);
  assert_string_equal(err.code, "storage");
  assert_non_null(strstr(err.message, "faults.db"));
  print_message("read-only database at open: %s\n", err.message);

  if (how == 0) assert_int_equal(chmod(f->db, 0600), 0);
  if (how == 1) assert_int_equal(mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND, NULL), 0);
  if (how == 2) fault_disarm();
  pi_error_clear(&err);
  assert_int_equal(engine_open(&opt, &e, &err), 0);
  good_sale(e, "S2");
  engine_close(e);
  database_sound(f->db, 2);
}

/* ------------------------------------------------------------------------ */
/* A deleted database file                                                   */

static char moved_to[800];

static void move_away(fixture *f) {
  snprintf(moved_to, sizeof moved_to, "%s.elsewhere", f->db);
  assert_int_equal(rename(f->db, moved_to), 0);
}

static void move_back(fixture *f) { assert_int_equal(rename(moved_to, f->db), 0); }

/* Deleted for good (rm faults.db*) while the till is open: the next
 * completion writes the file anew from the open connection and records
 * the sale there.  Nothing recorded before or after is lost: the new file
 * holds every sale, the journal verifies, and a restarted plugin finds them
 * all. */
static void db_deleted(void **state) {
  fixture *f = *state;
  f->e = tu_engine(f->db, extra);
  good_sale(f->e, "S1");
  long long total = sale_until_total(f->e, "S2");
  static const char *const suffix[] = {"", "-wal", "-shm"};
  for (size_t i = 0; i < 3; i++) {
    char p[800];
    snprintf(p, sizeof p, "%s%s", f->db, suffix[i]);
    assert_int_equal(unlink(p), 0);
  }
  int st;
  cJSON *r = complete(f->e, "S2", total, &st);
  assert_int_equal(st, POSPLUG_OK);
  assert_true(tu_num(r, "recorded") == 1);
  cJSON_Delete(r);
  good_sale(f->e, "S3");
  struct stat sb;
  assert_int_equal(stat(f->db, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  database_sound(f->db, 3);
  engine_close(f->e);
  f->e = tu_engine(f->db, extra);
  good_sale(f->e, "S4");
  database_sound(f->db, 4);
}

/* Moved away while open: the same, the file comes back at its path with
 * every sale, and later sales go on into it. */
static void db_moved_away(void **state) {
  fixture *f = *state;
  f->e = tu_engine(f->db, extra);
  good_sale(f->e, "S1");
  move_away(f);
  good_sale(f->e, "S2");
  good_sale(f->e, "S3");
  database_sound(f->db, 3);
}

/* Replaced by another file while open: that file is not the till's to
 * overwrite; the completion is refused, and goes through once the
 * original is back. */
static void put_stranger(fixture *f) {
  move_away(f);
  int fd = open(f->db, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true(fd >= 0);
  close(fd);
}

static void restore_original(fixture *f) {
  assert_int_equal(unlink(f->db), 0);
  move_back(f);
}

static void db_replaced(void **state) {
  fixture *f = *state;
  f->e = tu_engine(f->db, extra);
  good_sale(f->e, "S1");
  fail_then_clear(f, "S2", put_stranger, restore_original, "replaced", 1);
}

/* ------------------------------------------------------------------------ */
/* A database locked by another process                                     */

static pid_t locker;
static int to_locker = -1;

/* A child process takes the write lock (BEGIN EXCLUSIVE) and holds it
 * until told to let go. */
static void lock_db(fixture *f) {
  int up[2], down[2];
  assert_int_equal(pipe(up), 0);
  assert_int_equal(pipe(down), 0);
  locker = fork();
  assert_true(locker >= 0);
  if (locker == 0) {
    close(up[0]);
    close(down[1]);
    sqlite3 *db;
    char c = 'n';
    if (sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK)
      c = 'y';
    if (write(up[1], &c, 1) != 1) _exit(2);
    if (read(down[0], &c, 1) < 0) _exit(2);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    _exit(0);
  }
  close(up[1]);
  close(down[0]);
  char c = 0;
  assert_int_equal(read(up[0], &c, 1), 1);
  close(up[0]);
  assert_int_equal(c, 'y');
  to_locker = down[1];
}

static void unlock_db(fixture *f) {
  (void)f;
  char c = 'x';
  assert_int_equal(write(to_locker, &c, 1), 1);
  close(to_locker);
  int status;
  assert_int_equal(waitpid(locker, &status, 0), locker);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Held beyond busy_timeout_ms (100 ms here): refused as "locked"; released:
 * the resent completion records. */
static void db_locked(void **state) {
  fixture *f = *state;
  f->e = tu_engine(f->db, extra);
  good_sale(f->e, "S1");
  fail_then_clear(f, "S2", lock_db, unlock_db, "locked", 1);
}

int main(void) {
  /* A write to the lock holder after it died must fail, not kill us. */
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(disk_full, setup, teardown),
      cmocka_unit_test_setup_teardown(torture_writes, setup, teardown),
      cmocka_unit_test_setup_teardown(readonly_at_open, setup, teardown),
      cmocka_unit_test_setup_teardown(db_moved_away, setup, teardown),
      cmocka_unit_test_setup_teardown(db_deleted, setup, teardown),
      cmocka_unit_test_setup_teardown(db_replaced, setup, teardown),
      cmocka_unit_test_setup_teardown(db_locked, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
