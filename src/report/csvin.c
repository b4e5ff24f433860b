/* SPDX-License-Identifier: MIT */
/* csvin.c - the report's CSV read back for the HTML page: spooled to an
 * unlinked temporary file, then read one record at a time, so that memory
 * stays flat however many rows there are.  See csvin.h. */
#include "report/csvin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Unlinked at once: nothing is left behind whatever happens to the
 * process. */
FILE *csvin_temp(pi_error *err) {
  const char *dir = getenv("TMPDIR");
  if (dir == NULL || dir[0] == '\0') dir = "/tmp";
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/posintent-html-XXXXXX", dir);
  if (n < 0 || (size_t)n >= sizeof path) {
    pi_fail(err, PI_E_IO, "TMPDIR", "the temporary directory's name is too long");
    return NULL;
  }
  int fd = mkstemp(path);
  if (fd < 0) {
    pi_fail(err, PI_E_IO, "TMPDIR", "cannot create a temporary file in %.200s: %s", dir,
            strerror(errno));
    return NULL;
  }
  unlink(path);
  FILE *f = fdopen(fd, "w+");
  if (f == NULL) {
    pi_fail(err, PI_E_IO, "TMPDIR", "cannot open a temporary file: %s", strerror(errno));
    close(fd);
  }
  return f;
}

int csvin_fail(pi_error *err, const char *why) {
  return pi_fail(err, PI_E_IO, "temporary file", "reading the report back: %s", why);
}

/* Append a byte.  Returns 0, -1 when the record is too long, -2 when
 * memory runs out. */
static int cin_put(csv_in *r, int c) {
  if (r->len == r->cap) {
    if (r->cap >= CSVIN_RECORD_MAX) return -1;
    size_t cap = r->cap ? r->cap * 2 : 512;
    char *b = realloc(r->buf, cap);
    if (b == NULL) return -2;
    r->buf = b;
    r->cap = cap;
  }
  r->buf[r->len++] = (char)c;
  return 0;
}

static int cin_put_fail(int rc, pi_error *err) {
  if (rc == -2) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  return csvin_fail(err, "a row longer than 1 MiB");
}

int csvin_next(csv_in *r, pi_error *err) {
  r->len = 0;
  r->n = 0;
  int c = getc(r->f), rc;
  if (c == EOF) return ferror(r->f) ? csvin_fail(err, strerror(errno)) : 0;
  for (;;) { /* one field per turn; c is its first character */
    if (r->n == SINK_COLUMNS_MAX) return csvin_fail(err, "too many columns");
    r->off[r->n++] = r->len;
    if (c == '"') {
      for (;;) {
        c = getc(r->f);
        if (c == EOF) return csvin_fail(err, "a quoted field does not end");
        if (c == '"' && (c = getc(r->f)) != '"') break; /* the closing quote */
        if ((rc = cin_put(r, c)) != 0) return cin_put_fail(rc, err);
      }
    } else {
      while (c != ',' && c != '\r' && c != '\n' && c != EOF) {
        if ((rc = cin_put(r, c)) != 0) return cin_put_fail(rc, err);
        c = getc(r->f);
      }
    }
    if ((rc = cin_put(r, '\0')) != 0) return cin_put_fail(rc, err);
    if (c == ',') {
      c = getc(r->f);
      continue;
    }
    if (c == '\r') c = getc(r->f);
    if (c == '\n' || c == EOF)
      return ferror(r->f) ? csvin_fail(err, strerror(errno)) : 1;
    return csvin_fail(err, "malformed CSV");
  }
}

const char *csvin_field(const csv_in *r, size_t i) {
  return i < r->n ? r->buf + r->off[i] : "";
}

int csvin_column(const csv_in *r, const char *name) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(csvin_field(r, i), name) == 0) return (int)i;
  return -1;
}
