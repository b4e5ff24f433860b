/* SPDX-License-Identifier: MIT */
/* test_hooks.c - store scripts: loading, each hook's conventions, the
 * failure policy, reset and reload, the pos library, and the hostile corpus
 * (tests/hostile) run through the real engine. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "script/hooks.h"
#include "script/hooks_int.h"
#include "script/luasandbox.h"
#include "testutil.h"

/* ---- captured log and trace ------------------------------------------------ */

#define CAP_LINES 256
static char logs[CAP_LINES][700];
static int nlogs;
static char traces[CAP_LINES][700];
static int ntraces;

static void capture_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  if (nlogs < CAP_LINES) snprintf(logs[nlogs++], sizeof logs[0], "%d %s", level, msg);
  if (getenv("POSINTENT_TEST_VERBOSE")) fprintf(stderr, "log[%d] %s\n", level, msg);
}

static void capture_trace(void *ctx, const char *hook, const char *script,
                          const char *answer) {
  (void)ctx;
  if (ntraces < CAP_LINES)
    snprintf(traces[ntraces++], sizeof traces[0], "%s %s %s", hook, script, answer);
}

static int logged(const char *part) {
  for (int i = 0; i < nlogs; i++)
    if (strstr(logs[i], part)) return 1;
  return 0;
}

static void clear_capture(void) { nlogs = ntraces = 0; }

/* How much slower than usual this run is: POSINTENT_TEST_SLOW under
 * valgrind or the sanitizers (which run everything but the budget's clock
 * 5-50 times slower), else 1. */
static double slow_factor(void) {
  const char *slow = getenv("POSINTENT_TEST_SLOW");
  double f = slow ? atof(slow) : 1.0;
  return f >= 1.0 ? f : 1.0;
}

/* A budget of `ms`, scaled by slow_factor() so that a slowed-down run still
 * reaches the attack a script makes (the hostile engine: 50 ms per hook
 * and 200 ms to load). */
static int scaled(int ms) { return (int)(ms * slow_factor()); }

/* A budget that no test's finite work reaches on any machine, however
 * loaded (the manifest's largest hook_ms): tests that are not about time
 * use it, so that only the limit they are about can trip.  Nothing here
 * asserts how long anything took. */
#define OUT_OF_REACH_MS 10000

static double mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- scripts on disk --------------------------------------------------------- */

typedef struct fixture {
  char tmp[512];
  char dir[600];   /* tmp/scripts */
  plugin_config cfg;
  hooks_env env;
  hooks *h;
} fixture;

static void put(fixture *f, const char *name, const char *text) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", f->dir, name);
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static int64_t fixed_now(void *ctx) {
  (void)ctx;
  return INT64_C(1795000000000);
}

static int setup(void **state) {
  static fixture f;
  memset(&f, 0, sizeof f);
  tu_tempdir(f.tmp, sizeof f.tmp);
  snprintf(f.dir, sizeof f.dir, "%s/scripts", f.tmp);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", f.dir);
  assert_int_equal(system(cmd), 0);
  manifest_default_config(&f.cfg);
  snprintf(f.cfg.store_id, sizeof f.cfg.store_id, "shop-1");
  snprintf(f.cfg.store_country, sizeof f.cfg.store_country, "DE");
  snprintf(f.cfg.scripts.dir, sizeof f.cfg.scripts.dir, "%s", f.dir);
  f.cfg.scripts.hook_ms = OUT_OF_REACH_MS;
  f.cfg.scripts.load_ms = OUT_OF_REACH_MS;
  f.env = (hooks_env){.cfg = &f.cfg,
                      .log = capture_log,
                      .now_ms = fixed_now,
                      .trace = capture_trace};
  clear_capture();
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  hooks_close(f->h);
  f->h = NULL;
  tu_rmtree(f->tmp);
  return 0;
}

/* Open hooks over the directory; must succeed. */
static hooks *open_ok(fixture *f) {
  pi_error err;
  pi_error_clear(&err);
  hooks_close(f->h);
  f->h = NULL;
  if (hooks_open(&f->env, &f->h, &err)) fail_msg("hooks_open: %s (%s)", err.message, err.field);
  return f->h;
}

/* Open must fail with a message containing `part`; returns the error. */
static pi_error open_fails(fixture *f, const char *part) {
  pi_error err;
  pi_error_clear(&err);
  hooks_close(f->h);
  f->h = NULL;
  if (hooks_open(&f->env, &f->h, &err) == 0) fail_msg("hooks_open succeeded");
  assert_null(f->h);
  if (strstr(err.message, part) == NULL)
    fail_msg("message \"%s\" lacks \"%s\"", err.message, part);
  return err;
}

/* A sale of `n` lines L1..Ln, 10.00 + 1.90 each. */
static void make_sale(sale *s, size_t n) {
  sale_init(s);
  snprintf(s->id, sizeof s->id, "S1");
  snprintf(s->store, sizeof s->store, "shop-1");
  snprintf(s->terminal, sizeof s->terminal, "T1");
  snprintf(s->cashier, sizeof s->cashier, "mia");
  snprintf(s->at, sizeof s->at, "2026-11-20T10:00:00+01:00");
  snprintf(s->currency, sizeof s->currency, "EUR");
  for (size_t i = 0; i < n; i++) {
    sale_line l;
    memset(&l, 0, sizeof l);
    snprintf(l.line, sizeof l.line, "L%zu", i + 1);
    snprintf(l.sku, sizeof l.sku, i % 2 ? "SPIRIT-GIN" : "BEAN-ETH");
    snprintf(l.name, sizeof l.name, "Item %zu", i + 1);
    l.qty_milli = i == 0 ? 1500 : 1000;
    l.unit_price = 1190;
    l.net = 1000;
    l.tax = 190;
    l.gift.gift_receipt = -1;
    pi_error err;
    assert_int_equal(sale_put_line(s, &l, &err), 0);
  }
}

static void add_customer(sale *s, const char *id, const char *vat) {
  party *p = &s->customer;
  memset(p, 0, sizeof *p);
  p->present = 1;
  p->org = 1;
  snprintf(p->id, sizeof p->id, "%s", id);
  snprintf(p->name, sizeof p->name, "Café Kreuzberg GmbH");
  evidence *e = &p->ev[p->nev++];
  e->kind = TAXID_VAT;
  snprintf(e->input, sizeof e->input, "%s", vat);
  taxid_check_vat(vat, strlen(vat), NULL, &e->verdict);
}

/* ---- loading ------------------------------------------------------------------ */

static void without_a_directory_every_hook_passes(void **state) {
  fixture *f = *state;
  f->cfg.scripts.dir[0] = '\0';
  hooks *h = open_ok(f);
  assert_int_equal(hooks_script_count(h), 0);
  sale s;
  make_sale(&s, 2);
  decision d;
  memset(&d, 0, sizeof d);
  char meta[64] = "junk";
  pi_error err;
  assert_int_equal(hooks_on_sale_begin(h, &s, &err), HOOK_PASS);
  s.lines[1].status_override = STATUS_RESELLER; /* stale: cleared without scripts too */
  assert_int_equal(hooks_classify(h, &s, &err), HOOK_PASS);
  assert_int_equal(s.lines[1].status_override, STATUS_NONE);
  assert_int_equal(hooks_on_total(h, &s, &d, &err), HOOK_PASS);
  assert_int_equal(hooks_on_complete(h, &s, &d, meta, sizeof meta, &err), HOOK_PASS);
  assert_string_equal(meta, "");
  assert_int_equal(hooks_reload(h, &err), 0);
  sale_free(&s);
}

static void scripts_run_in_file_name_order(void **state) {
  fixture *f = *state;
  const char *names[] = {"b.lua", "a.lua", "10.lua", "B.lua"};
  for (int i = 0; i < 4; i++) {
    char text[200];
    snprintf(text, sizeof text,
             "return { on_sale_begin = function() pos.log('info', 'ran %s') end }",
             names[i]);
    put(f, names[i], text);
  }
  put(f, ".hidden.lua", "error('dotfiles are skipped')");
  put(f, "notes.txt", "not a script");
  put(f, "x.lua.bak", "error('backups are skipped')");
  hooks *h = open_ok(f);
  assert_int_equal(hooks_script_count(h), 4);
  sale s;
  make_sale(&s, 1);
  pi_error err;
  clear_capture();
  assert_int_equal(hooks_on_sale_begin(h, &s, &err), HOOK_PASS);
  assert_int_equal(nlogs, 4);
  assert_non_null(strstr(logs[0], "scripts/10.lua: ran 10.lua"));
  assert_non_null(strstr(logs[1], "ran B.lua"));
  assert_non_null(strstr(logs[2], "ran a.lua"));
  assert_non_null(strstr(logs[3], "ran b.lua"));
  sale_free(&s);
}

static void load_errors_name_the_file_and_line(void **state) {
  fixture *f = *state;
  put(f, "good.lua", "return {}");
  put(f, "zbad.lua", "-- comment\nlocal x = 1\nreturn {on_total = function( end}\n");
  pi_error err = open_fails(f, "scripts/zbad.lua:3:");
  assert_string_equal(err.code, "script");
  assert_string_equal(err.field, "scripts/zbad.lua:3");

  put(f, "zbad.lua", "return { on_totl = function() end }");
  open_fails(f, "scripts/zbad.lua: unknown hook 'on_totl'");
  put(f, "zbad.lua", "return { on_total = 42 }");
  open_fails(f, "on_total must be a function, not number");
  put(f, "zbad.lua", "return 'hooks'");
  open_fails(f, "must return a table of hook functions, not string");
  put(f, "zbad.lua", "\x1bLuaT\x00\x19\x93\r\n\x1a\nxxxxxxxx");
  open_fails(f, "attempt to load a binary chunk");
  put(f, "zbad.lua", "local t = nil\nreturn t.x");
  err = open_fails(f, "attempt to index a nil value");
  assert_string_equal(err.field, "scripts/zbad.lua:2");

  f->cfg.scripts.max_file_bytes = 1024;
  char big[3000];
  memset(big, '-', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  put(f, "zbad.lua", big);
  open_fails(f, "over the 1 KiB limit");

  snprintf(f->cfg.scripts.dir, sizeof f->cfg.scripts.dir, "%s/missing", f->tmp);
  err = open_fails(f, "cannot open the scripts directory");
  assert_string_equal(err.field, "config.scripts.dir");
}

static void load_budget_stops_a_slow_script(void **state) {
  fixture *f = *state;
  f->cfg.scripts.load_ms = 100;
  put(f, "slow.lua", "while true do end");
  /* The budget named is the setting, whatever part of it went before the
     script began (under valgrind, a millisecond or more). */
  open_fails(f, "scripts/slow.lua:1: loading the scripts went over their time budget "
                "of 100 ms (config.scripts.load_ms)");
}

/* posplug.h promises that the plugin logs which real-time signal it took
 * for the time budgets. */
static void the_budget_signal_is_logged(void **state) {
  fixture *f = *state;
  put(f, "a.lua", "return {}");
  clear_capture();
  hooks *h = open_ok(f);
  int sig = lsb_budget_signal();
  assert_true(sig >= SIGRTMIN && sig <= SIGRTMAX);
  char want[96];
  snprintf(want, sizeof want, "1 store scripts: time budgets use real-time signal %d "
           "(SIGRTMIN+%d)", sig, sig - SIGRTMIN);
  if (!logged(want)) fail_msg("no log line \"%s\" (%d lines)", want, nlogs);
  (void)h;
}

/* ---- each hook's conventions -------------------------------------------------- */

static void on_sale_begin_may_refuse(void **state) {
  fixture *f = *state;
  put(f, "a.lua", "return { on_sale_begin = function(sale) "
                  "if sale.terminal == 'T9' then return false, 'Till T9 is retired' end "
                  "if sale.cashier == 'bob' then return 'Bob is on leave' end "
                  "return true end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 0);
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(hooks_on_sale_begin(h, &s, &err), HOOK_PASS);
  snprintf(s.terminal, sizeof s.terminal, "T9");
  assert_int_equal(hooks_on_sale_begin(h, &s, &err), HOOK_REFUSE);
  assert_string_equal(err.code, "refused");
  assert_string_equal(err.message, "Till T9 is retired");
  assert_string_equal(err.field, "scripts/a.lua");
  snprintf(s.terminal, sizeof s.terminal, "T1");
  snprintf(s.cashier, sizeof s.cashier, "bob");
  assert_int_equal(hooks_on_sale_begin(h, &s, &err), HOOK_REFUSE);
  assert_string_equal(err.message, "Bob is on leave");
  sale_free(&s);
}

static void on_tag_amends_or_refuses(void **state) {
  fixture *f = *state;
  put(f, "a.lua",
      "return { on_tag = function(sale, tag)\n"
      "  if tag.line == 'L2' then return false end\n"
      "  if tag.purpose == 'own_use' then return { purpose = 'resale' } end\n"
      "  if tag.purpose == 'gift' and not tag.recipient then\n"
      "    return { recipient = { name = 'Ada' }, gift_receipt = true, message = 'Hi' }\n"
      "  end\n"
      "  if tag.purpose == 'resale' then return { purpose = 'bogus' } end\n"
      "end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 2);
  pi_error err;
  tag t;
  memset(&t, 0, sizeof t);
  t.purpose = PURPOSE_OWN_USE;
  t.gift.gift_receipt = -1;
  assert_int_equal(hooks_on_tag(h, &s, &t, &err), HOOK_PASS);
  assert_int_equal(t.purpose, PURPOSE_RESALE);

  memset(&t, 0, sizeof t);
  t.purpose = PURPOSE_GIFT;
  t.gift.gift_receipt = -1;
  assert_int_equal(hooks_on_tag(h, &s, &t, &err), HOOK_PASS);
  assert_string_equal(t.gift.recipient_name, "Ada");
  assert_string_equal(t.gift.message, "Hi");
  assert_int_equal(t.gift.gift_receipt, 1);
  assert_int_equal(t.gift.tagged, 1);

  /* A malformed amendment is a script error: fail_open leaves the tag. */
  memset(&t, 0, sizeof t);
  t.purpose = PURPOSE_RESALE;
  clear_capture();
  assert_int_equal(hooks_on_tag(h, &s, &t, &err), HOOK_PASS);
  assert_int_equal(t.purpose, PURPOSE_RESALE);
  assert_true(logged("purpose must be own_use, gift or resale, not \"bogus\""));

  snprintf(t.line, sizeof t.line, "L2");
  assert_int_equal(hooks_on_tag(h, &s, &t, &err), HOOK_REFUSE);
  assert_string_equal(err.message, "refused by store script a.lua");
  sale_free(&s);
}

static void validate_party_sees_customers_and_recipients(void **state) {
  fixture *f = *state;
  put(f, "a.lua",
      "return { validate_party = function(p, sale)\n"
      "  if p.role == 'customer' then\n"
      "    local ev = p.evidence[1]\n"
      "    if not (ev.kind == 'vat' and ev.valid and ev.country == 'DE' and\n"
      "            ev.compact == 'DE129273398' and p.org == true) then\n"
      "      return false, 'unexpected customer table' end\n"
      "    if p.id == 'C-BANNED' then return false, 'Account closed' end\n"
      "  elseif p.contact and not p.contact:find('@') then\n"
      "    return 'Contact needs an @'\n"
      "  end\n"
      "end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  pi_error err;
  party p;
  memset(&p, 0, sizeof p);
  sale tmp;
  make_sale(&tmp, 0);
  add_customer(&tmp, "C-1", "DE 129 273 398");
  p = tmp.customer;
  assert_int_equal(hooks_validate_party(h, &s, "customer", &p, NULL, &err), HOOK_PASS);
  snprintf(p.id, sizeof p.id, "C-BANNED");
  assert_int_equal(hooks_validate_party(h, &s, "customer", &p, NULL, &err), HOOK_REFUSE);
  assert_string_equal(err.message, "Account closed");
  gift_info g;
  memset(&g, 0, sizeof g);
  snprintf(g.recipient_name, sizeof g.recipient_name, "Ada");
  snprintf(g.recipient_contact, sizeof g.recipient_contact, "+49 30 1234");
  assert_int_equal(hooks_validate_party(h, &s, "recipient", NULL, &g, &err), HOOK_REFUSE);
  assert_string_equal(err.message, "Contact needs an @");
  snprintf(g.recipient_contact, sizeof g.recipient_contact, "ada@example.org");
  assert_int_equal(hooks_validate_party(h, &s, "recipient", NULL, &g, &err), HOOK_PASS);
  sale_free(&s);
  sale_free(&tmp);
}

static void classify_overrides_line_statuses(void **state) {
  fixture *f = *state;
  put(f, "a.lua", "return { classify = function(sale, line) "
                  "if line.sku:find('^SPIRIT') then return 'reseller' end end }");
  put(f, "b.lua", "return { classify = function(sale, line) "
                  "if line.line == 'L4' then return 'customer' end "
                  "if line.line == 'L5' then return 'shopkeeper' end end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 4);
  pi_error err;
  s.lines[0].status_override = STATUS_CUSTOMER; /* stale: cleared first */
  assert_int_equal(hooks_classify(h, &s, &err), HOOK_PASS);
  assert_int_equal(s.lines[0].status_override, STATUS_NONE);
  assert_int_equal(s.lines[1].status_override, STATUS_RESELLER);
  assert_int_equal(s.lines[3].status_override, STATUS_CUSTOMER); /* b.lua wins */
  /* One bad answer voids that script's whole pass, not the others'. */
  sale_free(&s);
  make_sale(&s, 5);
  clear_capture();
  assert_int_equal(hooks_classify(h, &s, &err), HOOK_PASS);
  assert_int_equal(s.lines[1].status_override, STATUS_RESELLER);
  assert_int_equal(s.lines[3].status_override, STATUS_RESELLER);
  assert_true(logged("classify must return nil"));
  sale_free(&s);
}

static void on_total_amends_the_decision(void **state) {
  fixture *f = *state;
  put(f, "a.lua",
      "return { on_total = function(sale, d)\n"
      "  return { prompts = { 'Loyalty card?', { id = 'age', text = 'Check ID', line = 'L2',\n"
      "             field = 'age_checked', choices = { 'yes', 'no' } } },\n"
      "           receipt = { 'Thank you, ' .. sale.store },\n"
      "           treatment = 'exempt_resale', block = { 'Manager needed', 'Count the drawer' } }\n"
      "end }");
  put(f, "b.lua", "return { on_total = function(sale, d)\n"
                  "  if d.treatment ~= 'exempt_resale' or #d.blocks ~= 2 then error('order') end\n"
                  "  return { receipt = { string.rep('x', 128) } } end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 2);
  decision d;
  memset(&d, 0, sizeof d);
  pi_error err;
  clear_capture();
  assert_int_equal(hooks_on_total(h, &s, &d, &err), HOOK_PASS);
  assert_int_equal(d.nprompts, 2);
  assert_string_equal(d.prompts[0].text, "Loyalty card?");
  assert_string_equal(d.prompts[0].id, "script");
  assert_string_equal(d.prompts[1].id, "age");
  assert_string_equal(d.prompts[1].line, "L2");
  assert_int_equal(d.prompts[1].nchoices, 2);
  assert_int_equal(d.nreceipt, 1); /* b.lua's too-long line: whole answer dropped */
  assert_string_equal(d.receipt[0], "Thank you, shop-1");
  assert_int_equal(d.treatment, TREAT_EXEMPT_RESALE);
  assert_int_equal(d.nblocks, 2);
  assert_string_equal(d.blocks[0].code, "script");
  assert_string_equal(d.blocks[0].field, "scripts/a.lua");
  assert_true(logged("receipt[1] is 128 bytes long; at most 127"));
  sale_free(&s);
}

/* The decision holds DECIDE_PROMPTS_MAX prompts: a script that fills it
 * exactly is applied; the next script's prompt does not fit, so its whole
 * answer is refused as a script error (logged, nothing dropped silently). */
static void on_total_at_the_decision_cap(void **state) {
  fixture *f = *state;
  char text[400];
  int n = snprintf(text, sizeof text,
                   "return { on_total = function()\n"
                   "  local p = {}\n"
                   "  for i = 1, %d do p[i] = 'Question ' .. i end\n"
                   "  return { prompts = p } end }",
                   DECIDE_PROMPTS_MAX);
  assert_true(n > 0 && (size_t)n < sizeof text);
  put(f, "a.lua", text);
  put(f, "b.lua", "return { on_total = function()\n"
                  "  return { prompts = { 'One too many' }, receipt = { 'b' } } end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  decision d;
  memset(&d, 0, sizeof d);
  pi_error err;
  clear_capture();
  assert_int_equal(hooks_on_total(h, &s, &d, &err), HOOK_PASS); /* fail_open */
  assert_int_equal(d.nprompts, DECIDE_PROMPTS_MAX);
  assert_string_equal(d.prompts[DECIDE_PROMPTS_MAX - 1].text, "Question 16");
  assert_int_equal(d.nreceipt, 0); /* nothing of b.lua's answer */
  assert_true(logged("the decision holds at most 16 prompts; it has 16 and this answer adds 1"));
  /* Dropping first makes room: the same answer then fits. */
  put(f, "b.lua", "return { on_total = function()\n"
                  "  return { drop_prompts = { 'script' }, prompts = { 'Only one' } } end }");
  h = open_ok(f);
  memset(&d, 0, sizeof d);
  assert_int_equal(hooks_on_total(h, &s, &d, &err), HOOK_PASS);
  assert_int_equal(d.nprompts, 1);
  assert_string_equal(d.prompts[0].text, "Only one");
  sale_free(&s);
}

static void on_complete_meta_is_merged_and_bounded(void **state) {
  fixture *f = *state;
  put(f, "a.lua", "return { on_complete = function(sale) return { a = 1, shared = 'a', "
                  "list = { 1, 'two', true, cjson.null }, nested = { x = { y = 1.5 } } } end }");
  put(f, "b.lua", "return { on_complete = function(sale) return { shared = 'b' } end }");
  put(f, "c.lua", "return { on_complete = function(sale) "
                  "return { big = string.rep('z', 1000) } end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  decision d;
  memset(&d, 0, sizeof d);
  char meta[300];
  pi_error err;
  clear_capture();
  assert_int_equal(hooks_on_complete(h, &s, &d, meta, sizeof meta, &err), HOOK_PASS);
  assert_string_equal(meta, "{\"a\":1,\"list\":[1,\"two\",true,null],\"nested\":{\"x\":"
                            "{\"y\":1.5}},\"shared\":\"b\"}");
  assert_true(logged("on_complete: the stored fields would exceed 299 bytes"));

  put(f, "c.lua", "return { on_complete = function() return { ['bad key'] = 1 } end }");
  open_ok(f);
  clear_capture();
  assert_int_equal(hooks_on_complete(f->h, &s, &d, meta, sizeof meta, &err), HOOK_PASS);
  assert_true(logged("field names are 1 to 63 letters"));
  put(f, "c.lua", "return { on_complete = function() return { f = print or function() end } end }");
  open_ok(f);
  clear_capture();
  assert_int_equal(hooks_on_complete(f->h, &s, &d, meta, sizeof meta, &err), HOOK_PASS);
  assert_true(logged("a function cannot be stored"));
  sale_free(&s);
}

static void report_row_adds_columns_only(void **state) {
  fixture *f = *state;
  put(f, "a.lua", "return { report_row = function(row) "
                  "return { region = row.country == 'DE' and 'home' or 'abroad', "
                  "doubled = row.net * 2 } end }");
  put(f, "b.lua", "return { report_row = function(row) "
                  "if row.kind == 'eori' then return { net = 0 } end end }");
  hooks *h = open_ok(f);
  cJSON *row = cJSON_Parse("{\"identifier\":\"DE129273398\",\"kind\":\"vat\","
                           "\"country\":\"DE\",\"net\":1200}");
  pi_error err;
  assert_int_equal(hooks_report_row(h, row, &err), HOOK_PASS);
  assert_string_equal(cJSON_GetObjectItem(row, "region")->valuestring, "home");
  assert_int_equal(cJSON_GetObjectItem(row, "doubled")->valueint, 2400);
  cJSON_Delete(row);
  row = cJSON_Parse("{\"kind\":\"eori\",\"country\":\"FR\",\"net\":5}");
  clear_capture();
  assert_int_equal(hooks_report_row(h, row, &err), HOOK_PASS);
  assert_int_equal(cJSON_GetObjectItem(row, "net")->valueint, 5);
  assert_true(logged("report_row may add columns, not replace 'net'"));
  cJSON_Delete(row);
}

/* ---- on_return ------------------------------------------------------------ */

/* The tables on_return gets, as the engine builds them (test_hooks' own
 * copies: the shapes of docs/hooks.md). */
static const char return_sale_json[] =
    "{\"id\":\"S1\",\"store\":\"shop-1\",\"terminal\":\"T1\",\"day\":\"2026-11-20\","
    "\"currency\":\"EUR\",\"purpose\":\"resale\",\"net\":2000,\"tax\":0,\"total\":2000,"
    "\"customer\":null,\"lines\":[{\"line\":\"L1\",\"qty\":2.0,\"net\":2000,\"tax\":0,"
    "\"purpose\":\"resale\",\"status\":\"reseller\",\"treatment\":\"exempt_resale\","
    "\"returned\":0.5,\"gift\":null}]}";
static const char return_ret_json[] =
    "{\"id\":\"R1\",\"sale\":\"S1\",\"day\":\"2026-12-01\",\"reason\":\"damaged\","
    "\"net\":500,\"tax\":0,\"total\":500,\"lines\":[{\"line\":\"L1\",\"qty\":0.5,"
    "\"net\":500,\"tax\":0,\"purpose\":\"resale\",\"status\":\"reseller\","
    "\"treatment\":\"exempt_resale\",\"remaining\":1}],"
    "\"refund\":[{\"type\":\"card\",\"amount\":500}]}";

static int on_return(fixture *f, hooks_return_answer *ans, pi_error *err) {
  cJSON *sold = cJSON_Parse(return_sale_json), *ret = cJSON_Parse(return_ret_json);
  assert_non_null(sold);
  assert_non_null(ret);
  pi_error_clear(err);
  int rc = hooks_on_return(f->h, sold, ret, ans, err);
  cJSON_Delete(sold);
  cJSON_Delete(ret);
  return rc;
}

/* Answers: nil/true pass, false + message (or a message) refuse, a table
 * adds receipt lines and fields, merged over the scripts in order; the
 * script sees both tables with integers where the JSON held whole
 * numbers. */
static void on_return_refuses_or_adds(void **state) {
  fixture *f = *state;
  put(f, "a.lua", "return { on_return = function(sale, ret)\n"
                  "  local s, r = sale.lines[1], ret.lines[1]\n"
                  "  return { receipt = { ret.id .. ' of ' .. sale.id .. ': ' .. r.purpose ..\n"
                  "    '/' .. r.status .. ' ' .. math.type(s.qty) .. ' ' .. s.returned ..\n"
                  "    ' ' .. r.qty .. ' ' .. math.type(r.remaining) .. ' ' .. ret.reason },\n"
                  "    meta = { shared = 'a', a = 1 } } end }");
  put(f, "b.lua", "return { on_return = function() return { meta = { shared = 'b' } } end }");
  put(f, "c.lua", "return { on_return = function() return true end }");
  open_ok(f);
  hooks_return_answer ans;
  pi_error err;
  clear_capture();
  assert_int_equal(on_return(f, &ans, &err), HOOK_PASS);
  assert_int_equal(ans.nreceipt, 1);
  assert_string_equal(ans.receipt[0],
                      "R1 of S1: resale/reseller integer 0.5 0.5 integer damaged");
  assert_string_equal(ans.meta, "{\"a\":1,\"shared\":\"b\"}");
  assert_int_equal(ntraces, 3);
  assert_non_null(strstr(traces[0], "on_return a.lua {\"result\":\"amend\",\"receipt\":"));
  assert_non_null(strstr(traces[2], "on_return c.lua {\"result\":\"pass\"}"));
  /* A refusal stops the scripts after it and empties the answer. */
  put(f, "b.lua", "return { on_return = function(sale, ret)\n"
                  "  if ret.lines[1].status == 'reseller' then\n"
                  "    return false, 'resale returns need the manager' end end }");
  open_ok(f);
  clear_capture();
  assert_int_equal(on_return(f, &ans, &err), HOOK_REFUSE);
  assert_string_equal(err.code, "refused");
  assert_string_equal(err.field, "scripts/b.lua");
  assert_string_equal(err.message, "resale returns need the manager");
  assert_int_equal(ans.nreceipt, 0);
  assert_string_equal(ans.meta, "");
  assert_int_equal(ntraces, 2);
  /* A lone false: the default sentence. */
  put(f, "b.lua", "return { on_return = function() return false end }");
  open_ok(f);
  assert_int_equal(on_return(f, &ans, &err), HOOK_REFUSE);
  assert_string_equal(err.message, "refused by store script b.lua");
}

/* Strict answers, as every hook's: a wrong shape is a script error that
 * drops that script's whole answer (fail_open: logged, the return goes
 * on; fail_closed: refused), never a part of it applied. */
static void on_return_answers_are_strict(void **state) {
  fixture *f = *state;
  static const struct {
    const char *body, *log;
  } bad[] = {
      {"return { receipt = 'Thanks' }", "on_return: receipt must be an array"},
      {"return { receipt = { 'ok' }, notes = 1 }", "on_return: unknown field 'notes' = 1"},
      {"return { meta = 'x' }", "on_return: meta must be a table of fields"},
      {"return { meta = { ['bad key'] = 1 } }", "on_return: meta: field names are 1 to 63"},
      {"return { receipt = { string.rep('x', 128) } }", "is 128 bytes long; at most 127"},
      {"return 42", "on_return must return nil, true, false and a message, or a table"},
      {"local t = {} for i = 1, 17 do t[i] = 'l' .. i end return { receipt = t }",
       "on_return: receipt has 17 entries; at most 16"},
  };
  hooks_return_answer ans;
  pi_error err;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[512];
    snprintf(text, sizeof text,
             "return { on_return = function(sale, ret)\n  %s\nend }", bad[i].body);
    put(f, "a.lua", "return { on_return = function() return { receipt = { 'from a' } } end }");
    put(f, "b.lua", text);
    f->cfg.scripts.fail_closed = 0;
    open_ok(f);
    clear_capture();
    assert_int_equal(on_return(f, &ans, &err), HOOK_PASS);
    if (!logged(bad[i].log)) fail_msg("case %zu: no log with \"%s\"", i, bad[i].log);
    assert_true(logged("scripts/b.lua:1:"));
    /* a.lua's answer stands; none of b.lua's. */
    assert_int_equal(ans.nreceipt, 1);
    assert_string_equal(ans.receipt[0], "from a");
    size_t n, more;
    const hooks_failure *fl = hooks_failures(f->h, &n, &more);
    assert_int_equal(n, 1);
    assert_string_equal(fl[0].hook, "on_return");
    f->cfg.scripts.fail_closed = 1;
    hooks_clear_failures(f->h);
    assert_int_equal(on_return(f, &ans, &err), HOOK_REFUSE);
    assert_string_equal(err.code, "refused");
    assert_non_null(strstr(err.message, "A store rule could not be checked"));
    assert_non_null(strstr(err.message, "on_return failed"));
  }
  /* Sixteen receipt lines in all: a second script's line past them is its
   * error, the first's sixteen stand. */
  f->cfg.scripts.fail_closed = 0;
  put(f, "a.lua", "return { on_return = function() local t = {} for i = 1, 16 do "
                  "t[i] = 'l' .. i end return { receipt = t } end }");
  put(f, "b.lua", "return { on_return = function() return { receipt = { 'one more' } } end }");
  open_ok(f);
  clear_capture();
  assert_int_equal(on_return(f, &ans, &err), HOOK_PASS);
  assert_int_equal(ans.nreceipt, 16);
  assert_true(logged("on_return: a return holds at most 16 receipt lines; it has 16 and "
                     "this answer adds 1"));
}

/* Through the engine: the script sees the recorded sale's lines with
 * their purpose and status and what earlier returns took; a refusal
 * records nothing; receipt lines and fields are in the reply, which is
 * stored, so a resend replays it without asking the scripts again. */
static void on_return_through_the_engine(void **state) {
  fixture *f = *state;
  put(f, "returns.lua",
      "local calls = 0\n"
      "return { on_return = function(sale, ret)\n"
      "  calls = calls + 1\n"
      "  for _, l in ipairs(ret.lines) do\n"
      "    if l.purpose == 'resale' then return false, 'resale returns need the manager' end\n"
      "  end\n"
      "  local sold = {}\n"
      "  for _, l in ipairs(sale.lines) do\n"
      "    sold[#sold + 1] = l.line .. '=' .. l.purpose .. '/' .. l.status .. '/' ..\n"
      "      l.returned .. (l.gift and ('/' .. l.gift.recipient_name) or '')\n"
      "  end\n"
      "  return { receipt = { table.concat(sold, ' ') },\n"
      "           meta = { reason = ret.reason, back = ret.lines[1].qty, call = calls,\n"
      "                    customer = sale.customer and sale.customer.id } }\n"
      "end }");
  char db[700], extra[1024];
  snprintf(db, sizeof db, "%s/t.db", f->tmp);
  snprintf(extra, sizeof extra, "\"scripts\":{\"dir\":\"%s\"}", f->dir);
  engine *e = tu_engine(db, extra);
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.begin\",\"sale\":\"S1\",\"store\":\"shop-1\","
                        "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\"}"));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.line\",\"sale\":\"S1\",\"line\":\"L1\",\"qty\":2,"
                        "\"unit_price\":1000,\"net\":2000,\"tax\":0}"));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.line\",\"sale\":\"S1\",\"line\":\"L2\",\"qty\":2,"
                        "\"unit_price\":535,\"net\":1000,\"tax\":70}"));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.customer\",\"sale\":\"S1\",\"customer\":"
                        "{\"id\":\"C-7\",\"org\":true,\"vat\":\"DE129273398\"}}"));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.tag\",\"sale\":\"S1\",\"purpose\":\"resale\","
                        "\"line\":\"L1\"}"));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.tag\",\"sale\":\"S1\",\"purpose\":\"gift\","
                        "\"line\":\"L2\",\"recipient\":{\"name\":\"Ana\"}}"));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.complete\",\"sale\":\"S1\",\"total\":3070}"));
  /* The resale line: refused by the script, nothing recorded. */
  cJSON *r = tu_err(e, "refused", "scripts/returns.lua",
                    "{\"type\":\"sale.return\",\"sale\":\"S1\",\"return\":\"R1\","
                    "\"at\":\"2026-12-01T10:00:00+01:00\",\"reason\":\"unwanted\","
                    "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                    "\"refund\":[{\"type\":\"card\",\"amount\":1000}]}");
  assert_string_equal(tu_str(r, "error.message"), "resale returns need the manager");
  cJSON_Delete(r);
  assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM returns"), 0);
  /* Half the gift: the script saw both lines as sold, nothing returned yet. */
  const char *half = "{\"type\":\"sale.return\",\"sale\":\"S1\",\"return\":\"R2\","
                     "\"at\":\"2026-12-01T10:00:00+01:00\",\"reason\":\"wrong_item\","
                     "\"lines\":[{\"line\":\"L2\",\"qty\":1}],"
                     "\"refund\":[{\"type\":\"card\",\"amount\":535}]}";
  r = tu_ok(e, "%s", half);
  assert_string_equal(tu_str(r, "receipt.0"),
                      "L1=resale/reseller/0 L2=gift/customer/0/Ana");
  assert_string_equal(tu_str(r, "meta.reason"), "wrong_item");
  assert_true(tu_num(r, "meta.back") == 1);
  assert_true(tu_num(r, "meta.call") == 2);
  assert_string_equal(tu_str(r, "meta.customer"), "C-7");
  cJSON_Delete(r);
  /* The resend replays the stored reply; the script is not asked again
   * (R3 below is its third call). */
  r = tu_ok(e, "%s", half);
  assert_string_equal(tu_str(r, "receipt.0"),
                      "L1=resale/reseller/0 L2=gift/customer/0/Ana");
  assert_true(tu_num(r, "meta.call") == 2);
  cJSON_Delete(r);
  /* The rest of the gift: the script sees what R2 took. */
  r = tu_ok(e, "{\"type\":\"sale.return\",\"sale\":\"S1\",\"return\":\"R3\","
               "\"at\":\"2026-12-02T10:00:00+01:00\",\"reason\":\"unwanted\","
               "\"lines\":[{\"line\":\"L2\",\"qty\":1}],"
               "\"refund\":[{\"type\":\"card\",\"amount\":535}]}");
  assert_string_equal(tu_str(r, "receipt.0"),
                      "L1=resale/reseller/0 L2=gift/customer/1/Ana");
  assert_true(tu_num(r, "meta.call") == 3);
  cJSON_Delete(r);
  engine_close(e);
}

/* ---- policy, reset, reload ---------------------------------------------------- */

static void fail_closed_refuses_with_file_and_line(void **state) {
  fixture *f = *state;
  f->cfg.scripts.fail_closed = 1;
  put(f, "gifts.lua", "return { on_total = function(sale)\n"
                      "  return sale.nothing.here end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  decision d;
  memset(&d, 0, sizeof d);
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(hooks_on_total(h, &s, &d, &err), HOOK_REFUSE);
  assert_string_equal(err.code, "refused");
  assert_string_equal(err.field, "scripts/gifts.lua:2");
  assert_non_null(strstr(err.message, "scripts/gifts.lua:2: attempt to index a nil value"));
  assert_true(logged("fail_closed"));
  /* Under fail_open the same failure is logged and the sale goes on. */
  f->cfg.scripts.fail_closed = 0;
  clear_capture();
  assert_int_equal(hooks_on_total(h, &s, &d, &err), HOOK_PASS);
  assert_true(logged("scripts/gifts.lua:2: attempt to index a nil value"));
  sale_free(&s);
}

static const char *first_receipt(hooks *h, sale *s) {
  static decision d;
  memset(&d, 0, sizeof d);
  pi_error err;
  assert_int_equal(hooks_on_total(h, s, &d, &err), HOOK_PASS);
  return d.nreceipt ? d.receipt[0] : "";
}

static void reload_keeps_the_old_scripts_when_the_new_fail(void **state) {
  fixture *f = *state;
  put(f, "a.lua", "return { on_total = function() return { receipt = { 'v1' } } end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  assert_string_equal(first_receipt(h, &s), "v1");
  put(f, "a.lua", "return { on_total = function() return { receipt = { 'v2' } } end\n"
                  "  oops }");
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(hooks_reload(h, &err), -1);
  assert_string_equal(err.field, "scripts/a.lua:2");
  assert_true(logged("the old ones stay active"));
  assert_string_equal(first_receipt(h, &s), "v1");
  put(f, "a.lua", "return { on_total = function() return { receipt = { 'v2' } } end }");
  put(f, "b.lua", "return {}");
  assert_int_equal(hooks_reload(h, &err), 0);
  assert_int_equal(hooks_script_count(h), 2);
  assert_string_equal(first_receipt(h, &s), "v2");
  sale_free(&s);
}

static void a_time_out_resets_the_state(void **state) {
  fixture *f = *state;
  /* Long enough that the calls which do not loop cannot reach it. */
  f->cfg.scripts.hook_ms = 1000;
  put(f, "a.lua", "local calls = 0\n"
                  "return { on_total = function(sale)\n"
                  "  calls = calls + 1\n"
                  "  if sale.cashier == 'loop' then while true do end end\n"
                  "  return { receipt = { 'call ' .. calls } } end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  assert_string_equal(first_receipt(h, &s), "call 1");
  assert_string_equal(first_receipt(h, &s), "call 2");
  snprintf(s.cashier, sizeof s.cashier, "loop");
  clear_capture();
  assert_string_equal(first_receipt(h, &s), "");
  char want[96];
  snprintf(want, sizeof want, "scripts/a.lua:4: time budget of 1000 ms exceeded");
  assert_true(logged(want));
  assert_true(logged("resetting the Lua state"));
  snprintf(s.cashier, sizeof s.cashier, "mia");
  assert_string_equal(first_receipt(h, &s), "call 1"); /* a fresh state */
  sale_free(&s);
}

static void a_hoarding_script_gets_its_state_reset(void **state) {
  fixture *f = *state;
  f->cfg.scripts.memory_bytes = 8u << 20;
  put(f, "a.lua", "local hoard = {}\n"
                  "return { on_sale_begin = function()\n"
                  "  local chunk = string.rep('y', 65536)\n"
                  "  pcall(function() while true do\n"
                  "    hoard[#hoard + 1] = chunk .. #hoard end end) end }");
  put(f, "b.lua", "return { on_total = function() return { receipt = { 'b ok' } } end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  pi_error err;
  clear_capture();
  assert_int_equal(hooks_on_sale_begin(h, &s, &err), HOOK_PASS);
  assert_true(logged("scripts hold"));
  assert_string_equal(first_receipt(h, &s), "b ok");
  sale_free(&s);
}

/* ---- what scripts see ---------------------------------------------------------- */

static void the_sale_table_has_the_documented_shape(void **state) {
  fixture *f = *state;
  put(f, "shape.lua",
      "local function eq(a, b, what) if a ~= b then\n"
      "  error(what .. ': ' .. tostring(a) .. ' ~= ' .. tostring(b)) end end\n"
      "return { on_total = function(sale, d)\n"
      "  eq(sale.id, 'S1', 'id') eq(sale.store, 'shop-1', 'store')\n"
      "  eq(sale.terminal, 'T1', 'terminal') eq(sale.cashier, 'mia', 'cashier')\n"
      "  eq(sale.at, '2026-11-20T10:00:00+01:00', 'at') eq(sale.currency, 'EUR', 'cur')\n"
      "  eq(sale.purpose, 'gift', 'purpose') eq(sale.net, 2000, 'net')\n"
      "  eq(sale.tax, 380, 'tax') eq(sale.total, 2380, 'total')\n"
      "  eq(math.type(sale.total), 'integer', 'integer money')\n"
      "  eq(#sale.lines, 2, 'lines')\n"
      "  local l1, l2 = sale.lines[1], sale.lines[2]\n"
      "  eq(l1.line, 'L1', 'line') eq(l1.sku, 'BEAN-ETH', 'sku') eq(l1.qty, 1.5, 'qty')\n"
      "  eq(l2.qty, 1, 'qty 1') eq(math.type(l2.qty), 'integer', 'whole qty')\n"
      "  eq(l1.unit_price, 1190, 'unit') eq(l1.purpose, 'gift', 'eff purpose')\n"
      "  eq(l1.status, 'customer', 'status') eq(l1.tagged_purpose, nil, 'tagged')\n"
      "  eq(l2.tagged_purpose, 'resale', 'l2 tagged') eq(l2.status, 'reseller', 'l2 st')\n"
      "  eq(l1.gift.recipient_name, 'Ada', 'line gift') eq(sale.gift.gift_receipt, true, 'gr')\n"
      "  local c = sale.customer\n"
      "  eq(c.id, 'C-1', 'cid') eq(c.org, true, 'org') eq(#c.evidence, 1, 'ev')\n"
      "  local ev = c.evidence[1]\n"
      "  eq(ev.kind, 'vat', 'kind') eq(ev.valid, false, 'valid') eq(ev.country, 'DE', 'cc')\n"
      "  eq(ev.reason, 'bad_check_digit', 'reason') eq(type(ev.message), 'string', 'msg')\n"
      "  eq(d.treatment, 'standard', 'treatment') eq(#d.prompts, 0, 'prompts')\n"
      "  return { receipt = { 'shape ok' } }\n"
      "end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 2);
  add_customer(&s, "C-1", "DE129273399");
  s.purpose = PURPOSE_GIFT;
  s.gift.tagged = 1;
  s.gift.gift_receipt = 1;
  snprintf(s.gift.recipient_name, sizeof s.gift.recipient_name, "Ada");
  s.lines[1].purpose = PURPOSE_RESALE;
  clear_capture();
  const char *r = first_receipt(h, &s);
  if (strcmp(r, "shape ok") != 0) fail_msg("shape: %s", nlogs ? logs[0] : "no log");
  sale_free(&s);
}

static void the_pos_library(void **state) {
  fixture *f = *state;
  put(f, "pos.lua",
      "return { on_total = function(sale)\n"
      "  local c = pos.config\n"
      "  assert(c.store_id == 'shop-1' and c.store_country == 'DE' and c.currency == 'EUR')\n"
      "  assert(c.default_purpose == 'own_use' and c.resale_evidence == 'block')\n"
      "  assert(c.gift_receipt == 'offer' and c.on_error == 'fail_open')\n"
      "  assert(#c.accepted_evidence == 3 and c.accepted_evidence[3] == 'resale_cert')\n"
      "  assert(not pcall(function() c.store_id = 'x' end), 'config writable')\n"
      "  assert(not pcall(function() pos.log = nil end), 'pos writable')\n"
      "  assert(pos.now() == 1795000000000, 'now')\n"
      "  local v = pos.taxid.check('DE 136 695 976')\n"
      "  assert(v.valid and v.compact == 'DE136695976' and v.kind == 'vat')\n"
      "  local bad = pos.taxid.check('DE136695977', 'vat')\n"
      "  assert(not bad.valid and bad.reason == 'bad_check_digit' and #bad.message > 0)\n"
      "  assert(not pcall(pos.taxid.check, 'x', 'passport'), 'bad kind accepted')\n"
      "  assert(not pos.taxid.check(string.rep('9', 100000)).valid)\n"
      "  for i = 1, 25 do pos.log('warn', 'line ' .. i .. '\\0\\27') end\n"
      "  return { receipt = { 'pos ok' } }\n"
      "end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  clear_capture();
  const char *r = first_receipt(h, &s);
  if (strcmp(r, "pos ok") != 0) fail_msg("pos: %s", nlogs ? logs[nlogs - 1] : "no log");
  /* 20 lines, then one notice; control characters cleaned. */
  assert_int_equal(nlogs, 21);
  assert_non_null(strstr(logs[0], "2 scripts/pos.lua: line 1??"));
  assert_non_null(strstr(logs[20], "further pos.log lines of this call suppressed"));
  sale_free(&s);
}

static void traces_report_every_answer(void **state) {
  fixture *f = *state;
  put(f, "a.lua", "return { on_tag = function(s, t) return { purpose = 'resale' } end,\n"
                  "  on_sale_begin = function() return false, 'no' end,\n"
                  "  on_total = function() error('boom') end }");
  hooks *h = open_ok(f);
  sale s;
  make_sale(&s, 1);
  tag t;
  memset(&t, 0, sizeof t);
  t.purpose = PURPOSE_OWN_USE;
  decision d;
  memset(&d, 0, sizeof d);
  pi_error err;
  clear_capture();
  hooks_on_tag(h, &s, &t, &err);
  hooks_on_sale_begin(h, &s, &err);
  hooks_on_total(h, &s, &d, &err);
  assert_int_equal(ntraces, 3);
  assert_string_equal(traces[0],
                      "on_tag a.lua {\"result\":\"amend\",\"tag\":{\"purpose\":\"resale\"}}");
  assert_string_equal(traces[1], "on_sale_begin a.lua {\"result\":\"refuse\",\"message\":\"no\"}");
  assert_string_equal(traces[2],
                      "on_total a.lua {\"result\":\"error\",\"kind\":\"script\",\"where\":"
                      "\"scripts/a.lua:3\",\"message\":\"scripts/a.lua:3: boom\","
                      "\"policy\":\"fail_open\"}");
  sale_free(&s);
}

/* ---- the hostile corpus, through the engine ------------------------------------ */

/* A well-behaved script loaded after each hostile one: it fails loudly if
 * anything it relies on was poisoned, and marks every sale it sees. */
static const char canary[] =
    "local function checks()\n"
    "  assert(('abc'):upper() == 'ABC', 'string methods poisoned')\n"
    "  assert(string.upper('abc') == 'ABC', 'string.upper poisoned')\n"
    "  assert(string.format('%d', 42) == '42', 'string.format poisoned')\n"
    "  assert(tostring(1) == '1', 'tostring poisoned')\n"
    "  local n = 0 for _ in pairs({ a = 1, b = 2 }) do n = n + 1 end\n"
    "  assert(n == 2, 'pairs poisoned')\n"
    "  local t = {} table.insert(t, 'x') assert(#t == 1, 'table.insert poisoned')\n"
    "  assert(math.floor(1.5) == 1, 'math poisoned')\n"
    "  assert(cjson.encode({ 1 }) == '[1]', 'cjson poisoned')\n"
    "  assert(pwned == nil, 'a global leaked between scripts')\n"
    "  assert(io == nil and os == nil and rawset == nil, 'escape hatch visible')\n"
    "end\n"
    "return {\n"
    "  on_total = function() checks() return { receipt = { 'canary ok' } } end,\n"
    "  on_complete = function() checks() return { canary = 'ok' } end,\n"
    "  report_row = function() checks() return { canary = 'ok' } end,\n"
    "}\n";

typedef struct expectation {
  char phase[16];   /* load, sale, report_row                            */
  char text[200];   /* alternatives separated by " | "; "ok": no failure */
} expectation;

static int read_expectation(const char *path, expectation *x) {
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  char line[400];
  int found = 0, first = fgetc(fp);
  if (first == 0x1b) { /* precompiled: no comment to read */
    snprintf(x->phase, sizeof x->phase, "load");
    snprintf(x->text, sizeof x->text, "attempt to load a binary chunk");
    found = 1;
  } else {
    ungetc(first, fp);
  }
  while (!found && fgets(line, sizeof line, fp)) {
    if (strncmp(line, "-- expect: ", 11) != 0) continue;
    line[strcspn(line, "\n")] = '\0';
    char *sp = strchr(line + 11, ' ');
    assert_non_null(sp);
    *sp = '\0';
    snprintf(x->phase, sizeof x->phase, "%.15s", line + 11);
    snprintf(x->text, sizeof x->text, "%.199s", sp + 1);
    found = 1;
  }
  fclose(fp);
  return found;
}

/* Does `msg` contain one of the " | "-separated alternatives? */
static int matches(const char *msg, const char *alternatives) {
  char buf[200];
  snprintf(buf, sizeof buf, "%s", alternatives);
  for (char *p = buf, *bar; p; p = bar ? bar + 3 : NULL) {
    bar = strstr(p, " | ");
    if (bar) *bar = '\0';
    if (strstr(msg, p)) return 1;
  }
  return 0;
}

static int any_log_matches(const char *alternatives) {
  for (int i = 0; i < nlogs; i++)
    if (matches(logs[i], alternatives)) return 1;
  return 0;
}

/* Rewrite "of 50 ms" / "of 200 ms" in an expectation to the scaled budgets. */
static void scale_expectation(char *text, size_t cap) {
  static const int budgets[] = {50, 200};
  for (int i = 0; i < 2; i++) {
    char from[32], to[32], *at;
    snprintf(from, sizeof from, "of %d ms", budgets[i]);
    snprintf(to, sizeof to, "of %d ms", scaled(budgets[i]));
    if ((at = strstr(text, from)) == NULL || strcmp(from, to) == 0) continue;
    char rest[256];
    snprintf(rest, sizeof rest, "%s", at + strlen(from));
    snprintf(at, cap - (size_t)(at - text), "%s%s", to, rest);
  }
}

/* Did the canary run out of time?  With a budget within reach (a hostile
 * script about time has one, for the whole engine) any call may, on a
 * loaded machine, however little it does: that says nothing about what
 * the hostile script did, so it is not a failure of the canary. */
static int canary_timed_out(void) {
  for (int i = 0; i < nlogs; i++)
    if (strstr(logs[i], "zz_canary.lua:") && strstr(logs[i], "time budget of")) return 1;
  return 0;
}

static engine *hostile_engine(const char *db, const char *dir, int hook_ms, int load_ms,
                              pi_error *err) {
  char over[2304];
  snprintf(over, sizeof over,
           "{\"database\":\"%s\",\"scripts\":{\"dir\":\"%s\",\"hook_ms\":%d,"
           "\"load_ms\":%d,\"memory_mb\":32}}",
           db, dir, hook_ms, load_ms);
  engine_options opt = {.manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
                        .overrides_json = over,
                        .log = capture_log};
  engine *e = NULL;
  pi_error_clear(err);
  engine_open(&opt, &e, err);
  return e;
}

/* Send one event; it must be answered ok:true (however long that takes:
 * that the budget stopped the script is asserted from the log). */
static void answered_ok(const char *script, engine *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void answered_ok(const char *script, engine *e, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  const char *reply;
  size_t len;
  int st = engine_handle(e, buf, strlen(buf), &reply, &len);
  if (st != 0 || strstr(reply, "\"ok\":true") == NULL)
    fail_msg("%s: %s -> %s", script, buf, reply);
}

/* One sale through every hook: begin, line, customer, tag, total, complete. */
static void one_sale(const char *script, engine *e, const char *id) {
  answered_ok(script, e, "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\","
                      "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\"}", id);
  answered_ok(script, e, "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L1\",\"sku\":"
                      "\"BEAN\",\"qty\":1,\"unit_price\":1190,\"net\":1000,\"tax\":190}", id);
  answered_ok(script, e, "{\"type\":\"sale.customer\",\"sale\":\"%s\",\"customer\":"
                      "{\"id\":\"C-1\",\"vat\":\"DE129273398\"}}", id);
  answered_ok(script, e, "{\"type\":\"sale.tag\",\"sale\":\"%s\",\"purpose\":\"own_use\"}", id);
  answered_ok(script, e, "{\"type\":\"sale.total\",\"sale\":\"%s\"}", id);
  answered_ok(script, e, "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":1190}", id);
}

static void run_hostile(const char *name, const char *tmp) {
  char src[1024], dir[1024], db[1024], cmd[4096];
  snprintf(src, sizeof src, "%s/tests/hostile/%s", POSINTENT_SOURCE_DIR, name);
  snprintf(dir, sizeof dir, "%s/%s.d/scripts", tmp, name);
  snprintf(db, sizeof db, "%s/%s.d/t.db", tmp, name);
  expectation x;
  if (!read_expectation(src, &x)) fail_msg("%s: no '-- expect:' line", name);
  scale_expectation(x.text, sizeof x.text);
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' '%s/%s'", dir, src, dir, name);
  assert_int_equal(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "%s/zz_canary.lua", dir);
  FILE *fp = fopen(cmd, "wb");
  assert_non_null(fp);
  fputs(canary, fp);
  fclose(fp);
  clear_capture();
  /* Only a script about time gets a reachable budget (in the phase it is
   * about); for every other one the budget is out of reach, so that the
   * limit it is about is the only one that can trip on a slow machine. */
  int about_time = strstr(x.text, "time budget") != NULL;
  int at_load = strcmp(x.phase, "load") == 0;
  pi_error err;
  engine *e = hostile_engine(db, dir, about_time && !at_load ? scaled(50) : OUT_OF_REACH_MS,
                             about_time && at_load ? scaled(200) : OUT_OF_REACH_MS, &err);

  if (strcmp(x.phase, "load") == 0) {
    if (e) fail_msg("%s: loaded, but should have failed with %s", name, x.text);
    if (!matches(err.message, x.text))
      fail_msg("%s: load error \"%s\" lacks \"%s\"", name, err.message, x.text);
    assert_string_equal(err.code, "script");
    /* The name of the file is in the error, for the admin. */
    assert_non_null(strstr(err.message, name));
    return;
  }
  if (e == NULL) fail_msg("%s: did not load: %s", name, err.message);

  if (strcmp(x.phase, "report_row") == 0) {
    hooks_env env = {.cfg = engine_config(e), .log = capture_log};
    hooks *h;
    assert_int_equal(hooks_open(&env, &h, &err), 0);
    for (int i = 0; i < 2; i++) {
      cJSON *row = cJSON_Parse("{\"identifier\":\"DE129273398\",\"net\":1200}");
      assert_int_equal(hooks_report_row(h, row, &err), HOOK_PASS);
      assert_int_equal(cJSON_GetObjectItem(row, "net")->valueint, 1200);
      assert_string_equal(cJSON_GetObjectItem(row, "canary")->valuestring, "ok");
      cJSON_Delete(row);
    }
    hooks_close(h);
  } else {
    one_sale(name, e, "S1");
    one_sale(name, e, "S2"); /* the next sale records correctly */
    char meta[512];
    tu_sql_text(db, "SELECT meta FROM sales WHERE sale = 'S2'", meta, sizeof meta);
    if (strstr(meta, "\"canary\":\"ok\"") == NULL && !canary_timed_out())
      fail_msg("%s: S2 recorded without the canary's meta: %s", name, meta);
    assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM sales WHERE status = 'completed'"),
                     2);
  }
  engine_close(e);
  /* Even the largest budget (10 s) is not out of reach of a script that
   * builds 20,000 fields under valgrind on a machine loaded twenty times
   * over: a time-out of a script not about time is not what it tests, and
   * is allowed in place of its expectation (the till went on regardless,
   * as asserted above); it is reported, not failed. */
  int timed_out = !about_time && logged("time budget of");
  if (timed_out)
    fprintf(stderr, "note: %s timed out on this machine before showing \"%s\"\n", name,
            x.text);
  if (strcmp(x.text, "ok") == 0) {
    for (int i = 0; i < nlogs; i++)
      if (strstr(logs[i], "store script failed") && !strstr(logs[i], "time budget of"))
        fail_msg("%s: unexpected failure: %s", name, logs[i]);
  } else if (!any_log_matches(x.text) && !timed_out) {
    fail_msg("%s: no log line contains \"%s\" (%d lines; first: %s)", name, x.text, nlogs,
             nlogs ? logs[0] : "");
  }
  /* Whatever the hostile script did, the canary never failed. */
  for (int i = 0; i < nlogs; i++)
    if (strstr(logs[i], "zz_canary.lua:") && !strstr(logs[i], "time budget of"))
      fail_msg("%s: the canary failed: %s", name, logs[i]);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void the_hostile_corpus_is_contained(void **state) {
  fixture *f = *state;
  char dir[600];
  snprintf(dir, sizeof dir, "%s/tests/hostile", POSINTENT_SOURCE_DIR);
  DIR *d = opendir(dir);
  assert_non_null(d);
  char *names[128];
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len <= 4 || strcmp(de->d_name + len - 4, ".lua") != 0) continue;
    if (n == 128) fail_msg("more than 128 hostile scripts: raise the bound");
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], by_name);
  assert_true(n >= 20);
  for (int i = 0; i < n; i++) {
    char name[128];
    snprintf(name, sizeof name, "%.120s", names[i]);
    free(names[i]); /* before a failure can jump out of the loop */
    names[i] = NULL;
    double t0 = mono_ms();
    run_hostile(name, f->tmp);
    if (getenv("POSINTENT_TEST_VERBOSE"))
      fprintf(stderr, "hostile %-28s %6.0f ms\n", name, mono_ms() - t0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(without_a_directory_every_hook_passes, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(scripts_run_in_file_name_order, setup, teardown),
      cmocka_unit_test_setup_teardown(load_errors_name_the_file_and_line, setup, teardown),
      cmocka_unit_test_setup_teardown(load_budget_stops_a_slow_script, setup, teardown),
      cmocka_unit_test_setup_teardown(the_budget_signal_is_logged, setup, teardown),
      cmocka_unit_test_setup_teardown(on_sale_begin_may_refuse, setup, teardown),
      cmocka_unit_test_setup_teardown(on_tag_amends_or_refuses, setup, teardown),
      cmocka_unit_test_setup_teardown(validate_party_sees_customers_and_recipients, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(classify_overrides_line_statuses, setup, teardown),
      cmocka_unit_test_setup_teardown(on_total_amends_the_decision, setup, teardown),
      cmocka_unit_test_setup_teardown(on_total_at_the_decision_cap, setup, teardown),
      cmocka_unit_test_setup_teardown(on_complete_meta_is_merged_and_bounded, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(report_row_adds_columns_only, setup, teardown),
      cmocka_unit_test_setup_teardown(on_return_refuses_or_adds, setup, teardown),
      cmocka_unit_test_setup_teardown(on_return_answers_are_strict, setup, teardown),
      cmocka_unit_test_setup_teardown(on_return_through_the_engine, setup, teardown),
      cmocka_unit_test_setup_teardown(fail_closed_refuses_with_file_and_line, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(reload_keeps_the_old_scripts_when_the_new_fail,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(a_time_out_resets_the_state, setup, teardown),
      cmocka_unit_test_setup_teardown(a_hoarding_script_gets_its_state_reset, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(the_sale_table_has_the_documented_shape, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(the_pos_library, setup, teardown),
      cmocka_unit_test_setup_teardown(traces_report_every_answer, setup, teardown),
      cmocka_unit_test_setup_teardown(the_hostile_corpus_is_contained, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
