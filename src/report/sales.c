/* SPDX-License-Identifier: MIT */
/* sales.c - the recorded sales listed and shown as they are (sales.h). */
#include "report/sales.h"

#include <string.h>

#include "base/money.h"

const char *const sales_list_columns[SALES_LIST_COLUMNS] = {
    "day",         "store",          "terminal", "sale",     "status",
    "purpose",     "customer",       "reseller_id", "reseller_valid", "lines",
    "currency",    "net",            "tax",      "total",    "treatment",
    "script_errors"};

/* Column text of a row, "" for NULL. */
static const char *col(sqlite3_stmt *q, int i) {
  const unsigned char *t = sqlite3_column_text(q, i);
  return t ? (const char *)t : "";
}

static cell text_or_null(sqlite3_stmt *q, int i) {
  return sqlite3_column_type(q, i) == SQLITE_NULL ? cell_null() : cell_text(col(q, i));
}

static int sql_fail(sqlite3 *db, pi_error *err) {
  return pi_fail(err, PI_E_STORAGE, "", "%s", sqlite3_errmsg(db));
}

/* Contract in sales.h. */
int report_sales_list(store *st, const char *from, const char *to, const char *purpose_name,
                      sink *out, pi_error *err) {
  sqlite3 *db = store_db(st);
  sqlite3_stmt *q = NULL;
  const char *sql =
      "SELECT s.day, s.store, s.terminal, s.sale,"
      " CASE WHEN EXISTS(SELECT 1 FROM voids v WHERE v.sale_id=s.id) THEN 'voided'"
      " ELSE s.status END, s.purpose, s.customer_name, s.reseller_id,"
      " s.reseller_valid, (SELECT count(*) FROM lines l WHERE l.sale_id=s.id),"
      " s.currency, s.net, s.tax, s.total, s.treatment,"
      " (SELECT COALESCE(sum(f.count), 0) FROM script_errors f WHERE f.sale_id=s.id)"
      " FROM sales s WHERE s.day BETWEEN ?1 AND ?2"
      " AND (?3 IS NULL OR EXISTS(SELECT 1 FROM lines l WHERE l.sale_id=s.id"
      "      AND l.purpose=?3))"
      " ORDER BY s.day, s.began_at, s.id";
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) return sql_fail(db, err);
  sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, to, -1, SQLITE_STATIC);
  if (purpose_name)
    sqlite3_bind_text(q, 3, purpose_name, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(q, 3);
  int rc = sink_columns(out, sales_list_columns, SALES_LIST_COLUMNS, err);
  int step = SQLITE_DONE;
  while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
    int e = money_exponent(col(q, 10));
    if (e < 0) e = 2;
    cell c[SALES_LIST_COLUMNS] = {
        cell_text(col(q, 0)),  cell_text(col(q, 1)),  cell_text(col(q, 2)),
        cell_text(col(q, 3)),  cell_text(col(q, 4)),  cell_text(col(q, 5)),
        text_or_null(q, 6),    text_or_null(q, 7),
        sqlite3_column_type(q, 8) == SQLITE_NULL ? cell_null()
                                                 : cell_bool(sqlite3_column_int(q, 8)),
        cell_int(sqlite3_column_int64(q, 9)), cell_text(col(q, 10)),
        cell_amount(sqlite3_column_int64(q, 11), e),
        cell_amount(sqlite3_column_int64(q, 12), e),
        cell_amount(sqlite3_column_int64(q, 13), e), cell_text(col(q, 14)),
        cell_int(sqlite3_column_int64(q, 15))};
    rc = sink_row(out, c, SALES_LIST_COLUMNS, err);
  }
  if (rc == 0 && step != SQLITE_DONE) rc = sql_fail(db, err);
  sqlite3_finalize(q);
  return rc;
}

/* 1 for the columns that hold minor units of the sale's currency. */
static int is_amount(const char *name) {
  static const char *const amounts[] = {"net", "tax", "total", "unit_price", NULL};
  for (int i = 0; amounts[i]; i++)
    if (strcmp(name, amounts[i]) == 0) return 1;
  return 0;
}

/* Print one query's rows as blocks of "  column  value" (NULLs left out);
 * amounts in major units of the currency (exponent `e`). */
static int show_rows(sqlite3 *db, FILE *f, const char *title, const char *sql,
                     sqlite3_int64 id, int e, pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) return sql_fail(db, err);
  sqlite3_bind_int64(q, 1, id);
  int n = sqlite3_column_count(q), step, rows = 0;
  if (title) fprintf(f, "\n%s\n", title);
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    rows++;
    for (int i = 0; i < n; i++) {
      const char *name = sqlite3_column_name(q, i);
      char amount[32];
      if (sqlite3_column_type(q, i) == SQLITE_NULL) continue;
      if (sqlite3_column_type(q, i) == SQLITE_INTEGER && is_amount(name) &&
          money_format(sqlite3_column_int64(q, i), e, amount, sizeof amount) > 0)
        fprintf(f, "  %-18s %s\n", name, amount);
      else
        fprintf(f, "  %-18s %s\n", name, col(q, i));
    }
    if (title) fprintf(f, "\n");
  }
  sqlite3_finalize(q);
  if (step != SQLITE_DONE) return sql_fail(db, err);
  if (title && rows == 0) fprintf(f, "  (none)\n");
  return 0;
}

/* The sale's row id and its currency's exponent: SALE_SHOWN when found
 * (nothing written yet), SALE_NOT_RECORDED, or SALE_SHOW_FAILED. */
static sale_show_result find_sale(sqlite3 *db, const char *store_id, const char *terminal,
                                  const char *sale_id, sqlite3_int64 *id, int *e,
                                  pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db, "SELECT id, currency FROM sales WHERE store=?1 AND "
                             "terminal=?2 AND sale=?3",
                         -1, &q, NULL) != SQLITE_OK) {
    sql_fail(db, err);
    return SALE_SHOW_FAILED;
  }
  sqlite3_bind_text(q, 1, store_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, terminal, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, sale_id, -1, SQLITE_STATIC);
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    *id = sqlite3_column_int64(q, 0);
    *e = money_exponent(col(q, 1));
    if (*e < 0) *e = 2;
  } else if (step != SQLITE_DONE) {
    sql_fail(db, err);
  }
  sqlite3_finalize(q);
  if (step == SQLITE_ROW) return SALE_SHOWN;
  return step == SQLITE_DONE ? SALE_NOT_RECORDED : SALE_SHOW_FAILED;
}

/* Contract in sales.h. */
sale_show_result report_sale_show(store *st, const char *store_id, const char *terminal,
                                  const char *sale_id, FILE *f, pi_error *err) {
  sqlite3 *db = store_db(st);
  sqlite3_int64 id = 0;
  int e = 2;
  sale_show_result found = find_sale(db, store_id, terminal, sale_id, &id, &e, err);
  if (found != SALE_SHOWN) return found;
  fprintf(f, "Sale %s (terminal %s, store %s)\n", sale_id, terminal, store_id);
  int bad =
      show_rows(db, f, NULL,
                "SELECT began_at, day, completed_at, cashier,"
                " CASE WHEN EXISTS(SELECT 1 FROM voids v WHERE v.sale_id=sales.id)"
                " THEN 'voided' ELSE status END AS status,"
                " (SELECT reason FROM voids v WHERE v.sale_id=sales.id) AS void_reason,"
                " currency, purpose, net, tax, total, customer_id, customer_name,"
                " customer_org, reseller_kind, reseller_id, reseller_valid,"
                " reseller_reason, treatment, gift_receipt, gift_message,"
                " recipient_name, recipient_contact, tenders, meta"
                " FROM sales WHERE id=?1",
                id, e, err) ||
      show_rows(db, f, "Lines",
                "SELECT seq, line, sku, name, qty_milli/1000.0 AS qty, unit_price, net,"
                " tax, purpose, status, treatment, recipient_name, gift_message,"
                " gift_receipt FROM lines WHERE sale_id=?1 ORDER BY seq",
                id, e, err) ||
      show_rows(db, f, "Evidence",
                "SELECT kind, input, state, expires, compact, country, valid, reason,"
                " chosen FROM evidence WHERE sale_id=?1 ORDER BY id",
                id, e, err) ||
      show_rows(db, f, "Script failures (ignored under fail_open)",
                "SELECT NULLIF(event, '') AS event, NULLIF(hook, '') AS hook,"
                " NULLIF(location, '') AS location, count,"
                " CASE WHEN hook = '' THEN 'further failures, counted only'"
                " WHEN message IS NULL THEN '(erased)'"
                " WHEN truncated THEN message || ' [truncated]' ELSE message END"
                " AS message FROM script_errors WHERE sale_id=?1 ORDER BY seq",
                id, e, err);
  return bad ? SALE_SHOW_FAILED : SALE_SHOWN;
}
