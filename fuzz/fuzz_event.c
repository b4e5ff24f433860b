/* SPDX-License-Identifier: MIT */
/*
 * fuzz_event.c - libFuzzer target for event handling through the public ABI.
 *
 * The input is a session: one event per line (a single line when it has no
 * newline), each sent through handle() of a plugin instance obtained the
 * way a host obtains it, from posplug_entry()'s function table (src/abi/plugin.c
 * is linked in, the core statically).  The instance runs on an in-memory
 * database, so a session exercises the whole path: parse, domain, decision,
 * storage, reply.
 *
 * Whatever the bytes, the contract of include/posplug.h must hold, or the
 * target aborts:
 *   - handle() returns OK, or STORAGE / NOMEM with a reply, or TOOSMALL;
 *     *reply_len is the reply's length whether it fit or not;
 *   - the reply is NUL-terminated, *reply_len is its length, and it is one
 *     JSON object with a boolean "ok"; a refusal carries error.code and
 *     error.message strings, and a non-OK status comes with ok:false;
 *   - when the reply did not fit, last_reply() into a large buffer yields
 *     it with handle()'s status (OK for TOOSMALL; a failure stays one);
 *   - ping always answers, with the number of open sales.
 *
 * The instance is kept across inputs (creating one costs a schema) and
 * replaced every FUZZ_RESET_EVERY inputs, or when many sales are left open,
 * so memory stays flat.  A finding is replayed by running the target on the
 * one file: sessions start with `sale.begin`, so most reproduce alone.
 *
 * Build: cmake -DPOSINTENT_FUZZ=ON -DCMAKE_C_COMPILER=clang (or
 * scripts/fuzz.sh).  Run: ./fuzz_event -dict=fuzz/event.dict CORPUS_COPY
 * Environment: POSINTENT_FUZZ_SCRIPTS=DIR loads store scripts from DIR.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "posplug.h"

#define FUZZ_RESET_EVERY 500
#define FUZZ_MAX_EVENTS 64
#define FUZZ_OPEN_SALES_MAX 100

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const posplug_plugin_api *api;
static posplug_instance *inst;
static unsigned inputs;
static char overrides[1400];

static void quiet_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  (void)level;
  (void)msg;
}

/* A fixed clock: the same input gives the same replies. */
static int64_t fixed_now(void *ctx) {
  (void)ctx;
  return INT64_C(1795000000000);
}

static const posplug_host_api host = {.struct_size = sizeof(posplug_host_api),
                                      .abi_version = POSPLUG_ABI_VERSION,
                                      .log = quiet_log,
                                      .now_ms = fixed_now};

static void die(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_event: %s: %s\n", what, detail);
  abort();
}

static void fresh_instance(void) {
  if (inst) api->destroy(inst);
  inst = NULL;
  posplug_error err;
  memset(&err, 0, sizeof err);
  if (api->create(&host, POSINTENT_SOURCE_DIR "/tests/data/test.manifest", overrides,
                  &inst, &err) != POSPLUG_OK)
    die("create", err.message);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  posplug_error err;
  memset(&err, 0, sizeof err);
  api = posplug_entry(POSPLUG_ABI_VERSION, &err);
  if (api == NULL) die("posplug_entry", err.message);
  const char *scripts = getenv("POSINTENT_FUZZ_SCRIPTS");
#ifdef FUZZ_DEFAULT_SCRIPTS
  if (scripts == NULL) scripts = FUZZ_DEFAULT_SCRIPTS;
#endif
  if (scripts && strlen(scripts) < 1000 && !strpbrk(scripts, "\"\\"))
    snprintf(overrides, sizeof overrides,
             "{\"database\":\":memory:\",\"durability\":\"none\","
             "\"store_id\":\"shop-1\",\"scripts\":{\"dir\":\"%s\"}}",
             scripts);
  else
    snprintf(overrides, sizeof overrides,
             "{\"database\":\":memory:\",\"durability\":\"none\","
             "\"store_id\":\"shop-1\"}");
  fresh_instance();
  return 0;
}

/* The reply must be one JSON object keeping the contract; returns its ok. */
static int check_reply(const char *reply, size_t len, posplug_status st) {
  if (memchr(reply, '\0', len) != NULL || reply[len] != '\0')
    die("reply", "length and NUL do not agree");
  cJSON *r = cJSON_ParseWithLength(reply, len);
  if (r == NULL || !cJSON_IsObject(r)) die("reply is not a JSON object", reply);
  const cJSON *ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
  if (!cJSON_IsBool(ok)) die("reply without a boolean ok", reply);
  int good = cJSON_IsTrue(ok);
  if (!good) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "code")) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "message")) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "field")))
      die("refusal without code, message and field", reply);
  }
  if (st != POSPLUG_OK && good) die("a failed call with an ok reply", reply);
  cJSON_Delete(r);
  return good;
}

static char reply[1 << 16];

/* Send one event; every fourth with a tiny reply buffer, to take the
 * TOOSMALL / last_reply() path. */
static void send(const char *ev, size_t len, int tiny) {
  posplug_error err;
  memset(&err, 0, sizeof err);
  size_t n = 0, cap = tiny ? 24 : sizeof reply;
  posplug_status st = api->handle(inst, ev, len, reply, cap, &n, &err);
  if (n >= cap) { /* handled, but the reply did not fit */
    if (st != POSPLUG_ERR_TOOSMALL && st != POSPLUG_ERR_STORAGE && st != POSPLUG_ERR_NOMEM)
      die("handle returned", err.message);
    if (!tiny && n < sizeof reply) die("handle", "did not fit with room to spare");
    if (n >= sizeof reply) return; /* a reply over 64 KiB: fine, not ours to read */
    size_t need = n;
    posplug_status want = st == POSPLUG_ERR_TOOSMALL ? POSPLUG_OK : st;
    st = api->last_reply(inst, reply, sizeof reply, &n);
    if (st != want) die("last_reply", "a status other than handle()'s");
    if (n != need) die("last_reply", "length differs from what handle() said");
  } else if (st == POSPLUG_ERR_TOOSMALL) {
    die("handle", "TOOSMALL, yet reply_len says the reply fit");
  } else if (st != POSPLUG_OK && st != POSPLUG_ERR_STORAGE && st != POSPLUG_ERR_NOMEM) {
    die("handle returned", err.message);
  }
  check_reply(reply, n, st);
}

/* How many sales does the instance hold open? */
static int open_sales(void) {
  static const char ping[] = "{\"type\":\"ping\"}";
  size_t n = 0;
  posplug_error err;
  if (api->handle(inst, ping, sizeof ping - 1, reply, sizeof reply, &n, &err) !=
      POSPLUG_OK)
    die("ping", err.message);
  cJSON *r = cJSON_ParseWithLength(reply, n);
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(r, "open_sales");
  if (!cJSON_IsNumber(o) || o->valuedouble < 0) die("ping", reply);
  int count = (int)o->valuedouble;
  cJSON_Delete(r);
  return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *end = p + size;
  int events = 0;
  while (p <= end && events < FUZZ_MAX_EVENTS) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    send(p, len, events % 4 == 3);
    events++;
    if (nl == NULL) break;
    p = nl + 1;
  }
  if (++inputs % FUZZ_RESET_EVERY == 0 || open_sales() > FUZZ_OPEN_SALES_MAX)
    fresh_instance();
  return 0;
}
