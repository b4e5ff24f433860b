/* SPDX-License-Identifier: MIT */
/*
 * cmd_script.c - `posintent script check DIR` and
 * `posintent script test DIR --sale FIXTURE.json`: let a store admin try
 * scripts before the store opens (docs/hooks.md).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/calendar.h"
#include "base/log.h"
#include "cli/cliutil.h"
#include "cli/commands.h"
#include "engine/engine.h"
#include "script/luasandbox.h"
#include "posplug.h"
#include "report/report.h"
#include "store/accounts.h"

#define FIXTURE_MAX_BYTES (4 * 1024 * 1024)

static void help(FILE *f) {
  fputs(
      "NAME\n"
      "    posintent script - check and test store scripts (Lua hooks)\n"
      "\n"
      "SYNOPSIS\n"
      "    posintent [--manifest FILE] script check DIR\n"
      "    posintent [--manifest FILE] script test DIR --sale FIXTURE.json\n"
      "                                            [--manifest FILE] [--allow-errors]\n"
      "\n"
      "DESCRIPTION\n"
      "    check compiles every *.lua file of DIR on its own, in file-name\n"
      "    order, in the same sandbox and with the same limits as the till,\n"
      "    and prints one line per script: its hooks, or its error as\n"
      "    file:line: message.\n"
      "\n"
      "    test runs the events of a fixture through the real engine (an\n"
      "    in-memory database, the scripts of DIR) and prints, as JSON lines,\n"
      "    every hook call's decision ({\"hook\",\"script\",\"event\",\"type\",\n"
      "    \"answer\"}: event and type of the event that caused the call), every\n"
      "    event's reply ({\"event\",\"type\",\"reply\"}), every log line the\n"
      "    scripts cause ({\"log\",\"level\"}), and last a summary\n"
      "    {\"expectations\":N,\"failed\":F,\"hook_errors\":E}.  A fixture is a\n"
      "    JSON object:\n"
      "      description  text shown first (optional)\n"
      "      config       members merged into the manifest's config\n"
      "                   (optional, e.g. {\"scripts\":{\"on_error\":\"fail_closed\"}})\n"
      "      now_ms       the clock pos.now() and the engine see (optional)\n"
      "      accounts     customer accounts to put on file first (optional), each\n"
      "                   {\"id\", \"name\", \"kind\", \"purpose\", \"status\", \"vat\",\n"
      "                   \"eori\", \"certs\": [{\"state\", \"number\", \"signed\",\n"
      "                   \"expires\"}]}, checked as by posintent account add on the\n"
      "                   fixture's day; an id given again writes its next version\n"
      "      events       the host events, exactly as pos-host receives them; an\n"
      "                   event may carry an \"id\" (a name for expectations, not\n"
      "                   sent)\n"
      "      report       with report_rows: the report they come from, resellers,\n"
      "                   resellers_detail, purposes or gifts; each row must have\n"
      "                   exactly that report's columns\n"
      "      report_rows  report rows to pass through the report_row hooks\n"
      "                   (optional; printed as {\"event\":N,\"type\":\"report_row\"})\n"
      "      expect       assertions (optional), each one of\n"
      "        {\"hook\":H, \"script\":S, \"contains\":{...}}  some call of hook H\n"
      "                     (by script S, when given) answered a superset\n"
      "        {\"event\":N, \"contains\":{...}}  the reply to events[N] (from 0);\n"
      "                     \"event\":\"ID\" names the event whose \"id\" is ID\n"
      "        {\"type\":T, \"contains\":{...}}   some reply to an event of type T\n"
      "        {\"log\":\"text\"}                 some log line contains the text\n"
      "      A hook expectation may also name \"event\" and \"type\": only calls\n"
      "      made for that event count.  \"contains\" matches when every member\n"
      "      it names is present with that value; its arrays match when each\n"
      "      element matches some element of the actual array.  A failed\n"
      "      expectation is printed with the actual answers or replies it was\n"
      "      compared with.\n"
      "\n"
      "    The manifest is --manifest (after test, or before script), else\n"
      "    ./plugin.manifest, else built-in defaults (store DE, EUR).  Its\n"
      "    database is replaced by an in-memory one and its scripts.dir by DIR.\n"
      "\n"
      "OPTIONS\n"
      "    --sale FIXTURE.json  the fixture to run (test)\n"
      "    --manifest FILE      the plugin.manifest to take the config from\n"
      "    --allow-errors       hook errors (a script that raised an error, ran out\n"
      "                         of time or memory, or answered a malformed table)\n"
      "                         do not fail the test; without it any does\n"
      "    --help               show this help\n"
      "\n"
      "EXIT STATUS\n"
      "    0 every script compiled (check) / every expectation held and no hook\n"
      "      failed (test);\n"
      "    1 a script failed to compile, an expectation failed, or a hook failed\n"
      "      (unless --allow-errors);\n"
      "    2 usage error; 3 runtime failure (unreadable fixture or manifest).\n"
      "\n"
      "EXAMPLES\n"
      "    posintent script check /etc/posintent/scripts\n"
      "    posintent script test scripts/examples \\\n"
      "        --sale scripts/examples/fixtures/gift_over_200.json\n",
      f);
}

/* ------------------------------------------------------------------------ */
/* The configuration to test under                                           */

/* What every posintent manifest says, for when the admin has none at hand. */
static const char default_manifest[] =
    "{\"name\":\"posintent\",\"version\":\"0\",\"abi\":\"1.1\","
    "\"library\":\"libposintent.so\",\"entry\":\"posplug_entry\","
    "\"events\":[\"sale.begin\",\"sale.line\",\"sale.customer\",\"sale.tag\","
    "\"sale.total\",\"sale.complete\",\"sale.void\",\"scripts.reload\",\"ping\"],"
    "\"config\":{\"database\":\":memory:\",\"durability\":\"none\","
    "\"store_id\":\"test-store\","
    "\"store_country\":\"DE\",\"currency\":\"EUR\"}}";

typedef struct manifest_file {
  const char *path;
  char tmp[64]; /* a temporary built-in manifest to remove, or "" */
} manifest_file;

static int pick_manifest(const char *local, const cli_globals *g, manifest_file *m) {
  m->tmp[0] = '\0';
  m->path = local ? local : g->manifest_path;
  if (m->path) return 0;
  if (access("plugin.manifest", R_OK) == 0) {
    m->path = "plugin.manifest";
    return 0;
  }
  const char *dir = getenv("TMPDIR");
  snprintf(m->tmp, sizeof m->tmp, "%s/posintent-manifest-XXXXXX",
           dir && strlen(dir) < 30 ? dir : "/tmp");
  int fd = mkstemp(m->tmp);
  if (fd < 0) {
    cli_error("cannot create a temporary manifest: %s", strerror(errno));
    m->tmp[0] = '\0';
    return -1;
  }
  FILE *f = fdopen(fd, "w");
  if (f == NULL || fputs(default_manifest, f) < 0 || fclose(f) != 0) {
    cli_error("cannot write a temporary manifest: %s", strerror(errno));
    if (f == NULL) close(fd);
    unlink(m->tmp);
    m->tmp[0] = '\0';
    return -1;
  }
  m->path = m->tmp;
  return 0;
}

static void drop_manifest(manifest_file *m) {
  if (m->tmp[0]) unlink(m->tmp);
}

/* The configuration the scripts run under: the manifest's, with DIR. */
static int load_config(const manifest_file *m, const char *dir, plugin_config *cfg) {
  cJSON *over = cJSON_CreateObject();
  cJSON *sc = cJSON_AddObjectToObject(over, "scripts");
  cJSON_AddStringToObject(sc, "dir", dir);
  cJSON_AddStringToObject(over, "database", ":memory:");
  cJSON_AddStringToObject(over, "durability", "none"); /* a trial: nothing kept */
  char *text = cJSON_PrintUnformatted(over);
  cJSON_Delete(over);
  manifest_identity id;
  pi_error err;
  pi_error_clear(&err);
  int rc = text ? manifest_load(m->path, text, &id, cfg, &err) : -1;
  free(text);
  if (rc) cli_error("%s: %s", m->path, text ? err.message : "out of memory");
  return rc;
}

/* ------------------------------------------------------------------------ */
/* script check                                                              */

typedef struct check_ctx {
  int scripts;
} check_ctx;

static void check_report(void *ctx, const char *chunk, unsigned mask, const pi_error *e) {
  check_ctx *c = ctx;
  c->scripts++;
  if (e) {
    /* The message already starts with file:line when Lua gave one. */
    if (strncmp(e->message, chunk, strlen(chunk)) == 0)
      printf("%s\n", e->message);
    else
      printf("%s: %s\n", chunk, e->message);
    return;
  }
  printf("%s: ok", chunk);
  const char *sep = " (";
  for (int k = 0; k < HOOK_COUNT; k++)
    if (mask & (1u << k)) {
      printf("%s%s", sep, hook_name((hook_id)k));
      sep = ", ";
    }
  printf("%s\n", mask ? ")" : " (no hooks)");
}

static int script_check(const cli_globals *g, const char *dir, const char *local) {
  manifest_file m;
  plugin_config cfg;
  if (pick_manifest(local, g, &m)) return EXIT_RUNTIME;
  int rc = load_config(&m, dir, &cfg);
  drop_manifest(&m);
  if (rc) return EXIT_RUNTIME;
  hooks_env env = {.cfg = &cfg};
  check_ctx c = {0};
  pi_error err;
  pi_error_clear(&err);
  int failed = hooks_check_dir(&env, check_report, &c, &err);
  if (failed < 0) {
    cli_error("script check: %s", err.message);
    return EXIT_RUNTIME;
  }
  printf("%d script%s, %d failed\n", c.scripts, c.scripts == 1 ? "" : "s", failed);
  /* How the till will enforce time budgets (docs/hooks.md). */
  luasandbox *sb;
  lsb_limits lim = {cfg.scripts.memory_bytes, 0, cfg.scripts.budget_signal};
  if (lsb_open(&lim, &sb, &err) == 0) {
    int sig = lsb_budget_signal();
    if (sig)
      printf("time budgets: a timer and signal %d (SIGRTMIN+%d)\n", sig, sig - SIGRTMIN);
    else if (cfg.scripts.budget_signal == LSB_SIGNAL_NONE)
      printf("time budgets: a count hook (config.scripts.budget_signal \"none\"; "
             "slower)\n");
    else
      printf("time budgets: a count hook (no real-time signal is free; slower)\n");
    lsb_close(sb);
  } else {
    cli_error("script check: %s", err.message);
    return EXIT_RUNTIME;
  }
  return failed ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* script test                                                               */

typedef struct test_ctx {
  cJSON *hooks;   /* [{hook, script, event, type, id, answer}] as traced */
  cJSON *replies; /* [{event, type, id, reply}]                          */
  cJSON *logs;    /* [{log, level}]                                      */
  int64_t now_ms;
  int errors;     /* hook calls that failed                              */
  /* the event being handled, for the hook records */
  int event;
  const char *type, *id;
} test_ctx;

/* Tag a record with the event it belongs to. */
static void add_event(cJSON *o, const test_ctx *t) {
  cJSON_AddNumberToObject(o, "event", t->event);
  cJSON_AddStringToObject(o, "type", t->type ? t->type : "");
  if (t->id) cJSON_AddStringToObject(o, "id", t->id);
}

/* Print one JSON line and keep the object in `list`. */
static void emit(cJSON *list, cJSON *item) {
  char *text = cJSON_PrintUnformatted(item);
  if (text) puts(text);
  free(text);
  cJSON_AddItemToArray(list, item);
}

static void on_trace(void *ctx, const char *hook, const char *script,
                     const char *answer_json) {
  test_ctx *t = ctx;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "hook", hook);
  cJSON_AddStringToObject(o, "script", script);
  add_event(o, t);
  cJSON *a = cJSON_Parse(answer_json);
  const char *result = a ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "result"))
                         : NULL;
  if (result && strcmp(result, "error") == 0) t->errors++;
  cJSON_AddItemToObject(o, "answer", a ? a : cJSON_CreateNull());
  emit(t->hooks, o);
}

static void on_log(void *ctx, int level, const char *msg) {
  const char *name = pi_log_level_name(level);
  test_ctx *t = ctx;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "log", msg);
  cJSON_AddStringToObject(o, "level", name ? name : "error");
  emit(t->logs, o);
}

static int64_t on_now(void *ctx) { return ((test_ctx *)ctx)->now_ms; }

static cJSON *read_json_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    cli_error("%s: %s", path, strerror(errno));
    return NULL;
  }
  char *buf = malloc(FIXTURE_MAX_BYTES + 1);
  size_t n = buf ? fread(buf, 1, FIXTURE_MAX_BYTES + 1, f) : 0;
  int bad = buf == NULL || ferror(f) || n > FIXTURE_MAX_BYTES;
  fclose(f);
  cJSON *j = NULL;
  if (bad) {
    cli_error("%s: cannot read it, or larger than %d MiB", path,
              FIXTURE_MAX_BYTES >> 20);
  } else {
    buf[n] = '\0';
    j = cJSON_Parse(buf);
    if (j == NULL || !cJSON_IsObject(j)) {
      cli_error("%s: not a JSON object", path);
      cJSON_Delete(j);
      j = NULL;
    }
  }
  free(buf);
  return j;
}

/* Is every member of `want` in `got` with the same value? */
static int contains(const cJSON *got, const cJSON *want) {
  if (got == NULL) return 0;
  if (cJSON_IsObject(want)) {
    if (!cJSON_IsObject(got)) return 0;
    for (const cJSON *w = want->child; w; w = w->next)
      if (!contains(cJSON_GetObjectItemCaseSensitive(got, w->string), w)) return 0;
    return 1;
  }
  if (cJSON_IsArray(want)) {
    if (!cJSON_IsArray(got)) return 0;
    for (const cJSON *w = want->child; w; w = w->next) {
      int found = 0;
      for (const cJSON *g = got->child; g && !found; g = g->next) found = contains(g, w);
      if (!found) return 0;
    }
    return 1;
  }
  if (cJSON_IsString(want))
    return cJSON_IsString(got) && strcmp(got->valuestring, want->valuestring) == 0;
  if (cJSON_IsNumber(want))
    return cJSON_IsNumber(got) && fabs(got->valuedouble - want->valuedouble) < 1e-9;
  if (cJSON_IsBool(want)) return cJSON_IsBool(got) && cJSON_IsTrue(got) == cJSON_IsTrue(want);
  return cJSON_IsNull(got) && cJSON_IsNull(want);
}

static const char *str_member(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Does record r (a hook call or a reply) fall under expectation x's
 * selector: hook and script, event (its index, or the "id" of the event)
 * and type? */
static int selected(const cJSON *x, const cJSON *r) {
  const char *hook = str_member(x, "hook"), *script = str_member(x, "script");
  const char *type = str_member(x, "type");
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(x, "event");
  if (hook && (strcmp(str_member(r, "hook"), hook) != 0 ||
               (script && strcmp(str_member(r, "script"), script) != 0)))
    return 0;
  if (type && strcmp(str_member(r, "type"), type) != 0) return 0;
  if (cJSON_IsNumber(ev) &&
      cJSON_GetObjectItemCaseSensitive(r, "event")->valuedouble != ev->valuedouble)
    return 0;
  if (cJSON_IsString(ev)) {
    const char *id = str_member(r, "id");
    if (id == NULL || strcmp(id, ev->valuestring) != 0) return 0;
  }
  return 1;
}

/* 1 when expectation `x` holds (nothing printed). */
static int holds_quiet(const test_ctx *t, const cJSON *x) {
  const cJSON *want = cJSON_GetObjectItemCaseSensitive(x, "contains");
  const char *hook = str_member(x, "hook"), *log = str_member(x, "log");
  if (log) {
    for (const cJSON *l = t->logs->child; l; l = l->next)
      if (strstr(str_member(l, "log"), log)) return 1;
    return 0;
  }
  const cJSON *list = hook ? t->hooks : t->replies;
  const char *what = hook ? "answer" : "reply";
  for (const cJSON *r = list->child; r; r = r->next)
    if (selected(x, r) &&
        (want == NULL || contains(cJSON_GetObjectItemCaseSensitive(r, what), want)))
      return 1;
  return 0;
}

/* 1 when expectation `x` holds; otherwise, the records it was compared
 * with are printed on stderr beside what it expected. */
static int holds(const test_ctx *t, const cJSON *x) {
  if (holds_quiet(t, x)) return 1;
  const cJSON *want = cJSON_GetObjectItemCaseSensitive(x, "contains");
  const char *hook = str_member(x, "hook"), *log = str_member(x, "log");
  if (log) {
    fprintf(stderr, "  no log line contains \"%s\"\n", log);
    return 0;
  }
  const cJSON *list = hook ? t->hooks : t->replies;
  const char *what = hook ? "answer" : "reply";
  char *w = want ? cJSON_PrintUnformatted(want) : NULL;
  fprintf(stderr, "  expected: %s\n", w ? w : "(any)");
  free(w);
  int shown = 0;
  for (const cJSON *r = list->child; r; r = r->next) {
    if (!selected(x, r)) continue;
    if (++shown > 5) {
      fprintf(stderr, "  ... and more\n");
      break;
    }
    char *g = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(r, what));
    fprintf(stderr, "  actual %s (event %d, %s%s%s): %s\n", what,
            cJSON_GetObjectItemCaseSensitive(r, "event")->valueint,
            str_member(r, "type"), hook ? ", " : "", hook ? str_member(r, "script") : "",
            g ? g : "?");
    free(g);
  }
  if (shown == 0)
    fprintf(stderr, "  actual: no %s matches this expectation's hook, script, event "
                    "and type\n",
            hook ? "hook call" : "reply");
  return 0;
}

/* Overrides: the fixture's config, then the in-memory database and DIR. */
static char *overrides(const cJSON *fixture, const char *dir) {
  const cJSON *fc = cJSON_GetObjectItemCaseSensitive(fixture, "config");
  cJSON *over = cJSON_IsObject(fc) ? cJSON_Duplicate(fc, 1) : cJSON_CreateObject();
  cJSON *sc = cJSON_GetObjectItemCaseSensitive(over, "scripts");
  if (!cJSON_IsObject(sc)) {
    cJSON_DeleteItemFromObjectCaseSensitive(over, "scripts");
    sc = cJSON_AddObjectToObject(over, "scripts");
  }
  cJSON_DeleteItemFromObjectCaseSensitive(sc, "dir");
  cJSON_AddStringToObject(sc, "dir", dir);
  cJSON_DeleteItemFromObjectCaseSensitive(over, "database");
  cJSON_AddStringToObject(over, "database", ":memory:");
  cJSON_DeleteItemFromObjectCaseSensitive(over, "durability");
  cJSON_AddStringToObject(over, "durability", "none"); /* a trial: nothing kept */
  char *text = cJSON_PrintUnformatted(over);
  cJSON_Delete(over);
  return text;
}

static int run_events(engine *e, const cJSON *events, test_ctx *t) {
  int index = 0;
  for (const cJSON *ev = events->child; ev; ev = ev->next, index++) {
    /* "id" names the event for expectations; the engine does not see it. */
    cJSON *sent = cJSON_Duplicate(ev, 1);
    cJSON *id = sent ? cJSON_DetachItemFromObjectCaseSensitive(sent, "id") : NULL;
    char *text = sent ? cJSON_PrintUnformatted(sent) : NULL;
    t->event = index;
    t->type = str_member(ev, "type");
    t->id = cJSON_IsString(id) ? id->valuestring : NULL;
    if (text == NULL) {
      cJSON_Delete(sent);
      cJSON_Delete(id);
      return EXIT_RUNTIME;
    }
    const char *reply;
    size_t len;
    engine_handle(e, text, strlen(text), &reply, &len);
    free(text);
    cJSON *o = cJSON_CreateObject();
    add_event(o, t);
    cJSON_Delete(sent);
    cJSON_Delete(id);
    t->id = NULL;
    cJSON *r = cJSON_ParseWithLength(reply, len);
    cJSON_AddItemToObject(o, "reply", r ? r : cJSON_CreateNull());
    emit(t->replies, o);
  }
  return 0;
}

/* Pass each report row through the report_row hooks, as the reports do,
 * with a second hooks instance on the engine's configuration. */
static int run_report_rows(engine *e, const cJSON *rows, const char *report,
                           test_ctx *t) {
  hooks_env env = {.cfg = engine_config(e),
                   .log = on_log,
                   .log_ctx = t,
                   .now_ms = t->now_ms ? on_now : NULL,
                   .now_ctx = t,
                   .trace = on_trace,
                   .trace_ctx = t};
  hooks *h;
  pi_error err;
  pi_error_clear(&err);
  if (hooks_open(&env, &h, &err)) {
    cli_error("script: %s", err.message);
    return 1;
  }
  int index = 0;
  for (const cJSON *r = rows->child; r; r = r->next, index++) {
    cJSON *row = cJSON_Duplicate(r, 1);
    pi_error_clear(&err);
    t->event = index;
    t->type = "report_row";
    int rc = cJSON_IsObject(row) ? hooks_report_row_in(h, row, report, &err) : HOOK_FAIL;
    cJSON *o = cJSON_CreateObject();
    add_event(o, t);
    if (rc == HOOK_PASS) {
      cJSON_AddItemToObject(o, "reply", row);
    } else {
      cJSON_Delete(row);
      cJSON *x = cJSON_AddObjectToObject(o, "error");
      cJSON_AddStringToObject(x, "message", cJSON_IsObject(r) ? err.message
                                                              : "a report row must be an object");
      cJSON_AddStringToObject(x, "field", err.field);
    }
    emit(t->replies, o);
  }
  hooks_close(h);
  return 0;
}

/* Each report row of the fixture must have exactly the columns of the
 * report it names, as the real report passes them to report_row: a hook
 * tested on rows of another shape proves nothing.  Returns 0, or -1 (said
 * why). */
static int check_rows(const char *path, const cJSON *fx, const cJSON *rows) {
  const char *report = str_member(fx, "report");
  size_t n = 0;
  const char *const *cols = report ? report_columns(report, &n) : NULL;
  if (cols == NULL) {
    cli_error("%s: \"report_rows\" needs \"report\": resellers, resellers_detail, "
              "purposes or gifts (the report the rows come from)%s%s%s",
              path, report ? "; not \"" : "", report ? report : "", report ? "\"" : "");
    return -1;
  }
  int index = 0, bad = 0;
  for (const cJSON *r = rows->child; r; r = r->next, index++) {
    if (!cJSON_IsObject(r)) continue; /* refused when run */
    for (size_t i = 0; i < n; i++)
      if (!cJSON_HasObjectItem(r, cols[i])) {
        cli_error("%s: report_rows[%d] has no column \"%s\", which report %s has",
                  path, index, cols[i], report);
        bad = 1;
      }
    for (const cJSON *m = r->child; m; m = m->next) {
      size_t i = 0;
      while (i < n && strcmp(cols[i], m->string) != 0) i++;
      if (i == n) {
        cli_error("%s: report_rows[%d] has \"%s\", which report %s does not have",
                  path, index, m->string, report);
        bad = 1;
      }
    }
  }
  if (bad) {
    fprintf(stderr, "posintent: the columns of report %s:", report);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %s", cols[i]);
    fprintf(stderr, "\n");
  }
  return bad ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* A fixture's accounts                                                      */

/* A member of `o` that must be a string when present: its text, or NULL.
 * *bad is set (and said why) when it is there but not a string. */
static const char *acct_str(const char *path, int index, const cJSON *o, const char *key,
                            int *bad) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (v == NULL) return NULL;
  if (!cJSON_IsString(v)) {
    cli_error("%s: accounts[%d].%s must be a string", path, index, key);
    *bad = 1;
    return NULL;
  }
  return v->valuestring;
}

/* One fixture account into *a, checked by the same rules as `posintent
 * account add`, certificates judged at `today`.  Returns 0, or -1 (said
 * why, naming the member). */
static int fixture_account(const char *path, int index, const cJSON *o, const char *today,
                           account *a) {
  static const char *const known[] = {"id", "name", "kind", "purpose", "vat",
                                      "eori", "certs", "status", NULL};
  if (!cJSON_IsObject(o)) {
    cli_error("%s: accounts[%d] must be an object", path, index);
    return -1;
  }
  for (const cJSON *m = o->child; m; m = m->next) {
    size_t k = 0;
    while (known[k] && strcmp(known[k], m->string) != 0) k++;
    if (known[k] == NULL) {
      cli_error("%s: accounts[%d] has \"%s\", which an account does not have (id, name, "
                "kind, purpose, status, vat, eori, certs)",
                path, index, m->string);
      return -1;
    }
  }
  int bad = 0;
  const char *id = acct_str(path, index, o, "id", &bad);
  const char *name = acct_str(path, index, o, "name", &bad);
  const char *kind = acct_str(path, index, o, "kind", &bad);
  const char *purp = acct_str(path, index, o, "purpose", &bad);
  const char *status = acct_str(path, index, o, "status", &bad);
  const char *vat = acct_str(path, index, o, "vat", &bad);
  const char *eori = acct_str(path, index, o, "eori", &bad);
  const cJSON *certs = cJSON_GetObjectItemCaseSensitive(o, "certs");
  if (bad) return -1;
  memset(a, 0, sizeof *a);
  pi_error err;
  pi_error_clear(&err);
  if (id == NULL || name == NULL || kind == NULL) {
    cli_error("%s: accounts[%d] needs \"id\", \"name\" and \"kind\"", path, index);
    return -1;
  }
  if (account_id_check(id, "id", &err) || account_name_check(name, &err)) goto refused;
  strcpy(a->id, id);
  strcpy(a->name, name);
  if (account_kind_parse(kind, &a->kind)) {
    cli_error("%s: accounts[%d].kind must be business or person, not \"%s\"", path, index,
              kind);
    return -1;
  }
  if (purp && purpose_parse(purp, &a->purpose)) {
    cli_error("%s: accounts[%d].purpose must be own_use, gift or resale, not \"%s\"", path,
              index, purp);
    return -1;
  }
  a->status = ACCOUNT_OPEN;
  if (status && account_status_parse(status, &a->status)) {
    cli_error("%s: accounts[%d].status must be open or closed, not \"%s\"", path, index,
              status);
    return -1;
  }
  if (vat && (a->nev >= ACCOUNT_EVIDENCE_MAX ||
              account_evidence_number(&a->ev[a->nev++], TAXID_VAT, vat, &err)))
    goto refused;
  if (eori && (a->nev >= ACCOUNT_EVIDENCE_MAX ||
               account_evidence_number(&a->ev[a->nev++], TAXID_EORI, eori, &err)))
    goto refused;
  if (certs && !cJSON_IsArray(certs)) {
    cli_error("%s: accounts[%d].certs must be an array of {state, number, signed, "
              "expires}",
              path, index);
    return -1;
  }
  int c = 0;
  for (const cJSON *x = certs ? certs->child : NULL; x; x = x->next, c++) {
    const char *v[4] = {NULL, NULL, NULL, NULL};
    static const char *const ck[] = {"state", "number", "signed", "expires"};
    for (int k = 0; k < 4; k++) {
      const cJSON *m = cJSON_GetObjectItemCaseSensitive(x, ck[k]);
      if (m && !cJSON_IsString(m)) bad = 1;
      v[k] = cJSON_GetStringValue(m);
    }
    if (bad || !cJSON_IsObject(x) || cJSON_GetArraySize(x) > 4 - (v[3] == NULL) ||
        !v[0] || !v[1] || !v[2]) {
      cli_error("%s: accounts[%d].certs[%d] must be {\"state\", \"number\", \"signed\" "
                "and optionally \"expires\"}, all strings",
                path, index, c);
      return -1;
    }
    if (a->nev >= ACCOUNT_EVIDENCE_MAX) {
      pi_fail(&err, PI_E_BAD_VALUE, "evidence",
              "an account holds at most %d pieces of evidence", ACCOUNT_EVIDENCE_MAX);
      goto refused;
    }
    if (account_evidence_cert(&a->ev[a->nev++], v[0], v[1], v[2], v[3], today, &err))
      goto refused;
  }
  if (account_check(a, &err)) goto refused;
  return 0;
refused:
  cli_error("%s: accounts[%d]: %s: %s", path, index, err.field, err.message);
  return -1;
}

/* Put the fixture's "accounts" on file in the engine's database, in the
 * manifest's store, in order: the first with an id is version 1, each
 * later one with the same id the next version (so a fixture can name an
 * account that changed).  Filed on the fixture's day (now_ms, else today).
 * Returns 0, or 1 (said why). */
static int put_accounts(engine *e, const char *path, const cJSON *accounts,
                        int64_t now_ms) {
  int64_t ms = now_ms ? now_ms : (int64_t)time(NULL) * 1000;
  long days = (long)(ms / 86400000);
  int y, m, d;
  cal_civil_from_days(days, &y, &m, &d);
  char today[16], at[32];
  snprintf(today, sizeof today, "%04d-%02d-%02d", y, m, d);
  snprintf(at, sizeof at, "%sT12:00:00Z", today);
  store *st = engine_store(e);
  const char *store_id = engine_config(e)->store_id;
  int index = 0;
  for (const cJSON *o = accounts->child; o; o = o->next, index++) {
    account a, old;
    if (fixture_account(path, index, o, today, &a)) return 1;
    snprintf(a.store, sizeof a.store, "%s", store_id);
    pi_error err;
    pi_error_clear(&err);
    store_lookup found = store_account_find(st, a.store, a.id, &old, &err);
    int rc;
    if (found == STORE_FOUND) {
      a.version = old.version;
      memcpy(a.created_at, old.created_at, sizeof a.created_at);
      rc = store_account_update(st, &a, at, &err);
    } else if (found == STORE_NOT_FOUND) {
      /* Added open; one that starts closed is closed as its version 2. */
      account_status want = a.status;
      rc = store_account_add(st, &a, at, &err);
      if (rc == 0 && want == ACCOUNT_CLOSED) {
        a.status = ACCOUNT_CLOSED;
        rc = store_account_update(st, &a, at, &err);
      }
    } else {
      rc = -1;
    }
    if (rc) {
      cli_error("%s: accounts[%d]: %s", path, index, err.message);
      return 1;
    }
  }
  return 0;
}

static int script_test(const cli_globals *g, const char *dir, const char *fixture_path,
                       const char *local, int allow_errors) {
  cJSON *fx = read_json_file(fixture_path);
  if (fx == NULL) return EXIT_RUNTIME;
  const cJSON *events = cJSON_GetObjectItemCaseSensitive(fx, "events");
  const cJSON *expect = cJSON_GetObjectItemCaseSensitive(fx, "expect");
  const cJSON *now = cJSON_GetObjectItemCaseSensitive(fx, "now_ms");
  const cJSON *rows = cJSON_GetObjectItemCaseSensitive(fx, "report_rows");
  const cJSON *accounts = cJSON_GetObjectItemCaseSensitive(fx, "accounts");
  if (!cJSON_IsArray(events) || (expect && !cJSON_IsArray(expect)) ||
      (rows && !cJSON_IsArray(rows)) || (accounts && !cJSON_IsArray(accounts))) {
    cli_error("%s: \"events\" must be an array (and \"expect\", \"report_rows\" "
              "and \"accounts\" too, if given)",
              fixture_path);
    cJSON_Delete(fx);
    return EXIT_RUNTIME;
  }
  if (rows && check_rows(fixture_path, fx, rows)) {
    cJSON_Delete(fx);
    return 1;
  }
  test_ctx t = {cJSON_CreateArray(), cJSON_CreateArray(), cJSON_CreateArray(),
                cJSON_IsNumber(now) ? (int64_t)now->valuedouble : 0,
                0, 0, NULL, NULL};
  const char *desc = str_member(fx, "description");
  cJSON *head = cJSON_CreateObject();
  cJSON_AddStringToObject(head, "fixture", fixture_path);
  if (desc) cJSON_AddStringToObject(head, "description", desc);
  char *head_text = cJSON_PrintUnformatted(head);
  if (head_text) puts(head_text);
  free(head_text);
  cJSON_Delete(head);

  manifest_file m;
  char *over = overrides(fx, dir);
  int rc = EXIT_RUNTIME;
  engine *e = NULL;
  if (over && pick_manifest(local, g, &m) == 0) {
    engine_options opt = {.manifest_path = m.path,
                          .overrides_json = over,
                          .log = on_log,
                          .log_ctx = &t,
                          .now_ms = cJSON_IsNumber(now) ? on_now : NULL,
                          .now_ctx = &t,
                          .trace = on_trace,
                          .trace_ctx = &t};
    pi_error err;
    pi_error_clear(&err);
    if (engine_open(&opt, &e, &err)) {
      int script = err.kind == PI_E_SCRIPT;
      cli_error("%s: %s", script ? "script" : m.path, err.message);
      rc = script ? 1 : EXIT_RUNTIME;
    } else {
      rc = accounts ? put_accounts(e, fixture_path, accounts, t.now_ms) : 0;
      if (rc == 0) rc = run_events(e, events, &t);
      if (rc == 0 && rows) rc = run_report_rows(e, rows, str_member(fx, "report"), &t);
    }
    drop_manifest(&m);
  }
  int total = 0, failed = 0;
  if (rc == 0) {
    for (const cJSON *x = expect ? expect->child : NULL; x; x = x->next, total++) {
      if (holds_quiet(&t, x)) continue;
      failed++;
      char *text = cJSON_PrintUnformatted(x);
      fflush(stdout);
      cli_error("%s: expectation %d failed: %s", fixture_path, total, text ? text : "");
      free(text);
      holds(&t, x); /* prints what it was compared with */
    }
    printf("{\"expectations\":%d,\"failed\":%d,\"hook_errors\":%d}\n", total, failed,
           t.errors);
    fflush(stdout);
    if (t.errors)
      cli_error("%s: %d hook call%s failed (the \"error\" answers above)%s", fixture_path,
                t.errors, t.errors == 1 ? "" : "s",
                allow_errors ? "; allowed by --allow-errors"
                             : ": fix the script, or give --allow-errors when the fixture "
                               "tests a failure on purpose");
    if (failed || (t.errors && !allow_errors)) rc = 1;
  }
  engine_close(e);
  free(over);
  cJSON_Delete(t.hooks);
  cJSON_Delete(t.replies);
  cJSON_Delete(t.logs);
  cJSON_Delete(fx);
  return rc;
}

/* ------------------------------------------------------------------------ */

#define SCRIPT_HINT "posintent help script"

int cmd_script(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv) || (argc >= 2 && strcmp(argv[1], "help") == 0)) {
    help(stdout);
    return 0;
  }
  if (argc < 2) return cli_usage(SCRIPT_HINT, "script: which subcommand? check or test");
  const char *sub = argv[1];
  int is_check = strcmp(sub, "check") == 0, is_test = strcmp(sub, "test") == 0;
  if (!is_check && !is_test)
    return cli_usage(SCRIPT_HINT, "script: unknown subcommand '%s' (check or test)", sub);
  char what[16];
  snprintf(what, sizeof what, "script %s", is_check ? "check" : "test");
  cliargs a;
  cli_args(&a, what, SCRIPT_HINT, argc, argv, 2);
  if (argc < 3 || argv[2][0] == '-')
    return cliargs_usage(&a, "needs the scripts folder, DIR, first");
  const char *dir = argv[2], *fixture = NULL, *local = NULL;
  const cliargs_opt opts[] = {{"--sale", &fixture}, {"--manifest", &local}, {NULL, NULL}};
  int allow_errors = 0;
  for (a.i = 3; cliargs_cur(&a); a.i++) {
    int f = cliargs_flag(&a, "--allow-errors");
    if (f > 0) {
      allow_errors = 1;
      continue;
    }
    if (f == 0) f = cliargs_take(&a, opts);
    if (f == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  if (is_check) {
    if (fixture) return cliargs_usage(&a, "takes no --sale (that is script test)");
    if (allow_errors) return cliargs_usage(&a, "takes no --allow-errors (that is script test)");
    return script_check(g, dir, local);
  }
  if (fixture == NULL) return cliargs_usage(&a, "needs --sale FIXTURE.json");
  return script_test(g, dir, fixture, local, allow_errors);
}
