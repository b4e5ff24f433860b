/* SPDX-License-Identifier: MIT */
/* cliargs.c - the command-line convention of posintent and pos-host (see
 * cliargs.h). */
#include "base/cliargs.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
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

int cliargs_vusage(const cliargs *a, const char *fmt, va_list ap) {
  fprintf(stderr, "%s: ", a->prog);
  if (a->what) fprintf(stderr, "%s: ", a->what);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, " (try '%s')\n", a->hint);
  return CLIARGS_USAGE;
}

int cliargs_usage(const cliargs *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cliargs_vusage(a, fmt, ap);
  va_end(ap);
  return CLIARGS_USAGE;
}
