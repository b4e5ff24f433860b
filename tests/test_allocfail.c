/* SPDX-License-Identifier: MIT */
/* test_allocfail.c - allocation failure at every point of a full sale.
 *
 * As curl's torture tests and SQLite's OOM tests do: run one full sale
 * through engine_handle (begin, lines, customer, tag, total, complete)
 * counting the allocations it makes, then run it again failing allocation
 * N, for every N from 1 to that count.  Each time:
 *   - nothing crashes, and every event gets a reply that is valid JSON
 *     with "ok" (engine_handle always yields one);
 *   - the database holds the sale whole (exactly the lines and evidence
 *     whose events were answered ok, amounts summing up) or not at all,
 *     and holds it exactly when the completion's reply said ok;
 *   - the next sale, with no failure, records;
 *   - at the end, integrity_check is ok and the journal verifies.
 * The same is done with store scripts loaded (Lua allocates too) and the
 * customer named as an account on file (looked up and frozen into the
 * sale), for a return of a whole sale (sale.return and on_return), and
 * for engine_open itself: a refusal with a reason, or an engine that works.
 * Run under valgrind (CTest does), this also shows that no failure path
 * leaks.  malloc, calloc, realloc and free are replaced for the whole
 * process, so SQLite's, cJSON's and Lua's allocations fail as well.
 *
 * Not for sanitizer builds: ASan replaces malloc itself.
 *
 * Known exception: lua-cjson (Debian's liblua5.4-cjson) does not return on
 * a failed malloc in its string buffers, it prints "Out of memory" and
 * calls exit() (strbuf.c, die()).  Failing those allocations would end the
 * test process, so allocations made from inside that library are not
 * failed; the test counts them and prints how many it spared.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "domain/account.h"
#include "posplug.h"
#include "store/accounts.h"
#include "store/store.h"
#include "testutil.h"

/* ------------------------------------------------------------------------ */
/* The allocator: glibc's, with the Nth allocation failing on demand.       */

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static struct {
  int counting; /* count (and maybe fail) allocations now              */
  long count;   /* allocations counted since alloc_start()             */
  long fail_at; /* 0, or the allocation number that fails              */
  long failed;  /* allocations that failed                             */
  long spared;  /* allocation fail_at was lua-cjson's: not failed      */
} alloc;

static void alloc_start(long fail_at) {
  alloc.count = 0;
  alloc.failed = 0;
  alloc.spared = 0;
  alloc.fail_at = fail_at;
  alloc.counting = 1;
}

static void alloc_pause(void) { alloc.counting = 0; }
static void alloc_resume(void) { alloc.counting = 1; }

static void alloc_stop(void) {
  alloc.counting = 0;
  alloc.fail_at = 0;
}

/* Was the allocation asked for from lua-cjson (see the top)? */
static int from_lua_cjson(const void *caller) {
  Dl_info info;
  return dladdr(caller, &info) && info.dli_fname &&
         strstr(info.dli_fname, "lua5.4-cjson") != NULL;
}

static int alloc_fails(const void *caller) {
  if (!alloc.counting) return 0;
  if (++alloc.count != alloc.fail_at) return 0;
  if (from_lua_cjson(caller)) {
    alloc.spared++;
    return 0;
  }
  alloc.failed++;
  errno = ENOMEM;
  return 1;
}

/* Visible to the shared libraries although the build hides symbols by
 * default (CMAKE_C_VISIBILITY_PRESET). */
#define EXPORT __attribute__((visibility("default")))

#define CALLER __builtin_return_address(0)

EXPORT void *malloc(size_t n) { return alloc_fails(CALLER) ? NULL : __libc_malloc(n); }

EXPORT void *calloc(size_t n, size_t size) {
  return alloc_fails(CALLER) ? NULL : __libc_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t n) {
  /* realloc(p, 0) frees: not an allocation that can fail. */
  if (n == 0 || !alloc_fails(CALLER)) return __libc_realloc(p, n);
  return NULL;
}

EXPORT void free(void *p) { __libc_free(p); }

/* ------------------------------------------------------------------------ */
/* The sale                                                                  */

typedef struct fixture {
  char dir[512];
  char db[600];
  engine *e;
  sqlite3 *check; /* our own connection for looking at what was recorded */
} fixture;

/* Send one event with allocations counted; the reply is checked with
 * counting paused.  Returns 1 when the reply said ok, 0 when it did not. */
static int vsend(engine *e, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int vsend(engine *e, const char *fmt, va_list ap) {
  char buf[2048];
  int counting = alloc.counting;
  alloc_pause();
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  const char *reply = NULL;
  size_t len = 0;
  if (counting) alloc_resume();
  int st = engine_handle(e, buf, (size_t)n, &reply, &len);
  alloc_pause();
  assert_non_null(reply);
  assert_int_equal(strlen(reply), len);
  cJSON *r = cJSON_ParseWithLength(reply, len);
  if (r == NULL) fail_msg("reply is not JSON: %s", reply);
  const cJSON *ok = cJSON_GetObjectItem(r, "ok");
  if (!cJSON_IsBool(ok)) fail_msg("reply without ok: %s", reply);
  int good = cJSON_IsTrue(ok);
  if (good) {
    assert_int_equal(st, POSPLUG_OK);
  } else {
    const char *code = tu_str(r, "error.code");
    const char *msg = tu_str(r, "error.message");
    if (code == NULL || msg == NULL) fail_msg("error reply without code: %s", reply);
    /* A failure of the plugin itself says so in the status too. */
    if (strcmp(code, "nomem") == 0) assert_int_equal(st, POSPLUG_ERR_NOMEM);
    if (strcmp(code, "storage") == 0) assert_int_equal(st, POSPLUG_ERR_STORAGE);
  }
  cJSON_Delete(r);
  if (counting) alloc_resume();
  return good;
}

static int send(engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int send(engine *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int ok = vsend(e, fmt, ap);
  va_end(ap);
  return ok;
}

/* What a full sale's replies said. */
typedef struct outcome {
  int lines;       /* line events answered ok                        */
  int customer;    /* the customer event was answered ok             */
  int complete;    /* the completion was answered ok                 */
  char failed[24]; /* the event in which the allocation failed       */
} outcome;

/* Send an event and note, in o->failed, whether the failure hit it. */
static int sendo(outcome *o, const char *name, engine *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int sendo(outcome *o, const char *name, engine *e, const char *fmt, ...) {
  long before = alloc.failed;
  va_list ap;
  va_start(ap, fmt);
  int ok = vsend(e, fmt, ap);
  va_end(ap);
  if (alloc.failed > before) snprintf(o->failed, sizeof o->failed, "%s", name);
  return ok;
}

/* The customer event's body: typed in at the till, or an account on file
 * (put_account) that the engine looks up and freezes into the sale.  Both
 * carry a VAT and an EORI number, so a whole sale has 2 evidence rows. */
static int use_account;

/* With tests/data/failing-scripts, every sale is decided while a script
 * fails (fail_open): a recorded sale has its script_errors rows too (in
 * the sale's transaction: never rows of a sale that is not recorded). */
static int expect_script_errors;

#define TYPED_CUSTOMER                                                        \
  "{\"id\":\"C-1\",\"name\":\"Café Mitte GmbH\",\"org\":true,\"vat\":"          \
  "\"ATU13585627\",\"eori\":\"DE1234567890123\"}"
#define ACCOUNT_CUSTOMER "{\"account\":\"ACME-01\"}"

/* The full sale: every kind of event, hooks on each. */
static outcome full_sale(engine *e, const char *id) {
  outcome o;
  memset(&o, 0, sizeof o);
  sendo(&o, "sale.begin", e,
       "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\",\"terminal\":"
       "\"T1\",\"cashier\":\"c\",\"at\":\"2026-11-20T10:00:00+01:00\"}",
       id);
  o.lines += sendo(&o, "sale.line L1", e,
                  "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L1\",\"sku\":"
                  "\"BEAN\",\"name\":\"Beans 1 kg\",\"qty\":2,\"unit_price\":1500,"
                  "\"net\":2804,\"tax\":196}",
                  id);
  o.lines += sendo(&o, "sale.line L2", e,
                  "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L2\",\"sku\":"
                  "\"MUG\",\"name\":\"Mug\",\"qty\":1.5,\"unit_price\":1000,"
                  "\"net\":1261,\"tax\":239}",
                  id);
  o.customer = sendo(&o, "sale.customer", e,
                    "{\"type\":\"sale.customer\",\"sale\":\"%s\",\"customer\":%s}", id,
                    use_account ? ACCOUNT_CUSTOMER : TYPED_CUSTOMER);
  sendo(&o, "sale.tag L1", e,
       "{\"type\":\"sale.tag\",\"sale\":\"%s\",\"purpose\":\"resale\",\"line\":\"L1\"}",
       id);
  sendo(&o, "sale.tag L2", e,
       "{\"type\":\"sale.tag\",\"sale\":\"%s\",\"purpose\":\"gift\",\"line\":\"L2\","
       "\"recipient\":{\"name\":\"Oma\",\"contact\":\"oma@example.org\"},"
       "\"gift_receipt\":true,\"message\":\"Alles Gute\"}",
       id);
  sendo(&o, "sale.total", e, "{\"type\":\"sale.total\",\"sale\":\"%s\"}", id);
  o.complete = sendo(&o, "sale.complete", e,
                    "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":4500,"
                    "\"tenders\":[{\"type\":\"card\",\"amount\":4500}]}",
                    id);
  return o;
}

static int64_t query_int(sqlite3 *db, const char *sql, const char *id) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
  sqlite3_finalize(q);
  return v;
}

/* 1 when sale `id` is recorded, 0 when not at all.  A recorded sale must
 * be whole: exactly the lines and evidence whose events were answered ok,
 * its amounts the sum of its lines.  Fails the test otherwise. */
static int recorded(fixture *f, const char *id, const outcome *o) {
  int64_t sales = query_int(f->check, "SELECT count(*) FROM sales WHERE sale=?1", id);
  int64_t lines = query_int(f->check,
                            "SELECT count(*) FROM lines WHERE sale_id IN "
                            "(SELECT id FROM sales WHERE sale=?1)",
                            id);
  int64_t ev = query_int(f->check,
                         "SELECT count(*) FROM evidence WHERE sale_id IN "
                         "(SELECT id FROM sales WHERE sale=?1)",
                         id);
  int64_t sums = query_int(f->check,
                           "SELECT s.net + s.tax = s.total AND s.net = sum(l.net) "
                           "AND s.tax = sum(l.tax) FROM sales s JOIN lines l ON "
                           "l.sale_id = s.id WHERE s.sale=?1 GROUP BY s.id",
                           id);
  int64_t failures = query_int(f->check,
                               "SELECT count(*) FROM script_errors WHERE sale_id IN "
                               "(SELECT id FROM sales WHERE sale=?1)",
                               id);
  if (sales == 0 && lines == 0 && ev == 0 && failures == 0) return 0;
  /* Without a failing script a sale may still be recorded with a failure:
   * an allocation failed inside a hook is one (fail_open ignores it). */
  if (sales == 1 && lines == o->lines && ev == (o->customer ? 2 : 0) && sums == 1 &&
      (failures > 0 || !expect_script_errors))
    return 1;
  fail_msg("sale %s (allocation failed in %s) is recorded as %lld sale rows, %lld "
           "lines, %lld evidence, %lld script failures, sums %s; the replies said %d "
           "lines%s",
           id, o->failed[0] ? o->failed : "no event", (long long)sales,
           (long long)lines, (long long)ev, (long long)failures,
           sums == 1 ? "ok" : "wrong", o->lines, o->customer ? " and a customer" : "");
  return -1;
}

/* integrity_check says ok and the journal verifies. */
static void database_sound(fixture *f) {
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(f->check, "PRAGMA integrity_check", -1, &q, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
  sqlite3_finalize(q);
  store *st = NULL;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(f->db, STORE_READONLY, NULL, &st, &err))
    fail_msg("store_open: %s", err.message);
  journal_report rep;
  memset(&rep, 0, sizeof rep);
  if (store_verify(st, &rep, &err)) fail_msg("store_verify: %s", err.message);
  store_close(st);
  if (!rep.ok) fail_msg("the journal does not verify: %s", rep.problem);
}

static int open_sales(engine *e) {
  const char *reply;
  size_t len;
  engine_handle(e, "{\"type\":\"ping\"}", 15, &reply, &len);
  cJSON *r = cJSON_Parse(reply);
  assert_non_null(r);
  int n = (int)tu_num(r, "open_sales");
  cJSON_Delete(r);
  return n;
}

static int setup_with(void **state, const char *extra) {
  static fixture f;
  memset(&f, 0, sizeof f);
  tu_tempdir(f.dir, sizeof f.dir);
  snprintf(f.db, sizeof f.db, "%s/alloc.db", f.dir);
  f.e = tu_engine(f.db, extra);
  assert_int_equal(sqlite3_open_v2(f.db, &f.check, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  *state = &f;
  return 0;
}

static int setup_plain(void **state) {
  use_account = 0;
  return setup_with(state, "\"store_id\":\"shop-1\"");
}

/* The scripts' budgets at the largest the manifest allows: under valgrind
 * on a loaded machine the default 1 s load budget ran out, and whether it
 * does must not decide a test about allocation failures. */
#define UNTIMED "\"hook_ms\":10000,\"load_ms\":60000"

/* Put account ACME-01 of shop-1 on file, as `posintent account add`
 * would: a business with the typed customer's VAT and EORI numbers. */
static void put_account(fixture *f) {
  account a;
  memset(&a, 0, sizeof a);
  pi_error err;
  pi_error_clear(&err);
  snprintf(a.store, sizeof a.store, "shop-1");
  snprintf(a.id, sizeof a.id, "ACME-01");
  snprintf(a.name, sizeof a.name, "Café Mitte GmbH");
  a.kind = ACCOUNT_BUSINESS;
  a.status = ACCOUNT_OPEN;
  if (account_evidence_number(&a.ev[a.nev++], TAXID_VAT, "ATU13585627", &err) ||
      account_evidence_number(&a.ev[a.nev++], TAXID_EORI, "DE1234567890123", &err))
    fail_msg("%s", err.message);
  store *st = NULL;
  if (store_open(f->db, STORE_EXISTING, NULL, &st, &err)) fail_msg("%s", err.message);
  if (store_account_add(st, &a, "2026-11-01T09:00:00Z", &err)) fail_msg("%s", err.message);
  store_close(st);
}

/* With the scripts, the customer is an account on file: the engine's
 * account lookup and freeze run under every failure too. */
static int setup_hooks(void **state) {
  setup_with(state, "\"store_id\":\"shop-1\",\"scripts\":{\"dir\":\"" POSINTENT_SOURCE_DIR
                    "/tests/data/soak-scripts\"," UNTIMED "}");
  put_account(*state);
  use_account = 1;
  return 0;
}

/* A store script that crashes in on_total under fail_open: every sale is
 * recorded with its failure, or not at all. */
static int setup_failing(void **state) {
  use_account = 0;
  expect_script_errors = 1;
  return setup_with(state, "\"store_id\":\"shop-1\",\"scripts\":{\"dir\":\""
                           POSINTENT_SOURCE_DIR "/tests/data/failing-scripts\"," UNTIMED "}");
}

static int teardown(void **state) {
  fixture *f = *state;
  alloc_stop();
  expect_script_errors = 0;
  sqlite3_close(f->check);
  engine_close(f->e);
  tu_rmtree(f->dir);
  return 0;
}

/* After a run with allocation n meant to fail (count: the allocations of
 * the counted run): 0 when it failed, so the caller judges what was
 * recorded; else 1 to go on with n + 1, or -1 when the run no longer
 * reaches allocation n and the loop is done.  A lua-cjson allocation that
 * was spared, or one not reached this time (the collector moves), is
 * counted in *spared or *unreached. */
static int nothing_failed(long n, long count, long *spared, long *unreached) {
  if (alloc.failed) return 0;
  if (alloc.spared) {
    ++*spared;
    return 1;
  }
  if (n > count) return -1;
  ++*unreached;
  return 1;
}

static void torture(void **state, const char *label) {
  fixture *f = *state;
  /* A first sale warms up what is allocated once (prepared statements,
   * Lua's interned strings), then one is counted. */
  assert_true(full_sale(f->e, "WARM").complete);
  alloc_start(0);
  outcome o = full_sale(f->e, "COUNT");
  long count = alloc.count;
  alloc_stop();
  assert_true(o.complete);
  assert_true(count > 20);
  long recorded_anyway = 0, refused = 0, unreached = 0, spared = 0, n;
  /* Lua's collector runs at different moments from sale to sale, so the
   * count varies a little: go on past it until a sale no longer reaches
   * the allocation meant to fail. */
  for (n = 1; n <= 2 * count; n++) {
    char id[32], next[40];
    snprintf(id, sizeof id, "F%ld", n);
    snprintf(next, sizeof next, "F%ld-next", n);
    alloc_start(n);
    o = full_sale(f->e, id);
    alloc_stop();
    if (alloc.failed == 0) assert_true(o.complete);
    int next_n = nothing_failed(n, count, &spared, &unreached);
    if (next_n < 0) break;
    if (next_n > 0) continue;
    int rec = recorded(f, id, &o);
    if (o.complete != rec)
      fail_msg("allocation %ld (in %s): the completion said %s but the sale is %s", n,
               o.failed, o.complete ? "ok" : "not ok",
               rec ? "recorded" : "not recorded");
    if (o.complete)
      recorded_anyway++; /* absorbed: a refused tag, a script error, a cache */
    else
      refused++;
    /* What the failure left open is voided, as a till would. */
    if (open_sales(f->e) > 0)
      assert_true(send(f->e, "{\"type\":\"sale.void\",\"sale\":\"%s\"}", id));
    assert_int_equal(open_sales(f->e), 0);
    o = full_sale(f->e, next);
    if (!o.complete) fail_msg("allocation %ld: the next sale failed", n);
    assert_int_equal(recorded(f, next, &o), 1);
  }
  assert_true(n <= 2 * count);
  database_sound(f);
  print_message("%s: about %ld allocations in a full sale; failing each one in "
                "turn: %ld sales refused, %ld recorded (smaller) despite it, %ld "
                "not reached, %ld spared (lua-cjson)\n",
                label, count, refused, recorded_anyway, unreached, spared);
}

/* Opening the plugin (manifest, database, scripts) with allocation N
 * failing: a clean refusal with a reason, or an engine that works. */
static void torture_open(void **state) {
  fixture *f = *state;
  char over[1200];
  snprintf(over, sizeof over,
           "{\"database\":\"%s\",\"store_id\":\"shop-1\",\"scripts\":{\"dir\":"
           "\"%s/tests/data/soak-scripts\"," UNTIMED "}}",
           f->db, POSINTENT_SOURCE_DIR);
  engine_options opt = {.manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
                        .overrides_json = over};
  engine *e = NULL;
  pi_error err;
  pi_error_clear(&err);
  alloc_start(0);
  int rc = engine_open(&opt, &e, &err);
  long count = alloc.count;
  alloc_stop();
  assert_int_equal(rc, 0);
  engine_close(e);
  long refused = 0, opened = 0, spared = 0, n;
  for (n = 1; n <= 2 * count; n++) {
    pi_error_clear(&err);
    alloc_start(n);
    rc = engine_open(&opt, &e, &err);
    alloc_stop();
    if (alloc.failed == 0) {
      assert_int_equal(rc, 0);
      engine_close(e);
      spared += alloc.spared;
      if (n > count && !alloc.spared) break;
      continue;
    }
    if (rc == 0) {
      opened++;
      char id[32];
      snprintf(id, sizeof id, "AFTER%ld", n);
      assert_true(full_sale(e, id).complete);
      engine_close(e);
      continue;
    }
    refused++;
    assert_null(e);
    if (err.code == NULL || strlen(err.message) < 5)
      fail_msg("allocation %ld: engine_open failed without a reason", n);
  }
  assert_true(n <= 2 * count);
  print_message("engine_open with Lua hooks: about %ld allocations; failing each "
                "one in turn: %ld refused with a reason, %ld opened and recorded a "
                "sale, %ld spared (lua-cjson)\n",
                count, refused, opened, spared);
}

static void torture_plain(void **state) { torture(state, "no scripts"); }
static void torture_hooks(void **state) { torture(state, "with Lua hooks and an account"); }
static void torture_failing(void **state) {
  torture(state, "with a store script failing under fail_open");
}

/* Everything the full sale sold comes back (sale id, then the same id for
 * the return's own, R-<sale>): L1 (2 pieces, 2804 + 196) and
 * L2 (1.5 pieces, 1261 + 239), refunded 4500 by card. */
#define RETURN_ALL                                                              \
  "{\"type\":\"sale.return\",\"sale\":\"%s\",\"return\":\"R-%s\",\"at\":"               \
  "\"2026-12-01T11:00:00+01:00\",\"reason\":\"unwanted\",\"reason_text\":\"too small\","  \
  "\"lines\":[{\"line\":\"L1\",\"qty\":2},{\"line\":\"L2\",\"qty\":1.5}],"            \
  "\"refund\":[{\"type\":\"card\",\"amount\":4500}]}"

/* 1 when sale `id` has its return recorded, 0 when it has none.  A
 * recorded return must be whole: both lines, adding up to the sale's
 * amounts, with the refund and the reply kept.  Fails the test otherwise. */
static int returned(fixture *f, const char *id) {
  int64_t rets = query_int(f->check,
                           "SELECT count(*) FROM returns WHERE sale_id IN "
                           "(SELECT id FROM sales WHERE sale=?1)",
                           id);
  int64_t lines = query_int(f->check,
                            "SELECT count(*) FROM return_lines WHERE return_id IN "
                            "(SELECT r.id FROM returns r JOIN sales s ON s.id = r.sale_id "
                            "WHERE s.sale=?1)",
                            id);
  int64_t whole = query_int(f->check,
                            "SELECT r.net = s.net AND r.tax = s.tax AND r.total = 4500 "
                            "AND r.net = sum(l.net) AND r.tax = sum(l.tax) AND "
                            "length(r.refund) > 0 AND length(r.reply) > 0 FROM returns r "
                            "JOIN sales s ON s.id = r.sale_id JOIN return_lines l ON "
                            "l.return_id = r.id WHERE s.sale=?1 GROUP BY r.id",
                            id);
  if (rets == 0 && lines == 0) return 0;
  if (rets == 1 && lines == 2 && whole == 1) return 1;
  fail_msg("the return of %s is recorded as %lld returns with %lld lines, %s", id,
           (long long)rets, (long long)lines, whole == 1 ? "adding up" : "not adding up");
  return -1;
}

/* A return (sale.return and the scripts' on_return) with allocation N
 * failing, for every N: the return is recorded whole exactly when its
 * reply said ok, and the till's resend of the same return, with nothing
 * failing, is then recorded (or replayed) and recorded once. */
static void torture_return(void **state) {
  fixture *f = *state;
  assert_true(full_sale(f->e, "RWARM").complete);
  assert_true(send(f->e, RETURN_ALL, "RWARM", "RWARM"));
  assert_true(full_sale(f->e, "RCOUNT").complete);
  alloc_start(0);
  int ok = send(f->e, RETURN_ALL, "RCOUNT", "RCOUNT");
  long count = alloc.count;
  alloc_stop();
  assert_true(ok);
  assert_int_equal(returned(f, "RCOUNT"), 1);
  assert_true(count > 20);
  long refused = 0, recorded_anyway = 0, unreached = 0, spared = 0, n;
  for (n = 1; n <= 2 * count; n++) {
    char id[32];
    snprintf(id, sizeof id, "RF%ld", n);
    if (!full_sale(f->e, id).complete) fail_msg("sale %s was not recorded", id);
    alloc_start(n);
    ok = send(f->e, RETURN_ALL, id, id);
    alloc_stop();
    if (alloc.failed == 0) {
      assert_true(ok);
      assert_int_equal(returned(f, id), 1);
    }
    int next_n = nothing_failed(n, count, &spared, &unreached);
    if (next_n < 0) break;
    if (next_n > 0) continue;
    int rec = returned(f, id);
    if (ok != rec)
      fail_msg("allocation %ld: the return's reply said %s but it is %s", n,
               ok ? "ok" : "not ok", rec ? "recorded" : "not recorded");
    if (ok)
      recorded_anyway++;
    else
      refused++;
    /* The till sends the return again: recorded now, or replayed. */
    if (!send(f->e, RETURN_ALL, id, id)) fail_msg("allocation %ld: the resent return failed", n);
    assert_int_equal(returned(f, id), 1);
  }
  assert_true(n <= 2 * count);
  database_sound(f);
  print_message("sale.return with Lua hooks: about %ld allocations; failing each one "
                "in turn: %ld returns refused, %ld recorded despite it, %ld not "
                "reached, %ld spared (lua-cjson)\n",
                count, refused, recorded_anyway, unreached, spared);
}

/* test_allocfail [NAME]: every torture, or the one named (cmocka's test
 * filter), so that CTest runs them side by side under valgrind. */
int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(torture_plain, setup_plain, teardown),
      cmocka_unit_test_setup_teardown(torture_hooks, setup_hooks, teardown),
      cmocka_unit_test_setup_teardown(torture_return, setup_hooks, teardown),
      cmocka_unit_test_setup_teardown(torture_open, setup_plain, teardown),
      cmocka_unit_test_setup_teardown(torture_failing, setup_failing, teardown),
  };
  if (argc == 2) {
    /* A name that matches nothing would run nothing and pass. */
    size_t i = 0, n = sizeof tests / sizeof tests[0];
    while (i < n && strcmp(tests[i].name, argv[1]) != 0) i++;
    if (i == n) argc = 3;
    else cmocka_set_test_filter(argv[1]);
  }
  if (argc > 2) {
    fprintf(stderr, "usage: test_allocfail [torture_plain|torture_hooks|torture_return|"
                    "torture_open|torture_failing]\n");
    return 2;
  }
  return cmocka_run_group_tests(tests, NULL, NULL);
}
