/* SPDX-License-Identifier: MIT */
/*
 * bench_taxid.c - VAT numbers validated per second by the taxid module and,
 * in the same run on the same corpus, by python-stdnum.
 *
 * Usage: bench_taxid [--count N] [--seconds S] [--runs R] [--python PATH]
 *                    [--script PATH] [--posintent PATH]
 *
 * Two C figures: the validator called in a loop (one thread), and the bulk
 * check as a user runs it, `posintent taxid check -` reading the corpus
 * from a file and writing its TSV rows to a file: a whole process, start-up,
 * reading, checking and writing included, timed by the child's CPU time
 * (user + system, the median of R runs).  Its rows are counted and its
 * valid ones compared with the validator's, so a broken run cannot pass for
 * a fast one.
 *
 * The corpus (default 200,000 numbers, mixed from the 31 prefixes) is built here: random numbers in each country's shape whose
 * check digits are found by asking the validator, typed in several ways
 * (compact, spaced, lower case, padded), and about a third of them mutated
 * (a digit changed, a character dropped, a letter added, an unknown prefix).
 * The C side runs on one thread.  Nothing here fails on timing: the figures
 * are printed, that is all.  Exit status 1 if stdnum or the bulk check could
 * not be run, or the bulk check's rows disagree with the validator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "taxid/taxid.h"

#ifndef BENCH_TAXID_STDNUM_PY
#define BENCH_TAXID_STDNUM_PY "bench/bench_taxid_stdnum.py"
#endif

#ifndef BENCH_TAXID_POSINTENT
#define BENCH_TAXID_POSINTENT "build/posintent"
#endif

#define ENTRY_MAX 48
#define RUNS_MAX 51

typedef struct entry {
  char s[ENTRY_MAX];
  unsigned char len;
} entry;

/* xorshift64*: the state lives on the caller's stack. */
static unsigned long long rnd(unsigned long long *st) {
  unsigned long long x = *st;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *st = x;
  return x * 2685821657736338717ull;
}

static unsigned rnd_below(unsigned long long *st, unsigned n) {
  return (unsigned)(rnd(st) >> 33) % n;
}

/*
 * Shapes after the prefix: d digit, n digit 1-9, L letter, literals as is;
 * the check part is a "tail": # one digit, @ two digits, % one letter,
 * & digit or letter.  Every tail value is tried until the number is valid.
 */
typedef struct shape {
  const char *cc;
  const char *pat;
} shape;

static const shape shapes[] = {
    {"AT", "Uddddddd#"},    {"BE", "0ndddddd@"},      {"BG", "dddddddd#"},
    {"CY", "nddddddd%"},    {"CZ", "nddddd d#"},      {"DE", "nddddddd#"},
    {"DK", "nddddd d#"},    {"EE", "dddddddd#"},      {"EL", "dddddddd#"},
    {"ES", "dddddddd%"},    {"ES", "Bddddddd&"},      {"FI", "ddddddd#"},
    {"FR", "@nddddddd#"},   {"HR", "dddddddddd#"},    {"HU", "ddddddd#"},
    {"IE", "ddddddd%"},     {"IT", "ndddddd0nd#"},    {"LT", "ddddddd1#"},
    {"LU", "dddddd@"},      {"LV", "4ddddddddd#"},    {"MT", "ndddddd#"},
    {"NL", "dddddddd#B0n"}, {"PL", "ddddddddd#"},     {"PT", "nddddddd#"},
    {"RO", "ndddddd#"},     {"SE", "ddddddddd#01"},   {"SI", "ndddddd#"},
    {"SK", "n3ddddddd#"},   {"XI", "ddddddd@"},       {"GB", "ddddddd@"},
    {"CH", "Edddddddd#MWST"}, {"NO", "dddddddd#MVA"},
};
enum { N_SHAPES = (int)(sizeof shapes / sizeof shapes[0]) };

static const char *const countries[] = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE",
                                        "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT",
                                        "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO",
                                        "SE", "SI", "SK", "XI", "GB", "CH", "NO"};
enum { N_COUNTRIES = (int)(sizeof countries / sizeof countries[0]) };

static const shape *pick_shape(const char *cc, unsigned long long *st) {
  const shape *found[4];
  int n = 0;
  for (int i = 0; i < N_SHAPES && n < 4; i++)
    if (strcmp(shapes[i].cc, cc) == 0) found[n++] = &shapes[i];
  return found[rnd_below(st, (unsigned)n)];
}

/* Fills e with a valid compact VAT number of country cc. */
static void make_valid(const char *cc, unsigned long long *st, entry *e) {
  for (;;) {
    const shape *sh = pick_shape(cc, st);
    char buf[ENTRY_MAX];
    size_t n = 0;
    size_t tails[4];
    char tkind[4];
    int nt = 0;
    memcpy(buf, cc, 2);
    n = 2;
    for (const char *p = sh->pat; *p; p++) {
      switch (*p) {
      case 'd': buf[n++] = (char)('0' + rnd_below(st, 10)); break;
      case 'n': buf[n++] = (char)('1' + rnd_below(st, 9)); break;
      case 'L': buf[n++] = (char)('A' + rnd_below(st, 26)); break;
      case ' ': break;
      case '#': case '%': case '&': case '@':
        tails[nt] = n;
        tkind[nt++] = *p;
        buf[n++] = '0';
        if (*p == '@') buf[n++] = '0';
        break;
      default: buf[n++] = *p; break;
      }
    }
    /* Try every value of the (single) tail. */
    const char *alpha = tkind[0] == '#' ? "0123456789"
                        : tkind[0] == '%' ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          : "0123456789ABCDEFGHIJ";
    size_t limit = tkind[0] == '@' ? 100 : strlen(alpha);
    size_t start = rnd_below(st, (unsigned)limit);
    for (size_t k = 0; k < limit; k++) {
      size_t v = (start + k) % limit;
      if (tkind[0] == '@') {
        buf[tails[0]] = (char)('0' + v / 10);
        buf[tails[0] + 1] = (char)('0' + v % 10);
      } else {
        buf[tails[0]] = alpha[v];
      }
      /* FR: the SIREN's own Luhn digit is the second tail. */
      if (nt == 2) {
        for (int d = 0; d < 10; d++) {
          buf[tails[1]] = (char)('0' + d);
          taxid_result r;
          if (taxid_check_vat(buf, n, NULL, &r)) goto done;
        }
        continue;
      }
      taxid_result r;
      if (taxid_check_vat(buf, n, NULL, &r)) goto done;
    }
    continue;
  done:
    memcpy(e->s, buf, n);
    e->len = (unsigned char)n;
    return;
  }
}

/* Types it the way a cashier might, or breaks it. */
static void vary(entry *e, unsigned long long *st) {
  char out[ENTRY_MAX];
  size_t n = 0, len = e->len;
  unsigned how = rnd_below(st, 12);
  switch (how) {
  case 0: case 1: case 2: return; /* compact */
  case 3: /* lower-case prefix */
    e->s[0] = (char)(e->s[0] + 32);
    e->s[1] = (char)(e->s[1] + 32);
    return;
  case 4: case 5: /* prefix, then groups of three */
    out[n++] = e->s[0];
    out[n++] = e->s[1];
    for (size_t k = 2; k < len && n + 2 < ENTRY_MAX; k++) {
      if ((k - 2) % 3 == 0) out[n++] = ' ';
      out[n++] = e->s[k];
    }
    break;
  case 6: /* padded */
    out[n++] = ' ';
    memcpy(out + n, e->s, len);
    n += len;
    out[n++] = ' ';
    break;
  case 7: /* a digit changed */
    for (size_t tries = 0; tries < 8; tries++) {
      size_t k = 2 + rnd_below(st, (unsigned)(len - 2));
      if (e->s[k] >= '0' && e->s[k] <= '9') {
        e->s[k] = (char)('0' + ((unsigned)(e->s[k] - '0') + 1 + rnd_below(st, 9)) % 10);
        break;
      }
    }
    return;
  case 8: /* a character dropped */
  {
    size_t k = 2 + rnd_below(st, (unsigned)(len - 2));
    memmove(e->s + k, e->s + k + 1, len - k - 1);
    e->len--;
    return;
  }
  case 9: /* a letter added */
  {
    size_t k = 2 + rnd_below(st, (unsigned)(len - 1));
    memmove(e->s + k + 1, e->s + k, len - k);
    e->s[k] = (char)('A' + rnd_below(st, 26));
    e->len++;
    return;
  }
  case 10: /* two neighbours swapped */
  {
    size_t k = 2 + rnd_below(st, (unsigned)(len - 3));
    char t = e->s[k];
    e->s[k] = e->s[k + 1];
    e->s[k + 1] = t;
    return;
  }
  default: /* unknown prefix */
    e->s[0] = 'Q';
    return;
  }
  memcpy(e->s, out, n);
  e->len = (unsigned char)n;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine may be shared */
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double child_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs `posintent taxid check -` with stdin from corpus and stdout to out;
   returns its CPU seconds (user + system) and sets *wall_s, or returns -1
   if it could not be run or did not exit with 0 or 1. */
static double run_bulk(const char *posintent, const char *corpus, const char *out,
                       double *wall_s) {
  double c0 = child_cpu(), w0 = wall();
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int in = open(corpus, O_RDONLY);
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || o < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0) _exit(127);
    execl(posintent, posintent, "taxid", "check", "-", (char *)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  *wall_s = wall() - w0;
  if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) return -1;
  return child_cpu() - c0;
}

/* Rows in the bulk check's output, and how many say valid. */
static int count_rows(const char *out, size_t *rows, size_t *valid) {
  FILE *f = fopen(out, "r");
  if (!f) return -1;
  char line[4096];
  *rows = *valid = 0;
  while (fgets(line, sizeof line, f)) {
    const char *t = strchr(line, '\t');
    (*rows)++;
    if (t && t[1] == '1' && t[2] == '\t') (*valid)++;
  }
  fclose(f);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  size_t count = 200000;
  int runs = 5;
  const char *posintent = BENCH_TAXID_POSINTENT;
  double min_seconds = 2.0;
  const char *python = "/usr/bin/python3";
  const char *script = BENCH_TAXID_STDNUM_PY;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) count = strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) min_seconds = atof(argv[++i]);
    else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc) python = argv[++i];
    else if (strcmp(argv[i], "--script") == 0 && i + 1 < argc) script = argv[++i];
    else if (strcmp(argv[i], "--posintent") == 0 && i + 1 < argc) posintent = argv[++i];
    else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
    else {
      fprintf(stderr,
              "usage: %s [--count N] [--seconds S] [--runs R] [--python PATH] [--script PATH]"
              " [--posintent PATH]\n",
              argv[0]);
      return 2;
    }
  }
  if (count < (size_t)N_COUNTRIES) count = N_COUNTRIES;
  if (runs < 1 || runs > RUNS_MAX) {
    fprintf(stderr, "--runs must be 1 to %d\n", RUNS_MAX);
    return 2;
  }

  entry *corpus = malloc(count * sizeof *corpus);
  if (!corpus) {
    perror("malloc");
    return 1;
  }
  unsigned long long st = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < count; i++) {
    make_valid(countries[i % N_COUNTRIES], &st, &corpus[i]);
    vary(&corpus[i], &st);
  }
  /* Shuffle so that countries are mixed as in a real customer list. */
  for (size_t i = count - 1; i > 0; i--) {
    size_t j = (size_t)(rnd(&st) % (i + 1));
    entry t = corpus[i];
    corpus[i] = corpus[j];
    corpus[j] = t;
  }

  /* C: passes over the corpus until min_seconds have gone by. */
  taxid_result r;
  size_t valid_c = 0, done = 0;
  for (size_t i = 0; i < count; i++) valid_c += (size_t)taxid_check_vat(corpus[i].s, corpus[i].len, NULL, &r);
  unsigned long sink = 0;
  double t0 = now(), elapsed;
  do {
    for (size_t i = 0; i < count; i++) {
      sink += (unsigned long)taxid_check_vat(corpus[i].s, corpus[i].len, NULL, &r);
      sink += (unsigned char)r.compact[2];
    }
    done += count;
    elapsed = now() - t0;
  } while (elapsed < min_seconds);
  double rate_c = (double)done / elapsed;

  printf("corpus: %zu numbers from %d prefixes, %zu valid (%.1f%%)\n", count, N_COUNTRIES,
         valid_c, 100.0 * (double)valid_c / (double)count);
  printf("taxid (C, 1 thread): %.0f numbers/s (%zu validations in %.2f s, %.1f ns each)\n",
         rate_c, done, elapsed, 1e9 * elapsed / (double)done);
  fflush(stdout);

  /* python-stdnum on the same corpus. */
  char path[] = "/tmp/bench_taxid_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    perror("mkstemp");
    return 1;
  }
  FILE *f = fdopen(fd, "w");
  for (size_t i = 0; f && i < count; i++) {
    fwrite(corpus[i].s, 1, corpus[i].len, f);
    fputc('\n', f);
  }
  if (!f || fclose(f) != 0) {
    perror("writing the corpus");
    unlink(path);
    return 1;
  }
  /* The bulk check, a whole process per run. */
  char out_path[] = "/tmp/bench_taxid_out_XXXXXX";
  int ofd = mkstemp(out_path);
  if (ofd < 0) {
    perror("mkstemp");
    unlink(path);
    return 1;
  }
  close(ofd);
  double cpu[RUNS_MAX], walls[RUNS_MAX];
  size_t rows = 0, bulk_valid = 0;
  int bulk_ok = 1;
  for (int k = 0; k < runs && bulk_ok; k++) {
    cpu[k] = run_bulk(posintent, path, out_path, &walls[k]);
    bulk_ok = cpu[k] > 0 && count_rows(out_path, &rows, &bulk_valid) == 0 && rows == count &&
              bulk_valid == valid_c;
  }
  unlink(out_path);
  double rate_bulk = 0;
  if (!bulk_ok) {
    fprintf(stderr, "could not time %s taxid check - (or its %zu rows, %zu valid, differ)\n",
            posintent, rows, bulk_valid);
  } else {
    qsort(cpu, (size_t)runs, sizeof cpu[0], cmp_double);
    qsort(walls, (size_t)runs, sizeof walls[0], cmp_double);
    rate_bulk = (double)count / cpu[runs / 2];
    printf("posintent taxid check - (process, file to file): %.0f numbers/s "
           "(median CPU %.3f s of %d runs; median wall %.3f s)\n",
           rate_bulk, cpu[runs / 2], runs, walls[runs / 2]);
    /* What a run costs before its first number: the same process on an
       empty input (start-up, mostly the dynamic loader, and exit). */
    double idle[RUNS_MAX], w;
    int idle_ok = 1;
    for (int k = 0; k < runs && idle_ok; k++) {
      idle[k] = run_bulk(posintent, "/dev/null", "/dev/null", &w);
      idle_ok = idle[k] >= 0;
    }
    if (idle_ok) {
      qsort(idle, (size_t)runs, sizeof idle[0], cmp_double);
      printf("  of which start-up and exit (empty input): %.1f ms CPU, %.0f%% of the run\n",
             idle[runs / 2] * 1e3, 100.0 * idle[runs / 2] / cpu[runs / 2]);
    }
  }
  fflush(stdout);

  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' %.1f", python, script, path, min_seconds);
  FILE *p = popen(cmd, "r");
  char line[256] = "";
  int ok = p && fgets(line, sizeof line, p) != NULL;
  int status = p ? pclose(p) : -1;
  unlink(path);
  unsigned long py_done = 0, py_valid = 0;
  double py_secs = 0;
  char version[32] = "?";
  if (!ok || status != 0 ||
      sscanf(line, "%lu %lf %lu %31s", &py_done, &py_secs, &py_valid, version) != 4 ||
      py_secs <= 0) {
    fprintf(stderr, "could not time python-stdnum (%s)\n", cmd);
    free(corpus);
    return 1;
  }
  double rate_py = (double)py_done / py_secs;
  printf("python-stdnum %s: %.0f numbers/s (%lu validations in %.2f s), %lu valid\n", version,
         rate_py, py_done, py_secs, py_valid);
  printf("ratio, validator: %.0fx python-stdnum (target: >= 5,000,000 numbers/s and >= 100x)\n",
         rate_c / rate_py);
  if (rate_bulk > 0)
    printf("ratio, process:   %.0fx python-stdnum, %.2fx the 5,000,000 numbers/s floor "
           "(target: >= 50x and >= 1.00x)\n",
           rate_bulk / rate_py, rate_bulk / 5e6);
  if (py_valid != valid_c)
    printf("note: verdicts differ on %ld numbers\n", (long)valid_c - (long)py_valid);
  if (sink == 42) putchar(' '); /* keeps the timed loop from being optimised away */
  free(corpus);
  return bulk_ok ? 0 : 1;
}
