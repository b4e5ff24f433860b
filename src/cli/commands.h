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
#include "store/store.h"

#define EXIT_USAGE CLIARGS_USAGE /* 2: one line on stderr (cliargs.h) */
#define EXIT_RUNTIME 3

/* What the commands that take --db postgresql://URL (verify, report,
 * export) do with a server: the chain's code, which links libpq, and so
 * lives in posintent-net alone (netcmd.h; cmd_sync.c defines it).  Both
 * return the command's exit status, after a message on failure. */
typedef struct cli_chain {
  /* `posintent --db URL verify`: every till's chain on the server. */
  int (*verify)(const char *url);
  /* The server's sales of `store_id` and `terminal` (NULL: all) as a till
   * database the reports run on (chain_report_store); `what` prefixes the
   * error ("report resellers"). */
  int (*report_store)(const char *url, const char *what, const char *store_id,
                      const char *terminal, store **out);
} cli_chain;

typedef struct cli_globals {
  const char *db_path;       /* --db PATH, or NULL                         */
  const char *manifest_path; /* --manifest PATH, or NULL                   */
  const cli_chain *chain;    /* posintent-net: the server's side; posintent:
                                NULL (it hands server command lines over
                                before any command runs: netcmd.h)       */
} cli_globals;

/* One command of a dispatch table (posintent.c, posintent_net.c). */
typedef struct cli_command {
  const char *name;
  int (*run)(const cli_globals *g, int argc, char **argv);
  const char *summary;
} cli_command;

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
int cmd_evidence(const cli_globals *g, int argc, char **argv);

/* The server's side of verify, report and export (cmd_sync.c, linked
 * into posintent-net only). */
extern const cli_chain cli_chain_pg;

/* 1 when a --db value names a PostgreSQL server (postgresql://,
 * postgres://, or libpq's key=value form: a first word of letters and
 * underscores followed by "=") rather than a till's database file. */
int cli_db_is_server(const char *db);

#endif
