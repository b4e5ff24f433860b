/* SPDX-License-Identifier: MIT */
/*
 * report.h - reports and exports over the recorded sales (docs/reports.md).
 *
 * Every report reads the plugin's database through a read-only store
 * (store_open(..., STORE_READONLY, ...)): WAL mode lets it run while the
 * till records, and a report sees one consistent snapshot because each
 * runs as a single read transaction.  Rows are produced by SQLite one at a
 * time and written as they come (csvout.h), so memory stays flat however
 * large the database grows.
 *
 * What every report counts: completed sales that were not voided (no row
 * in `voids`), whose business day (sales.day) lies in [from, to], of one
 * store when a store id is given, less the returns (sale.return) whose own
 * business day (returns.day) lies in [from, to]: a return counts in its
 * own period, never in its sale's, with the purpose and buyer status its
 * lines were sold with.  `export` is the exception: it writes every
 * recorded sale, voided ones included and marked, then every return.
 *
 * The reports:
 *   resellers      one row per reseller identity, verdict and currency
 *                  (or, with detail, one row per resale line)
 *   purposes       counts and totals per purpose and buyer status, net
 *                  of returns, with the returned amounts
 *   gifts          gift sales with recipient and gift-receipt flag, and
 *                  gift returns
 *   tax-rates      net and tax per tax treatment, rate and code, net of
 *                  returns (a VAT return's figures)
 *   ec-sales-list  reverse-charge sales to valid VAT numbers of other EU
 *                  states, as HMRC's bulk CSV, the German ZM CSV, or CSV
 *   export         every sale and line, as JSON lines or CSV
 */
#ifndef POSINTENT_REPORT_H
#define POSINTENT_REPORT_H

#include <stdio.h>

#include "report/csvout.h"
#include "base/error.h"
#include "script/hooks.h"
#include "config/manifest.h"
#include "store/store.h"

typedef enum report_by {
  REPORT_BY_NONE = 0, /* one period: the whole range                   */
  REPORT_BY_DAY,      /* "2024-03-05"                                   */
  REPORT_BY_WEEK,     /* ISO 8601 week, "2024-W10"                      */
  REPORT_BY_MONTH     /* "2024-03"                                      */
} report_by;

/* "day", "week", "month" -> the bucket.  Returns 0, or -1 when unknown. */
int report_by_parse(const char *s, report_by *out);

/* What to report on.  Strings are borrowed for the call. */
typedef struct report_query {
  const char *from;     /* "YYYY-MM-DD", inclusive; NULL: no lower bound   */
  const char *to;       /* "YYYY-MM-DD", inclusive; NULL: no upper bound   */
  const char *store_id; /* NULL: every store in the database               */
  int detail;           /* resellers: one row per resale line              */
  report_by by;         /* purposes: the period bucket                     */
} report_query;

/* Check a query: both dates real calendar dates and from <= to.  Returns 0,
 * or -1 with err (code "usage", field "--from" / "--to"). */
int report_query_check(const report_query *q, pi_error *err);

typedef void (*report_warn_fn)(void *ctx, const char *msg);

/* Where and how a report writes.  Everything is borrowed. */
typedef struct report_out {
  FILE *file;           /* the output stream (not closed)                  */
  sink_format format;   /* for row reports; export takes CSV or JSONL      */
  csv_style csv;        /* SINK_CSV: the dialect and byte-order mark; zero
                           is RFC 4180 (the filing formats hmrc and zm
                           refuse anything else)                           */
  hooks *hooks;         /* NULL, or scripts whose report_row hooks add
                           columns to each row (resellers, purposes, gifts) */
  report_warn_fn warn;  /* NULL, or where warnings go (a skipped line, an
                           unknown currency); they never stop the report   */
  void *warn_ctx;
  int totals;           /* 1: after the rows, one total row per currency
                           (report_int.h, emit_end) in csv and json too;
                           the table format always has them              */
  int progress;         /* 1: show a progress line on stderr once the work
                           has taken a second (the CLI sets it when stderr
                           is a terminal)                                   */
  const char *label;    /* for the progress line: "report resellers"       */
} report_out;

/* The CSV columns of `report resellers`, in order, without and with
 * --detail.  report_row hooks may append more. */
#define REPORT_RESELLER_COLS 17
#define REPORT_RESELLER_DETAIL_COLS 19
extern const char *const report_reseller_columns[REPORT_RESELLER_COLS];
extern const char *const report_reseller_detail_columns[REPORT_RESELLER_DETAIL_COLS];
extern const char *const report_purpose_columns[12];
extern const char *const report_gift_columns[13];
/* The columns of `report tax-rates`: period, store, currency, treatment,
 * tax_rate (percent, two decimals; empty for lines sent without a rate),
 * tax_code, sales, lines, net, tax, returns, returned_net, returned_tax. */
#define REPORT_TAX_RATE_COLS 13
extern const char *const report_tax_rate_columns[REPORT_TAX_RATE_COLS];

/* The columns of the report named `name` ("resellers", "resellers_detail",
 * "purposes", "gifts", "tax_rates": the reports whose rows pass through report_row
 * hooks), with their number in *n; NULL for any other name. */
const char *const *report_columns(const char *name, size_t *n);

/* The name of the report whose columns are `cols` (one of the arrays
 * above), or NULL. */
const char *report_name_of(const char *const *cols);

/* Each report: run the query and write its rows to out.  Returns 0 (also
 * for an empty report), or -1 with err (code "storage" for a database
 * error, "io" for a write error, "script" for a refusing report_row hook). */
int report_resellers(store *st, const report_query *q, const report_out *out,
                     pi_error *err);
int report_purposes(store *st, const report_query *q, const report_out *out,
                    pi_error *err);
int report_gifts(store *st, const report_query *q, const report_out *out,
                 pi_error *err);
/* Net and tax per period (q->by), store, currency, tax treatment, tax
 * rate and tax code of the lines (sale.line's tax_rate_bp and tax_code),
 * less the lines returned in the period under their sold line's rate:
 * the figures a VAT return is filled from (docs/reports.md). */
int report_tax_rates(store *st, const report_query *q, const report_out *out,
                     pi_error *err);

/* ---- Evidence on file ------------------------------------------------------ */

#define REPORT_EVIDENCE_NCOLUMNS 9
#define REPORT_WINDOW_MAX_DAYS 3650 /* ten years: a window past that is a typo */

/* The columns of `report evidence`: kind ("expired", "expiring"; other
 * reasons to list a piece of evidence are kinds of their own: "invalid"
 * and "input_error" for a VAT number on file whose latest online check
 * failed, store/verifications.h, listed first, whatever the window),
 * store, account, name, evidence ("resale_cert", "vat"), state, number,
 * expires, days_left (null for a failed verification). */
extern const char *const report_evidence_columns[REPORT_EVIDENCE_NCOLUMNS];

/* What `report evidence` lists.  Strings are borrowed for the call. */
typedef struct report_evidence_query {
  const char *store_id; /* NULL: every store in the database              */
  const char *on;       /* "YYYY-MM-DD": the day days_left counts from    */
  int within_days;      /* 0..REPORT_WINDOW_MAX_DAYS                       */
} report_evidence_query;

/* Parse a window such as "30d": a whole number of days, 0 to
 * REPORT_WINDOW_MAX_DAYS, followed by "d" and nothing else.  Returns 0
 * with *days set, or -1 with err (code "usage", field "--expiring-within",
 * saying what is wrong: no number, no unit, another unit, too long). */
int report_window_parse(const char *s, int *days, pi_error *err);

/* The certificates of the open accounts on file that expire on or before
 * q->on + q->within_days, the expired ones included (kind "expired", a
 * negative days_left; "expiring" from 0, the last valid day), most urgent
 * first (by days_left, then store, account, state).  Returns 0 (also when
 * there is nothing to list), or -1 with err ("usage" for a bad q->on,
 * "storage", "io", "nomem"). */
int report_evidence(store *st, const report_evidence_query *q, const report_out *out,
                    pi_error *err);

/* Export every recorded sale with its lines, evidence and script meta.
 * out->format SINK_JSONL writes one JSON object per sale (lines nested);
 * SINK_CSV one row per line with the sale's columns repeated.  Hooks are
 * not run.  Returns 0 or -1 with err. */
int report_export(store *st, const report_query *q, const report_out *out,
                  pi_error *err);

/* ---- EC Sales List -------------------------------------------------------- */

/* The store's own identity, for the EC Sales List header and for telling
 * "another member state" from home. */
typedef struct report_identity {
  char store_id[65];
  char country[3];   /* ISO 3166 alpha-2                               */
  char vat[32];      /* the store's VAT number, compact, "" if none    */
  char branch[8];    /* HMRC branch ("000" when none)                  */
  char contact[65];
  char currency[4];
} report_identity;

/* Fill `id` from a loaded manifest configuration. */
void report_identity_from_config(const plugin_config *cfg, report_identity *id);

/* Fill `id` from the database's meta table (written by the plugin when it
 * opens the database).  Missing keys are left "".  Returns 0 or -1. */
int report_identity_load(store *st, report_identity *id, pi_error *err);

/* A declaration period: a month "YYYY-MM" or a quarter "YYYY-Qn". */
typedef struct report_period {
  char from[11];     /* first day, "YYYY-MM-DD"                         */
  char to[11];       /* last day                                        */
  int year;
  int month;         /* the period's last month: what HMRC calls the
                        period (03, 06, 09, 12 for quarters)            */
  int quarter;       /* 1..4 for a quarter, 0 for a month               */
} report_period;

/* Parse "2024-03" or "2024-Q1" (also "2024-q1").  Returns 0, or -1 with
 * err (code "usage", field "--period"). */
int report_period_parse(const char *s, report_period *p, pi_error *err);

typedef enum ecsl_format {
  ECSL_HMRC = 0, /* HMRC EC Sales List bulk-submission CSV              */
  ECSL_ZM,       /* German Zusammenfassende Meldung CSV (ELSTER import) */
  ECSL_CSV       /* the same data as plain columns                      */
} ecsl_format;

/* The CSV version of ELSTER's ZM import, written as the file's first line
 * ("#v3.0").  ELSTER imports only the current version ("Beim Import einer
 * CSV-Datei wird geprüft, dass Ihre CSV-Datei die aktuellste Version der
 * Importfunktion trägt", its general CSV guide), so this is the one place
 * to change when its version table names a newer one.  Last checked on
 * REPORT_ZM_CSV_VERSION_CHECKED against the version table of "Import von
 * Meldelisten zur Zusammenfassenden Meldung"
 * (https://www.elster.de/eportal/helpGlobal?themaGlobal=zmdo_import_eop):
 * 3.0 (UTF-8) is the newest there. */
#define REPORT_ZM_CSV_VERSION "3.0"
#define REPORT_ZM_CSV_VERSION_CHECKED "2026-12-03"

/* "hmrc", "zm", "csv" -> the format; 0, or -1 when unknown. */
int ecsl_format_parse(const char *s, ecsl_format *out);

/* Write the EC Sales List for period `p`: reverse-charge lines of
 * completed sales to buyers whose best evidence was a valid VAT number of
 * an EU member state (or XI) other than the store's own, totalled per
 * customer VAT number.  A sale of `p` counts unless voided on its own
 * business day; a sale voided on a later day is a full return, its lines
 * negated, in the period of the void's day (docs/reports.md), so the
 * figures of a period never change once it is over.  hmrc and zm need every such sale in GBP and EUR
 * respectively (there is no exchange rate here) and the store's identity;
 * otherwise they fail with code "ecsl" and nothing is written.  Amounts:
 * hmrc in whole pounds rounded down (pence dropped), zm in whole euros
 * rounded half away from zero (docs/reports.md explains both).  The
 * consistency checks of the period (check.h) go through out->warn first; a
 * hmrc line that rounds to 0 is left out, and named by the check
 * esl_rounds_to_zero (HMRC refuses zero values).  A hmrc list with no line
 * to declare fails with code "ecsl_empty" and writes nothing (HMRC takes no
 * nil declaration).
 * `id` must be the database's own store: the country and VAT number the
 * plugin wrote into meta, and meta's store id or a store the database
 * holds sales of; otherwise code "store_mismatch" (field store_country,
 * store_vat or store_id) and nothing is written.
 * Returns 0 or -1 with err. */
int report_ec_sales_list(store *st, const report_period *p,
                         const char *store_id, const report_identity *id,
                         ecsl_format fmt, const report_out *out, pi_error *err);

/* As report_ec_sales_list, with `rates` (NULL: none; fxrates.h) for an
 * HMRC list with sales in other currencies: each line in another currency
 * is converted to pence at the rate of the day it counts on (fx_to_pence:
 * to the penny, half away from zero), the pence of each customer added up
 * over every currency, then dropped as for a GBP list.  A currency the
 * file has no rate for on a line's day fails with code "ecsl", naming the
 * currency, the day and the period, and nothing is written.  The rates
 * used go through out->warn, one line each.  With any format but hmrc,
 * rates fail with code "usage". */
struct fx_rates;
int report_ec_sales_list_fx(store *st, const report_period *p, const char *store_id,
                            const report_identity *id, ecsl_format fmt,
                            struct fx_rates *rates, const report_out *out, pi_error *err);

/* What changed since period `p` was filed: every completed sale of `p`
 * that the EC Sales List declares (as report_ec_sales_list selects it)
 * and that was voided on a day after `p`, one row per sale: void_day,
 * country, vat_number, currency, store, terminal, sale, sale_day, lines,
 * net (the credit, negative, exact).  Each is declared as a credit in the
 * period of its void_day, never by changing `p`.  Written through a sink
 * in out->format (csv, json, table); `id` as for report_ec_sales_list.
 * Returns 0 or -1 with err. */
int report_ecsl_corrections(store *st, const report_period *p, const char *store_id,
                            const report_identity *id, const report_out *out,
                            pi_error *err);

/* Every line behind the EC Sales List of period `p`, one row each, so
 * that each customer's figure can be followed back to its sales: day (the
 * business day it counts on: the sale's, the void's or the return's),
 * country, vat_number, currency, store, terminal, sale, line, treatment,
 * record ("sale"; "void", a later void's credit; "return"), return (the
 * return's id), net (exact; credits negative).  A customer's rows sum to
 * the exact total that report_ec_sales_list rounds.  The filing formats
 * are not changed by it.  Written through a sink in out->format; `id` as
 * for report_ec_sales_list.  Returns 0 or -1 with err. */
int report_ecsl_detail(store *st, const report_period *p, const char *store_id,
                       const report_identity *id, const report_out *out, pi_error *err);

/* As report_ecsl_detail, with `rates` (NULL: none): two more columns,
 * gbp_rate (the rate the line was converted at, as the file gives it;
 * empty for GBP) and net_gbp (the line in pounds, as the HMRC file adds
 * it up).  The rates used go through out->warn. */
int report_ecsl_detail_fx(store *st, const report_period *p, const char *store_id,
                          const report_identity *id, struct fx_rates *rates,
                          const report_out *out, pi_error *err);

/* The EC Sales List's rounding rules, exposed for tests:
 * whole pounds with the pence dropped (-12.99 -> -12), and whole euros
 * rounded half away from zero (12.50 -> 13, -12.50 -> -13). */
int64_t report_hmrc_pounds(int64_t pence);
int64_t report_zm_euros(int64_t cents);

#endif
