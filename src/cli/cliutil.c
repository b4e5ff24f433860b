/* SPDX-License-Identifier: MIT */
/* cliutil.c - shared helpers of the posintent subcommands. */
#include "cliutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("posintent: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_wants_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return 0;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
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

const char *cli_db_path(const cli_globals *g, char *buf, size_t cap) {
  if (g->db_path) return g->db_path;
  plugin_config cfg;
  int rc = cli_load_manifest(g, &cfg);
  if (rc < 0) return NULL;
  if (rc == 0) {
    cli_error("no database: give --db PATH (or --manifest FILE)");
    return NULL;
  }
  snprintf(buf, cap, "%s", cfg.database);
  return buf;
}

int cli_open_store(const cli_globals *g, store **out) {
  char buf[MANIFEST_PATH_MAX];
  const char *path = cli_db_path(g, buf, sizeof buf);
  if (path == NULL) return EXIT_RUNTIME;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(path, STORE_READONLY, NULL, out, &err)) {
    cli_error("%s", err.message);
    return EXIT_RUNTIME;
  }
  return 0;
}

int cli_check_date(const char *opt, const char *value) {
  if (cal_parse_date(value, NULL, NULL, NULL) == 0) return 0;
  cli_error("%s must be a date YYYY-MM-DD, not \"%s\"", opt, value);
  return -1;
}

const char *cli_value(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    cli_error("%s needs a value", argv[*i]);
    return NULL;
  }
  return argv[++*i];
}
