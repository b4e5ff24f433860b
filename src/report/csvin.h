/* SPDX-License-Identifier: MIT */
/*
 * csvin.h - the CSV a report wrote (csvout.h), spooled to an unlinked
 * temporary file and read back one record at a time (csvin.c), as the HTML
 * report builds its table and chart from it.  Not part of the API.
 */
#ifndef POSINTENT_CSVIN_H
#define POSINTENT_CSVIN_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "report/csvout.h"

/* Longest record read back (a guard against a runaway row; a report row
 * is a few hundred bytes). */
#define CSVIN_RECORD_MAX (1024 * 1024)

/* One RFC 4180 record at a time, as csvout.c writes it: fields separated
 * by commas, records ended by CRLF, quoted fields with quotes doubled and
 * CR/LF inside.  The fields are NUL-terminated in one buffer.  Start from
 * a zeroed csv_in with `f` set; free(buf) when done. */
typedef struct csv_in {
  FILE *f;
  char *buf;
  size_t len, cap;
  size_t off[SINK_COLUMNS_MAX];
  size_t n;
} csv_in;

/* An unlinked temporary file in $TMPDIR (else /tmp), open for writing and
 * reading back.  Returns the stream (the caller fcloses it), or NULL with
 * err "io". */
FILE *csvin_temp(pi_error *err);

/* Read the next record of r->f.  A record of more than CSVIN_RECORD_MAX
 * bytes or SINK_COLUMNS_MAX fields, or that is not CSV, is an error.  Returns 1
 * with r->n fields, 0 at the end, or -1 with err ("io", "nomem"). */
int csvin_next(csv_in *r, pi_error *err);

/* Field i of the current record; "" past its last field. */
const char *csvin_field(const csv_in *r, size_t i);

/* The index of column `name` in a header record, or -1. */
int csvin_column(const csv_in *r, const char *name);

/* Fail with err "io" on the temporary file: "reading the report back:
 * <why>".  Returns -1. */
int csvin_fail(pi_error *err, const char *why);

#endif
