/* SPDX-License-Identifier: MIT */
/*
 * bench_hooks.c - what a store script costs the till.
 *
 * 1. The hook round trip: hooks_on_total for a 10-line sale with a customer
 *    (building the sale and decision tables, calling on_total of a script
 *    with a few rules, reading its prompts and receipt lines back into the
 *    decision), timed call by call.  In the same run, the floor: a bare
 *    lua_pcall of an empty Lua function in a plain state.  Prints median,
 *    p99 and the ratio of the medians.
 * 2. The time budget: a script that runs about 1 ms, without a budget, with
 *    the default mechanism (a one-shot timer that arms the hook only when
 *    the budget is spent) and with the fallback (a count hook reading the
 *    clock every LSB_CHECK_EVERY instructions); runs interleave to cancel
 *    drift.  Prints the medians and each overhead in percent.
 * Decides nothing: it prints figures.
 *
 * usage: bench_hooks [--calls N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "script/hooks.h"
#include "script/luasandbox.h"
#include "config/manifest.h"

/* A script with a few rules, like the examples. */
static const char rules[] =
    "local LIMIT = { EUR = 20000 }\n"
    "local LICENCES = { ['C-BAR'] = 'DE-BE-ALK-1' }\n"
    "return { on_total = function(sale, decision)\n"
    "  local gift, spirits = 0, 0\n"
    "  for _, line in ipairs(sale.lines) do\n"
    "    if line.purpose == 'gift' then gift = gift + line.net + line.tax end\n"
    "    if line.sku:match('^SPIRIT%-') and line.status == 'reseller' then\n"
    "      spirits = spirits + 1 end\n"
    "  end\n"
    "  local out = { receipt = { 'Thank you for shopping at ' .. sale.store } }\n"
    "  if gift > (LIMIT[sale.currency] or math.huge) and not sale.gift then\n"
    "    out.block = 'A gift over 200 needs the recipient name' end\n"
    "  if spirits > 0 then\n"
    "    local c = sale.customer\n"
    "    local lic = c and LICENCES[c.id]\n"
    "    if lic then out.receipt[2] = 'Alcohol licence ' .. lic\n"
    "    else out.prompts = { { id = 'licence', text = 'Alcohol licence?' } } end\n"
    "  end\n"
    "  return out\n"
    "end }\n";

/* About 1 ms of plain Lua work, sized by `n`. */
static const char busy[] =
    "return { on_total = function(sale)\n"
    "  local x = 0\n"
    "  for i = 1, N do x = (x + i * 7) % 1000003 end\n"
    "  return nil\n"
    "end }\n";

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p) {
  qsort(v, n, sizeof *v, cmp_double);
  return v[(size_t)(p * (double)(n - 1))];
}

static void die(const char *what, const char *why) {
  fprintf(stderr, "bench_hooks: %s: %s\n", what, why);
  exit(1);
}

/* A scripts directory holding one file. */
static void write_script(const char *dir, const char *text) {
  char path[600];
  snprintf(path, sizeof path, "%s/bench.lua", dir);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) die(path, "cannot write");
}

static void make_sale(sale *s) {
  sale_init(s);
  snprintf(s->id, sizeof s->id, "B1");
  snprintf(s->store, sizeof s->store, "roastery-berlin");
  snprintf(s->terminal, sizeof s->terminal, "T1");
  snprintf(s->cashier, sizeof s->cashier, "mia");
  snprintf(s->at, sizeof s->at, "2026-11-20T10:00:00+01:00");
  snprintf(s->currency, sizeof s->currency, "EUR");
  for (int i = 0; i < 10; i++) {
    sale_line l;
    memset(&l, 0, sizeof l);
    snprintf(l.line, sizeof l.line, "L%d", i + 1);
    snprintf(l.sku, sizeof l.sku, i % 3 ? "BEAN-%d" : "SPIRIT-%d", i);
    snprintf(l.name, sizeof l.name, "Article number %d", i + 1);
    l.qty_milli = 1000 * (i + 1);
    l.unit_price = 1290;
    l.net = 1206 * (i + 1);
    l.tax = 84 * (i + 1);
    l.purpose = i < 3 ? PURPOSE_RESALE : PURPOSE_NONE;
    l.gift.gift_receipt = -1;
    pi_error err;
    if (sale_put_line(s, &l, &err)) die("sale", err.message);
    s->lines[i].purpose = l.purpose; /* a tag, as sale.tag would set it */
  }
  s->purpose = PURPOSE_OWN_USE;
  party *p = &s->customer;
  p->present = 1;
  p->org = 1;
  snprintf(p->id, sizeof p->id, "C-BAR");
  snprintf(p->name, sizeof p->name, "Bar Anker");
  p->nev = 1;
  p->ev[0].kind = TAXID_VAT;
  snprintf(p->ev[0].input, sizeof p->ev[0].input, "DE129273398");
  taxid_check_vat("DE129273398", 11, NULL, &p->ev[0].verdict);
}

static hooks *open_hooks(plugin_config *cfg) {
  hooks_env env = {.cfg = cfg};
  hooks *h;
  pi_error err;
  if (hooks_open(&env, &h, &err)) die("hooks_open", err.message);
  return h;
}

/* The floor: lua_pcall of an empty Lua function, in batches of 1000. */
static void floor_pcall(double *lat, size_t n) {
  lua_State *L = luaL_newstate();
  if (luaL_loadstring(L, "return function() end") || lua_pcall(L, 0, 1, 0))
    die("floor", lua_tostring(L, -1));
  for (size_t i = 0; i < n; i++) {
    double t0 = now_us();
    for (int k = 0; k < 1000; k++) {
      lua_pushvalue(L, -1);
      lua_pcall(L, 0, 0, 0);
    }
    lat[i] = (now_us() - t0) / 1000.0;
  }
  lua_close(L);
}

typedef struct busy_ctx {
  const char *src;
  int ref;
} busy_ctx;

static int load_busy(lua_State *L) {
  busy_ctx *c = lua_touserdata(L, 1);
  lsb_load_text(L, "@bench/busy.lua", c->src, strlen(c->src));
  lua_call(L, 0, 1);
  lua_getfield(L, -1, "on_total");
  c->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

static int call_busy(lua_State *L) {
  busy_ctx *c = lua_touserdata(L, 1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
  lua_newtable(L);
  lua_call(L, 1, 0);
  return 0;
}

/* One timed call of the busy script under `mode`. */
static double busy_once(luasandbox *sb, busy_ctx *c, lsb_budget mode) {
  lsb_set_budget(sb, mode);
  double t0 = now_us();
  if (lsb_run(sb, call_busy, c, "bench", 1000, NULL) != LSB_OK) die("busy", "failed");
  return now_us() - t0;
}

/* Medians of the busy script without a budget, with the timer (the
 * default) and with the count hook (the fallback); runs interleave so that
 * drift hits all three alike. */
static void budget_overhead(size_t runs) {
  char src[sizeof busy + 32];
  double *none = malloc(runs * sizeof *none), *timer = malloc(runs * sizeof *timer),
         *count = malloc(runs * sizeof *count);
  long n = 20000;
  luasandbox *sb = NULL;
  pi_error err;
  lsb_limits lim = {32u << 20, 0, LSB_SIGNAL_AUTO};
  busy_ctx c = {src, 0};
  /* Calibrate N so that one call runs about 1 ms without a budget (the
   * median of 9 calls, so that a busy machine does not throw it off). */
  for (int round = 0; round < 8; round++) {
    const char *at = strstr(busy, "N do");
    snprintf(src, sizeof src, "%.*s%ld%s", (int)(at - busy), busy, n, at + 1);
    lsb_close(sb);
    if (lsb_open(&lim, &sb, &err)) die("lsb_open", err.message);
    if (lsb_run(sb, load_busy, &c, "bench", 1000, NULL) != LSB_OK) die("busy", "load");
    double t[9];
    for (int i = 0; i < 9; i++) t[i] = busy_once(sb, &c, LSB_BUDGET_NONE);
    double per = pct(t, 9, 0.5);
    if (per > 900 && per < 1100) break;
    n = (long)((double)n * 1000.0 / per);
  }
  for (size_t i = 0; i < runs; i++) {
    none[i] = busy_once(sb, &c, LSB_BUDGET_NONE);
    timer[i] = busy_once(sb, &c, LSB_BUDGET_TIMER);
    count[i] = busy_once(sb, &c, LSB_BUDGET_COUNT);
  }
  lsb_set_budget(sb, LSB_BUDGET_TIMER);
  double mn = pct(none, runs, 0.5), mt = pct(timer, runs, 0.5), mc = pct(count, runs, 0.5);
  printf("time budget on a ~1 ms script (%zu runs each, interleaved):\n", runs);
  printf("  no budget                       median %8.1f us\n", mn);
  printf("  timer-armed hook (default%s)  median %8.1f us   overhead %+6.2f %%\n",
         lsb_get_budget(sb) == LSB_BUDGET_TIMER ? "" : "=n/a", mt, (mt - mn) / mn * 100.0);
  printf("  count hook every %d instr.    median %8.1f us   overhead %+6.2f %%\n",
         LSB_CHECK_EVERY, mc, (mc - mn) / mn * 100.0);
  lsb_close(sb);
  free(none);
  free(timer);
  free(count);
}

int main(int argc, char **argv) {
  size_t calls = 20000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--calls") == 0 && i + 1 < argc)
      calls = (size_t)strtoul(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: bench_hooks [--calls N]\n");
      return 2;
    }
  }
  if (calls < 100) calls = 100;
  char dir[] = "/tmp/bench-hooks-XXXXXX";
  if (mkdtemp(dir) == NULL) die("mkdtemp", "failed");
  write_script(dir, rules);
  plugin_config cfg;
  manifest_default_config(&cfg);
  snprintf(cfg.store_id, sizeof cfg.store_id, "roastery-berlin");
  snprintf(cfg.store_country, sizeof cfg.store_country, "DE");
  snprintf(cfg.scripts.dir, sizeof cfg.scripts.dir, "%s", dir);
  hooks *h = open_hooks(&cfg);
  sale s;
  make_sale(&s);
  double *lat = malloc(calls * sizeof *lat);
  decision d;
  pi_error err;
  for (size_t i = 0; i < calls / 10; i++) { /* warm up */
    decide(&s, &cfg, &d);
    hooks_on_total(h, &s, &d, &err);
  }
  for (size_t i = 0; i < calls; i++) {
    decide(&s, &cfg, &d);
    double t0 = now_us();
    if (hooks_on_total(h, &s, &d, &err) != HOOK_PASS) die("on_total", err.message);
    lat[i] = now_us() - t0;
  }
  if (d.nreceipt < 2) {
    for (size_t i = 0; i < d.nreceipt; i++) fprintf(stderr, "receipt: %s\n", d.receipt[i]);
    die("on_total", "the script's answer was not read back");
  }
  double rt_med = pct(lat, calls, 0.5), rt_p99 = pct(lat, calls, 0.99);
  size_t nfloor = calls / 10 < 200 ? 200 : calls / 10;
  double *fl = malloc(nfloor * sizeof *fl);
  floor_pcall(fl, nfloor);
  double fl_med = pct(fl, nfloor, 0.5), fl_p99 = pct(fl, nfloor, 0.99);
  printf("hook round trip, on_total of a 10-line sale with a customer (%zu calls):\n",
         calls);
  printf("  round trip    median %8.2f us   p99 %8.2f us\n", rt_med, rt_p99);
  printf("  floor: bare lua_pcall of an empty function\n");
  printf("                median %8.3f us   p99 %8.3f us\n", fl_med, fl_p99);
  printf("  ratio (medians) %.0fx\n", rt_med / fl_med);
  hooks_close(h);
  sale_free(&s);
  free(lat);
  free(fl);

  budget_overhead(200);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) fprintf(stderr, "bench_hooks: could not remove %s\n", dir);
  return 0;
}
