/* SPDX-License-Identifier: MIT */
/*
 * bench_report.c - `report resellers` against a hand-written GROUP BY in
 * the sqlite3 shell, on the same database file.
 *
 *   bench_report DB [FROM TO] [RUNS]
 *
 * Runs the reseller report (report_resellers, as `posintent report
 * resellers --from FROM --to TO` does) RUNS times (default 3) writing CSV
 * to a temporary file, and the query an analyst would type into `sqlite3 -readonly
 * DB` the same number of times, alternating so both see the same page
 * cache.  Prints each time, the medians, the ratio report / shell (the
 * target is at most 1.5), and this process's peak RSS (it never runs the
 * shell in-process, so the figure is the report's own).  Exits 0 whatever
 * the figures: a benchmark informs, it does not pass or fail.
 * Generate a database first with gen_sales.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"
#include "store/store.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process, or of its waited-for
 * children: on a shared machine these move less than wall time. */
static double cpu(int who) {
  struct rusage ru;
  getrusage(who, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The same question, the way a person would write it: resale lines of
 * completed, unvoided sales in the range, per reseller and currency. */
static const char shell_sql[] =
    "SELECT s.reseller_id, s.reseller_kind, s.reseller_valid, s.reseller_reason,\n"
    "       s.reseller_country, s.currency, max(s.customer_name),\n"
    "       count(DISTINCT s.id), count(*), sum(l.net), sum(l.tax),\n"
    "       min(s.day), max(s.day)\n"
    "FROM sales s JOIN lines l ON l.sale_id = s.id\n"
    "WHERE s.day BETWEEN '%s' AND '%s' AND s.status = 'completed'\n"
    "  AND l.status = 'reseller'\n"
    "  AND s.id NOT IN (SELECT sale_id FROM voids)\n"
    "GROUP BY 1, 2, 3, 4, 5, 6;\n";

/* Run the shell with the query on stdin, output to /dev/null. */
static double run_shell(const char *db, const char *sql_path) {
  fflush(stdout); /* or the child's freopen writes our buffer twice */
  double t0 = now();
  pid_t pid = fork();
  if (pid == 0) {
    if (freopen(sql_path, "r", stdin) == NULL || freopen("/dev/null", "w", stdout) == NULL)
      _exit(127);
    execlp("sqlite3", "sqlite3", "-readonly", db, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return -1;
  return now() - t0;
}

static double run_report(store *st, const report_query *q, size_t *bytes) {
  FILE *out = tmpfile(); /* a real file, so that its size can be read */
  if (out == NULL) return -1;
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = out;
  o.format = SINK_CSV;
  pi_error err;
  double t0 = now();
  int rc = report_resellers(st, q, &o, &err);
  double t = now() - t0;
  *bytes = (size_t)ftell(out);
  fclose(out);
  if (rc) {
    fprintf(stderr, "bench_report: %s\n", err.message);
    return -1;
  }
  return t;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_report DB [FROM TO] [RUNS]\n");
    return 2;
  }
  const char *db = argv[1];
  const char *from = argc > 3 ? argv[2] : "2024-01-01";
  const char *to = argc > 3 ? argv[3] : "2024-12-31";
  int runs = argc > 4 ? atoi(argv[4]) : 3;
  if (runs < 1 || runs > 50) runs = 3;

  char sql_path[] = "/tmp/bench_report_sql_XXXXXX";
  int fd = mkstemp(sql_path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL) {
    perror("bench_report: temporary file");
    return 1;
  }
  fprintf(f, shell_sql, from, to);
  fclose(f);

  store *st;
  pi_error err;
  if (store_open(db, STORE_READONLY, NULL, &st, &err)) {
    fprintf(stderr, "bench_report: %s\n", err.message);
    unlink(sql_path);
    return 1;
  }
  sqlite3_stmt *q;
  long long sales = 0, lines = 0;
  if (sqlite3_prepare_v2(store_db(st), "SELECT (SELECT count(*) FROM sales), "
                                       "(SELECT count(*) FROM lines)",
                         -1, &q, NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW) {
    sales = sqlite3_column_int64(q, 0);
    lines = sqlite3_column_int64(q, 1);
  }
  sqlite3_finalize(q);
  printf("database: %s, %lld sales, %lld lines; report resellers --from %s --to %s\n", db,
         sales, lines, from, to);

  report_query rq = {from, to, NULL, 0, REPORT_BY_NONE};
  double rt[50], sh[50], rc[50], sc[50];
  size_t bytes = 0;
  /* One untimed pass each to warm the page cache for both. */
  if (run_report(st, &rq, &bytes) < 0 || run_shell(db, sql_path) < 0) {
    fprintf(stderr, "bench_report: warm-up failed (is sqlite3 installed?)\n");
    store_close(st);
    unlink(sql_path);
    return 1;
  }
  for (int i = 0; i < runs; i++) {
    double c0 = cpu(RUSAGE_SELF);
    rt[i] = run_report(st, &rq, &bytes);
    rc[i] = cpu(RUSAGE_SELF) - c0;
    c0 = cpu(RUSAGE_CHILDREN);
    sh[i] = run_shell(db, sql_path);
    sc[i] = cpu(RUSAGE_CHILDREN) - c0;
    printf("run %d: report %.3f s (cpu %.3f s), sqlite3 shell %.3f s (cpu %.3f s)\n",
           i + 1, rt[i], rc[i], sh[i], sc[i]);
  }
  store_close(st);
  unlink(sql_path);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double r = median(rt, runs), s = median(sh, runs);
  double rcpu = median(rc, runs), scpu = median(sc, runs);
  printf("report resellers: median %.3f s wall, %.3f s cpu (target < 2 s), %zu bytes "
         "of CSV\n",
         r, rcpu, bytes);
  printf("sqlite3 shell GROUP BY: median %.3f s wall, %.3f s cpu\n", s, scpu);
  printf("ratio report / shell: %.2f wall, %.2f cpu (target <= 1.5)\n", r / s,
         rcpu / scpu);
  printf("peak RSS of the report process: %.1f MiB (target < 64 MiB)\n",
         (double)ru.ru_maxrss / 1024.0);
  return 0;
}
