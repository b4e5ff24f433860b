/* SPDX-License-Identifier: MIT */
/*
 * cliargs.h - the command-line convention of the two front ends, posintent
 * (src/cli) and pos-host (src/host/pos-host.c), kept in one place so that
 * they cannot drift apart:
 *
 *   - an option's value is the next argument or follows '=': "--db PATH"
 *     and "--db=PATH" are the same; an empty value is refused;
 *   - a flag takes no value: "--quiet", never "--quiet=1";
 *   - "--help" and "-h" ask for help;
 *   - every usage error is one line on stderr,
 *       PROG: [WHAT: ]REASON (try 'HINT')
 *     naming the option and the reason, and the program exits with
 *     CLIARGS_USAGE (2).
 *
 * A parser walks argv with a cursor (`i`); the caller's loop advances it
 * and asks, for the argument under the cursor, whether it is an option
 * (cliargs_is, cliargs_flag) and what its value is (cliargs_value).
 * Nothing here allocates, exits or keeps state outside the struct.
 */
#ifndef POSINTENT_CLIARGS_H
#define POSINTENT_CLIARGS_H

#include <stdarg.h>
#include <stdio.h>

/* The exit status of every usage error of both programs. */
#define CLIARGS_USAGE 2

typedef struct cliargs {
  int argc;
  char **argv;      /* only read                                             */
  int i;            /* the argument under the cursor                         */
  const char *prog; /* first word of every message: "posintent", "pos-host"  */
  const char *what; /* what is parsed, for messages ("report resellers"), or NULL */
  const char *hint; /* where the help is: "posintent help report"           */
} cliargs;

/* Set up a cursor over argv[first..argc).  The strings are borrowed: they
 * must outlive the cursor. */
void cliargs_init(cliargs *a, const char *prog, const char *what, const char *hint,
                  int argc, char **argv, int first);

/* The argument under the cursor, or NULL when none is left. */
const char *cliargs_cur(const cliargs *a);

/* 1 when the argument under the cursor is option `name` ("--db"), alone
 * or as "name=VALUE"; else 0. */
int cliargs_is(const cliargs *a, const char *name);

/* The value of the option under the cursor (one cliargs_is() matched):
 * what follows its '=', else the next argument, and then the cursor moves
 * onto that.  Returns NULL, with a usage error printed ("--db needs a
 * value"), when there is no value or it is empty. */
const char *cliargs_value(cliargs *a);

/* One option that takes a value, for cliargs_take(): where the value goes. */
typedef struct cliargs_opt {
  const char *name;  /* "--db"                                   */
  const char **dst;  /* set to the value (borrowed from argv)     */
} cliargs_opt;

/* When the argument under the cursor is one of `opts` (ended by an entry
 * whose name is NULL), store its value (cliargs_value) and return 1; a
 * later one replaces an earlier one.  Returns 0 when it is none of them,
 * -1 with a usage error printed when the value is missing or empty. */
int cliargs_take(cliargs *a, const cliargs_opt *opts);

/* For a flag `name`: 1 when the argument under the cursor is exactly it,
 * 0 when it is another argument, -1 with a usage error printed ("--quiet
 * takes no value") when it is given as "name=VALUE". */
int cliargs_flag(const cliargs *a, const char *name);

/* The usage error for the argument under the cursor, which nothing of the
 * command matched: "unknown option '--frm'", or "unexpected argument 'x'"
 * when it does not start with '-'.  Returns CLIARGS_USAGE. */
int cliargs_unknown(const cliargs *a);

/* 1 when `arg` asks for help: "--help" or "-h". */
int cliargs_is_help(const char *arg);

/* Print the one-line usage error "PROG: [WHAT: ]REASON (try 'HINT')" on
 * stderr, REASON from fmt.  Returns CLIARGS_USAGE, for `return`. */
int cliargs_usage(const cliargs *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the text fmt makes on `f` with every password in it replaced by
 * "***": the password of a URL's user information
 * ("postgresql://user:***@host/db", any scheme) and the value of a
 * "password=" key (libpq's key=value form, a URL's query).  Every error
 * and usage line goes through it, so a PostgreSQL URL given where a file
 * was expected, or as a stray argument, is never echoed with its
 * password.  Memory: a copy of the text (on failure, the text is not
 * printed but "(message withheld: out of memory)"). */
void cliargs_fprint_redacted(FILE *f, const char *fmt, va_list ap);

/* cliargs_usage() with a va_list. */
int cliargs_vusage(const cliargs *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
