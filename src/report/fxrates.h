/* SPDX-License-Identifier: MIT */
/*
 * fxrates.h - exchange rates the accountant supplies, for a filing that
 * must be in sterling (the HMRC EC Sales List, `report ec-sales-list
 * --rates FILE`; docs/reports.md, "Foreign currencies").
 *
 * The file is HMRC's monthly exchange rates as CSV, as the UK Trade
 * Tariff service publishes them (one file per month), or several of them
 * concatenated for a quarter:
 *
 *   Country/Territories,Currency,Currency Code,Currency Units per £1,Start date,End date
 *   Eurozone,Euro,EUR,1.1564,01/11/2026,30/11/2026
 *
 * Columns are found by their header names (case aside), so the order and
 * any further columns do not matter; a repeated header line (files
 * concatenated) is skipped.  Dates are DD/MM/YYYY (HMRC's) or YYYY-MM-DD.
 * A rate is a decimal of at most FX_DECIMALS decimals, more than 0 and
 * below FX_RATE_MAX.  Every other line must be a rate: a bad line is an
 * error naming the file, the line and the column, never skipped.  The
 * same currency may be listed twice for the same days (HMRC lists the
 * euro once per euro country) with the same rate; two different rates for
 * one currency on one day is an error naming both lines.
 *
 * Amounts are converted exactly, in integers: minor units of the currency
 * to pence, rounded half away from zero once, per amount (fx_to_pence).
 */
#ifndef POSINTENT_FXRATES_H
#define POSINTENT_FXRATES_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define FX_DECIMALS 6                    /* decimals of a rate, at most    */
#define FX_SCALE INT64_C(1000000)        /* 10^FX_DECIMALS                 */
#define FX_RATE_MAX INT64_C(100000000)   /* units per £1, exclusive        */
#define FX_FILE_MAX (8 * 1024 * 1024)    /* bytes; a year of monthly files
                                            is about 100 KB                */

/* One rate: `units` (scaled by FX_SCALE) of `currency` per pound, valid
 * from `from` to `to` (YYYY-MM-DD, inclusive). */
typedef struct fx_rate {
  char currency[4];
  char from[11], to[11];
  int64_t units;                         /* 1.1564 -> 1156400              */
  char text[24];                         /* the rate as written: "1.1564"  */
  size_t line;                           /* its line in the file           */
  size_t used;                           /* amounts converted at it        */
} fx_rate;

typedef struct fx_rates {
  char path[256];                        /* for messages                   */
  fx_rate *r;
  size_t n, cap;
} fx_rates;

/* Read the rates file `path` into *out (zeroed first; fx_rates_free it
 * even after a failure).  Returns 0, or -1 with err (code "bad_value",
 * field "--rates", naming the file, the line and what is wrong; "io" when
 * it cannot be read). */
int fx_rates_load(const char *path, fx_rates *out, pi_error *err);

void fx_rates_free(fx_rates *rs);

/* The rate of `currency` on business day `day` (YYYY-MM-DD), or NULL
 * when the file has none. */
fx_rate *fx_rate_on(fx_rates *rs, const char *currency, const char *day);

/* `minor` units of a currency with `exponent` decimals, converted to
 * pence at `r`: minor / 10^exponent / (units / FX_SCALE) pounds, rounded
 * half away from zero to the penny.  Exact (long division in integers).
 * Returns 0 with *pence, or -1 with err ("overflow") when the result does
 * not fit 64 bits. */
int fx_to_pence(int64_t minor, int exponent, const fx_rate *r, int64_t *pence,
                pi_error *err);

#endif
