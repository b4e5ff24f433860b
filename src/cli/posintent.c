/* SPDX-License-Identifier: MIT */
/*
 * posintent.c - the admin CLI: a thin dispatcher over the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cliutil.h"
#include "commands.h"

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
    {NULL, NULL, NULL},
};

static void print_help(FILE *f) {
  fputs("NAME\n"
        "    posintent - admin tool for the posintent point-of-sale plugin\n"
        "\n"
        "SYNOPSIS\n"
        "    posintent [--db PATH] [--manifest FILE] COMMAND [ARGS...]\n"
        "    posintent COMMAND --help\n"
        "\n"
        "COMMANDS\n",
        f);
  for (const command *c = commands; c->name; c++)
    fprintf(f, "    %-8s %s\n", c->name, c->summary);
  fputs("\n"
        "GLOBAL OPTIONS\n"
        "    --db PATH        the plugin's database (default: the manifest's)\n"
        "    --manifest FILE  the plugin.manifest (default: ./plugin.manifest)\n"
        "    --version        print the version\n"
        "    --help           show this help\n"
        "\n"
        "EXIT STATUS\n"
        "    0 success; 1 a negative answer (an invalid number, a failed check);\n"
        "    2 usage error; 3 runtime failure (database, I/O).\n",
        f);
}

int main(int argc, char **argv) {
  cli_globals g = {NULL, NULL};
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      print_help(stdout);
      return 0;
    }
    if (strcmp(argv[i], "--version") == 0) {
      printf("posintent %s\n", POSINTENT_VERSION);
      return 0;
    }
    const char **dst = strcmp(argv[i], "--db") == 0         ? &g.db_path
                       : strcmp(argv[i], "--manifest") == 0 ? &g.manifest_path
                                                            : NULL;
    if (dst == NULL) {
      cli_error("unknown option %s (see posintent --help)", argv[i]);
      return EXIT_USAGE;
    }
    if ((*dst = cli_value(argc, argv, &i)) == NULL) return EXIT_USAGE;
  }
  if (i >= argc) {
    print_help(stderr);
    return EXIT_USAGE;
  }
  if (strcmp(argv[i], "help") == 0) {
    print_help(stdout);
    return 0;
  }
  for (const command *c = commands; c->name; c++)
    if (strcmp(argv[i], c->name) == 0) return c->run(&g, argc - i, argv + i);
  cli_error("unknown command %s (see posintent --help)", argv[i]);
  return EXIT_USAGE;
}
