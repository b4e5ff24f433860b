/* SPDX-License-Identifier: MIT */
/* test_threads.c - posplug.h lets distinct instances run on different
 * threads at once: eight instances of the real plugin, created through the
 * loader, each on its own thread with store scripts loaded, each running
 * sales (one in four with a script that loops until its time budget stops
 * it, and a malformed event now and then).  Every reply must be what one
 * thread alone would get.  Built with POSINTENT_TSAN=ON, ThreadSanitizer
 * checks that the instances share nothing unguarded (scripts/test.sh runs
 * it so). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "posplug.h"
#include "posplug_loader.h"

#define THREADS 8
#define SALES 12

/* Stops any on_total of a sale whose id ends in X by its time budget; the
 * others pass.  Loaded beside the soak scripts, which work at every hook. */
static const char looper[] =
    "return { on_total = function(sale)\n"
    "  if sale.id:sub(-1) == 'X' then while true do end end\n"
    "end }\n";

static posplug_loaded plugin;
static char tmp[256];

typedef struct till {
  int n;                 /* 0..THREADS-1 */
  int logs;              /* log lines this instance wrote */
  int timeouts;          /* of which time-outs */
  char failure[512];     /* "" or what went wrong first */
} till;

/* Host log service: called on the thread of the call, so the instance's
 * own counters need no lock. */
static void host_log(void *ctx, int level, const char *msg) {
  (void)level;
  till *t = ctx;
  t->logs++;
  if (strstr(msg, "time budget of")) t->timeouts++;
}

static void failf(till *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(till *t, const char *fmt, ...) {
  if (t->failure[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->failure, sizeof t->failure, fmt, ap);
  va_end(ap);
}

/* Send one event; the reply must contain `want`. */
static void send(till *t, posplug_instance *inst, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void send(till *t, posplug_instance *inst, const char *want, const char *fmt, ...) {
  char ev[1024], reply[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ev, sizeof ev, fmt, ap);
  va_end(ap);
  size_t len = 0;
  posplug_error err;
  posplug_status st =
      plugin.api->handle(inst, ev, strlen(ev), reply, sizeof reply, &len, &err);
  if (st != POSPLUG_OK)
    failf(t, "till %d: %s: status %d: %s", t->n, ev, (int)st, err.message);
  else if (strstr(reply, want) == NULL)
    failf(t, "till %d: %s: reply %s lacks %s", t->n, ev, reply, want);
}

static void *run_till(void *arg) {
  till *t = arg;
  posplug_host_api host = {.struct_size = sizeof host,
                           .abi_version = POSPLUG_ABI_VERSION,
                           .host_ctx = t,
                           .log = host_log};
  char over[1024];
  snprintf(over, sizeof over,
           "{\"database\":\"%s/till%d.db\",\"store_id\":\"shop-1\","
           "\"scripts\":{\"dir\":\"%s/scripts\",\"hook_ms\":200,\"memory_mb\":16}}",
           tmp, t->n, tmp);
  posplug_instance *inst = NULL;
  posplug_error err;
  if (plugin.api->create(&host, POSINTENT_BINARY_DIR "/plugin.manifest", over, &inst,
                         &err) != POSPLUG_OK) {
    failf(t, "till %d: create: %s: %s", t->n, err.where, err.message);
    return NULL;
  }
  for (int i = 0; i < SALES; i++) {
    char id[32];
    snprintf(id, sizeof id, "T%d-S%d%s", t->n, i, i % 4 == 1 ? "X" : "");
    send(t, inst, "\"ok\":true",
         "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\",\"terminal\":"
         "\"T%d\",\"at\":\"2026-11-20T10:00:00+01:00\"}", id, t->n);
    send(t, inst, "\"ok\":true",
         "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L1\",\"sku\":\"BEAN\","
         "\"qty\":1,\"unit_price\":1190,\"net\":1000,\"tax\":190}", id);
    send(t, inst, "\"ok\":true",
         "{\"type\":\"sale.customer\",\"sale\":\"%s\",\"customer\":{\"id\":\"C-%d\","
         "\"name\":\"Bar %d\",\"vat\":\"DE129273398\"}}", id, i, i);
    send(t, inst, "\"ok\":true",
         "{\"type\":\"sale.tag\",\"sale\":\"%s\",\"purpose\":\"%s\"}", id,
         i % 2 ? "resale" : "gift");
    /* A malformed event: refused with its own error position, whatever
     * the others are parsing at the same moment (cJSON stops just past the
     * ']', at byte 32 + the length of the id). */
    char at[64];
    snprintf(at, sizeof at, "(at byte %zu)", 32 + strlen(id));
    send(t, inst, at, "{\"type\":\"sale.total\",\"sale\":\"%s\",]}", id);
    send(t, inst, "\"ok\":true", "{\"type\":\"sale.total\",\"sale\":\"%s\"}", id);
    send(t, inst, "\"recorded\":true",
         "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":1190}", id);
  }
  plugin.api->destroy(inst);
  return NULL;
}

static void instances_run_on_threads_at_once(void **state) {
  (void)state;
  till tills[THREADS];
  pthread_t th[THREADS];
  memset(tills, 0, sizeof tills);
  for (int i = 0; i < THREADS; i++) {
    tills[i].n = i;
    assert_int_equal(pthread_create(&th[i], NULL, run_till, &tills[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
  for (int i = 0; i < THREADS; i++) {
    if (tills[i].failure[0]) fail_msg("%s", tills[i].failure);
    /* Each instance logged its own lines: the signal it uses, and the
     * time-outs of its own looping sales (at least those). */
    assert_true(tills[i].logs > 0);
    assert_true(tills[i].timeouts >= SALES / 4);
  }
}

int main(void) {
  snprintf(tmp, sizeof tmp, "/tmp/posintent-threads-%d", (int)getpid());
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/scripts' && cp %s/tests/data/"
           "soak-scripts/*.lua '%s/scripts/'", tmp, tmp, POSINTENT_SOURCE_DIR, tmp);
  if (system(cmd) != 0) return 1;
  snprintf(cmd, sizeof cmd, "%s/scripts/90_looper.lua", tmp);
  FILE *f = fopen(cmd, "w");
  if (f == NULL || fputs(looper, f) < 0 || fclose(f) != 0) return 1;
  posplug_error err;
  if (posplug_load(POSINTENT_BINARY_DIR "/plugin.manifest", &plugin, &err) != POSPLUG_OK) {
    fprintf(stderr, "test_threads: %s: %s\n", err.where, err.message);
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(instances_run_on_threads_at_once),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  posplug_unload(&plugin);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) rc = 1;
  return rc;
}
