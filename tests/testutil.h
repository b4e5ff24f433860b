/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers shared by the cmocka tests: temporary directories,
 * an engine on a fresh database, and sending events with parsed replies.
 */
#ifndef POSINTENT_TESTUTIL_H
#define POSINTENT_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "engine/engine.h"

/* A fresh directory under $TMPDIR; path written to buf.  Fails the test
 * on error. */
void tu_tempdir(char *buf, size_t cap);

/* Remove a directory tree made by tu_tempdir. */
void tu_rmtree(const char *path);

/* Open an engine on tests/data/test.manifest with the database at `db`
 * and `extra_json` (NULL or members such as "\"policy\":{...}") merged into
 * the overrides.  Fails the test on error. */
engine *tu_engine(const char *db, const char *extra_json);

/* Send one event (printf-style) and return the parsed reply; the caller
 * frees it with cJSON_Delete.  *status receives engine_handle's result. */
cJSON *tu_send(engine *e, int *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Send and assert that the reply says ok:true; returns the reply. */
cJSON *tu_ok(engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send and assert that the reply says ok:false with error code `code`
 * (and, when field is not NULL, that field).  Returns the reply. */
cJSON *tu_err(engine *e, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* String / number / bool member by dotted path ("error.code"); NULL or
 * NAN-free defaults (-1) when absent. */
const char *tu_str(const cJSON *o, const char *path);
double tu_num(const cJSON *o, const char *path);

/* Run a single-value SQL query on the database file and return the first
 * column as int64 (or the text into buf when buf is not NULL). */
int64_t tu_sql_int(const char *db, const char *sql);
void tu_sql_text(const char *db, const char *sql, char *buf, size_t cap);

#endif
