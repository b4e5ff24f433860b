/* SPDX-License-Identifier: MIT */
/* store_find.c - looking a recorded sale up by its ids, and saying where
 * it is recorded.  Contracts in store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"
#include "base/money.h"

void store_sale_free(store_sale *r) {
  if (r == NULL) return;
  free(r->tenders);
  free(r->reply);
  r->tenders = r->reply = NULL;
}

/* Copy a text column, NULL staying NULL; -1 when out of memory. */
static int dup_col(sqlite3_stmt *q, int i, char **out) {
  const char *t = (const char *)sqlite3_column_text(q, i);
  *out = t ? strdup(t) : NULL;
  return t && *out == NULL ? -1 : 0;
}

/* Fills *r from the row, its owned strings (tenders, reply) left NULL. */
static void read_found(sqlite3_stmt *q, store_sale *r) {
  memset(r, 0, sizeof *r);
  r->rowid = sqlite3_column_int64(q, 0);
  snprintf(r->store, sizeof r->store, "%s", (const char *)sqlite3_column_text(q, 1));
  snprintf(r->terminal, sizeof r->terminal, "%s", (const char *)sqlite3_column_text(q, 2));
  snprintf(r->sale, sizeof r->sale, "%s", (const char *)sqlite3_column_text(q, 3));
  snprintf(r->currency, sizeof r->currency, "%s", (const char *)sqlite3_column_text(q, 4));
  const char *at = (const char *)sqlite3_column_text(q, 5);
  snprintf(r->completed_at, sizeof r->completed_at, "%s", at ? at : "");
  r->total = sqlite3_column_int64(q, 6);
  r->completed = strcmp((const char *)sqlite3_column_text(q, 7), "completed") == 0;
  r->voided = !r->completed || sqlite3_column_int(q, 8) != 0;
  const char *attempt = (const char *)sqlite3_column_text(q, 11);
  snprintf(r->attempt, sizeof r->attempt, "%s", attempt ? attempt : "");
}

void store_sale_describe(const store_sale *r, char *buf, size_t cap) {
  char amount[48];
  int exp = money_exponent(r->currency);
  if (money_format(r->total, exp < 0 ? 0 : exp, amount, sizeof amount) < 0)
    snprintf(amount, sizeof amount, "%lld", (long long)r->total);
  if (r->completed)
    snprintf(buf, cap, "store %s, terminal %s: completed at %s, total %s %s%s", r->store,
             r->terminal, r->completed_at, amount, r->currency,
             r->voided ? ", voided since" : "");
  else
    snprintf(buf, cap, "store %s, terminal %s: voided before completion", r->store,
             r->terminal);
}

store_lookup store_find(store *st, const char *store_id, const char *terminal,
               const char *sale_id, store_sale *out, pi_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *q = store_id ? st->find_store : st->find_any;
  if (store_id) sqlite3_bind_text(q, 1, store_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, sale_id, -1, SQLITE_STATIC);
  if (terminal) sqlite3_bind_text(q, 3, terminal, -1, SQLITE_STATIC);
  int rc, n = 0, stores_differ = 0;
  char where[FIND_LIMIT][2 * SALE_ID_MAX + 32];
  store_sale first;
  memset(&first, 0, sizeof first);
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    store_sale r;
    read_found(q, &r);
    if (n == 0) {
      first = r;
      if (dup_col(q, 9, &first.tenders) || dup_col(q, 10, &first.reply)) {
        rc = SQLITE_NOMEM;
        n++;
        break;
      }
    } else {
      stores_differ |= strcmp(r.store, first.store) != 0;
    }
    snprintf(where[n], sizeof where[n], "store %s, terminal %s", r.store, r.terminal);
    n++;
  }
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
  if (rc == SQLITE_NOMEM) {
    store_sale_free(&first);
    pi_fail(err, PI_E_NOMEM, "", "out of memory");
    return STORE_LOOKUP_FAILED;
  }
  if (rc != SQLITE_DONE) {
    store_sale_free(&first);
    store_db_fail(st, err, "looking up the sale");
    return STORE_LOOKUP_FAILED;
  }
  if (n == 0) return STORE_NOT_FOUND;
  if (n > 1) {
    store_sale_free(&first);
    char list[FIND_LIMIT * (2 * SALE_ID_MAX + 34)] = "";
    size_t used = 0;
    for (int i = 0; i < n && i < FIND_LIMIT - 1; i++)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? "; " : "",
                               where[i]);
    pi_fail(err, PI_E_AMBIGUOUS_SALE, stores_differ ? "store" : "terminal",
                   "sale %s is recorded %s times (%s%s); name the %s in the event",
                   sale_id, n >= FIND_LIMIT ? "several" : n == 2 ? "two" : "three",
                   list, n >= FIND_LIMIT ? "; ..." : "",
                   stores_differ ? "store and terminal" : "terminal");
    return STORE_LOOKUP_FAILED;
  }
  *out = first;
  return STORE_FOUND;
}

/* The recorded sale as on_return hooks see it (docs/hooks.md): JSON built
 * by SQLite's JSON functions, NULL columns as null (nil in Lua), booleans
 * as true/false, quantities in pieces (1.5), amounts in minor units.
 * `returned` is what returns recorded so far took of each line; inside
 * store_record_return's transaction that is what this return's pricing
 * saw. */
static const char sale_json_sql[] =
    "SELECT json_object('id', s.sale, 'store', s.store, 'terminal', s.terminal,"
    " 'cashier', NULLIF(s.cashier, ''), 'at', s.began_at, 'day', s.day,"
    " 'completed_at', s.completed_at, 'currency', s.currency, 'purpose', s.purpose,"
    " 'net', s.net, 'tax', s.tax, 'total', s.total, 'treatment', s.treatment,"
    " 'customer', CASE WHEN s.customer_id IS NULL AND s.customer_name IS NULL THEN NULL"
    "  ELSE json_object('id', s.customer_id, 'name', s.customer_name,"
    "  'org', json(CASE WHEN s.customer_org THEN 'true' ELSE 'false' END)) END,"
    " 'reseller', CASE WHEN s.reseller_reason IS NULL THEN NULL"
    "  ELSE json_object('kind', s.reseller_kind, 'id', s.reseller_id,"
    "  'country', s.reseller_country,"
    "  'valid', json(CASE WHEN s.reseller_valid THEN 'true' ELSE 'false' END),"
    "  'reason', NULLIF(s.reseller_reason, '')) END,"
    " 'lines', (SELECT json_group_array(json_object('line', l.line, 'sku', l.sku,"
    "   'name', l.name, 'qty', l.qty_milli / 1000.0, 'unit_price', l.unit_price,"
    "   'net', l.net, 'tax', l.tax, 'purpose', l.purpose, 'status', l.status,"
    "   'treatment', l.treatment,"
    "   'returned', (SELECT COALESCE(sum(rl.qty_milli), 0) FROM returns x"
    "    JOIN return_lines rl ON rl.return_id = x.id"
    "    WHERE x.sale_id = l.sale_id AND rl.line_seq = l.seq) / 1000.0,"
    "   'gift', CASE WHEN l.purpose = 'gift' THEN json_object("
    "    'recipient_name', l.recipient_name, 'recipient_contact', l.recipient_contact,"
    "    'message', l.gift_message,"
    "    'gift_receipt', json(CASE WHEN l.gift_receipt THEN 'true' ELSE 'false' END))"
    "    END))"
    "  FROM (SELECT * FROM lines WHERE sale_id = s.id ORDER BY seq) l))"
    " FROM sales s WHERE s.store = ?1 AND s.terminal = ?2 AND s.sale = ?3";

int store_sale_json(store *st, const char *store_id, const char *terminal,
                    const char *sale_id, char **json, pi_error *err) {
  *json = NULL;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db, sale_json_sql, -1, &q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "preparing a statement");
  sqlite3_bind_text(q, 1, store_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, terminal, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, sale_id, -1, SQLITE_STATIC);
  int step = sqlite3_step(q), rc = 0;
  if (step == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(q, 0);
    *json = t ? strdup(t) : NULL;
    if (*json == NULL) rc = pi_fail(err, PI_E_NOMEM, "", "out of memory");
  } else if (step == SQLITE_DONE) {
    rc = pi_fail(err, PI_E_UNKNOWN_SALE, "sale",
                 "sale %s is not recorded in store %s, terminal %s", sale_id, store_id,
                 terminal);
  } else {
    rc = store_db_fail(st, err, "reading the recorded sale");
  }
  sqlite3_finalize(q);
  return rc;
}
