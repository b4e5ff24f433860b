/* SPDX-License-Identifier: MIT */
/*
 * period.h - filed periods: closing a period and listing the closed ones.
 *
 * An accountant files a period's EC Sales List and then closes the period:
 *
 *   posintent period close --period 2026-11 --report ec-sales-list --format zm
 *
 * period_close() produces the report exactly as `posintent report
 * ec-sales-list` writes it, and records in the journal's hash chain, in
 * one write transaction, a "period" entry (journal.h) whose body is
 *
 *   {"v":1,"period":"2026-11","from":"2026-11-01","to":"2026-11-30",
 *    "report":"ec-sales-list","format":"zm","store":null,"bytes":73,
 *    "sha256":"<hex of the report's bytes>","head_seq":41,"head":"<hex>"}
 *
 * head_seq and head are the journal's head when it was closed (the entry's
 * own predecessor): what the report was made from.  The report runs under
 * the write lock, so no sale or void can slip in between the bytes and the
 * head.  `posintent verify` checks the entry like any other: edited, it no
 * longer matches its hash.
 *
 * Closing does not change what reports count; it freezes and proves.  The
 * reports never rewrite a period once it is over: a sale voided on a later
 * day stays in its own period and is a credit in the void's period
 * (report.h, docs/reports.md).  So the closed period's report regenerates
 * byte for byte (same options, same store identity), and its SHA-256
 * equals the recorded one; `report ec-sales-list --corrections` lists what
 * later periods declared against it.
 *
 * Refused: a period that is not over everywhere yet (PERIOD_GRACE_DAYS),
 * one that overlaps a closed period of the same stores, and a database
 * that cannot be written (the caller opens it STORE_EXISTING, which
 * refuses a read-only copy).
 */
#ifndef POSINTENT_PERIOD_H
#define POSINTENT_PERIOD_H

#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "report/report.h"
#include "store/store.h"

/* A period may be closed from PERIOD_GRACE_DAYS days after its last day,
 * counted in UTC: on the second day after it the period is over in every
 * time zone a till may give (RFC 3339 offsets reach -23:59), so no void or
 * sale dated in it can follow the closing by a clock that is behind UTC. */
#define PERIOD_GRACE_DAYS 2

/* What is filed.  Strings are borrowed for the call. */
typedef struct period_filing {
  ecsl_format format;           /* the EC Sales List's format            */
  const char *store_id;         /* NULL: every store (as --store)        */
  const report_identity *id;    /* the store's identity, as for the report */
} period_filing;

/* A closed period, as recorded. */
typedef struct period_closing {
  int64_t seq;         /* the journal entry                              */
  char closed_at[40];  /* RFC 3339 UTC                                   */
  char period[16];     /* "2026-11", "2026-Q4"                           */
  char from[11], to[11];
  char report[24];     /* "ec-sales-list"                                */
  char format[8];      /* "hmrc", "zm", "csv"                            */
  char store[65];      /* "" for every store                             */
  int64_t bytes;       /* the filed report's length                      */
  char sha256[65];     /* of the filed bytes, hex                        */
  int64_t head_seq;    /* the journal's head when closed                 */
  char head[65];
} period_closing;

/* Close period `period_text` ("2026-11" or "2026-Q4") at `now` (seconds
 * since the epoch, UTC): produce the filing into memory, hash it and
 * append the "period" entry, all in one write transaction on `st` (opened
 * STORE_EXISTING).  out_report's warnings go through out->warn; its file
 * and format are not used.  On success *bytes (malloc'd; the caller frees
 * it) and *len hold the report exactly as filed, to be written out, and
 * *closed what was recorded.  Refusals, nothing recorded: code "usage"
 * (field "--period") for a malformed period; "period_open" when the period
 * is not over (the sentence names the first day it may be closed);
 * "period_closed" when it overlaps a closed period of the same stores
 * (naming it and when it was closed); "ecsl", "store_mismatch" as the
 * report refuses; "storage", "nomem", "io" otherwise.  Returns 0 or -1. */
int period_close(store *st, const char *period_text, const period_filing *f,
                 int64_t now, const report_out *out_report, char **bytes, size_t *len,
                 period_closing *closed, pi_error *err);

/* Every closed period, oldest first, one row each through a sink in
 * out->format: period, from, to, report, format, store, bytes, sha256,
 * head_seq, head, closed_at, entry (the journal entry's seq).  Read-only.
 * Returns 0 or -1 with err. */
int period_list(store *st, const report_out *out, pi_error *err);

#endif
