/* SPDX-License-Identifier: MIT */
/* cliutil.c - shared helpers of the posintent subcommands. */
#include "cli/cliutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/calendar.h"

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("posintent: ", stderr);
  cliargs_fprint_redacted(stderr, fmt, ap); /* never a password */
  fputc('\n', stderr);
  va_end(ap);
}

void cli_args(cliargs *a, const char *what, const char *hint, int argc, char **argv,
              int first) {
  cliargs_init(a, "posintent", what, hint, argc, argv, first);
}

int cli_usage(const char *hint, const char *fmt, ...) {
  cliargs a;
  cli_args(&a, NULL, hint, 0, NULL, 0);
  va_list ap;
  va_start(ap, fmt);
  cliargs_vusage(&a, fmt, ap);
  va_end(ap);
  return EXIT_USAGE;
}

int cli_wants_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return 0;
    if (cliargs_is_help(argv[i])) return 1;
  }
  return 0;
}

static const char *manifest_path(const cli_globals *g) {
  if (g->manifest_path) return g->manifest_path;
  return access("plugin.manifest", R_OK) == 0 ? "plugin.manifest" : NULL;
}

int cli_load_manifest(const cli_globals *g, plugin_config *cfg) {
  const char *path = manifest_path(g);
  if (path == NULL) return 0;
  manifest_identity id;
  pi_error err;
  pi_error_clear(&err);
  if (manifest_load(path, NULL, &id, cfg, &err)) {
    cli_error("%s: %s", path, err.message);
    return -1;
  }
  return 1;
}

int cli_db_path(const cli_globals *g, char *buf, size_t cap, const char **out) {
  *out = NULL;
  if (g->db_path) {
    *out = g->db_path;
    return 0;
  }
  plugin_config cfg;
  int rc = cli_load_manifest(g, &cfg);
  if (rc < 0) return EXIT_RUNTIME;
  if (rc == 0)
    return cli_usage("posintent --help",
                     "no database: give --db PATH, or --manifest FILE (none in this folder)");
  snprintf(buf, cap, "%s", cfg.database);
  *out = buf;
  return 0;
}

int cli_open_store_as(const cli_globals *g, int mode, const char *what, store **out) {
  char buf[MANIFEST_PATH_MAX];
  const char *path;
  int rc = cli_db_path(g, buf, sizeof buf, &path);
  if (rc) return rc;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(path, mode, NULL, out, &err)) {
    if (what)
      cli_error("%s: %s", what, err.message);
    else
      cli_error("%s", err.message);
    return EXIT_RUNTIME;
  }
  return 0;
}

int cli_open_store(const cli_globals *g, store **out) {
  return cli_open_store_as(g, STORE_READONLY, NULL, out);
}

int cli_csv_style(const char *hint, const char *what, const char *dialect, int bom,
                  int csv, csv_style *out) {
  memset(out, 0, sizeof *out);
  if (dialect && csv_dialect_parse(dialect, &out->dialect))
    return cli_usage(hint, "%s: unknown --csv-dialect '%s' (rfc4180, excel or excel-de)",
                     what, dialect);
  if ((dialect || bom) && !csv)
    return cli_usage(hint, "%s: --%s applies to --format csv only", what,
                     dialect ? "csv-dialect" : "bom");
  out->bom = bom;
  return 0;
}

int cli_check_date(const char *hint, const char *opt, const char *value) {
  if (cal_parse_date(value, NULL, NULL, NULL) == 0) return 0;
  return cli_usage(hint, "%s must be a date YYYY-MM-DD, not \"%s\"", opt, value);
}

int cli_db_is_server(const char *db) {
  if (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0)
    return 1;
  /* libpq's key=value form ("host=... dbname=..."): a first word of
   * letters and underscores, then "=".  One with a mistake in it is a
   * server all the same, for libpq to name the field it refuses; a till
   * file of such a name is written with its folder ("./a=b.db"). */
  const char *p = db;
  while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') p++;
  while (*p == ' ') p++;
  return p > db && *p == '=';
}

int cli_net_missing(const char *what) {
  cli_error("%s: a PostgreSQL --db is served by posintent-net, not by this program", what);
  return EXIT_RUNTIME;
}

#ifndef POSINTENT_VERSION
#define POSINTENT_VERSION "unknown"
#endif

int cli_parse_globals(int argc, char **argv, cli_globals *g, void (*help)(FILE *f),
                      int *cmd) {
  const cliargs_opt globals[] = {
      {"--db", &g->db_path}, {"--manifest", &g->manifest_path}, {NULL, NULL}};
  cliargs a;
  cli_args(&a, NULL, "posintent --help", argc, argv, 1);
  for (; cliargs_cur(&a) && cliargs_cur(&a)[0] == '-'; a.i++) {
    int f;
    if (cliargs_is_help(cliargs_cur(&a))) {
      help(stdout);
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
  *cmd = a.i;
  return -1;
}

const cli_command *cli_find_command(const cli_command *table, const char *name) {
  for (const cli_command *c = table; c->name; c++)
    if (strcmp(name, c->name) == 0) return c;
  return NULL;
}

int cli_help_command(const cli_command *table, const cli_globals *g, int argc,
                     char **argv) {
  const cli_command *c = cli_find_command(table, argv[1]);
  if (c == NULL) return cli_usage("posintent help", "help: unknown command '%s'", argv[1]);
  if (argc > 3)
    return cli_usage("posintent help", "help: give a command and at most one subcommand, "
                                       "not '%s'", argv[3]);
  char dash_help[] = "--help";
  char *args[] = {argv[1], argc == 3 ? argv[2] : dash_help, dash_help, NULL};
  return c->run(g, argc == 3 ? 3 : 2, args);
}
