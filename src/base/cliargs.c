/* SPDX-License-Identifier: MIT */
/* cliargs.c - the command-line convention of posintent and pos-host (see
 * cliargs.h). */
#include "base/cliargs.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cliargs_init(cliargs *a, const char *prog, const char *what, const char *hint,
                  int argc, char **argv, int first) {
  assert(prog != NULL && hint != NULL && argc >= 0 && first >= 0);
  a->argc = argc;
  a->argv = argv;
  a->i = first;
  a->prog = prog;
  a->what = what;
  a->hint = hint;
}

const char *cliargs_cur(const cliargs *a) { return a->i < a->argc ? a->argv[a->i] : NULL; }

/* The length of the option name in `arg`: up to its '=' or its end. */
static size_t name_len(const char *arg) { return strcspn(arg, "="); }

int cliargs_is(const cliargs *a, const char *name) {
  const char *arg = cliargs_cur(a);
  return arg != NULL && name_len(arg) == strlen(name) && strncmp(arg, name, strlen(name)) == 0;
}

const char *cliargs_value(cliargs *a) {
  const char *arg = cliargs_cur(a);
  assert(arg != NULL);
  size_t n = name_len(arg);
  const char *v;
  if (arg[n] == '=') {
    v = arg + n + 1;
  } else if (a->i + 1 < a->argc) {
    v = a->argv[++a->i];
  } else {
    cliargs_usage(a, "%.*s needs a value", (int)n, arg);
    return NULL;
  }
  if (*v == '\0') {
    cliargs_usage(a, "%.*s needs a value, not an empty one", (int)n, arg);
    return NULL;
  }
  return v;
}

int cliargs_take(cliargs *a, const cliargs_opt *opts) {
  for (const cliargs_opt *o = opts; o->name; o++) {
    if (!cliargs_is(a, o->name)) continue;
    const char *v = cliargs_value(a);
    if (v == NULL) return -1;
    *o->dst = v;
    return 1;
  }
  return 0;
}

int cliargs_flag(const cliargs *a, const char *name) {
  if (!cliargs_is(a, name)) return 0;
  if (cliargs_cur(a)[strlen(name)] == '=') {
    cliargs_usage(a, "%s takes no value", name);
    return -1;
  }
  return 1;
}

int cliargs_unknown(const cliargs *a) {
  const char *arg = cliargs_cur(a);
  assert(arg != NULL);
  if (arg[0] == '-' && arg[1] != '\0')
    return cliargs_usage(a, "unknown option '%.*s'", (int)name_len(arg), arg);
  return cliargs_usage(a, "unexpected argument '%s'", arg);
}

int cliargs_is_help(const char *arg) {
  return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* Where a URL's authority ends. */
static int authority_end(char c) {
  return c == '\0' || c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' ||
         c == '\n' || c == '"' || c == '\'' || c == ')';
}

/* A "password=" key starts at p (after the start, a space, '?', '&' or a
 * quote; case as libpq and URLs write it). */
static int password_key(const char *start, const char *p) {
  if (strncmp(p, "password=", 9) != 0) return 0;
  if (p == start) return 1;
  char b = p[-1];
  return b == ' ' || b == '\t' || b == '?' || b == '&' || b == '"' || b == '\'';
}

/* in, redacted, into out: at most 2 * strlen(in) + 1 bytes (each
 * password of at least one byte becomes "***" or "'***'"). */
static void redact(const char *in, char *out) {
  char *o = out;
  const char *p = in;
  while (*p) {
    if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
      memcpy(o, p, 3);
      o += 3;
      p += 3;
      const char *e = p, *at = NULL;
      for (; !authority_end(*e); e++)
        if (*e == '@') at = e;
      const char *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
      if (colon && colon + 1 < at) {
        memcpy(o, p, (size_t)(colon + 1 - p));
        o += colon + 1 - p;
        memcpy(o, "***", 3);
        o += 3;
        p = at;
      }
      memcpy(o, p, (size_t)(e - p));
      o += e - p;
      p = e;
      continue;
    }
    if (password_key(in, p)) {
      memcpy(o, p, 9);
      o += 9;
      p += 9;
      if (*p == '\'') { /* libpq's quoted value, backslash escapes */
        for (p++; *p && *p != '\''; p++)
          if (*p == '\\' && p[1]) p++;
        if (*p) p++;
        memcpy(o, "'***'", 5);
        o += 5;
      } else if (*p && *p != ' ' && *p != '&') {
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '&' && *p != '"' &&
               *p != '\'')
          p++;
        memcpy(o, "***", 3);
        o += 3;
      }
      continue;
    }
    *o++ = *p++;
  }
  *o = '\0';
}

void cliargs_fprint_redacted(FILE *f, const char *fmt, va_list ap) {
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  char *text = n < 0 ? NULL : malloc((size_t)n + 1);
  char *out = text ? malloc(2 * (size_t)n + 1) : NULL;
  if (out) {
    vsnprintf(text, (size_t)n + 1, fmt, again);
    redact(text, out);
    fputs(out, f);
  } else {
    fputs("(message withheld: out of memory)", f);
  }
  free(text);
  free(out);
  va_end(again);
}

/* A fixed string through cliargs_fprint_redacted. */
static void fputs_redacted(FILE *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cliargs_fprint_redacted(f, fmt, ap);
  va_end(ap);
}

int cliargs_vusage(const cliargs *a, const char *fmt, va_list ap) {
  fprintf(stderr, "%s: ", a->prog);
  if (a->what) fprintf(stderr, "%s: ", a->what);
  cliargs_fprint_redacted(stderr, fmt, ap);
  fputs_redacted(stderr, " (try '%s')\n", a->hint);
  return CLIARGS_USAGE;
}

int cliargs_usage(const cliargs *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cliargs_vusage(a, fmt, ap);
  va_end(ap);
  return CLIARGS_USAGE;
}
