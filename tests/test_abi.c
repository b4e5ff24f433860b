/* SPDX-License-Identifier: MIT */
/* test_abi.c - the frozen layout of include/posplug.h, the loader's
 * version checks against the real plugin and fake ones, and every promise
 * of the header kept by the real plugin through its function table: the
 * host's ABI and the manifest's version and events checked, failures never
 * hidden by a small reply buffer, last_reply() misuse, the stack a call
 * needs. */
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "posplug.h"
#include "posplug_loader.h"

/* ABI 1.0 as shipped (1.1 named the padding, reserved0, and moved
 * nothing).  Changing any of these breaks every host and plugin built
 * before: bump the major instead, or append members at the end. */
static void layout_is_frozen(void **state) {
  (void)state;
  assert_int_equal(POSPLUG_ABI_MAJOR, 1);
  assert_int_equal(POSPLUG_ABI_MINOR, 1);
  assert_int_equal(offsetof(posplug_host_api, reserved0), 12);
  assert_int_equal(offsetof(posplug_plugin_api, reserved0), 12);
  assert_int_equal(sizeof(posplug_error), 4 + 256 + 128);
  assert_int_equal(offsetof(posplug_error, message), 4);
  assert_int_equal(offsetof(posplug_error, where), 260);
  assert_int_equal(offsetof(posplug_host_api, struct_size), 0);
  assert_int_equal(offsetof(posplug_host_api, abi_version), 8);
  assert_int_equal(offsetof(posplug_host_api, host_ctx), 16);
  assert_int_equal(offsetof(posplug_host_api, log), 24);
  assert_int_equal(offsetof(posplug_host_api, now_ms), 32);
  assert_int_equal(sizeof(posplug_host_api), 40);
  assert_int_equal(offsetof(posplug_plugin_api, struct_size), 0);
  assert_int_equal(offsetof(posplug_plugin_api, abi_version), 8);
  assert_int_equal(offsetof(posplug_plugin_api, name), 16);
  assert_int_equal(offsetof(posplug_plugin_api, version), 24);
  assert_int_equal(offsetof(posplug_plugin_api, create), 32);
  assert_int_equal(offsetof(posplug_plugin_api, handle), 40);
  assert_int_equal(offsetof(posplug_plugin_api, last_reply), 48);
  assert_int_equal(offsetof(posplug_plugin_api, reload), 56);
  assert_int_equal(offsetof(posplug_plugin_api, destroy), 64);
  assert_int_equal(sizeof(posplug_plugin_api), 72);
  assert_int_equal(POSPLUG_OK, 0);
  assert_int_equal(POSPLUG_ERR_TOOSMALL, 6);
  assert_int_equal(POSPLUG_ERR_INTERNAL, 9);
}

static void compatibility_rule(void **state) {
  (void)state;
  uint32_t h = POSPLUG_MAKE_VERSION(1, 3);
  assert_true(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(1, 0)));
  assert_true(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(1, 3)));
  assert_false(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(1, 4)));
  assert_false(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(2, 0)));
  assert_false(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(0, 3)));
}

static char manifest[256];

static const char *write_manifest(const char *abi, const char *lib) {
  snprintf(manifest, sizeof manifest, "/tmp/posintent-abi-%d.manifest", (int)getpid());
  FILE *f = fopen(manifest, "w");
  assert_non_null(f);
  fprintf(f,
          "{\"name\":\"posintent\",\"version\":\"0\",\"abi\":\"%s\",\"library\":\"%s\","
          "\"entry\":\"posplug_entry\",\"events\":[],\"config\":{}}",
          abi, lib);
  fclose(f);
  return manifest;
}

static void loads_the_real_plugin(void **state) {
  (void)state;
  posplug_loaded p;
  posplug_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(posplug_load(write_manifest("1.0", PLUGIN_PATH), &p, &err), POSPLUG_OK);
  assert_non_null(p.api);
  assert_int_equal(p.plugin_abi, POSPLUG_ABI_VERSION);
  assert_string_equal(p.api->name, "posintent");
  assert_true(POSPLUG_HAS_MEMBER(p.api, posplug_plugin_api, destroy));
  /* The plugin itself refuses a host of another major. */
  union {
    void *obj;
    posplug_entry_fn fn;
  } entry;
  entry.obj = dlsym(p.handle, POSPLUG_ENTRY_SYMBOL);
  assert_null(entry.fn(POSPLUG_MAKE_VERSION(2, 0), &err));
  assert_int_equal(err.code, POSPLUG_ERR_ABI);
  assert_non_null(strstr(err.message, "1.1"));
  assert_non_null(strstr(err.message, "2.0"));
  posplug_unload(&p);
  assert_null(p.handle);
  unlink(manifest);
}

static void refuses_mismatched_manifest(void **state) {
  (void)state;
  posplug_loaded p;
  posplug_error err;
  const char *bad[] = {"2.0", "1.2", "0.9"};
  for (size_t i = 0; i < 3; i++) {
    memset(&err, 0, sizeof err);
    assert_int_equal(posplug_load(write_manifest(bad[i], PLUGIN_PATH), &p, &err),
                     POSPLUG_ERR_ABI);
    assert_non_null(strstr(err.message, bad[i])); /* the plugin's version */
    assert_non_null(strstr(err.message, "1.1"));  /* and the host's */
    assert_null(p.handle);
  }
  unlink(manifest);
}

static void refuses_mismatched_library(void **state) {
  (void)state;
  posplug_loaded p;
  posplug_error err;
  memset(&err, 0, sizeof err);
  /* The manifest claims 1.0 but the library exports 2.0. */
  assert_int_equal(posplug_load(write_manifest("1.0", FAKE_PLUGIN_PATH), &p, &err),
                   POSPLUG_ERR_ABI);
  assert_non_null(strstr(err.message, "2.0"));
  assert_non_null(strstr(err.message, "1.1"));
  memset(&err, 0, sizeof err);
  assert_int_equal(posplug_load(write_manifest("1.0", "/nonexistent/lib.so"), &p, &err),
                   POSPLUG_ERR_CONFIG);
  assert_string_equal(err.where, "library");
  unlink(manifest);
}

/* ------------------------------------------------------------------------ */
/* The real plugin through its function table, as a host sees it.           */

typedef struct plug {
  posplug_loaded p;
  char dir[256];
  char manifest[300];
  char db[300];
} plug;

/* Write a complete manifest into a fresh directory: `version` and the
 * `events` array as given, `config_extra` appended to "config". */
static void plug_manifest(plug *t, const char *version, const char *events,
                          const char *config_extra) {
  snprintf(t->dir, sizeof t->dir, "/tmp/posintent-abi-XXXXXX");
  assert_non_null(mkdtemp(t->dir));
  snprintf(t->manifest, sizeof t->manifest, "%s/plugin.manifest", t->dir);
  snprintf(t->db, sizeof t->db, "%s/abi.db", t->dir);
  FILE *f = fopen(t->manifest, "w");
  assert_non_null(f);
  fprintf(f,
          "{\"name\":\"posintent\",\"version\":\"%s\",\"abi\":\"1.1\","
          "\"library\":\"%s\",\"entry\":\"posplug_entry\",\"events\":%s,"
          "\"config\":{\"database\":\"%s\",\"store_id\":\"shop-1\","
          "\"store_country\":\"DE\",\"currency\":\"EUR\",\"store_vat\":\"DE136695976\","
          "\"contact_name\":\"Test Owner\",\"durability\":\"normal\"%s}}",
          version, PLUGIN_PATH, events, t->db, config_extra);
  fclose(f);
  posplug_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(posplug_load(t->manifest, &t->p, &err), POSPLUG_OK);
}

static const char all_events[] =
    "[\"sale.begin\",\"sale.line\",\"sale.customer\",\"sale.tag\",\"sale.total\","
    "\"sale.complete\",\"sale.void\",\"scripts.reload\",\"ping\"]";

static void plug_done(plug *t, posplug_instance *in) {
  t->p.api->destroy(in);
  posplug_unload(&t->p);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
  assert_int_equal(system(cmd), 0);
}

static posplug_instance *plug_create(plug *t, const char *overrides) {
  posplug_host_api host;
  memset(&host, 0, sizeof host);
  host.struct_size = sizeof host;
  host.abi_version = POSPLUG_ABI_VERSION;
  posplug_instance *in = NULL;
  posplug_error err;
  memset(&err, 0, sizeof err);
  posplug_status st = t->p.api->create(&host, t->manifest, overrides, &in, &err);
  if (st != POSPLUG_OK) fail_msg("create: %d %s: %s", st, err.where, err.message);
  return in;
}

/* Send one event into a big buffer; returns the status, reply in buf. */
static posplug_status send_big(plug *t, posplug_instance *in, const char *ev, char *buf,
                               size_t cap) {
  size_t n = 0;
  posplug_error err;
  memset(&err, 0, sizeof err);
  posplug_status st = t->p.api->handle(in, ev, strlen(ev), buf, cap, &n, &err);
  assert_true(n < cap);
  assert_int_equal(strlen(buf), n);
  return st;
}

/* create() checks the ABI the host's table claims, not only the one the
 * host passed to posplug_entry(). */
static void create_checks_the_host_abi(void **state) {
  (void)state;
  plug t;
  plug_manifest(&t, POSINTENT_VERSION_TEXT, all_events, "");
  const uint32_t bad[] = {POSPLUG_MAKE_VERSION(2, 0), POSPLUG_MAKE_VERSION(0, 9),
                          POSPLUG_MAKE_VERSION(1, 0)};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    posplug_host_api host;
    memset(&host, 0, sizeof host);
    host.struct_size = sizeof host;
    host.abi_version = bad[i];
    posplug_instance *in = (posplug_instance *)&t; /* must be reset to NULL */
    posplug_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(t.p.api->create(&host, t.manifest, NULL, &in, &err), POSPLUG_ERR_ABI);
    assert_null(in);
    assert_int_equal(err.code, POSPLUG_ERR_ABI);
    assert_string_equal(err.where, "abi_version");
    char want[16];
    snprintf(want, sizeof want, "%u.%u", POSPLUG_VERSION_MAJOR(bad[i]),
             POSPLUG_VERSION_MINOR(bad[i]));
    assert_non_null(strstr(err.message, want));
    assert_non_null(strstr(err.message, "1.1"));
  }
  /* A newer minor on the host's side is fine. */
  posplug_host_api host;
  memset(&host, 0, sizeof host);
  host.struct_size = sizeof host;
  host.abi_version = POSPLUG_MAKE_VERSION(1, 7);
  posplug_instance *in = NULL;
  posplug_error err;
  assert_int_equal(t.p.api->create(&host, t.manifest, NULL, &in, &err), POSPLUG_OK);
  plug_done(&t, in);
}

/* A manifest written for another version of the plugin is refused. */
static void create_checks_the_manifest_version(void **state) {
  (void)state;
  plug t;
  plug_manifest(&t, "0.0.9", all_events, "");
  posplug_host_api host;
  memset(&host, 0, sizeof host);
  host.struct_size = sizeof host;
  host.abi_version = POSPLUG_ABI_VERSION;
  posplug_instance *in = NULL;
  posplug_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(t.p.api->create(&host, t.manifest, NULL, &in, &err),
                   POSPLUG_ERR_CONFIG);
  assert_null(in);
  assert_string_equal(err.where, "version");
  assert_non_null(strstr(err.message, "0.0.9"));
  assert_non_null(strstr(err.message, POSINTENT_VERSION_TEXT));
  plug_done(&t, NULL);
}

/* The manifest's "events" list is what the plugin handles. */
static void manifest_events_filter(void **state) {
  (void)state;
  plug t;
  plug_manifest(&t, POSINTENT_VERSION_TEXT, "[\"ping\",\"sale.begin\"]", "");
  posplug_instance *in = plug_create(&t, NULL);
  char buf[4096];
  assert_int_equal(send_big(&t, in, "{\"type\":\"ping\"}", buf, sizeof buf), POSPLUG_OK);
  assert_non_null(strstr(buf, "\"ok\":true"));
  assert_int_equal(send_big(&t, in,
                            "{\"type\":\"sale.begin\",\"sale\":\"S1\",\"store\":\"shop-1\","
                            "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\"}",
                            buf, sizeof buf),
                   POSPLUG_OK);
  assert_non_null(strstr(buf, "\"ok\":true"));
  assert_int_equal(send_big(&t, in,
                            "{\"type\":\"sale.void\",\"sale\":\"S1\"}", buf, sizeof buf),
                   POSPLUG_OK);
  assert_non_null(strstr(buf, "\"ok\":false"));
  assert_non_null(strstr(buf, "\"code\":\"event_not_enabled\""));
  assert_non_null(strstr(buf, "\"field\":\"type\""));
  assert_non_null(strstr(buf, "sale.void"));
  /* Nothing of the refused event happened: the sale is still open. */
  assert_int_equal(send_big(&t, in, "{\"type\":\"ping\"}", buf, sizeof buf), POSPLUG_OK);
  assert_non_null(strstr(buf, "\"open_sales\":1"));
  plug_done(&t, in);
}

static void last_reply_before_any_event_is_misuse(void **state) {
  (void)state;
  plug t;
  plug_manifest(&t, POSINTENT_VERSION_TEXT, all_events, "");
  posplug_instance *in = plug_create(&t, NULL);
  char buf[256] = "x";
  size_t n = 99;
  assert_int_equal(t.p.api->last_reply(in, buf, sizeof buf, &n), POSPLUG_ERR_MISUSE);
  assert_int_equal(n, 0);
  assert_string_equal(buf, "");
  assert_int_equal(t.p.api->last_reply(NULL, buf, sizeof buf, &n), POSPLUG_ERR_MISUSE);
  plug_done(&t, in);
}

static pid_t locker;
static int to_locker = -1;

/* A child process takes the database's write lock and holds it until told
 * to let go: every write of the plugin fails as "busy", on any machine. */
static void lock_db(const char *path) {
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
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
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

static void unlock_db(void) {
  char c = 'x';
  assert_int_equal(write(to_locker, &c, 1), 1);
  close(to_locker);
  int status;
  assert_int_equal(waitpid(locker, &status, 0), locker);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const char *const sale_events[] = {
    "{\"type\":\"sale.begin\",\"sale\":\"S1\",\"store\":\"shop-1\",\"terminal\":\"T1\","
    "\"cashier\":\"c\",\"at\":\"2026-11-20T10:00:00+01:00\"}",
    "{\"type\":\"sale.line\",\"sale\":\"S1\",\"line\":\"L1\",\"sku\":\"SKU1\","
    "\"name\":\"Item 1\",\"qty\":1,\"unit_price\":119,\"net\":100,\"tax\":19}",
    "{\"type\":\"sale.line\",\"sale\":\"S1\",\"line\":\"L2\",\"sku\":\"SKU2\","
    "\"name\":\"Item 2\",\"qty\":2,\"unit_price\":238,\"net\":400,\"tax\":76}",
    "{\"type\":\"sale.customer\",\"sale\":\"S1\",\"customer\":{\"id\":\"C1\","
    "\"name\":\"Wiederverkauf GmbH\",\"org\":true,\"vat\":\"ATU13585627\"}}",
    "{\"type\":\"sale.tag\",\"sale\":\"S1\",\"purpose\":\"resale\"}",
    "{\"type\":\"sale.total\",\"sale\":\"S1\"}"};
static const char complete_s1[] =
    "{\"type\":\"sale.complete\",\"sale\":\"S1\",\"total\":595,"
    "\"tenders\":[{\"type\":\"card\",\"amount\":595}]}";

/* A storage failure with a reply buffer too small for its reply: handle()
 * says STORAGE (not TOOSMALL), and so does last_reply() however often it
 * is asked; the completion, resent once the lock is gone, records. */
static void small_buffer_does_not_hide_a_failure(void **state) {
  (void)state;
  plug t;
  plug_manifest(&t, POSINTENT_VERSION_TEXT, all_events, "");
  posplug_instance *in = plug_create(&t, "{\"busy_timeout_ms\":1}");
  char big[8192], small[8];
  for (size_t i = 0; i < sizeof sale_events / sizeof sale_events[0]; i++) {
    assert_int_equal(send_big(&t, in, sale_events[i], big, sizeof big), POSPLUG_OK);
    assert_non_null(strstr(big, "\"ok\":true"));
  }
  lock_db(t.db);
  size_t n = 0;
  posplug_error err;
  memset(&err, 0, sizeof err);
  posplug_status st = t.p.api->handle(in, complete_s1, strlen(complete_s1), small,
                                      sizeof small, &n, &err);
  assert_int_equal(st, POSPLUG_ERR_STORAGE);
  assert_int_equal(err.code, POSPLUG_ERR_STORAGE);
  assert_non_null(strstr(err.message, "last_reply"));
  assert_string_equal(small, "");
  assert_true(n >= sizeof small); /* the reply's length: it did not fit */
  size_t need = n;
  /* Still too small: TOOSMALL, and the length again. */
  assert_int_equal(t.p.api->last_reply(in, small, sizeof small, &n),
                   POSPLUG_ERR_TOOSMALL);
  assert_int_equal(n, need);
  /* Exactly large enough (reply_len + 1), twice: the failure each time. */
  char *exact = malloc(need + 1);
  assert_non_null(exact);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(t.p.api->last_reply(in, exact, need + 1, &n), POSPLUG_ERR_STORAGE);
    assert_int_equal(n, need);
    assert_int_equal(strlen(exact), need);
    assert_non_null(strstr(exact, "\"ok\":false"));
    assert_non_null(strstr(exact, "\"code\":\"storage\""));
  }
  free(exact);
  unlock_db();
  /* Resent, with the small buffer: recorded, so only TOOSMALL. */
  memset(&err, 0, sizeof err);
  st = t.p.api->handle(in, complete_s1, strlen(complete_s1), small, sizeof small, &n,
                       &err);
  assert_int_equal(st, POSPLUG_ERR_TOOSMALL);
  assert_int_equal(t.p.api->last_reply(in, big, sizeof big, &n), POSPLUG_OK);
  assert_int_equal(strlen(big), n);
  assert_non_null(strstr(big, "\"recorded\":true"));
  plug_done(&t, in);
}

/* ---- the stack a call needs ------------------------------------------------ */

#define PAINT 0xa5
#define STACK_GIVEN (4u << 20)

typedef struct stack_run {
  plug *t;
  posplug_instance *in;
  int failed;
} stack_run;

static void *stack_thread(void *arg) {
  stack_run *r = arg;
  char buf[8192];
  r->in = plug_create(r->t, NULL);
  for (size_t i = 0; i < sizeof sale_events / sizeof sale_events[0]; i++)
    if (send_big(r->t, r->in, sale_events[i], buf, sizeof buf) != POSPLUG_OK ||
        strstr(buf, "\"ok\":true") == NULL)
      r->failed = 1;
  if (send_big(r->t, r->in, complete_s1, buf, sizeof buf) != POSPLUG_OK ||
      strstr(buf, "\"recorded\":true") == NULL)
    r->failed = 1;
  posplug_error err;
  if (r->t->p.api->reload(r->in, &err) != POSPLUG_OK) r->failed = 1;
  r->t->p.api->destroy(r->in);
  r->in = NULL;
  return NULL;
}

/* Create, a whole sale with a store script that nests C calls as deep as
 * Lua allows (tests/data/stack-scripts/deep.lua), a reload and destroy, on
 * a thread whose stack is painted first: the bytes no longer painted are
 * the most any call used.  posplug.h promises at most
 * POSPLUG_STACK_NEEDED.  Sanitizers put redzones around every local, so
 * a sanitized build is allowed four times as much. */
static void stack_a_call_needs(void **state) {
  (void)state;
  plug t;
  plug_manifest(&t, POSINTENT_VERSION_TEXT, all_events,
                ",\"scripts\":{\"dir\":\"" POSINTENT_SOURCE_DIR "/tests/data/stack-scripts\","
                "\"hook_ms\":5000}");
  unsigned char *stack = malloc(STACK_GIVEN);
  assert_non_null(stack);
  memset(stack, PAINT, STACK_GIVEN);
  pthread_attr_t attr;
  assert_int_equal(pthread_attr_init(&attr), 0);
  assert_int_equal(pthread_attr_setstack(&attr, stack, STACK_GIVEN), 0);
  stack_run r = {.t = &t};
  pthread_t th;
  assert_int_equal(pthread_create(&th, &attr, stack_thread, &r), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  pthread_attr_destroy(&attr);
  assert_false(r.failed);
  size_t untouched = 0;
  while (untouched < STACK_GIVEN && stack[untouched] == PAINT) untouched++;
  size_t used = STACK_GIVEN - untouched;
  free(stack);
  size_t allowed = POSPLUG_STACK_NEEDED;
#if defined(__SANITIZE_ADDRESS__)
  allowed *= 4;
#endif
  printf("stack: a sale with a deeply nesting store script used %zu bytes (%.1f KiB) of the "
         "calling thread's stack, including the thread's own descriptor; "
         "posplug.h promises at most %u KiB\n",
         used, (double)used / 1024, POSPLUG_STACK_NEEDED / 1024u);
  assert_true(used > 0);
  assert_true(used <= allowed);
  plug_done(&t, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(layout_is_frozen), cmocka_unit_test(compatibility_rule),
      cmocka_unit_test(loads_the_real_plugin),
      cmocka_unit_test(refuses_mismatched_manifest),
      cmocka_unit_test(refuses_mismatched_library),
      cmocka_unit_test(create_checks_the_host_abi),
      cmocka_unit_test(create_checks_the_manifest_version),
      cmocka_unit_test(manifest_events_filter),
      cmocka_unit_test(last_reply_before_any_event_is_misuse),
      cmocka_unit_test(small_buffer_does_not_hide_a_failure),
      cmocka_unit_test(stack_a_call_needs)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
