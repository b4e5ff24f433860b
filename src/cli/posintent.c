/* SPDX-License-Identifier: MIT */
/*
 * posintent.c - the admin CLI: a thin dispatcher over the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cliutil.h"
#include "cli/commands.h"

#ifndef POSINTENT_VERSION
#define POSINTENT_VERSION "unknown"
#endif

typedef struct command {
  const char *name;
  int (*run)(const cli_globals *g, int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"taxid", cmd_taxid, "check VAT, EORI and resale-certificate numbers"},
    {"sales", cmd_sales, "list recorded sales"},
    {"sale", cmd_sale, "show one recorded sale line by line"},
    {"report", cmd_report, "reseller, EC Sales List, purpose and gift reports"},
    {"export", cmd_export, "export every recorded sale and line"},
    {"script", cmd_script, "check and test store scripts"},
    {"verify", cmd_verify, "check the tamper-evident journal"},
    {"erase", cmd_erase, "erase a customer's or gift recipient's personal data"},
    {"account", cmd_account, "customer accounts on file: add, show, list, update, close"},
    {"period", cmd_period, "close a filed period; list the closed ones"},
    {"check", cmd_check_records, "what needs review before a report is filed"},
    {"sync", cmd_sync, "ship the till's records to the chain's PostgreSQL"},
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
  for (const command *c = commands; c->name; c++)
    fprintf(f, "    %-8s %s\n", c->name, c->summary);
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

static const command *find(const char *name) {
  for (const command *c = commands; c->name; c++)
    if (strcmp(name, c->name) == 0) return c;
  return NULL;
}

/* `posintent help [COMMAND [SUBCOMMAND]]`: the command's own --help. */
static int help(const cli_globals *g, int argc, char **argv) {
  if (argc < 2) {
    print_help(stdout);
    return 0;
  }
  const command *c = find(argv[1]);
  if (c == NULL) return cli_usage("posintent help", "help: unknown command '%s'", argv[1]);
  if (argc > 3)
    return cli_usage("posintent help", "help: give a command and at most one subcommand, "
                                       "not '%s'", argv[3]);
  char dash_help[] = "--help";
  char *args[] = {argv[1], argc == 3 ? argv[2] : dash_help, dash_help, NULL};
  return c->run(g, argc == 3 ? 3 : 2, args);
}

int main(int argc, char **argv) {
  cli_globals g = {NULL, NULL};
  const cliargs_opt globals[] = {
      {"--db", &g.db_path}, {"--manifest", &g.manifest_path}, {NULL, NULL}};
  cliargs a;
  cli_args(&a, NULL, "posintent --help", argc, argv, 1);
  for (; cliargs_cur(&a) && cliargs_cur(&a)[0] == '-'; a.i++) {
    int f;
    if (cliargs_is_help(cliargs_cur(&a))) {
      print_help(stdout);
      return 0;
    }
    if ((f = cliargs_flag(&a, "--version")) != 0) {
      if (f < 0) return EXIT_USAGE;
      printf("posintent %s\n", POSINTENT_VERSION);
      return 0;
    }
    if ((f = cliargs_take(&a, globals)) == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  if (a.i >= argc) return cli_usage("posintent help", "no command given");
  const char *name = argv[a.i];
  if (strcmp(name, "help") == 0) return help(&g, argc - a.i, argv + a.i);
  const command *c = find(name);
  if (c == NULL) return cli_usage("posintent help", "unknown command '%s'", name);
  return c->run(&g, argc - a.i, argv + a.i);
}
