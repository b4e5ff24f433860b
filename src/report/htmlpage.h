/* SPDX-License-Identifier: MIT */
/*
 * htmlpage.h - writing an HTML page to a stdio stream, as the HTML report
 * (htmlout.c) and its chart (htmlchart.c) do: raw markup, escaped text,
 * formatted markup.  Not part of the API.
 */
#ifndef POSINTENT_HTMLPAGE_H
#define POSINTENT_HTMLPAGE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "report/htmlout.h"

/* Output goes through stdio; a write error sticks in the stream and is
 * reported once at the end (ferror), like the sink does.  A failed
 * allocation while escaping is remembered the same way. */
typedef struct pw {
  FILE *f;
  int nomem;
} pw;

static inline int file_emit(void *ctx, const void *p, size_t n) {
  return n == 0 || fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

static inline void w(pw *o, const char *s) { fputs(s, o->f); }

/* Escaped text. */
static inline void wt(pw *o, const char *s) {
  if (html_escape_to(file_emit, o->f, s) && !ferror(o->f)) o->nomem = 1;
}

static inline void wf(pw *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void wf(pw *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(o->f, fmt, ap);
  va_end(ap);
}

#endif
