/* SPDX-License-Identifier: MIT */
/*
 * bench_sale.c - what a full sale costs the till, against the disk's floor.
 *
 * Loads libposintent.so through the loader, as a host does, and times N
 * sales of begin, 10 lines, customer (with a VAT number), tag resale,
 * total and complete, on a database in --dir (default: the current
 * directory, so the disk is the one the till would use).  In the same run
 * it measures the floor for durable writes there: write + fdatasync of a
 * small record.  Prints medians, p99s, rates and the ratios; decides
 * nothing.  Also what the sales wrote: bytes and write calls per sale from
 * the process's own I/O counters (/proc/self/io, Linux), and that in pages
 * of the database's page size, WAL, checkpoints, journal and indexes
 * included: what wears a till's flash.
 *
 * usage: bench_sale MANIFEST [--sales N] [--lines L] [--dir DIR]
 *                   [--durability full|normal]
 * (--lines: lines per sale, default 10; issue 16's pages target is for 3.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "posplug.h"
#include "posplug_loader.h"

typedef struct io_count {
  unsigned long long wchar, syscw; /* bytes and calls of write(2) and kin */
} io_count;

/* The process's write counters; 0 if /proc/self/io cannot be read. */
static int read_io(io_count *c) {
  FILE *f = fopen("/proc/self/io", "r");
  if (!f) return 0;
  char key[32];
  unsigned long long v;
  int got = 0;
  while (fscanf(f, "%31[^:]: %llu\n", key, &v) == 2) {
    if (strcmp(key, "wchar") == 0) c->wchar = v, got |= 1;
    else if (strcmp(key, "syscw") == 0) c->syscw = v, got |= 2;
  }
  fclose(f);
  return got == 3;
}

/* The page size of the database at path, or 0. */
static long page_size(const char *path) {
  sqlite3 *db;
  long ps = 0;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK) {
      if (sqlite3_step(st) == SQLITE_ROW) ps = (long)sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
    }
  }
  sqlite3_close(db);
  return ps;
}

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
  size_t i = (size_t)(p * (double)(n - 1));
  return v[i];
}

/* The floor: append a 200-byte record and fdatasync, n times. */
static void floor_fdatasync(const char *dir, size_t n, double *lat) {
  char path[1024];
  snprintf(path, sizeof path, "%s/bench-floor.%d", dir, (int)getpid());
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  if (fd < 0) {
    fprintf(stderr, "bench_sale: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  char rec[200];
  memset(rec, 'x', sizeof rec);
  for (size_t i = 0; i < n; i++) {
    double t0 = now_us();
    if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec || fdatasync(fd) != 0) {
      perror("bench_sale: floor");
      exit(1);
    }
    lat[i] = now_us() - t0;
  }
  close(fd);
  unlink(path);
}

/* The peer: SQLite's smallest durable transaction in the same mode the
 * plugin uses (WAL, synchronous=FULL): one 200-byte row per commit. */
static void floor_sqlite(const char *dir, size_t n, double *lat) {
  char path[1024];
  snprintf(path, sizeof path, "%s/bench-sqlite-floor.%d.db", dir, (int)getpid());
  sqlite3 *db;
  sqlite3_stmt *ins, *b, *c;
  if (sqlite3_open(path, &db) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)",
                   NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO t(v) VALUES(zeroblob(200))", -1, &ins, NULL) ||
      sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &b, NULL) ||
      sqlite3_prepare_v2(db, "COMMIT", -1, &c, NULL)) {
    fprintf(stderr, "bench_sale: sqlite floor: %s\n", sqlite3_errmsg(db));
    exit(1);
  }
  for (size_t i = 0; i < n; i++) {
    double t0 = now_us();
    sqlite3_step(b);
    sqlite3_reset(b);
    sqlite3_step(ins);
    sqlite3_reset(ins);
    if (sqlite3_step(c) != SQLITE_DONE) exit(1);
    sqlite3_reset(c);
    lat[i] = now_us() - t0;
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(b);
  sqlite3_finalize(c);
  sqlite3_close(db);
  char side[1100];
  unlink(path);
  snprintf(side, sizeof side, "%s-wal", path);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", path);
  unlink(side);
}

typedef struct till {
  const posplug_plugin_api *api;
  posplug_instance *in;
  char reply[65536];
} till;

static void post(till *t, const char *ev) {
  size_t n;
  posplug_error err;
  posplug_status st = t->api->handle(t->in, ev, strlen(ev), t->reply, sizeof t->reply,
                                     &n, &err);
  if (st != POSPLUG_OK || strncmp(t->reply, "{\"ok\":true", 10) != 0) {
    fprintf(stderr, "bench_sale: event refused: %s\n  reply: %s\n", ev, t->reply);
    exit(1);
  }
}

/* One sale; returns the time of the non-durable events, and the time of
 * the completion in *complete_us. */
static int n_lines = 10; /* --lines */

static double one_sale(till *t, size_t k, double *complete_us) {
  char ev[512];
  double t0 = now_us();
  snprintf(ev, sizeof ev,
           "{\"type\":\"sale.begin\",\"sale\":\"B%zu\",\"store\":\"bench\","
           "\"terminal\":\"T1\",\"cashier\":\"c\",\"at\":\"2026-11-20T10:00:00Z\"}",
           k);
  post(t, ev);
  for (int l = 0; l < n_lines; l++) {
    snprintf(ev, sizeof ev,
             "{\"type\":\"sale.line\",\"sale\":\"B%zu\",\"line\":\"L%d\",\"sku\":"
             "\"SKU-%d\",\"name\":\"Coffee beans 250 g\",\"qty\":1,"
             "\"unit_price\":1290,\"net\":1206,\"tax\":84}",
             k, l, l);
    post(t, ev);
  }
  snprintf(ev, sizeof ev,
           "{\"type\":\"sale.customer\",\"sale\":\"B%zu\",\"customer\":{\"id\":\"C1\","
           "\"name\":\"Cafe\",\"org\":true,\"vat\":\"ATU13585627\"}}",
           k);
  post(t, ev);
  snprintf(ev, sizeof ev, "{\"type\":\"sale.tag\",\"sale\":\"B%zu\",\"purpose\":\"resale\"}",
           k);
  post(t, ev);
  snprintf(ev, sizeof ev, "{\"type\":\"sale.total\",\"sale\":\"B%zu\"}", k);
  post(t, ev);
  double t1 = now_us();
  snprintf(ev, sizeof ev,
           "{\"type\":\"sale.complete\",\"sale\":\"B%zu\",\"total\":%d,"
           "\"tenders\":[{\"type\":\"card\",\"amount\":%d}]}",
           k, 1290 * n_lines, 1290 * n_lines);
  post(t, ev);
  *complete_us = now_us() - t1;
  return t1 - t0;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr, "usage: bench_sale MANIFEST [--sales N] [--lines L] [--dir DIR] "
                    "[--durability full|normal]\n");
    return 2;
  }
  const char *manifest = argv[1], *dir = ".", *dur = "full";
  size_t n = 500;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--sales") == 0) n = (size_t)strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    else if (strcmp(argv[i], "--lines") == 0) n_lines = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--durability") == 0) dur = argv[i + 1];
  }
  if (n < 10) n = 10;
  if (n_lines < 1 || n_lines > 100) {
    fprintf(stderr, "bench_sale: --lines must be 1 to 100\n");
    return 2;
  }
  char db[1024], over[1200];
  snprintf(db, sizeof db, "%s/bench-sale-%d.db", dir, (int)getpid());
  snprintf(over, sizeof over, "{\"database\":\"%s\",\"durability\":\"%s\"}", db, dur);

  posplug_loaded plug;
  posplug_error err;
  if (posplug_load(manifest, &plug, &err) != POSPLUG_OK) {
    fprintf(stderr, "bench_sale: %s\n", err.message);
    return 1;
  }
  posplug_host_api host = {.struct_size = sizeof host, .abi_version = POSPLUG_ABI_VERSION};
  static till t;
  t.api = plug.api;
  if (plug.api->create(&host, manifest, over, &t.in, &err) != POSPLUG_OK) {
    fprintf(stderr, "bench_sale: %s\n", err.message);
    return 1;
  }
  double *floor_lat = calloc(n, sizeof *floor_lat);
  double *sale_lat = calloc(n, sizeof *sale_lat);
  double *open_lat = calloc(n, sizeof *open_lat);
  double *done_lat = calloc(n, sizeof *done_lat);
  double *sql_lat = calloc(n, sizeof *sql_lat);
  if (!floor_lat || !sale_lat || !open_lat || !done_lat || !sql_lat) return 1;

  double c;
  for (size_t k = 0; k < 20; k++) one_sale(&t, 1000000 + k, &c); /* warm up */
  io_count io0 = {0, 0}, io1 = {0, 0};
  int have_io = read_io(&io0);
  double t0 = now_us();
  for (size_t k = 0; k < n; k++) {
    open_lat[k] = one_sale(&t, k, &done_lat[k]);
    sale_lat[k] = open_lat[k] + done_lat[k];
  }
  double sale_total = now_us() - t0;
  have_io = have_io && read_io(&io1);
  long ps = page_size(db);
  t0 = now_us();
  floor_fdatasync(dir, n, floor_lat);
  double floor_total = now_us() - t0;
  floor_sqlite(dir, n, sql_lat);

  double floor_rate = (double)n / (floor_total / 1e6);
  double sale_rate = (double)n / (sale_total / 1e6);
  double f50 = pct(floor_lat, n, 0.5), f99 = pct(floor_lat, n, 0.99);
  double s50 = pct(sale_lat, n, 0.5), s99 = pct(sale_lat, n, 0.99);
  double o50 = pct(open_lat, n, 0.5), o99 = pct(open_lat, n, 0.99);
  double d50 = pct(done_lat, n, 0.5);
  double q50 = pct(sql_lat, n, 0.5), q99 = pct(sql_lat, n, 0.99);
  printf("posintent full-sale benchmark: %zu sales of begin + %d lines + customer + "
         "tag + total + complete, durability %s, dir %s\n",
         n, n_lines, dur, dir);
  printf("  floor  write+fdatasync 200 B : median %8.1f us  p99 %8.1f us  %8.0f/s\n",
         f50, f99, floor_rate);
  printf("  peer   SQLite 1-row commit   : median %8.1f us  p99 %8.1f us\n", q50, q99);
  printf("  full sale (through the ABI)  : median %8.1f us  p99 %8.1f us  %8.0f/s\n",
         s50, s99, sale_rate);
  printf("    sale.complete alone        : median %8.1f us\n", d50);
  printf("    non-durable events (%3d)   : median %8.1f us  p99 %8.1f us  "
         "(target for 14: < 25 us)\n",
         n_lines + 4, o50, o99);
  if (have_io && ps > 0) {
    double bytes = (double)(io1.wchar - io0.wchar) / (double)n;
    printf("  written per sale             : %8.0f bytes in %.1f write calls = %.1f pages of "
           "%ld B (target <= 4 pages)\n",
           bytes, (double)(io1.syscw - io0.syscw) / (double)n, bytes / (double)ps, ps);
  } else {
    printf("  written per sale             : not known (no /proc/self/io)\n");
  }
  printf("  ratio sale/floor (median)    : %.2f  (target <= 1.25)\n", s50 / f50);
  printf("  ratio rate sale/floor        : %.2f  (target >= 0.80)\n", sale_rate / floor_rate);
  printf("  ratio complete/SQLite commit : %.2f  (what the plugin adds to SQLite's own "
         "durable commit)\n",
         d50 / q50);

  plug.api->destroy(t.in);
  posplug_unload(&plug);
  char side[1100];
  unlink(db);
  snprintf(side, sizeof side, "%s-wal", db);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", db);
  unlink(side);
  free(floor_lat);
  free(sale_lat);
  free(open_lat);
  free(done_lat);
  free(sql_lat);
  return 0;
}
