/* SPDX-License-Identifier: MIT */
/*
 * cliutil.h - small helpers shared by the posintent subcommands.
 */
#ifndef POSINTENT_CLI_CLIUTIL_H
#define POSINTENT_CLI_CLIUTIL_H

#include "base/cliargs.h"
#include "cli/commands.h"
#include "report/csvout.h"
#include "config/manifest.h"
#include "store/store.h"

/* Print "posintent: <msg>" on stderr: for failures that are not usage
 * errors (those go through cli_usage or a cliargs cursor). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A cursor over argv[first..argc) of one command (cliargs.h): its usage
 * errors read "posintent: WHAT: REASON (try 'HINT')".  `what` and `hint`
 * ("posintent help report") are borrowed, usually string literals. */
void cli_args(cliargs *a, const char *what, const char *hint, int argc, char **argv,
              int first);

/* A usage error outside an argument loop: prints "posintent: REASON (try
 * 'HINT')" on one line and returns EXIT_USAGE. */
int cli_usage(const char *hint, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when argv holds --help or -h (anywhere before a "--"). */
int cli_wants_help(int argc, char **argv);

/* The database path to use: --db, else the manifest's (--manifest, else
 * ./plugin.manifest when it exists), in *out (which may point into buf).
 * Returns 0; EXIT_USAGE when none is given (a usage error: one line,
 * exit 2); EXIT_RUNTIME when the manifest cannot be loaded.  A message is
 * printed on failure. */
int cli_db_path(const cli_globals *g, char *buf, size_t cap, const char **out);

/* Open the database read-only (safe while the till records).  Returns 0,
 * or cli_db_path's EXIT_USAGE, or EXIT_RUNTIME, with a message printed. */
int cli_open_store(const cli_globals *g, store **out);

/* The same in `mode` (STORE_READONLY, or STORE_EXISTING for commands that
 * write: a read-only copy is then refused), the error prefixed with
 * "what: " when what is not NULL. */
int cli_open_store_as(const cli_globals *g, int mode, const char *what, store **out);

/* Load the manifest named by --manifest (or ./plugin.manifest); returns 1
 * when one was loaded, 0 when none is available, -1 (message printed) when
 * it exists but is invalid. */
int cli_load_manifest(const cli_globals *g, plugin_config *cfg);

/* Check that `value` of option `opt` is a date YYYY-MM-DD; returns 0, or
 * EXIT_USAGE after a usage error pointing at `hint`. */
int cli_check_date(const char *hint, const char *opt, const char *value);

/* A command line that needs the chain's server reached a program without
 * one (cli_globals.chain NULL): one line naming `what`; EXIT_RUNTIME. */
int cli_net_missing(const char *what);

/* Parse the global options of argv[1..argc) up to the command name:
 * --db, --manifest, --version (prints "posintent VERSION"), --help (calls
 * help(stdout)).  Returns -1 with *cmd the command name's index in argv;
 * else the exit status to end with: 0 after --help or --version,
 * EXIT_USAGE after a usage error (no command given included). */
int cli_parse_globals(int argc, char **argv, cli_globals *g, void (*help)(FILE *f),
                      int *cmd);

/* The command of `table` (ended by a NULL name) called `name`, or NULL. */
const cli_command *cli_find_command(const cli_command *table, const char *name);

/* `posintent help COMMAND [SUBCOMMAND]` (argv[0] "help", argc >= 2): the
 * command's own --help, from `table`.  Returns its exit status. */
int cli_help_command(const cli_command *table, const cli_globals *g, int argc,
                     char **argv);

/* The CSV style of --csv-dialect NAME (NULL: rfc4180) and --bom, for
 * the command `what` ("report resellers") whose output is CSV when `csv`
 * is 1.  Returns 0, or EXIT_USAGE after a usage error (an unknown
 * dialect; either option with another format than csv). */
int cli_csv_style(const char *hint, const char *what, const char *dialect, int bom,
                  int csv, csv_style *out);

#endif
