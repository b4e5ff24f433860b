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

int cli_check_date(const char *hint, const char *opt, const char *value) {
  if (cal_parse_date(value, NULL, NULL, NULL) == 0) return 0;
  return cli_usage(hint, "%s must be a date YYYY-MM-DD, not \"%s\"", opt, value);
}
