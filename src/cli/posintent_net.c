/* SPDX-License-Identifier: MIT */
/*
 * posintent_net.c - posintent-net: the command lines of posintent that
 * reach a network (netcmd.h), in a program of their own so that posintent
 * links no network library.
 *
 * `posintent` executes it with the user's whole command line, unchanged;
 * so it parses the same global options and prints its messages as
 * "posintent: ...".  It runs only the command lines NETCMD_LIST names and
 * refuses any other, pointing at posintent, so that a command line never
 * runs in the wrong program unnoticed.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cliutil.h"
#include "cli/commands.h"
#include "cli/netcmd.h"

/* NETCMD_LIST's rows with their run functions: the only place they are
 * referenced, so only this program links them. */
#define ROW(name, sub, when, run, summary) {name, run, summary},
static const cli_command commands[] = {NETCMD_LIST(ROW){NULL, NULL, NULL}};
#undef ROW

static void print_help(FILE *f) {
  fputs("NAME\n"
        "    posintent-net - the commands of posintent that reach a server\n"
        "\n"
        "SYNOPSIS\n"
        "    posintent [--db PATH] [--manifest FILE] COMMAND [ARGS...]\n"
        "\n"
        "DESCRIPTION\n"
        "    posintent runs this program in its own place, with the same\n"
        "    arguments, for the command lines that need a network library\n"
        "    (libpq for the chain's PostgreSQL): so that every other command\n"
        "    starts without loading them.  Run them as posintent COMMAND;\n"
        "    posintent --help lists the commands, posintent help COMMAND\n"
        "    shows one.  Here:\n",
        f);
  for (const netcmd *r = netcmd_rows; r->name; r++) {
    fprintf(f, "        posintent %s%s%s%s\n",
            r->when == NETCMD_SERVER_DB ? "--db postgresql://URL " : "", r->name,
            r->sub ? " " : "", r->sub ? r->sub : "");
  }
}

int main(int argc, char **argv) {
  cli_globals g = {NULL, NULL, &cli_chain_pg};
  int i, rc = cli_parse_globals(argc, argv, &g, print_help, &i);
  if (rc >= 0) return rc;
  if (netcmd_match(&g, argc - i, argv + i) == NULL)
    return cli_usage("posintent --help",
                     "%s runs only the commands that reach a server; '%s' runs in "
                     "posintent itself",
                     NETCMD_PROGRAM, argv[i]);
  if (strcmp(argv[i], "help") == 0) return cli_help_command(commands, &g, argc - i, argv + i);
  return cli_find_command(commands, argv[i])->run(&g, argc - i, argv + i);
}
