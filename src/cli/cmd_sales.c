/* SPDX-License-Identifier: MIT */
/* cmd_sales.c - `posintent sales list` and `posintent sale show`. */
#include <stdio.h>
#include <string.h>

#include "cli/cliutil.h"
#include "cli/commands.h"
#include "report/csvout.h"
#include "base/money.h"
#include "domain/sale.h"

/* Where a usage error points. */
#define SALES_HINT "posintent help sales"
#define SALE_HINT "posintent help sale"

static const char sales_help[] =
    "NAME\n"
    "    posintent sales list - list recorded sales\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] sales list [--from DATE] [--to DATE]\n"
    "              [--purpose own_use|gift|resale] [--format table|json|csv]\n"
    "\n"
    "DESCRIPTION\n"
    "    One row per recorded sale, oldest first: its business day, store,\n"
    "    terminal, sale id, status (completed, voided), purpose, customer,\n"
    "    reseller identifier and verdict, line count and amounts in major\n"
    "    units of its currency.  --purpose keeps the sales with at least one\n"
    "    line of that purpose (a mixed basket counts for each).  Reads the\n"
    "    database read-only: safe while the till is recording.\n"
    "\n"
    "OPTIONS\n"
    "    --from DATE   first business day (YYYY-MM-DD), inclusive\n"
    "    --to DATE     last business day, inclusive\n"
    "    --purpose P   own_use, gift or resale\n"
    "    --format F    table (default), json or csv\n"
    "\n"
    "EXIT STATUS\n"
    "    0 listed (possibly nothing); 2 usage error; 3 database error.\n"
    "\n"
    "EXAMPLES\n"
    "    posintent --db shop.db sales list --from 2026-11-01 --purpose resale\n";

static const char sale_help[] =
    "NAME\n"
    "    posintent sale show - show one recorded sale line by line\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent [--db PATH] sale show STORE TERMINAL SALE\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints what was recorded for the sale: its header (times, customer,\n"
    "    gift details, tax treatment, script meta), then each line with its\n"
    "    purpose and buyer status, then the reseller evidence with verdicts.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 shown; 1 no such sale; 2 usage error; 3 database error.\n";

/* Column text of a row, "" for NULL. */
static const char *col(sqlite3_stmt *q, int i) {
  const unsigned char *t = sqlite3_column_text(q, i);
  return t ? (const char *)t : "";
}

static cell text_or_null(sqlite3_stmt *q, int i) {
  return sqlite3_column_type(q, i) == SQLITE_NULL ? cell_null() : cell_text(col(q, i));
}

static int list(const cli_globals *g, int argc, char **argv) {
  const char *from = "0000-01-01", *to = "9999-12-31", *purp = NULL, *fmt = "table";
  const cliargs_opt opts[] = {{"--from", &from},     {"--to", &to},
                              {"--purpose", &purp}, {"--format", &fmt},
                              {NULL, NULL}};
  cliargs a;
  cli_args(&a, "sales list", SALES_HINT, argc, argv, 1);
  for (; cliargs_cur(&a); a.i++) {
    int f = cliargs_take(&a, opts);
    if (f == 0) return cliargs_unknown(&a);
    if (f < 0) return EXIT_USAGE;
  }
  purpose p;
  sink_format sf;
  if ((strcmp(from, "0000-01-01") && cli_check_date(SALES_HINT, "--from", from)) ||
      (strcmp(to, "9999-12-31") && cli_check_date(SALES_HINT, "--to", to)))
    return EXIT_USAGE;
  if (strcmp(from, to) > 0)
    return cliargs_usage(&a, "--from %s is after --to %s", from, to);
  if (purp && purpose_parse(purp, &p))
    return cliargs_usage(&a, "--purpose must be own_use, gift or resale, not \"%s\"", purp);
  if (sink_format_parse(fmt, &sf) || sf == SINK_JSONL)
    return cliargs_usage(&a, "--format must be table, json or csv, not \"%s\"", fmt);
  store *st;
  int rc = cli_open_store(g, &st);
  if (rc) return rc;
  sqlite3_stmt *q = NULL;
  const char *sql =
      "SELECT s.day, s.store, s.terminal, s.sale,"
      " CASE WHEN EXISTS(SELECT 1 FROM voids v WHERE v.sale_id=s.id) THEN 'voided'"
      " ELSE s.status END, s.purpose, s.customer_name, s.reseller_id,"
      " s.reseller_valid, (SELECT count(*) FROM lines l WHERE l.sale_id=s.id),"
      " s.currency, s.net, s.tax, s.total, s.treatment"
      " FROM sales s WHERE s.day BETWEEN ?1 AND ?2"
      " AND (?3 IS NULL OR EXISTS(SELECT 1 FROM lines l WHERE l.sale_id=s.id"
      "      AND l.purpose=?3))"
      " ORDER BY s.day, s.began_at, s.id";
  pi_error err;
  pi_error_clear(&err);
  sink *out = NULL;
  static const char *const cols[] = {"day",     "store",    "terminal", "sale",
                                     "status",  "purpose",  "customer", "reseller_id",
                                     "reseller_valid", "lines", "currency", "net",
                                     "tax",     "total",    "treatment"};
  rc = EXIT_RUNTIME;
  if (sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL) != SQLITE_OK) {
    cli_error("%s", sqlite3_errmsg(store_db(st)));
    goto done;
  }
  sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, to, -1, SQLITE_STATIC);
  if (purp)
    sqlite3_bind_text(q, 3, purp, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(q, 3);
  if (sink_open(stdout, sf, &out, &err) ||
      sink_columns(out, cols, sizeof cols / sizeof cols[0], &err))
    goto sink_failed;
  int step;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    int e = money_exponent(col(q, 10));
    if (e < 0) e = 2;
    cell c[15] = {cell_text(col(q, 0)),  cell_text(col(q, 1)),  cell_text(col(q, 2)),
                  cell_text(col(q, 3)),  cell_text(col(q, 4)),  cell_text(col(q, 5)),
                  text_or_null(q, 6),    text_or_null(q, 7),
                  sqlite3_column_type(q, 8) == SQLITE_NULL
                      ? cell_null()
                      : cell_bool(sqlite3_column_int(q, 8)),
                  cell_int(sqlite3_column_int64(q, 9)), cell_text(col(q, 10)),
                  cell_amount(sqlite3_column_int64(q, 11), e),
                  cell_amount(sqlite3_column_int64(q, 12), e),
                  cell_amount(sqlite3_column_int64(q, 13), e), cell_text(col(q, 14))};
    if (sink_row(out, c, 15, &err)) goto sink_failed;
  }
  if (step != SQLITE_DONE) {
    cli_error("%s", sqlite3_errmsg(store_db(st)));
    goto done;
  }
  if (sink_finish(out, &err)) goto sink_failed;
  rc = 0;
  goto done;
sink_failed:
  cli_error("%s", err.message);
done:
  sink_free(out);
  sqlite3_finalize(q);
  store_close(st);
  return rc;
}

int cmd_sales(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv) || (argc >= 2 && strcmp(argv[1], "help") == 0)) {
    fputs(sales_help, stdout);
    return 0;
  }
  if (argc < 2) return cli_usage(SALES_HINT, "sales: which subcommand? list");
  if (strcmp(argv[1], "list") == 0) return list(g, argc - 1, argv + 1);
  return cli_usage(SALES_HINT, "sales: unknown subcommand '%s' (list)", argv[1]);
}

/* 1 for the columns that hold minor units of the sale's currency. */
static int is_amount(const char *col) {
  static const char *const amounts[] = {"net", "tax", "total", "unit_price", NULL};
  for (int i = 0; amounts[i]; i++)
    if (strcmp(col, amounts[i]) == 0) return 1;
  return 0;
}

/* Print one query's rows as blocks of "  column  value" (NULLs left out);
 * amounts in major units of the currency (exponent `e`). */
static int show_rows(sqlite3 *db, const char *title, const char *sql,
                     sqlite3_int64 id, int e, pi_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
    return pi_fail(err, PI_E_STORAGE, "", "%s", sqlite3_errmsg(db));
  sqlite3_bind_int64(q, 1, id);
  int n = sqlite3_column_count(q), step, rows = 0;
  if (title) printf("\n%s\n", title);
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    rows++;
    for (int i = 0; i < n; i++) {
      const char *name = sqlite3_column_name(q, i);
      char amount[32];
      if (sqlite3_column_type(q, i) == SQLITE_NULL) continue;
      if (sqlite3_column_type(q, i) == SQLITE_INTEGER && is_amount(name) &&
          money_format(sqlite3_column_int64(q, i), e, amount, sizeof amount) > 0)
        printf("  %-18s %s\n", name, amount);
      else
        printf("  %-18s %s\n", name, col(q, i));
    }
    if (title) printf("\n");
  }
  sqlite3_finalize(q);
  if (step != SQLITE_DONE) return pi_fail(err, PI_E_STORAGE, "", "%s", sqlite3_errmsg(db));
  if (title && rows == 0) printf("  (none)\n");
  return 0;
}

static int show(const cli_globals *g, int argc, char **argv) {
  if (argc != 4)
    return cli_usage(SALE_HINT, "sale show: needs STORE TERMINAL SALE, %d given", argc - 1);
  store *st;
  int rc = cli_open_store(g, &st);
  if (rc) return rc;
  sqlite3 *db = store_db(st);
  sqlite3_stmt *q;
  sqlite3_int64 id = 0;
  int e = 2;
  if (sqlite3_prepare_v2(db, "SELECT id, currency FROM sales WHERE store=?1 AND "
                             "terminal=?2 AND sale=?3",
                         -1, &q, NULL) != SQLITE_OK) {
    cli_error("%s", sqlite3_errmsg(db));
    store_close(st);
    return EXIT_RUNTIME;
  }
  for (int i = 1; i <= 3; i++) sqlite3_bind_text(q, i, argv[i], -1, SQLITE_STATIC);
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    id = sqlite3_column_int64(q, 0);
    e = money_exponent(col(q, 1));
    if (e < 0) e = 2;
  }
  sqlite3_finalize(q);
  if (step != SQLITE_ROW) {
    if (step == SQLITE_DONE)
      cli_error("no sale %s on terminal %s of store %s", argv[3], argv[2], argv[1]);
    else
      cli_error("%s", sqlite3_errmsg(db));
    store_close(st);
    return step == SQLITE_DONE ? 1 : EXIT_RUNTIME;
  }
  pi_error err;
  pi_error_clear(&err);
  printf("Sale %s (terminal %s, store %s)\n", argv[3], argv[2], argv[1]);
  int bad =
      show_rows(db, NULL,
                "SELECT began_at, day, completed_at, cashier,"
                " CASE WHEN EXISTS(SELECT 1 FROM voids v WHERE v.sale_id=sales.id)"
                " THEN 'voided' ELSE status END AS status,"
                " (SELECT reason FROM voids v WHERE v.sale_id=sales.id) AS void_reason,"
                " currency, purpose, net, tax, total, customer_id, customer_name,"
                " customer_org, reseller_kind, reseller_id, reseller_valid,"
                " reseller_reason, treatment, gift_receipt, gift_message,"
                " recipient_name, recipient_contact, tenders, meta"
                " FROM sales WHERE id=?1",
                id, e, &err) ||
      show_rows(db, "Lines",
                "SELECT seq, line, sku, name, qty_milli/1000.0 AS qty, unit_price, net,"
                " tax, purpose, status, treatment, recipient_name, gift_message,"
                " gift_receipt FROM lines WHERE sale_id=?1 ORDER BY seq",
                id, e, &err) ||
      show_rows(db, "Evidence",
                "SELECT kind, input, state, expires, compact, country, valid, reason,"
                " chosen FROM evidence WHERE sale_id=?1 ORDER BY id",
                id, e, &err);
  if (bad) cli_error("%s", err.message);
  store_close(st);
  return bad ? EXIT_RUNTIME : 0;
}

int cmd_sale(const cli_globals *g, int argc, char **argv) {
  if (cli_wants_help(argc, argv) || (argc >= 2 && strcmp(argv[1], "help") == 0)) {
    fputs(sale_help, stdout);
    return 0;
  }
  if (argc < 2) return cli_usage(SALE_HINT, "sale: which subcommand? show");
  if (strcmp(argv[1], "show") == 0) return show(g, argc - 1, argv + 1);
  return cli_usage(SALE_HINT, "sale: unknown subcommand '%s' (show)", argv[1]);
}
