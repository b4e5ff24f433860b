/* SPDX-License-Identifier: MIT */
/* test_manifest.c - plugin.manifest: defaults, overrides and refusals that
 * name the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event/event.h"
#include "config/manifest.h"
#include "posplug.h"
#include "domain/sale.h"

static char path[256];

static const char *write_manifest(const char *config_members, const char *top_extra) {
  snprintf(path, sizeof path, "/tmp/posintent-manifest-%d.json", (int)getpid());
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f,
          "{\"name\":\"posintent\",\"version\":\"1\",\"abi\":\"1.0\","
          "\"library\":\"lib/libposintent.so\",\"entry\":\"posplug_entry\","
          "\"events\":[\"sale.begin\",\"ping\"]%s,"
          "\"config\":{\"database\":\"d.db\",\"store_id\":\"s\","
          "\"store_country\":\"DE\",\"currency\":\"EUR\"%s}}",
          top_extra, config_members);
  fclose(f);
  return path;
}

static int load(const char *cfg, const char *top, const char *over, plugin_config *c,
                pi_error *err) {
  manifest_identity id;
  pi_error_clear(err);
  return manifest_load(write_manifest(cfg, top), over, &id, c, err);
}

static void defaults_and_paths(void **state) {
  (void)state;
  manifest_identity id;
  plugin_config c;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(manifest_load(write_manifest("", ""), NULL, &id, &c, &err), 0);
  assert_string_equal(id.library, "/tmp/lib/libposintent.so");
  assert_string_equal(c.database, "/tmp/d.db");
  assert_int_equal(id.abi, POSPLUG_MAKE_VERSION(1, 0));
  assert_int_equal(id.events, (1u << EVENT_SALE_BEGIN) | (1u << EVENT_PING));
  assert_int_equal(c.default_purpose, PURPOSE_OWN_USE);
  assert_int_equal(c.resale, RESALE_BLOCK);
  assert_int_equal(c.scripts.memory_bytes, 32u << 20);
  assert_int_equal(c.scripts.hook_ms, 50);
  assert_int_equal(c.durability, DURABILITY_FULL);
  unlink(path);
}

static void overrides(void **state) {
  (void)state;
  plugin_config c;
  pi_error err;
  assert_int_equal(load(",\"scripts\":{\"dir\":\"s\",\"hook_ms\":20}", "",
                        "{\"database\":\"other.db\",\"scripts\":{\"dir\":\"x\"}}", &c,
                        &err),
                   0);
  assert_string_equal(c.database, "other.db"); /* relative to the caller */
  assert_string_equal(c.scripts.dir, "x");
  assert_int_equal(c.scripts.hook_ms, 20); /* merged, not replaced */
  assert_int_equal(c.scripts.budget_signal, 0); /* "auto" */
  assert_int_equal(load(",\"scripts\":{\"budget_signal\":\"none\"}", "", NULL, &c, &err), 0);
  assert_int_equal(c.scripts.budget_signal, -1);
  char named[64];
  snprintf(named, sizeof named, ",\"scripts\":{\"budget_signal\":%d}", SIGRTMIN + 2);
  assert_int_equal(load(named, "", NULL, &c, &err), 0);
  assert_int_equal(c.scripts.budget_signal, SIGRTMIN + 2);
  assert_int_equal(load("", "", "[1]", &c, &err), -1);
  unlink(path);
}

static void refusals(void **state) {
  (void)state;
  plugin_config c;
  pi_error err;
  struct {
    const char *cfg, *top, *field;
    const char *over;
  } cases[] = {
      {",\"scirpts\":{}", "", "config.scirpts", NULL},
      {"", "", "config.currency", "{\"currency\":\"XXX\"}"},
      {"", "", "config.store_country", "{\"store_country\":\"de\"}"},
      {",\"store_id\":\"again\"", "", "config.store_id", NULL},
      {"", "", "config.store_id", "{\"store_id\":\"\"}"}, /* packaged, not filled in */
      {",\"default_purpose\":\"gifts\"", "", "config.default_purpose", NULL},
      {",\"policy\":{\"resale_evidence\":\"maybe\"}", "", "config.policy.resale_evidence", NULL},
      {",\"policy\":{\"accepted_evidence\":[\"passport\"]}", "",
       "config.policy.accepted_evidence", NULL},
      {",\"scripts\":{\"hook_ms\":0}", "", "config.scripts.hook_ms", NULL},
      {",\"scripts\":{\"memory_mb\":\"big\"}", "", "config.scripts.memory_mb", NULL},
      {",\"scripts\":{\"on_error\":\"ignore\"}", "", "config.scripts.on_error", NULL},
      {",\"scripts\":{\"budget_signal\":\"sigusr1\"}", "", "config.scripts.budget_signal",
       NULL},
      {",\"scripts\":{\"budget_signal\":10}", "", "config.scripts.budget_signal", NULL},
      {",\"scripts\":{\"budget_signal\":true}", "", "config.scripts.budget_signal", NULL},
      {",\"durability\":true", "", "config.durability", NULL},
      {"", ",\"extra\":1", "extra", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (load(cases[i].cfg, cases[i].top, cases[i].over, &c, &err) != -1)
      fail_msg("case %zu (%s%s) was accepted", i, cases[i].cfg, cases[i].top);
    if (strcmp(err.field, cases[i].field) != 0)
      fail_msg("case %zu: field %s, expected %s (%s)", i, err.field, cases[i].field,
               err.message);
    assert_non_null(strstr(err.message, cases[i].field));
  }
  unlink(path);
}

static void broken_files(void **state) {
  (void)state;
  manifest_identity id;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(manifest_read_identity("/nonexistent/plugin.manifest", &id, &err), -1);
  assert_non_null(strstr(err.message, "No such file"));
  snprintf(path, sizeof path, "/tmp/posintent-manifest-%d.json", (int)getpid());
  FILE *f = fopen(path, "w");
  fputs("{\n\"name\": \"x\",\n oops\n}", f);
  fclose(f);
  assert_int_equal(manifest_read_identity(path, &id, &err), -1);
  assert_non_null(strstr(err.message, ":3:")); /* the line of the error */
  f = fopen(path, "w");
  fputs("{\"name\":\"x\",\"version\":\"1\",\"abi\":\"one\",\"library\":\"l\","
        "\"entry\":\"e\",\"events\":[]}",
        f);
  fclose(f);
  assert_int_equal(manifest_read_identity(path, &id, &err), -1);
  assert_string_equal(err.field, "abi");
  unlink(path);
}

/* cJSON's strings end at a NUL: an escaped one would cut a path or an id
 * ("d.db\u0000x" opened d.db).  Refused, naming the key. */
static void escaped_nul_is_refused(void **state) {
  (void)state;
  plugin_config c;
  pi_error err;
  /* Numbers before the string: the walk steps over them at any precision. */
  assert_int_equal(load(",\"busy_timeout_ms\":1.5e3,\"store_vat\":\"DE1\\u0000x\"", "",
                        NULL, &c, &err), -1);
  assert_string_equal(err.field, "config.store_vat");
  assert_int_equal(load("", "", "{\"database\":\"x.db\\u0000.sqlite\"}", &c, &err), -1);
  assert_string_equal(err.field, "database");
  assert_int_equal(load("", "", "{\"database\":\"x\\\\u0000.db\"}", &c, &err), 0);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(defaults_and_paths), cmocka_unit_test(overrides),
      cmocka_unit_test(refusals), cmocka_unit_test(broken_files),
      cmocka_unit_test(escaped_nul_is_refused)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
