/* SPDX-License-Identifier: MIT */
/*
 * posintent.c - the admin CLI: a thin dispatcher over the subcommands.
 *
 * The commands that reach a network are not linked here: their command
 * lines (netcmd.h, NETCMD_LIST) are handed to posintent-net, which runs
 * in this process's place with the same arguments.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cliutil.h"
#include "cli/commands.h"
#include "cli/netcmd.h"

/* The commands that run here.  One that needs a network library goes
 * into NETCMD_LIST (netcmd.h) instead. */
static const cli_command commands[] = {
    {"taxid", cmd_taxid, "check VAT, EORI and resale-certificate numbers"},
    {"sales", cmd_sales, "list recorded sales"},
    {"sale", cmd_sale, "show one recorded sale line by line"},
    {"report", cmd_report, "reseller, EC Sales List, purpose, gift and evidence reports"},
    {"export", cmd_export, "export every recorded sale and line"},
    {"script", cmd_script, "check and test store scripts"},
    {"verify", cmd_verify, "check the tamper-evident journal"},
    {"erase", cmd_erase, "erase a customer's or gift recipient's personal data"},
    {"account", cmd_account, "customer accounts on file: add, show, list, update, close"},
    {"period", cmd_period, "close a filed period; list the closed ones"},
    {"check", cmd_check_records, "what needs review before a report is filed"},
    {NULL, NULL, NULL},
};

static void print_help(FILE *f) {
  fputs("NAME\n"
        "    posintent - admin tool for the posintent point-of-sale plugin\n"
        "\n"
        "SYNOPSIS\n"
        "    posintent [--db PATH] [--manifest FILE] COMMAND [ARGS...]\n"
        "    posintent help [COMMAND]       (the same as: posintent COMMAND --help)\n"
        "    posintent --version\n"
        "\n"
        "COMMANDS\n",
        f);
  for (const cli_command *c = commands; c->name; c++)
    fprintf(f, "    %-8s %s\n", c->name, c->summary);
  netcmd_print_summaries(f, 8);
  fprintf(f, "    %-8s %s\n", "help", "this help, or a command's: posintent help COMMAND");
  fputs("\n"
        "GLOBAL OPTIONS\n"
        "    --db PATH        the plugin's database (default: the manifest's)\n"
        "    --manifest FILE  the plugin.manifest (default: ./plugin.manifest)\n"
        "    --version        print the version\n"
        "    --help           show this help\n"
        "\n"
        "    Every option's value may also follow '=' (--db=PATH), here and in\n"
        "    every command.  A usage error is one line on stderr, \"posintent: ...\",\n"
        "    ending with where the help is, and exit status 2.\n"
        "\n"
        "EXIT STATUS\n"
        "    0 success; 1 a negative answer (an invalid number, a failed check);\n"
        "    2 usage error; 3 runtime failure (database, I/O).\n",
        f);
}

/* `posintent help [COMMAND [SUBCOMMAND]]`: the command's own --help. */
static int help(const cli_globals *g, int argc, char **argv) {
  if (argc < 2) {
    print_help(stdout);
    return 0;
  }
  return cli_help_command(commands, g, argc, argv);
}

int main(int argc, char **argv) {
  cli_globals g = {NULL, NULL, NULL};
  int i, rc = cli_parse_globals(argc, argv, &g, print_help, &i);
  if (rc >= 0) return rc;
  const netcmd *net = netcmd_match(&g, argc - i, argv + i);
  if (net) return netcmd_exec(net->name, argv);
  const char *name = argv[i];
  if (strcmp(name, "help") == 0) return help(&g, argc - i, argv + i);
  const cli_command *c = cli_find_command(commands, name);
  if (c == NULL) return cli_usage("posintent help", "unknown command '%s'", name);
  return c->run(&g, argc - i, argv + i);
}
