/* SPDX-License-Identifier: MIT */
/* report_export.c - `export`: every recorded sale and line, streamed as
 * JSON lines (one sale per line, lines nested) or CSV (one row per line),
 * then every return (sale.return) and its lines. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/jsonw.h"
#include "base/money.h"
#include "report/report_int.h"

/* Voided sales are exported too (a warehouse wants the whole record), with
 * the void's time and reason.  Evidence comes as one JSON array per sale,
 * in the order it was given at the till. */
#define SALE_COLUMNS_SQL                                                      \
    "SELECT s.id, s.store, s.terminal, s.sale, s.cashier, s.began_at, s.day," \
    " s.completed_at, s.status, v.at, v.reason, s.currency, s.purpose,"       \
    " s.net, s.tax, s.total, s.customer_id, s.customer_name, s.customer_org," \
    " s.reseller_kind, s.reseller_id, s.reseller_country, s.reseller_valid,"  \
    " s.reseller_reason, s.treatment, s.gift_receipt, s.gift_message,"        \
    " s.recipient_name, s.recipient_contact, s.tenders, s.meta,"              \
    " (SELECT json_group_array(json_object('kind', e.kind, 'input', e.input," \
    "   'state', e.state, 'expires', e.expires, 'compact', e.compact,"        \
    "   'country', e.country, 'valid', json(CASE WHEN e.valid THEN 'true'"    \
    "   ELSE 'false' END), 'reason', e.reason, 'chosen',"                     \
    "   json(CASE WHEN e.chosen THEN 'true' ELSE 'false' END)))"              \
    "  FROM evidence e WHERE e.sale_id = s.id)"

static const char sales_sql[] =
    SALE_COLUMNS_SQL
    " FROM sales s LEFT JOIN voids v ON v.sale_id = s.id"
    " WHERE s.day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR s.store = ?3)"
    " ORDER BY s.day, s.id";

enum {
  S_ID, S_STORE, S_TERMINAL, S_SALE, S_CASHIER, S_BEGAN, S_DAY, S_COMPLETED,
  S_STATUS, S_VOID_AT, S_VOID_REASON, S_CURRENCY, S_PURPOSE, S_NET, S_TAX,
  S_TOTAL, S_CUST_ID, S_CUST_NAME, S_CUST_ORG, S_RS_KIND, S_RS_ID,
  S_RS_COUNTRY, S_RS_VALID, S_RS_REASON, S_TREATMENT, S_GIFT_RECEIPT,
  S_GIFT_MESSAGE, S_RECIPIENT, S_RECIPIENT_CONTACT, S_TENDERS, S_META,
  S_EVIDENCE, S_NCOLS
};

static const char lines_sql[] =
    "SELECT seq, line, sku, name, qty_milli, unit_price, net, tax, purpose,"
    " status, treatment, gift_receipt, gift_message, recipient_name,"
    " recipient_contact, tax_rate_bp, tax_code FROM lines WHERE sale_id = ?1"
    " ORDER BY seq";

enum {
  L_SEQ, L_LINE, L_SKU, L_NAME, L_QTY, L_UNIT, L_NET, L_TAX, L_PURPOSE,
  L_STATUS, L_TREATMENT, L_GIFT_RECEIPT, L_GIFT_MESSAGE, L_RECIPIENT,
  L_RECIPIENT_CONTACT, L_TAX_RATE, L_TAX_CODE, L_NCOLS
};

/* Returns (sale.return) follow the sales: every return whose own business
 * day lies in the range (the period it counts in, whatever its sale's
 * day), oldest first, with its original sale's columns (S_*) and its own
 * after them (R_*).  Its lines come with the columns of lines_sql (L_*):
 * the original line's seq, id, sku, name, unit price and gift details,
 * the quantity and amounts returned, and the purpose, buyer status and
 * treatment the return line copied from it. */
static const char returns_sql[] =
    SALE_COLUMNS_SQL ","
    " r.id, r.ret, r.at, r.day, r.recorded_at, r.reason, r.reason_text,"
    " r.net, r.tax, r.total, r.refund"
    " FROM returns r JOIN sales s ON s.id = r.sale_id"
    " LEFT JOIN voids v ON v.sale_id = s.id"
    " WHERE r.day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR r.store = ?3)"
    " ORDER BY r.day, r.id";

enum {
  R_ID = S_NCOLS, R_RET, R_AT, R_DAY, R_RECORDED, R_REASON, R_REASON_TEXT,
  R_NET, R_TAX, R_TOTAL, R_REFUND
};

static const char return_lines_sql[] =
    "SELECT l.seq, l.line, l.sku, l.name, rl.qty_milli, l.unit_price, rl.net,"
    " rl.tax, rl.purpose, rl.status, rl.treatment, l.gift_receipt,"
    " l.gift_message, l.recipient_name, l.recipient_contact, l.tax_rate_bp, l.tax_code"
    " FROM return_lines rl JOIN lines l ON l.sale_id = ?2 AND l.seq = rl.line_seq"
    " WHERE rl.return_id = ?1 ORDER BY rl.seq";

/* Text or NULL: NULL columns stay null/empty in the export. */
static const char *opt_text(sqlite3_stmt *q, int i) {
  return (const char *)sqlite3_column_text(q, i);
}

/* A stored JSON column, checked and re-printed compactly.  Scripts write
 * sales.meta and the host writes tenders; re-printing through cJSON keeps
 * one malformed value from breaking every line after it.  Returns a string
 * to free with cJSON_free, or NULL when the column is NULL or not JSON
 * (then *bad is set). */
static char *json_column(sqlite3_stmt *q, int i, int *bad) {
  *bad = 0;
  const char *t = (const char *)sqlite3_column_text(q, i);
  if (t == NULL || *t == '\0') return NULL;
  cJSON *v = cJSON_ParseWithLength(t, (size_t)sqlite3_column_bytes(q, i));
  if (v == NULL) {
    *bad = 1;
    return NULL;
  }
  char *s = cJSON_PrintUnformatted(v);
  cJSON_Delete(v);
  return s;
}

/* ---- JSON lines ----------------------------------------------------------- */

/* One sale's JSON is built with the one JSON writer (jsonw.h) in a
 * buffer reused from sale to sale, then written with one fwrite: a sale
 * with five lines is some 700 small pieces, and as many stdio calls were
 * most of the export's time. */

/* A text member; NULL is null.  Text that is not valid UTF-8 (only a
 * hand-edited database has any: the event parser refuses it) comes out
 * with U+FFFD for each bad byte, as jsonw writes every string, so every
 * line is valid JSON. */
static void jtext(jsonw *w, const char *k, const char *v) {
  jw_key(w, k);
  if (v == NULL)
    jw_raw(w, "null");
  else
    jw_str(w, v);
}

static void jamount(jsonw *w, const char *k, int64_t minor, int ex) {
  char buf[48];
  jw_key(w, k);
  jw_raw(w, money_format(minor, ex, buf, sizeof buf) >= 0 ? buf : "null");
}

/* A stored JSON column: raw when it parses, else as a string (warned). */
static void jjson(jsonw *w, const char *k, sqlite3_stmt *q, int i,
                  const report_out *out, const char *sale_id) {
  int bad;
  char *s = json_column(q, i, &bad);
  if (s) {
    jw_key(w, k);
    jw_raw(w, s);
    cJSON_free(s);
  } else if (bad) {
    report_warn(out, "sale %s: %s is not valid JSON; exported as a string", sale_id, k);
    jtext(w, k, (const char *)sqlite3_column_text(q, i));
  } else {
    jw_key(w, k);
    jw_raw(w, "null");
  }
}

/* The reseller member of a sale or return row: the identity and verdict
 * as the sale recorded them, or null. */
static void jreseller(jsonw *w, sqlite3_stmt *s) {
  jw_key(w, "reseller");
  if (sqlite3_column_type(s, S_RS_REASON) != SQLITE_NULL) {
    jw_object(w);
    jtext(w, "kind", opt_text(s, S_RS_KIND));
    jtext(w, "id", opt_text(s, S_RS_ID));
    jtext(w, "country", opt_text(s, S_RS_COUNTRY));
    jw_kbool(w, "valid", sqlite3_column_int(s, S_RS_VALID));
    jtext(w, "reason", opt_text(s, S_RS_REASON));
    jw_end_object(w);
  } else {
    jw_raw(w, "null");
  }
}

static void jsonl_line(jsonw *w, sqlite3_stmt *l, int ex) {
  char qty[32];
  jw_object(w);
  jw_kint(w, "seq", sqlite3_column_int64(l, L_SEQ));
  jtext(w, "line", opt_text(l, L_LINE));
  jtext(w, "sku", opt_text(l, L_SKU));
  jtext(w, "name", opt_text(l, L_NAME));
  jw_key(w, "qty");
  int qn = qty_format(sqlite3_column_int64(l, L_QTY), qty, sizeof qty);
  jw_raw(w, qn >= 0 ? qty : "null");
  jamount(w, "unit_price", sqlite3_column_int64(l, L_UNIT), ex);
  jamount(w, "net", sqlite3_column_int64(l, L_NET), ex);
  jamount(w, "tax", sqlite3_column_int64(l, L_TAX), ex);
  jtext(w, "purpose", opt_text(l, L_PURPOSE));
  jtext(w, "status", opt_text(l, L_STATUS));
  jtext(w, "treatment", opt_text(l, L_TREATMENT));
  /* The host's rate as a percentage with two decimals ("19.00"), null
   * when it sent none; its tax code, null when none. */
  if (sqlite3_column_type(l, L_TAX_RATE) == SQLITE_NULL) {
    jw_key(w, "tax_rate");
    jw_raw(w, "null");
  } else {
    jamount(w, "tax_rate", sqlite3_column_int64(l, L_TAX_RATE), 2);
  }
  jtext(w, "tax_code", opt_text(l, L_TAX_CODE));
  jw_key(w, "gift");
  if (strcmp(report_col_text(l, L_PURPOSE), "gift") == 0) {
    jw_object(w);
    jw_kbool(w, "receipt", sqlite3_column_int(l, L_GIFT_RECEIPT));
    jtext(w, "message", opt_text(l, L_GIFT_MESSAGE));
    jtext(w, "recipient_name", opt_text(l, L_RECIPIENT));
    jtext(w, "recipient_contact", opt_text(l, L_RECIPIENT_CONTACT));
    jw_end_object(w);
  } else {
    jw_raw(w, "null");
  }
  jw_end_object(w);
}

/* Returns 0, -1 with err (write error), or -2 for a database error. */
static int jsonl_sale(jsonw *w, sqlite3_stmt *s, sqlite3_stmt *l, const report_out *out,
                      pi_error *err) {
  int ex = report_exponent(out, report_col_text(s, S_CURRENCY));
  const char *sale_id = report_col_text(s, S_SALE);
  jw_reset(w);
  jw_object(w);
  jtext(w, "record", "sale");
  jtext(w, "store", opt_text(s, S_STORE));
  jtext(w, "terminal", opt_text(s, S_TERMINAL));
  jtext(w, "sale", opt_text(s, S_SALE));
  jtext(w, "cashier", opt_text(s, S_CASHIER));
  jtext(w, "began_at", opt_text(s, S_BEGAN));
  jtext(w, "day", opt_text(s, S_DAY));
  jtext(w, "completed_at", opt_text(s, S_COMPLETED));
  jtext(w, "status", opt_text(s, S_STATUS));
  jw_key(w, "voided");
  if (sqlite3_column_type(s, S_VOID_AT) != SQLITE_NULL) {
    jw_object(w);
    jtext(w, "at", opt_text(s, S_VOID_AT));
    jtext(w, "reason", opt_text(s, S_VOID_REASON));
    jw_end_object(w);
  } else {
    jw_raw(w, "null");
  }
  jtext(w, "currency", opt_text(s, S_CURRENCY));
  jtext(w, "purpose", opt_text(s, S_PURPOSE));
  jamount(w, "net", sqlite3_column_int64(s, S_NET), ex);
  jamount(w, "tax", sqlite3_column_int64(s, S_TAX), ex);
  jamount(w, "total", sqlite3_column_int64(s, S_TOTAL), ex);
  jw_key(w, "customer");
  if (sqlite3_column_type(s, S_CUST_ID) != SQLITE_NULL ||
      sqlite3_column_type(s, S_CUST_NAME) != SQLITE_NULL) {
    jw_object(w);
    jtext(w, "id", opt_text(s, S_CUST_ID));
    jtext(w, "name", opt_text(s, S_CUST_NAME));
    jw_kbool(w, "org", sqlite3_column_int(s, S_CUST_ORG));
    jw_end_object(w);
  } else {
    jw_raw(w, "null");
  }
  jreseller(w, s);
  jtext(w, "treatment", opt_text(s, S_TREATMENT));
  jw_key(w, "gift");
  jw_object(w);
  jw_kbool(w, "receipt", sqlite3_column_int(s, S_GIFT_RECEIPT));
  jtext(w, "message", opt_text(s, S_GIFT_MESSAGE));
  jtext(w, "recipient_name", opt_text(s, S_RECIPIENT));
  jtext(w, "recipient_contact", opt_text(s, S_RECIPIENT_CONTACT));
  jw_end_object(w);
  jjson(w, "tenders", s, S_TENDERS, out, sale_id);
  jjson(w, "meta", s, S_META, out, sale_id);
  jjson(w, "evidence", s, S_EVIDENCE, out, sale_id);
  jw_key(w, "lines");
  jw_array(w);
  int rc;
  while ((rc = sqlite3_step(l)) == SQLITE_ROW) jsonl_line(w, l, ex);
  jw_end_array(w);
  jw_end_object(w);
  if (rc != SQLITE_DONE) return -2;
  if (jw_fail(w, err, "")) return -1;
  if (fwrite(w->buf, 1, w->len, out->file) != w->len || fputc('\n', out->file) == EOF)
    return pi_fail(err, PI_E_IO, "output", "cannot write the export");
  return 0;
}

/* One return as a JSON line: "record":"return", the original sale's
 * store, terminal, sale and day, the return's own members and its lines
 * (as a sale's, with what came back: positive amounts, as the sale.return
 * reply gives them).  Returns 0, -1 with err, or -2 for a database
 * error. */
static int jsonl_return(jsonw *w, sqlite3_stmt *s, sqlite3_stmt *l, const report_out *out,
                        pi_error *err) {
  int ex = report_exponent(out, report_col_text(s, S_CURRENCY));
  const char *sale_id = report_col_text(s, S_SALE);
  jw_reset(w);
  jw_object(w);
  jtext(w, "record", "return");
  jtext(w, "store", opt_text(s, S_STORE));
  jtext(w, "terminal", opt_text(s, S_TERMINAL));
  jtext(w, "sale", opt_text(s, S_SALE));
  jtext(w, "sale_day", opt_text(s, S_DAY));
  jtext(w, "return", opt_text(s, R_RET));
  jtext(w, "at", opt_text(s, R_AT));
  jtext(w, "day", opt_text(s, R_DAY));
  jtext(w, "recorded_at", opt_text(s, R_RECORDED));
  jtext(w, "reason", opt_text(s, R_REASON));
  jtext(w, "reason_text", opt_text(s, R_REASON_TEXT));
  jtext(w, "currency", opt_text(s, S_CURRENCY));
  jamount(w, "net", sqlite3_column_int64(s, R_NET), ex);
  jamount(w, "tax", sqlite3_column_int64(s, R_TAX), ex);
  jamount(w, "total", sqlite3_column_int64(s, R_TOTAL), ex);
  jreseller(w, s);
  jjson(w, "refund", s, R_REFUND, out, sale_id);
  jw_key(w, "lines");
  jw_array(w);
  int rc;
  while ((rc = sqlite3_step(l)) == SQLITE_ROW) jsonl_line(w, l, ex);
  jw_end_array(w);
  jw_end_object(w);
  if (rc != SQLITE_DONE) return -2;
  if (jw_fail(w, err, "")) return -1;
  if (fwrite(w->buf, 1, w->len, out->file) != w->len || fputc('\n', out->file) == EOF)
    return pi_fail(err, PI_E_IO, "output", "cannot write the export");
  return 0;
}

/* ---- CSV ------------------------------------------------------------------ */

static const char *const csv_columns[] = {
    "store", "terminal", "sale", "cashier", "began_at", "day", "completed_at",
    "status", "voided_at", "void_reason", "currency", "sale_purpose",
    "sale_net", "sale_tax", "sale_total", "customer_id", "customer_name",
    "customer_org", "reseller_kind", "reseller_id", "reseller_country",
    "reseller_valid", "reseller_reason", "treatment", "gift_receipt",
    "gift_message", "recipient_name", "recipient_contact", "tenders", "meta",
    "evidence",
    /* the line */
    "seq", "line", "sku", "item", "qty", "unit_price", "net", "tax",
    "purpose", "buyer_status", "line_treatment", "line_gift_receipt",
    "line_gift_message", "line_recipient_name", "line_recipient_contact",
    "line_tax_rate", "line_tax_code",
    /* the record: "sale", or "return" with the return's own columns */
    "record", "return", "return_at", "return_day", "return_reason",
    "return_reason_text", "refund"};
#define CSV_NCOLS (sizeof csv_columns / sizeof csv_columns[0])
#define CSV_SALE_COLS 31
#define CSV_LINE_END 48 /* the line's columns are [CSV_SALE_COLS, CSV_LINE_END) */
_Static_assert(CSV_NCOLS == CSV_LINE_END + 7, "csv_columns: sale, line, record");

static cell text_or_null(sqlite3_stmt *q, int i) { return cell_text(opt_text(q, i)); }

/* An identifier (store, sale, line, VAT number): kept text in a
 * spreadsheet dialect (csvout.h). */
static cell id_or_null(sqlite3_stmt *q, int i) { return cell_id(opt_text(q, i)); }

/* The rows of one sale (ret 0) or of one return (ret 1: s from
 * returns_sql, l from return_lines_sql).  A return's rows carry its
 * original sale's columns and line's, with the quantity, net and tax
 * returned negated, so that a column's sum over a range is what the range
 * kept; record, return, return_at, return_day, return_reason,
 * return_reason_text and refund say which return.  Returns 0, -1 with
 * err, or -2 for a database error. */
static int csv_record(emitter *e, sqlite3_stmt *s, sqlite3_stmt *l, int ret,
                      const report_out *out, pi_error *err) {
  cell c[CSV_NCOLS];
  int ex = report_exponent(out, report_col_text(s, S_CURRENCY));
  const char *sale_id = report_col_text(s, S_SALE);
  static const int text_cols[] = {S_STORE,   S_TERMINAL, S_SALE,     S_CASHIER,
                                  S_BEGAN,   S_DAY,      S_COMPLETED, S_STATUS,
                                  S_VOID_AT, S_VOID_REASON, S_CURRENCY,
                                  S_PURPOSE};
  size_t k = 0;
  for (size_t i = 0; i < sizeof text_cols / sizeof text_cols[0]; i++)
    c[k++] = text_cols[i] == S_STORE || text_cols[i] == S_TERMINAL || text_cols[i] == S_SALE
                 ? id_or_null(s, text_cols[i])
                 : text_or_null(s, text_cols[i]);
  c[k++] = cell_amount(sqlite3_column_int64(s, S_NET), ex);
  c[k++] = cell_amount(sqlite3_column_int64(s, S_TAX), ex);
  c[k++] = cell_amount(sqlite3_column_int64(s, S_TOTAL), ex);
  c[k++] = id_or_null(s, S_CUST_ID);
  c[k++] = text_or_null(s, S_CUST_NAME);
  c[k++] = cell_bool(sqlite3_column_int(s, S_CUST_ORG));
  c[k++] = text_or_null(s, S_RS_KIND);
  c[k++] = id_or_null(s, S_RS_ID);
  c[k++] = text_or_null(s, S_RS_COUNTRY);
  c[k++] = sqlite3_column_type(s, S_RS_VALID) == SQLITE_NULL
               ? cell_null()
               : cell_bool(sqlite3_column_int(s, S_RS_VALID));
  c[k++] = text_or_null(s, S_RS_REASON);
  c[k++] = text_or_null(s, S_TREATMENT);
  c[k++] = cell_bool(sqlite3_column_int(s, S_GIFT_RECEIPT));
  c[k++] = text_or_null(s, S_GIFT_MESSAGE);
  c[k++] = text_or_null(s, S_RECIPIENT);
  c[k++] = text_or_null(s, S_RECIPIENT_CONTACT);
  char *json[3] = {NULL, NULL, NULL};
  static const int json_cols[] = {S_TENDERS, S_META, S_EVIDENCE};
  for (int i = 0; i < 3; i++) {
    int bad;
    json[i] = json_column(s, json_cols[i], &bad);
    if (bad) {
      report_warn(out, "sale %s: %s is not valid JSON; exported as text", sale_id,
                  csv_columns[k]);
      c[k++] = text_or_null(s, json_cols[i]);
    } else {
      c[k++] = (cell){json[i] ? CELL_JSON : CELL_NULL, json[i], 0, 0};
    }
  }
  char *refund = NULL;
  k = CSV_LINE_END;
  c[k++] = cell_text(ret ? "return" : "sale");
  if (ret) {
    static const int ret_cols[] = {R_RET, R_AT, R_DAY, R_REASON, R_REASON_TEXT};
    for (size_t i = 0; i < sizeof ret_cols / sizeof ret_cols[0]; i++)
      c[k++] = ret_cols[i] == R_RET ? id_or_null(s, R_RET) : text_or_null(s, ret_cols[i]);
    int bad;
    refund = json_column(s, R_REFUND, &bad);
    if (bad) {
      report_warn(out, "sale %s: refund is not valid JSON; exported as text", sale_id);
      c[k++] = text_or_null(s, R_REFUND);
    } else {
      c[k++] = (cell){refund ? CELL_JSON : CELL_NULL, refund, 0, 0};
    }
  } else {
    while (k < CSV_NCOLS) c[k++] = cell_null();
  }
  /* A return's amounts are credits: negated (never INT64_MIN: the parser
   * bounds every amount by MONEY_MAX). */
  int64_t sign = ret ? -1 : 1;
  int rc, n = 0, fail = 0;
  char qty[32];
  while (!fail && (rc = sqlite3_step(l)) == SQLITE_ROW) {
    n++;
    k = CSV_SALE_COLS;
    c[k++] = cell_int(sqlite3_column_int64(l, L_SEQ));
    c[k++] = id_or_null(l, L_LINE);
    c[k++] = id_or_null(l, L_SKU);
    c[k++] = text_or_null(l, L_NAME);
    c[k++] = qty_format(sign * sqlite3_column_int64(l, L_QTY), qty, sizeof qty) >= 0
                 ? (cell){CELL_NUMBER, qty, 0, 0}
                 : cell_null();
    c[k++] = cell_amount(sqlite3_column_int64(l, L_UNIT), ex);
    c[k++] = cell_amount(sign * sqlite3_column_int64(l, L_NET), ex);
    c[k++] = cell_amount(sign * sqlite3_column_int64(l, L_TAX), ex);
    c[k++] = text_or_null(l, L_PURPOSE);
    c[k++] = text_or_null(l, L_STATUS);
    c[k++] = text_or_null(l, L_TREATMENT);
    c[k++] = cell_bool(sqlite3_column_int(l, L_GIFT_RECEIPT));
    c[k++] = text_or_null(l, L_GIFT_MESSAGE);
    c[k++] = text_or_null(l, L_RECIPIENT);
    c[k++] = text_or_null(l, L_RECIPIENT_CONTACT);
    c[k++] = sqlite3_column_type(l, L_TAX_RATE) == SQLITE_NULL
                 ? cell_null()
                 : cell_amount(sqlite3_column_int64(l, L_TAX_RATE), 2);
    c[k++] = id_or_null(l, L_TAX_CODE);
    if (emit_row(e, c, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = 2;
  /* A sale without lines still gets its row, with the line columns empty. */
  if (!fail && n == 0) {
    for (k = CSV_SALE_COLS; k < CSV_LINE_END; k++) c[k] = cell_null();
    if (emit_row(e, c, err)) fail = 1;
  }
  for (int i = 0; i < 3; i++) cJSON_free(json[i]);
  cJSON_free(refund);
  return fail == 2 ? -2 : fail ? -1 : 0;
}

/* Step through `s` (sales_sql or returns_sql, bound), writing each sale
 * or return (ret) with its lines from `l`.  *count counts them.  Returns
 * 0 or -1 with err. */
static int export_records(sqlite3 *db, sqlite3_stmt *s, sqlite3_stmt *l, int ret,
                          emitter *e, jsonw *w, const report_out *plain, size_t *count,
                          pi_error *err) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    sqlite3_reset(l);
    sqlite3_bind_int64(l, 1, sqlite3_column_int64(s, ret ? R_ID : S_ID));
    if (ret) sqlite3_bind_int64(l, 2, sqlite3_column_int64(s, S_ID));
    int r = plain->format == SINK_CSV ? csv_record(e, s, l, ret, plain, err)
            : ret                     ? jsonl_return(w, s, l, plain, err)
                                      : jsonl_sale(w, s, l, plain, err);
    if (r == -2) return report_db_fail(db, err, ret ? "reading return lines" : "reading lines");
    if (r) return -1;
    (*count)++;
  }
  if (rc != SQLITE_DONE) return report_db_fail(db, err, ret ? "reading returns" : "reading sales");
  return 0;
}

int report_export(store *st, const report_query *q, const report_out *out,
                  pi_error *err) {
  if (report_query_check(q, err)) return -1;
  if (out->format != SINK_JSONL && out->format != SINK_CSV)
    return pi_fail(err, PI_E_USAGE, "--format", "export writes jsonl or csv");
  sqlite3 *db = store_db(st);
  if (report_begin_read(db, err)) return -1;
  sqlite3_stmt *s = NULL, *l = NULL, *r = NULL, *rl = NULL;
  if (report_prepare(db, sales_sql, &s, err) || report_prepare(db, lines_sql, &l, err) ||
      report_prepare(db, returns_sql, &r, err) ||
      report_prepare(db, return_lines_sql, &rl, err)) {
    sqlite3_finalize(r);
    sqlite3_finalize(l);
    sqlite3_finalize(s);
    report_end_read(db);
    return -1;
  }
  report_bind_range(s, report_from(q), report_to(q), q->store_id);
  report_bind_range(r, report_from(q), report_to(q), q->store_id);
  report_out plain = *out;
  plain.hooks = NULL;
  emitter e;
  jsonw w;
  memset(&w, 0, sizeof w);
  size_t records = 0;
  report_progress prog;
  int fail = 0;
  if (out->format == SINK_CSV) {
    fail = emit_begin(&e, db, &plain, csv_columns, CSV_NCOLS, err) != 0;
  } else {
    memset(&e, 0, sizeof e);
    report_progress_start(&prog, db, out, &records);
  }
  if (!fail) fail = export_records(db, s, l, 0, &e, &w, &plain, &records, err) != 0;
  if (!fail) fail = export_records(db, r, rl, 1, &e, &w, &plain, &records, err) != 0;
  if (out->format == SINK_CSV) {
    if (!fail && emit_end(&e, err)) fail = 1;
    emit_free(&e);
  } else {
    report_progress_stop(&prog, db);
    if (!fail && (fflush(out->file) != 0 || ferror(out->file)))
      fail = pi_fail(err, PI_E_IO, "output", "cannot write the export") != 0;
  }
  jw_free(&w);
  sqlite3_finalize(rl);
  sqlite3_finalize(r);
  sqlite3_finalize(l);
  sqlite3_finalize(s);
  report_end_read(db);
  return fail ? -1 : 0;
}
