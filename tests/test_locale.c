/* SPDX-License-Identifier: MIT */
/* test_locale.c - numbers do not change with the host's locale.
 *
 * A host may call setlocale(LC_ALL, "de_DE.UTF-8") for its own screens;
 * printf's "%g" and "%.1f" and Lua's tostring() would then write "1,5"
 * where JSON, CSV and SVG need "1.5".  This runs the same sale through the
 * plugin (dlopen()ed, as a host does) and the same reports in-process
 * (CSV, JSON, JSONL, HTML with its SVG chart), once under the "C" locale
 * and once under de_DE.UTF-8, and requires identical bytes.  A store
 * script puts Lua-formatted fractions into a receipt line and a report
 * column, so that every kind of number is in the output.
 *
 * de_DE.UTF-8 is generated into the build tree by localedef (the locales
 * package) before this test runs and found through LOCPATH; when it cannot
 * be set, the test fails: it is never skipped.
 */
#include <dlfcn.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/htmlout.h"
#include "script/hooks.h"
#include "config/manifest.h"
#include "posplug.h"
#include "report/report.h"
#include "store/store.h"

static char dir[256];

static void write_file(const char *name, const char *text) {
  char path[400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* Lua numbers in a receipt line (on_total) and in a report column
 * (report_row): tostring, concatenation and string.format all read the
 * locale's decimal point. */
static const char script[] =
    "return {\n"
    "  on_total = function(sale)\n"
    "    return { receipt = { 'ratio ' .. tostring(1.5) .. ' ' .. (0.25 + 1) ..\n"
    "                         ' ' .. string.format('%.2f', 2.5) } }\n"
    "  end,\n"
    "  report_row = function(row)\n"
    "    return { ratio = 1.5, third = row.lines / 3 }\n"
    "  end,\n"
    "}\n";

static const char *const events[] = {
    "{\"type\":\"sale.begin\",\"sale\":\"S1\",\"store\":\"shop-1\",\"terminal\":\"T1\","
    "\"cashier\":\"c\",\"at\":\"2026-11-20T10:00:00+01:00\"}",
    "{\"type\":\"sale.line\",\"sale\":\"S1\",\"line\":\"L1\",\"sku\":\"SKU1\","
    "\"name\":\"Coffee 250 g\",\"qty\":1.5,\"unit_price\":1000,\"net\":1402,\"tax\":98}",
    "{\"type\":\"sale.line\",\"sale\":\"S1\",\"line\":\"L2\",\"sku\":\"SKU2\","
    "\"name\":\"Mug\",\"qty\":0.125,\"unit_price\":800,\"net\":84,\"tax\":16}",
    "{\"type\":\"sale.tag\",\"sale\":\"S1\",\"purpose\":\"gift\",\"line\":\"L2\"}",
    "{\"type\":\"sale.total\",\"sale\":\"S1\"}",
    "{\"type\":\"sale.complete\",\"sale\":\"S1\",\"total\":1600,"
    "\"tenders\":[{\"type\":\"card\",\"amount\":1600}]}",
    "{\"type\":\"ping\"}"};

/* Every reply of the day through the plugin's ABI, into a database of its
 * own; returns them joined by newlines (caller frees). */
static char *plugin_day(const char *db) {
  char manifest[400];
  snprintf(manifest, sizeof manifest, "%s/plugin.manifest", dir);
  FILE *f = fopen(manifest, "w");
  assert_non_null(f);
  fprintf(f,
          "{\"name\":\"posintent\",\"version\":\"%s\",\"abi\":\"1.1\","
          "\"library\":\"%s\",\"entry\":\"posplug_entry\","
          "\"events\":[\"sale.begin\",\"sale.line\",\"sale.tag\",\"sale.total\","
          "\"sale.complete\",\"ping\"],"
          "\"config\":{\"database\":\"%s\",\"store_id\":\"shop-1\","
          "\"store_country\":\"DE\",\"currency\":\"EUR\",\"durability\":\"normal\","
          "\"scripts\":{\"dir\":\"%s/scripts\"}}}",
          POSINTENT_VERSION_TEXT, PLUGIN_PATH, db, dir);
  fclose(f);
  void *lib = dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  assert_non_null(lib);
  union {
    void *obj;
    posplug_entry_fn fn;
  } entry;
  entry.obj = dlsym(lib, POSPLUG_ENTRY_SYMBOL);
  assert_non_null(entry.obj);
  posplug_error err;
  memset(&err, 0, sizeof err);
  const posplug_plugin_api *api = entry.fn(POSPLUG_ABI_VERSION, &err);
  assert_non_null(api);
  posplug_host_api host;
  memset(&host, 0, sizeof host);
  host.struct_size = sizeof host;
  host.abi_version = POSPLUG_ABI_VERSION;
  posplug_instance *in = NULL;
  if (api->create(&host, manifest, NULL, &in, &err) != POSPLUG_OK)
    fail_msg("create: %s: %s", err.where, err.message);
  char *all = NULL;
  size_t all_len = 0;
  FILE *out = open_memstream(&all, &all_len);
  assert_non_null(out);
  for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
    char reply[16384];
    size_t n;
    assert_int_equal(api->handle(in, events[i], strlen(events[i]), reply, sizeof reply,
                                 &n, &err),
                     POSPLUG_OK);
    fprintf(out, "%s\n", reply);
  }
  api->destroy(in);
  dlclose(lib);
  fclose(out);
  return all;
}

static int logs;
/* Counts warnings and errors (not the information that scripts loaded). */
static void count_log(void *ctx, int level, const char *msg) {
  (void)msg;
  if (level >= POSPLUG_LOG_WARN) (*(int *)ctx)++;
}

typedef int (*row_report)(store *, const report_query *, const report_out *, pi_error *);

/* Every report of `db` with the script's report_row hook, one after the
 * other, into one text (caller frees).  The HTML page's "generated" time
 * is cut out: it is the one thing that may differ between two runs. */
static char *reports(const char *db) {
  plugin_config cfg;
  manifest_default_config(&cfg);
  snprintf(cfg.scripts.dir, sizeof cfg.scripts.dir, "%s/scripts", dir);
  hooks_env env;
  memset(&env, 0, sizeof env);
  env.cfg = &cfg;
  env.log = count_log;
  env.log_ctx = &logs;
  hooks *h = NULL;
  pi_error err;
  pi_error_clear(&err);
  if (hooks_open(&env, &h, &err)) fail_msg("hooks_open: %s", err.message);
  store *st = NULL;
  if (store_open(db, STORE_READONLY, NULL, &st, &err)) fail_msg("store: %s", err.message);
  char *all = NULL;
  size_t all_len = 0;
  FILE *out = open_memstream(&all, &all_len);
  assert_non_null(out);
  report_query q = {"2026-01-01", "2026-12-31", NULL, 0, REPORT_BY_DAY};
  const struct {
    row_report fn;
    sink_format fmt;
  } runs[] = {{report_purposes, SINK_CSV},  {report_purposes, SINK_JSON},
              {report_gifts, SINK_CSV},     {report_gifts, SINK_JSON},
              {report_resellers, SINK_CSV}, {report_resellers, SINK_JSON}};
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    report_out o;
    memset(&o, 0, sizeof o);
    o.file = out;
    o.format = runs[i].fmt;
    o.hooks = h;
    o.label = "test";
    if (runs[i].fn(st, &q, &o, &err)) fail_msg("report %zu: %s", i, err.message);
  }
  for (int kind = 0; kind < 2; kind++) {
    report_out o;
    memset(&o, 0, sizeof o);
    o.file = out;
    o.format = kind ? SINK_JSONL : SINK_CSV;
    o.label = "test";
    if (report_export(st, &q, &o, &err)) fail_msg("export: %s", err.message);
  }
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = out;
  o.hooks = h;
  o.label = "test";
  if (html_report(st, HTML_PURPOSES, &q, &o, &err)) fail_msg("html: %s", err.message);
  fclose(out);
  store_close(st);
  hooks_close(h);
  char *utc;
  while ((utc = strstr(all, " UTC")) != NULL && utc - all >= 16)
    memset(utc - 16, '#', 20); /* "YYYY-MM-DD HH:MM UTC" */
  return all;
}

static void set_german(void) {
  if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL)
    fail_msg("cannot set the locale de_DE.UTF-8 (LOCPATH=%s): the test generates it "
             "with localedef from the locales package",
             getenv("LOCPATH") ? getenv("LOCPATH") : "unset");
  char buf[16];
  snprintf(buf, sizeof buf, "%.1f", 1.5);
  assert_string_equal(buf, "1,5"); /* the locale does what this test is about */
}

static void same_numbers_under_a_german_locale(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/posintent-locale-XXXXXX");
  assert_non_null(mkdtemp(dir));
  char sdir[300], db_c[300], db_de[300];
  snprintf(sdir, sizeof sdir, "%s/scripts", dir);
  assert_int_equal(mkdir(sdir, 0700), 0);
  write_file("scripts/numbers.lua", script);
  snprintf(db_c, sizeof db_c, "%s/c.db", dir);
  snprintf(db_de, sizeof db_de, "%s/de.db", dir);

  assert_non_null(setlocale(LC_ALL, "C"));
  char *replies_c = plugin_day(db_c);
  char *reports_c = reports(db_c);
  set_german();
  char *replies_de = plugin_day(db_de);
  char *reports_de = reports(db_c);
  assert_non_null(setlocale(LC_ALL, "C"));

  /* The numbers are there to be spoilt... */
  assert_non_null(strstr(replies_c, "ratio 1.5 1.25 2.50"));
  assert_non_null(strstr(reports_c, "1.5"));
  assert_non_null(strstr(reports_c, "<svg"));
  /* ...and are not. */
  assert_string_equal(replies_de, replies_c);
  assert_string_equal(reports_de, reports_c);
  assert_int_equal(logs, 0);
  free(replies_c);
  free(replies_de);
  free(reports_c);
  free(reports_de);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(same_numbers_under_a_german_locale)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
