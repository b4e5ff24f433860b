/* SPDX-License-Identifier: MIT */
/*
 * bench_overrun.c - how far past its time budget a hostile script gets.
 *
 * For every script of tests/hostile (or the files named on the command
 * line), alone in a scripts directory: load it (budget load_ms), then call
 * each of the seven hooks with a 10-line sale, `--rounds` times, timing
 * every call.  Prints, per script, the slowest load and the slowest hook
 * call, each as a ratio to its budget (1.00 = exactly the budget; the aim
 * is at most about 2), and the worst of all at the end.  The time of a
 * call includes the state's reset after a time-out or memory overrun, as a
 * till would see it.
 * Decides nothing: it prints figures.
 *
 * usage: bench_overrun [--rounds N] [--hook-ms MS] [--memory-mb MB] [FILE.lua...]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "script/hooks.h"
#include "config/manifest.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const char *why) {
  fprintf(stderr, "bench_overrun: %s: %s\n", what, why);
  exit(1);
}

static void make_sale(sale *s) {
  sale_init(s);
  snprintf(s->id, sizeof s->id, "B1");
  snprintf(s->store, sizeof s->store, "shop-1");
  snprintf(s->terminal, sizeof s->terminal, "T1");
  snprintf(s->cashier, sizeof s->cashier, "mia");
  snprintf(s->at, sizeof s->at, "2026-11-20T10:00:00+01:00");
  snprintf(s->currency, sizeof s->currency, "EUR");
  for (int i = 0; i < 10; i++) {
    sale_line l;
    memset(&l, 0, sizeof l);
    snprintf(l.line, sizeof l.line, "L%d", i + 1);
    snprintf(l.sku, sizeof l.sku, i % 3 ? "BEAN-%d" : "SPIRIT-%d", i);
    snprintf(l.name, sizeof l.name, "Article %d", i + 1);
    l.qty_milli = 1000;
    l.unit_price = 1190;
    l.net = 1000;
    l.tax = 190;
    l.gift.gift_receipt = -1;
    pi_error err;
    if (sale_put_line(s, &l, &err)) die("sale", err.message);
  }
  party *p = &s->customer;
  p->present = 1;
  p->org = 1;
  snprintf(p->id, sizeof p->id, "C-1");
  p->nev = 1;
  p->ev[0].kind = TAXID_VAT;
  snprintf(p->ev[0].input, sizeof p->ev[0].input, "DE129273398");
  taxid_check_vat("DE129273398", 11, NULL, &p->ev[0].verdict);
}

/* Every hook once; returns the slowest call in ms. */
static double one_round(hooks *h, sale *s) {
  double worst = 0, t0;
  pi_error err;
  decision d;
  tag t;
  char meta[4096];
#define TIME(call)                                                             \
  do {                                                                         \
    t0 = now_ms();                                                             \
    (void)(call);                                                              \
    double ms = now_ms() - t0;                                                 \
    if (ms > worst) worst = ms;                                                \
  } while (0)
  memset(&d, 0, sizeof d);
  memset(&t, 0, sizeof t);
  t.purpose = PURPOSE_OWN_USE;
  t.gift.gift_receipt = -1;
  TIME(hooks_on_sale_begin(h, s, &err));
  TIME(hooks_on_tag(h, s, &t, &err));
  TIME(hooks_validate_party(h, s, "customer", &s->customer, NULL, &err));
  TIME(hooks_classify(h, s, &err));
  TIME(hooks_on_total(h, s, &d, &err));
  TIME(hooks_on_complete(h, s, &d, meta, sizeof meta, &err));
  cJSON *row = cJSON_Parse("{\"identifier\":\"DE129273398\",\"net\":1200}");
  if (row == NULL) die("report row", "out of memory");
  TIME(hooks_report_row(h, row, &err));
  cJSON_Delete(row);
#undef TIME
  return worst;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  int rounds = 3;
  unsigned hook_ms = 50, memory_mb = 32;
  char *files[256];
  int nfiles = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = atoi(argv[++i]);
    else if (strcmp(argv[i], "--hook-ms") == 0 && i + 1 < argc)
      hook_ms = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--memory-mb") == 0 && i + 1 < argc)
      memory_mb = (unsigned)atoi(argv[++i]);
    else if (argv[i][0] == '-')
      die(argv[i], "usage: bench_overrun [--rounds N] [--hook-ms MS] [--memory-mb MB] "
                   "[FILE.lua...]");
    else if (nfiles < 256)
      files[nfiles++] = strdup(argv[i]);
  }
  if (nfiles == 0) {
    const char *dir = BENCH_HOSTILE_DIR;
    DIR *d = opendir(dir);
    if (d == NULL) die(dir, "cannot open");
    struct dirent *de;
    while ((de = readdir(d)) && nfiles < 256) {
      size_t len = strlen(de->d_name);
      if (len > 4 && strcmp(de->d_name + len - 4, ".lua") == 0) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        files[nfiles++] = strdup(path);
      }
    }
    closedir(d);
  }
  qsort(files, (size_t)nfiles, sizeof files[0], by_name);

  char tmp[] = "/tmp/bench_overrun.XXXXXX";
  if (mkdtemp(tmp) == NULL) die("mkdtemp", "failed");
  plugin_config cfg;
  manifest_default_config(&cfg);
  snprintf(cfg.store_id, sizeof cfg.store_id, "shop-1");
  snprintf(cfg.store_country, sizeof cfg.store_country, "DE");
  snprintf(cfg.scripts.dir, sizeof cfg.scripts.dir, "%s", tmp);
  cfg.scripts.hook_ms = hook_ms;
  cfg.scripts.load_ms = 200;
  cfg.scripts.memory_bytes = (size_t)memory_mb << 20;
  hooks_env env = {.cfg = &cfg};
  sale s;
  make_sale(&s);

  printf("hook budget %u ms, load budget %u ms, memory %u MiB, %d rounds\n", hook_ms,
         cfg.scripts.load_ms, memory_mb, rounds);
  printf("%-32s %10s %6s %10s %6s\n", "script", "load ms", "ratio", "call ms", "ratio");
  double worst_ratio = 0;
  const char *worst_name = "";
  for (int i = 0; i < nfiles; i++) {
    const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -f '%s'/*.lua && cp '%s' '%s/'", tmp, files[i], tmp);
    if (system(cmd) != 0) die(files[i], "cannot copy");
    double load = 0, call = 0;
    for (int r = 0; r < rounds; r++) {
      hooks *h = NULL;
      pi_error err;
      double t0 = now_ms();
      int rc = hooks_open(&env, &h, &err);
      double ms = now_ms() - t0;
      if (ms > load) load = ms;
      if (rc != 0) continue; /* refused at load: only the load is timed */
      double c = one_round(h, &s);
      if (c > call) call = c;
      hooks_close(h);
    }
    double lr = load / cfg.scripts.load_ms, cr = call / hook_ms;
    printf("%-32.32s %10.1f %6.2f %10.1f %6.2f\n", base, load, lr, call, cr);
    fflush(stdout);
    if (lr > worst_ratio) worst_ratio = lr, worst_name = base;
    if (cr > worst_ratio) worst_ratio = cr, worst_name = base;
  }
  printf("worst overrun: %.2f x budget (%s)\n", worst_ratio, worst_name);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) die(tmp, "cannot remove");
  sale_free(&s);
  for (int i = 0; i < nfiles; i++) free(files[i]);
  return 0;
}
