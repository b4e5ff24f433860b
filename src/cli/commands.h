/* SPDX-License-Identifier: MIT */
/*
 * commands.h - the subcommands of the posintent admin CLI.
 *
 * Each command takes the arguments after its own name (argv[0] is the
 * command name) plus the global options parsed by main, and returns the
 * process exit status: 0 success, 1 "the answer is no" (an invalid number,
 * a failed verification), 2 usage error, 3 runtime failure (I/O, database).
 * Commands print their own --help.  They are thin: all logic lives in
 * posintent_core.
 */
#ifndef POSINTENT_CLI_COMMANDS_H
#define POSINTENT_CLI_COMMANDS_H

#include "base/cliargs.h"

#define EXIT_USAGE CLIARGS_USAGE /* 2: one line on stderr (cliargs.h) */
#define EXIT_RUNTIME 3

typedef struct cli_globals {
  const char *db_path;       /* --db PATH, or NULL                         */
  const char *manifest_path; /* --manifest PATH, or NULL                   */
} cli_globals;

int cmd_taxid(const cli_globals *g, int argc, char **argv);
int cmd_sales(const cli_globals *g, int argc, char **argv);
int cmd_sale(const cli_globals *g, int argc, char **argv);
int cmd_report(const cli_globals *g, int argc, char **argv);
int cmd_export(const cli_globals *g, int argc, char **argv);
int cmd_script(const cli_globals *g, int argc, char **argv);
int cmd_verify(const cli_globals *g, int argc, char **argv);
int cmd_erase(const cli_globals *g, int argc, char **argv);
int cmd_period(const cli_globals *g, int argc, char **argv);
int cmd_check_records(const cli_globals *g, int argc, char **argv);
int cmd_sync(const cli_globals *g, int argc, char **argv);
int cmd_account(const cli_globals *g, int argc, char **argv);

/* `posintent verify` with --db postgresql://URL: every till's chain on
 * the server (cmd_sync.c); and the paragraph its help adds. */
int cmd_verify_chain(const char *url);
const char *cmd_verify_chain_help(void);

/* 1 when a --db value names a PostgreSQL server (postgresql://,
 * postgres://, or libpq's key=value form: a first word of letters and
 * underscores followed by "=") rather than a till's database file. */
int cli_db_is_server(const char *db);

#endif
