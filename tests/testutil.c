/* SPDX-License-Identifier: MIT */
/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

void tu_tempdir(char *buf, size_t cap) {
  const char *tmp = getenv("TMPDIR");
  snprintf(buf, cap, "%s/posintent-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  assert_non_null(mkdtemp(buf));
}

void tu_rmtree(const char *path) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  assert_int_equal(system(cmd), 0);
}

static void quiet_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  if (getenv("POSINTENT_TEST_VERBOSE")) fprintf(stderr, "log[%d] %s\n", level, msg);
}

engine *tu_engine(const char *db, const char *extra_json) {
  char over[2048];
  snprintf(over, sizeof over, "{\"database\":\"%s\"%s%s}", db, extra_json ? "," : "",
           extra_json ? extra_json : "");
  engine_options opt = {.manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
                        .overrides_json = over,
                        .log = quiet_log};
  engine *e = NULL;
  pi_error err;
  pi_error_clear(&err);
  if (engine_open(&opt, &e, &err))
    fail_msg("engine_open: %s (%s)", err.message, err.field);
  return e;
}

static cJSON *vsend(engine *e, int *status, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static cJSON *vsend(engine *e, int *status, const char *fmt, va_list ap) {
  char buf[16384];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  const char *reply;
  size_t len;
  int st = engine_handle(e, buf, (size_t)n, &reply, &len);
  if (status) *status = st;
  assert_int_equal(strlen(reply), len);
  cJSON *r = cJSON_Parse(reply);
  if (r == NULL) fail_msg("reply is not JSON: %s", reply);
  return r;
}

cJSON *tu_send(engine *e, int *status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cJSON *r = vsend(e, status, fmt, ap);
  va_end(ap);
  return r;
}

cJSON *tu_ok(engine *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cJSON *r = vsend(e, NULL, fmt, ap);
  va_end(ap);
  if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
    char *t = cJSON_PrintUnformatted(r);
    fail_msg("expected ok:true, got %s", t);
  }
  return r;
}

cJSON *tu_err(engine *e, const char *code, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cJSON *r = vsend(e, NULL, fmt, ap);
  va_end(ap);
  const char *c = tu_str(r, "error.code");
  if (!cJSON_IsFalse(cJSON_GetObjectItem(r, "ok")) || c == NULL || strcmp(c, code) != 0 ||
      (field && strcmp(tu_str(r, "error.field"), field) != 0)) {
    char *t = cJSON_PrintUnformatted(r);
    fail_msg("expected error %s (field %s), got %s", code, field ? field : "*", t);
  }
  const char *msg = tu_str(r, "error.message");
  assert_non_null(msg);
  assert_true(strlen(msg) > 10); /* a sentence, not a bare code */
  return r;
}

static const cJSON *walk(const cJSON *o, const char *path) {
  char part[64];
  while (o && *path) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    snprintf(part, sizeof part, "%.*s", (int)n, path);
    if (cJSON_IsArray(o))
      o = cJSON_GetArrayItem(o, atoi(part));
    else
      o = cJSON_GetObjectItemCaseSensitive(o, part);
    path += n + (dot ? 1 : 0);
  }
  return o;
}

const char *tu_str(const cJSON *o, const char *path) {
  const cJSON *it = walk(o, path);
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

double tu_num(const cJSON *o, const char *path) {
  const cJSON *it = walk(o, path);
  if (cJSON_IsBool(it)) return cJSON_IsTrue(it) ? 1 : 0;
  return cJSON_IsNumber(it) ? it->valuedouble : -1;
}

static sqlite3_stmt *query(const char *db, const char *sql, sqlite3 **h) {
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_open_v2(db, h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  if (sqlite3_prepare_v2(*h, sql, -1, &q, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(*h));
  return q;
}

int64_t tu_sql_int(const char *db, const char *sql) {
  sqlite3 *h;
  sqlite3_stmt *q = query(db, sql, &h);
  int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
  sqlite3_finalize(q);
  sqlite3_close(h);
  return v;
}

void tu_sql_text(const char *db, const char *sql, char *buf, size_t cap) {
  sqlite3 *h;
  sqlite3_stmt *q = query(db, sql, &h);
  buf[0] = '\0';
  if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
    snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  sqlite3_close(h);
}
