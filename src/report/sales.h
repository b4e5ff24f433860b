/* SPDX-License-Identifier: MIT */
/*
 * sales.h - the recorded sales as they are, for a person looking: the list
 * behind `posintent sales list` and the one sale behind `posintent sale
 * show`.  Unlike the reports (report.h) they count nothing and keep voided
 * sales, marked as such.  Both read through the store's connection in one
 * statement at a time; a read-only store is enough.
 */
#ifndef POSINTENT_REPORT_SALES_H
#define POSINTENT_REPORT_SALES_H

#include <stdio.h>

#include "base/error.h"
#include "report/csvout.h"
#include "store/store.h"

/* Columns of report_sales_list, in order (SALES_LIST_COLUMNS of them). */
#define SALES_LIST_COLUMNS 16
extern const char *const sales_list_columns[SALES_LIST_COLUMNS];

/* Writes to `out` (open, no columns yet) the columns, then one row per
 * recorded sale whose business day lies in [from, to] (both "YYYY-MM-DD",
 * inclusive, borrowed), oldest first: day, store, terminal, sale, status
 * ("voided" when voided, at any time), purpose, customer, reseller
 * identifier and verdict, line count, currency, net, tax, total in major
 * units of the currency, treatment, script_errors (how often a store
 * script failed under fail_open while the sale was open: 0 for none, and
 * for sales recorded before schema 11, which kept none).  `purpose_name`:
 * NULL for every sale, or a
 * purpose name ("resale") to keep the sales with at least one line of that
 * purpose.  Does not finish the sink (the caller calls sink_finish).
 * Returns 0, or -1 with err: code "storage" (SQLite's message) or the
 * sink's own. */
int report_sales_list(store *st, const char *from, const char *to, const char *purpose_name,
                      sink *out, pi_error *err);

/* What report_sale_show found. */
typedef enum sale_show_result {
  SALE_SHOW_FAILED = -1, /* err set; part of the sale may be written     */
  SALE_SHOWN = 0,        /* written                                     */
  SALE_NOT_RECORDED = 1  /* no such sale; nothing written               */
} sale_show_result;

/* Writes to f the sale `sale_id` recorded on `terminal` of `store_id`
 * (all NUL-terminated, borrowed): a title line, then its header fields,
 * a "Lines", an "Evidence" and a "Script failures" block, each field as
 * "  name  value" (NULLs
 * left out, amounts in major units of its currency, the void's reason when
 * voided).  Errors carry code "storage" and SQLite's message. */
sale_show_result report_sale_show(store *st, const char *store_id, const char *terminal,
                                  const char *sale_id, FILE *f, pi_error *err);

#endif
