/* SPDX-License-Identifier: MIT */
/*
 * netcmd.h - the commands that reach a network, in a program of their own.
 *
 * Every `posintent` command pays for the libraries its program links, at
 * every start: the dynamic loader resolves their symbols before main().
 * libpq alone brings 21 more libraries (Kerberos, LDAP, GnuTLS, ...) and
 * about 10,000 relocations, which cost `posintent taxid check -` on a bulk
 * file more time than the checking did (docs/performance.md).  So the
 * command lines that need a network library (libpq for the chain's
 * PostgreSQL, libcurl for HTTPS) run in a second program, posintent-net,
 * which `posintent` executes in its own place with the same arguments, as
 * git runs git-remote-https to keep libcurl out of git.  The user only
 * ever types `posintent ...`; posintent-net refuses any command line that
 * NETCMD_LIST does not name, so the two programs never drift apart.
 *
 * Where posintent-net lives (netcmd_find): beside posintent in the build
 * tree (build/posintent-net), and LIBEXECDIR/posintent/posintent-net once
 * installed (/usr/libexec/posintent/posintent-net in the .deb), found
 * relative to the running posintent (/proc/self/exe), so a moved prefix
 * still works.
 */
#ifndef POSINTENT_CLI_NETCMD_H
#define POSINTENT_CLI_NETCMD_H

#include <stddef.h>
#include <stdio.h>

#include "cli/commands.h"

/* The name of the second program. */
#define NETCMD_PROGRAM "posintent-net"

/* When a row's command line goes to posintent-net. */
typedef enum netcmd_when {
  NETCMD_ALWAYS,    /* every time: the command exists only there         */
  NETCMD_SERVER_DB, /* when the global --db names a PostgreSQL server
                       (cli_db_is_server): the chain instead of a till   */
} netcmd_when;

/*
 * THE list of network command lines: one row each.
 *
 *   X(name, sub, when, run, summary)
 *   name     the command ("sync")
 *   sub      its subcommand (argv[1]) when only that one reaches a
 *            network, else NULL: the whole command does
 *   when     NETCMD_ALWAYS or NETCMD_SERVER_DB
 *   run      the function posintent-net calls (commands.h); posintent
 *            itself never references it, so it never links its libraries
 *   summary  the line `posintent --help` shows for a command that exists
 *            only in posintent-net (NULL when posintent's own table lists
 *            the command already)
 *
 * A NEW COMMAND THAT NEEDS A NETWORK LIBRARY goes here, as a row, and
 * its source file (and library) into the posintent_net target of
 * CMakeLists.txt, never into posintent_cli: tests/check_cli_links.sh fails
 * when libpq, libcurl or their dependencies reach `posintent`.  A command
 * with some local subcommands keeps those in posintent's table (posintent.c)
 * and puts its network subcommand here with `sub` set, its run function
 * in a file of its own, e.g.
 *   X("evidence", "verify", NETCMD_ALWAYS, cmd_evidence_verify, NULL)
 */
#define NETCMD_LIST(X)                                                                  \
  X("sync", NULL, NETCMD_ALWAYS, cmd_sync,                                             \
    "ship the till's records to the chain's PostgreSQL")                                \
  X("evidence", NULL, NETCMD_ALWAYS, cmd_evidence,                                     \
    "check the VAT numbers on file with VIES and HMRC")                                 \
  X("verify", NULL, NETCMD_SERVER_DB, cmd_verify, NULL)                                 \
  X("report", NULL, NETCMD_SERVER_DB, cmd_report, NULL)                                 \
  X("export", NULL, NETCMD_SERVER_DB, cmd_export, NULL)

/* One row of NETCMD_LIST, without its run function (posintent's view). */
typedef struct netcmd {
  const char *name;
  const char *sub;
  netcmd_when when;
  const char *summary;
} netcmd;

/* The rows of NETCMD_LIST, ended by a row whose name is NULL. */
extern const netcmd netcmd_rows[];

/* The row of NETCMD_LIST that the command line argv[0..argc) (argv[0] the
 * command name, "help" included) matches under the global options g, or
 * NULL when it runs in posintent itself.  `posintent help sync` matches
 * sync's row (help of a NETCMD_ALWAYS command: its text is there only). */
const netcmd *netcmd_match(const cli_globals *g, int argc, char **argv);

/* Print "    NAME     SUMMARY" for every row with a summary, as posintent
 * --help lists its commands (`width`: the name column). */
void netcmd_print_summaries(FILE *f, int width);

/* Where posintent-net is for the program running now: the candidates in
 * the order they are tried (the installed layout, then beside the
 * program), written into paths[0..*n).  Returns 0, or -1 when the running
 * program's own path cannot be read (no /proc). */
int netcmd_candidates(char paths[2][4096], int *n);

/* Replace this process by posintent-net, run with argv (the whole command
 * line, argv[0] included, unchanged): its output, exit status and signals
 * are the command's.  Returns only on failure, EXIT_RUNTIME, after one
 * line on stderr naming `what` (the command), the paths looked at, and
 * the remedy. */
int netcmd_exec(const char *what, char **argv);

#endif
