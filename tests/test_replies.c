/* SPDX-License-Identifier: MIT */
/*
 * test_replies.c - property: every reply and every log line the plugin
 * emits is valid UTF-8, and every reply is one JSON object, whatever the
 * host sends.
 *
 * Inputs go through the real plugin (libposintent.so, dlopen'ed, its
 * handle()): every file of the fuzz corpora (fuzz/corpus/<*>/), then
 * seeded random inputs: raw bytes, corpus files with bytes changed, and
 * events whose strings and member names hold random bytes (invalid UTF-8,
 * long multi-byte names, escaped NULs).  A store script (tests/data/
 * utf8-scripts) raises errors and logs lines made of bytes that are not
 * UTF-8, under fail_closed, so its text heads for the reply and the log.
 * Each reply is parsed by cJSON and its bytes checked by the strict
 * validator (src/utf8.c).
 *
 * The seed is printed; POSINTENT_SEED=<n> replays a run, and
 * POSINTENT_ROUNDS=<n> changes the number of random inputs.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "posplug.h"
#include "base/utf8.h"

#define REPLY_CAP 65536
#define INPUT_MAX 4096

static uint64_t seed, rng;
static const posplug_plugin_api *api;
static posplug_instance *inst;
static void *lib;
static char db[256];
static int bad_log_lines;
static size_t inputs_run;

/* xorshift64*: small, and the same on every machine. */
static uint64_t next(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * UINT64_C(2685821657736338717);
}

static size_t below(size_t n) { return n ? (size_t)(next() % n) : 0; }

static void print_bytes(const char *what, const char *s, size_t n) {
  fprintf(stderr, "%s (%zu bytes): \"", what, n);
  for (size_t i = 0; i < n && i < 2048; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
      fputc(c, stderr);
    else
      fprintf(stderr, "\\x%02x", c);
  }
  fprintf(stderr, "\"\n");
}

/* A log line must be valid UTF-8 text, one line. */
static void host_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  (void)level;
  int ok = utf8_valid(msg);
  for (const char *p = msg; ok && *p; p++)
    if ((unsigned char)*p < 0x20 && *p != '\t') ok = 0;
  if (!ok) {
    bad_log_lines++;
    print_bytes("log line not valid UTF-8 text", msg, strlen(msg));
  }
}

static int setup(void **state) {
  (void)state;
  const char *env = getenv("POSINTENT_SEED");
  seed = env ? (uint64_t)strtoull(env, NULL, 10)
             : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
  if (seed == 0) seed = 1; /* xorshift's one fixed point */
  rng = seed;
  printf("test_replies: seed %" PRIu64 " (replay with POSINTENT_SEED=%" PRIu64 ")\n", seed,
         seed);
  fflush(stdout);

  lib = dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  assert_non_null(lib);
  posplug_entry_fn entry;
  *(void **)&entry = dlsym(lib, POSPLUG_ENTRY_SYMBOL);
  assert_non_null(entry);
  posplug_error err;
  api = entry(POSPLUG_ABI_VERSION, &err);
  assert_non_null(api);

  static posplug_host_api host = {.struct_size = sizeof host,
                                  .abi_version = POSPLUG_ABI_VERSION,
                                  .log = host_log};
  snprintf(db, sizeof db, "/tmp/posintent-replies-%d.db", (int)getpid());
  unlink(db);
  char over[1024];
  snprintf(over, sizeof over,
           "{\"database\":\"%s\",\"durability\":\"normal\","
           "\"scripts\":{\"dir\":\"%s/tests/data/utf8-scripts\","
           "\"on_error\":\"fail_closed\"}}",
           db, POSINTENT_SOURCE_DIR);
  posplug_status st =
      api->create(&host, POSINTENT_BINARY_DIR "/plugin.manifest", over, &inst, &err);
  if (st != POSPLUG_OK) fail_msg("create: %s: %s", err.where, err.message);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (api && inst) api->destroy(inst);
  if (lib) dlclose(lib);
  char side[300];
  unlink(db);
  snprintf(side, sizeof side, "%s-wal", db);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", db);
  unlink(side);
  snprintf(side, sizeof side, "%s-journal", db);
  unlink(side);
  return 0;
}

/* Send one input and check its reply; fails the test naming the seed. */
static void check(const char *in, size_t n) {
  static char reply[REPLY_CAP];
  size_t len = 0;
  posplug_error err;
  memset(&err, 0, sizeof err);
  int logged_bad = bad_log_lines;
  posplug_status st = api->handle(inst, in, n, reply, sizeof reply, &len, &err);
  if (st == POSPLUG_ERR_TOOSMALL)
    fail_msg("a reply of %zu bytes (seed %" PRIu64 ")", len, seed);
  inputs_run++;
  const char *why = NULL;
  cJSON *o = NULL;
  if (st == POSPLUG_ERR_MISUSE || st == POSPLUG_ERR_INTERNAL)
    why = "handle() failed outright";
  else if (len != strlen(reply))
    why = "reply_len is not strlen(reply)";
  else if (!utf8_valid_n(reply, len))
    why = "the reply is not valid UTF-8";
  else if ((o = cJSON_ParseWithLength(reply, len)) == NULL || !cJSON_IsObject(o))
    why = "the reply is not one JSON object";
  else if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(o, "ok")))
    why = "the reply has no \"ok\"";
  else if (!utf8_valid(err.message) || !utf8_valid(err.where))
    why = "posplug_error is not valid UTF-8";
  else if (bad_log_lines != logged_bad)
    why = "a log line was not valid UTF-8 text";
  cJSON_Delete(o);
  if (why) {
    print_bytes("input", in, n);
    print_bytes("reply", reply, strnlen(reply, sizeof reply));
    fail_msg("%s (status %d; seed %" PRIu64 ", input %zu)", why, (int)st, seed,
             inputs_run);
  }
}

static void every_corpus_file(void **state) {
  (void)state;
  static const char *const dirs[] = {"event", "hooks", "manifest", "taxid"};
  size_t files = 0;
  for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
    char path[512];
    snprintf(path, sizeof path, "%s/fuzz/corpus/%s", POSINTENT_SOURCE_DIR, dirs[d]);
    DIR *dir = opendir(path);
    assert_non_null(dir);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
      if (e->d_name[0] == '.') continue;
      char file[1024];
      snprintf(file, sizeof file, "%s/%s", path, e->d_name);
      FILE *f = fopen(file, "rb");
      assert_non_null(f);
      static char buf[1 << 20];
      size_t n = fread(buf, 1, sizeof buf, f);
      assert_true(feof(f)); /* no corpus file is cut */
      fclose(f);
      check(buf, n);
      files++;
    }
    closedir(dir);
  }
  printf("test_replies: %zu corpus files\n", files);
  assert_true(files > 100);
}

/* Random bytes for a string or member name: mostly high bytes (valid and
 * invalid UTF-8 alike), some ASCII, now and then an escape. */
static size_t random_text(char *out, size_t max) {
  static const char *const pieces[] = {
      "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc0\xaf", "\xed\xa0\x80",
      "\xf4\x90\x80\x80", "\xc3", "\xe2\x82", "\xff", "\x80", "\\u0000", "\\n",
      "\\u00e9", "\\ud83d\\ude00", "a", "Z", " ", "\x7f", "\t"};
  size_t n = 0, want = below(max);
  while (n < want) {
    const char *p;
    char one[2] = {0, 0};
    if (below(3) == 0) {
      unsigned char c = (unsigned char)below(256);
      if (c == '"' || c == '\\' || c == 0) c = 'x';
      one[0] = (char)c;
      p = one;
    } else {
      p = pieces[below(sizeof pieces / sizeof pieces[0])];
    }
    size_t k = strlen(p);
    if (n + k > want) break;
    memcpy(out + n, p, k);
    n += k;
  }
  return n;
}

/* One event from a template, "%s" replaced by random text. */
static size_t random_event(char *out, size_t cap) {
  static const char *const templates[] = {
      "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"s\",\"terminal\":\"t\","
      "\"at\":\"2026-11-20T10:00:00Z\"}",
      "{\"type\":\"sale.begin\",\"sale\":\"R1\",\"store\":\"s\",\"terminal\":\"t\","
      "\"cashier\":\"%s\",\"at\":\"2026-11-20T10:00:00Z\"}",
      "{\"type\":\"sale.line\",\"sale\":\"R1\",\"line\":\"L1\",\"name\":\"%s\","
      "\"qty\":1,\"unit_price\":100,\"net\":100,\"tax\":0}",
      "{\"type\":\"sale.tag\",\"sale\":\"R1\",\"purpose\":\"gift\",\"message\":\"%s\"}",
      "{\"type\":\"sale.total\",\"sale\":\"R1\"}",
      "{\"type\":\"sale.void\",\"sale\":\"R1\",\"reason\":\"%s\"}",
      "{\"type\":\"ping\",\"%s\":1}",
      "{\"type\":\"sale.void\",\"sale\":\"R1\",\"%s\":1}",
      "{\"type\":\"sale.customer\",\"sale\":\"R1\",\"customer\":{\"%s\":\"x\"}}",
      "{\"type\":\"sale.customer\",\"sale\":\"R1\",\"customer\":{\"vat\":\"%s\"}}",
      "{\"type\":\"%s\"}",
      "{\"type\":\"sale.complete\",\"sale\":\"R1\",\"total\":100,"
      "\"tenders\":[{\"type\":\"%s\",\"amount\":100}]}",
  };
  const char *t = templates[below(sizeof templates / sizeof templates[0])];
  const char *at = strstr(t, "%s");
  size_t n = at ? (size_t)(at - t) : strlen(t);
  memcpy(out, t, n);
  if (at == NULL) return n;
  n += random_text(out + n, below(2) ? 40 : 300);
  size_t rest = strlen(at + 2);
  assert_true(n + rest <= cap);
  memcpy(out + n, at + 2, rest);
  return n + rest;
}

static void random_inputs(void **state) {
  (void)state;
  const char *env = getenv("POSINTENT_ROUNDS");
  size_t rounds = env ? strtoul(env, NULL, 10) : 3000;
  static char in[INPUT_MAX];
  for (size_t r = 0; r < rounds; r++) {
    size_t n;
    switch (below(3)) {
    case 0: /* raw bytes */
      n = below(200);
      for (size_t i = 0; i < n; i++) in[i] = (char)below(256);
      break;
    case 1: /* an event with some bytes changed */
      n = random_event(in, sizeof in);
      for (size_t k = below(4); k > 0 && n > 0; k--) in[below(n)] = (char)below(256);
      break;
    default:
      n = random_event(in, sizeof in);
    }
    check(in, n);
  }
  printf("test_replies: %zu random inputs\n", rounds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_corpus_file),
      cmocka_unit_test(random_inputs),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
