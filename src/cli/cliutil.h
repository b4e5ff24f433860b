/* SPDX-License-Identifier: MIT */
/*
 * cliutil.h - small helpers shared by the posintent subcommands.
 */
#ifndef POSINTENT_CLI_CLIUTIL_H
#define POSINTENT_CLI_CLIUTIL_H

#include "commands.h"
#include "manifest.h"
#include "store.h"

/* Print "posintent: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when argv holds --help or -h (anywhere before a "--"). */
int cli_wants_help(int argc, char **argv);

/* The database path to use: --db, else the manifest's (--manifest, else
 * ./plugin.manifest when it exists).  Returns NULL with a message printed
 * when there is none. */
const char *cli_db_path(const cli_globals *g, char *buf, size_t cap);

/* Open the database read-only (safe while the till records).  Returns 0,
 * or EXIT_RUNTIME with a message printed. */
int cli_open_store(const cli_globals *g, store **out);

/* Load the manifest named by --manifest (or ./plugin.manifest); returns 1
 * when one was loaded, 0 when none is available, -1 (message printed) when
 * it exists but is invalid. */
int cli_load_manifest(const cli_globals *g, plugin_config *cfg);

/* Check that `value` of option `opt` is a date YYYY-MM-DD; prints a usage
 * error and returns -1 otherwise. */
int cli_check_date(const char *opt, const char *value);

/* The value after option argv[*i] (advancing *i), or NULL with a usage
 * error printed when it is missing. */
const char *cli_value(int argc, char **argv, int *i);

#endif
