/* SPDX-License-Identifier: MIT */
/* test_check.c - the consistency checks (src/report/check.h, issue 18
 * point 2) and what the EC Sales List does with what they find: each rule
 * on sales fed through the engine, the finding naming its sale or line,
 * and HMRC's empty and zero-value cases.
 *
 * Amounts are worked out by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/calendar.h"
#include "report/check.h"
#include "report/report.h"
#include "store/store.h"
#include "testutil.h"

typedef struct fixture {
  char dir[512];
  char db[600];
  engine *e;
} fixture;

static fixture fx;

static int open_with(void **state, const char *extra) {
  memset(&fx, 0, sizeof fx);
  tu_tempdir(fx.dir, sizeof fx.dir);
  snprintf(fx.db, sizeof fx.db, "%s/t.db", fx.dir);
  fx.e = tu_engine(fx.db, extra);
  *state = &fx;
  return 0;
}

/* A Berlin store (tests/data/test.manifest: DE136695976, EUR). */
static int setup_berlin(void **state) { return open_with(state, NULL); }

/* A Belfast store: XI123456782, GBP, HMRC.  Its contact name has an
 * ampersand, which HMRC forbids, and a comma, which would split the
 * record: "O'Neill and Daughters Belfast" (one space, never two). */
static int setup_belfast(void **state) {
  return open_with(state, "\"store_id\":\"belfast\",\"store_country\":\"GB\","
                          "\"store_vat\":\"XI123456782\",\"currency\":\"GBP\","
                          "\"contact_name\":\"O'Neill & Daughters, Belfast\"");
}

static int teardown(void **state) {
  fixture *f = *state;
  engine_close(f->e);
  tu_rmtree(f->dir);
  return 0;
}

/* A resale sale `id` on `day` in `cur` to `vat`, one line L1 of `net`
 * with `tax`; `shop` the fixture's store id. */
static void sell(fixture *f, const char *shop, const char *id, const char *day,
                 const char *cur, const char *vat, long long net, long long tax) {
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"%s\","
                     "\"terminal\":\"T1\",\"at\":\"%sT10:00:00+01:00\",\"currency\":\"%s\"}",
                     id, shop, day, cur));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L1\",\"qty\":1,"
                     "\"unit_price\":%lld,\"net\":%lld,\"tax\":%lld}",
                     id, net + tax, net, tax));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.customer\",\"sale\":\"%s\",\"customer\":"
                     "{\"name\":\"Buyer %s\",\"org\":true,\"vat\":\"%s\"}}",
                     id, vat, vat));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"%s\",\"purpose\":\"resale\"}",
                     id));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":%lld}", id,
                     net + tax));
}

/* The findings of one run, as "rule|sale|line|amount|message" lines. */
typedef struct found {
  char text[16384];
  int n;
} found;

static int collect(void *ctx, const check_finding *f, pi_error *err) {
  (void)err;
  found *x = ctx;
  size_t used = strlen(x->text);
  snprintf(x->text + used, sizeof x->text - used, "%s|%s|%s|%lld|%s\n",
           check_rule_name(f->rule), f->sale, f->line,
           f->has_amount ? (long long)f->amount : -1LL, f->message);
  x->n++;
  return 0;
}

static void run_checks(fixture *f, const char *period, ecsl_format fmt, found *x) {
  store *st;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  report_identity id;
  assert_int_equal(report_identity_load(st, &id, &err), 0);
  report_period p;
  assert_int_equal(report_period_parse(period, &p, &err), 0);
  check_scope s = {p.from, p.to, NULL, &id, &p, fmt, 0};
  memset(x, 0, sizeof *x);
  size_t n = 0;
  if (check_run(st, &s, CHECK_SALE_RULES | CHECK_ESL_RULES, collect, x, &n, &err))
    fail_msg("%s", err.message);
  assert_int_equal(n, (size_t)x->n);
  store_close(st);
}

static void warn_into(void *ctx, const char *msg) {
  char *w = ctx;
  size_t n = strlen(w);
  snprintf(w + n, 4096 - n, "%s\n", msg);
}

/* The EC Sales List of `period` in `fmt` into *text (malloc'd), warnings
 * into warn[4096]; returns the report's result, err filled. */
static int ecsl(fixture *f, const char *period, ecsl_format fmt, char **text,
                char warn[4096], pi_error *err) {
  store *st;
  pi_error_clear(err);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, err), 0);
  report_identity id;
  assert_int_equal(report_identity_load(st, &id, err), 0);
  report_period p;
  assert_int_equal(report_period_parse(period, &p, err), 0);
  size_t len = 0;
  *text = NULL;
  FILE *out = open_memstream(text, &len);
  assert_non_null(out);
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = out;
  o.format = SINK_CSV;
  o.warn = warn_into;
  o.warn_ctx = warn;
  warn[0] = '\0';
  int rc = report_ec_sales_list(st, &p, NULL, &id, fmt, &o, err);
  assert_int_equal(fclose(out), 0);
  store_close(st);
  return rc;
}

/* Tax on lines the hint says carry none: S1's reverse-charge line with
 * 1.68 tax, and the store's own VAT number DE136695976 given by S2's
 * buyer (a home buyer: standard treatment, so its 19.00 tax is no
 * finding).  S3 is clean.  Each finding names its sale and line. */
static void tax_and_own_vat(void **state) {
  fixture *f = *state;
  sell(f, "shop-1", "S1", "2026-11-10", "EUR", "ATU13585627", 2400, 168);
  sell(f, "shop-1", "S2", "2026-11-11", "EUR", "DE 136.695.976", 10000, 1900);
  sell(f, "shop-1", "S3", "2026-11-12", "EUR", "FR40303265045", 5000, 0);
  found x;
  run_checks(f, "2026-11", ECSL_ZM, &x);
  assert_int_equal(x.n, 2);
  assert_non_null(strstr(x.text, "tax_on_untaxed_line|S1|L1|168|sale S1 (store shop-1, "
                                 "terminal T1, 2026-11-10), line L1: 1.68 EUR tax on a "
                                 "line with the reverse_charge hint"));
  assert_non_null(strstr(x.text, "own_vat_number|S2||-1|sale S2 (store shop-1, terminal "
                                 "T1, 2026-11-11): the customer's identifier DE136695976 "
                                 "is the store's own VAT number DE136695976"));
  /* The ZM itself warns of the same two. */
  char *text, warn[4096];
  pi_error err;
  assert_int_equal(ecsl(f, "2026-11", ECSL_ZM, &text, warn, &err), 0);
  assert_non_null(strstr(warn, "tax_on_untaxed_line: sale S1"));
  assert_non_null(strstr(warn, "own_vat_number: sale S2"));
  free(text);
  /* A month without them has none. */
  run_checks(f, "2026-10", ECSL_ZM, &x);
  assert_int_equal(x.n, 1);
  assert_non_null(strstr(x.text, "esl_empty|||-1|"));
}

/* ZM values: AT 0.40 rounds to 0 (and is declared as 0); FR 0.60 is
 * under one euro, declared as 1; NL 0.40 + a return of all of it in the
 * same month nets to exactly 0, which the ZM declares as 0 by rule: no
 * finding; EL 100.00 is fine. */
static void zm_small_values(void **state) {
  fixture *f = *state;
  sell(f, "shop-1", "A1", "2026-11-10", "EUR", "ATU13585627", 40, 0);
  sell(f, "shop-1", "F1", "2026-11-10", "EUR", "FR40303265045", 60, 0);
  sell(f, "shop-1", "E1", "2026-11-10", "EUR", "EL094259216", 10000, 0);
  sell(f, "shop-1", "N1", "2026-11-10", "EUR", "NL004495445B01", 40, 0);
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.return\",\"sale\":\"N1\",\"return\":\"R1\","
                     "\"at\":\"2026-11-11T12:00:00+01:00\",\"reason\":\"unwanted\","
                     "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                     "\"refund\":[{\"type\":\"cash\",\"amount\":40}]}"));
  found x;
  run_checks(f, "2026-11", ECSL_ZM, &x);
  assert_int_equal(x.n, 2);
  assert_non_null(strstr(x.text, "esl_rounds_to_zero|A1||40|ATU13585627: the 2026-11-01 "
                                 "total 0.40 EUR (sales A1) rounds to 0"));
  assert_non_null(strstr(x.text, "esl_under_one_unit|F1||60|FR40303265045: the 2026-11-01 "
                                 "total 0.60 EUR (sales F1) is under one unit; it is "
                                 "declared as 1"));
  char *text, warn[4096];
  pi_error err;
  assert_int_equal(ecsl(f, "2026-11", ECSL_ZM, &text, warn, &err), 0);
  assert_string_equal(text, "#v3.0\r\nUSt-IdNr.,Betrag(EUR),Art der Leistung\r\n"
                            "ATU13585627,0,L\r\nEL094259216,100,L\r\n"
                            "FR40303265045,1,L\r\nNL004495445B01,0,L\r\n");
  assert_non_null(strstr(warn, "esl_rounds_to_zero: ATU13585627"));
  assert_non_null(strstr(warn, "esl_under_one_unit: FR40303265045"));
  free(text);
}

/* HMRC: a 0.40 supply is 0 in whole pounds.  With another customer the
 * file holds that one, and the left-out line is a finding naming its
 * sale; alone, there is nothing HMRC would take: no file, an error. */
static void hmrc_zero_and_empty(void **state) {
  fixture *f = *state;
  sell(f, "belfast", "B1", "2026-11-10", "GBP", "ATU13585627", 40, 0);
  char *text, warn[4096];
  pi_error err;
  assert_int_equal(ecsl(f, "2026-11", ECSL_HMRC, &text, warn, &err), -1);
  assert_int_equal(err.kind, PI_E_ECSL_EMPTY);
  assert_non_null(strstr(err.message, "HMRC accepts no nil EC Sales List"));
  assert_string_equal(text, ""); /* no file at all */
  assert_non_null(strstr(warn, "esl_rounds_to_zero: ATU13585627: the 2026-11-01 total "
                               "0.40 GBP (sales B1) is 0 in whole pounds"));
  free(text);
  /* An empty month: no file, the same error, and esl_empty. */
  assert_int_equal(ecsl(f, "2026-10", ECSL_HMRC, &text, warn, &err), -1);
  assert_int_equal(err.kind, PI_E_ECSL_EMPTY);
  assert_string_equal(text, "");
  assert_non_null(strstr(warn, "esl_empty: the EC Sales List of 2026-10-01 to 2026-10-31 "
                               "has no supply and no credit to declare: HMRC accepts no "
                               "nil declaration"));
  free(text);
  /* Another customer: a file with that line; B1 still left out, named. */
  sell(f, "belfast", "B2", "2026-11-12", "GBP", "FR40303265045", 1099, 0);
  assert_int_equal(ecsl(f, "2026-11", ECSL_HMRC, &text, warn, &err), 0);
  assert_string_equal(text, "HMRC_VAT_ESL_BULK_SUBMISSION_FILE\r\n"
                            "123456782,000,2026,11,GBP,O'Neill and Daughters Belfast,0\r\n"
                            "FR,40303265045,10,0\r\n");
  assert_non_null(strstr(warn, "(sales B1)"));
  free(text);
  found x;
  run_checks(f, "2026-11", ECSL_HMRC, &x);
  assert_int_equal(x.n, 1);
  assert_non_null(strstr(x.text, "esl_rounds_to_zero|B1||40|"));
}

/* Mixed currencies: a EUR sale in a pound shop cannot go into HMRC's
 * file; each such sale is a finding naming it.  The GB twin of the
 * store's XI number is its own number too. */
static void mixed_currency_and_twin(void **state) {
  fixture *f = *state;
  sell(f, "belfast", "B1", "2026-11-10", "GBP", "FR40303265045", 10000, 0);
  sell(f, "belfast", "B2", "2026-11-11", "EUR", "FR40303265045", 5000, 0);
  sell(f, "belfast", "B3", "2026-11-12", "EUR", "FR40303265045", 6000, 0);
  sell(f, "belfast", "B4", "2026-11-13", "GBP", "GB123456782", 2000, 400);
  found x;
  run_checks(f, "2026-11", ECSL_HMRC, &x);
  assert_int_equal(x.n, 3);
  assert_non_null(strstr(x.text, "own_vat_number|B4||-1|"));
  assert_non_null(strstr(x.text, "mixed_currency|B2||-1|B2 (store belfast, 2026-11-11) to "
                                 "FR40303265045 is in EUR, but the HMRC EC Sales List"));
  assert_non_null(strstr(x.text, "mixed_currency|B3||-1|"));
}

/* ELSTER's import takes at most 1,500 lines: 1,501 customers are a
 * finding (the database is filled by copying one recorded sale under
 * 1,501 identifiers: the checks read what is recorded). */
static void zm_line_limit(void **state) {
  fixture *f = *state;
  sell(f, "shop-1", "A1", "2026-11-10", "EUR", "ATU13585627", 10000, 0);
  engine_close(f->e);
  f->e = NULL;
  const char *sql =
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
           "WHERE i < 1500) INSERT INTO sales(store, terminal, sale, began_at, day, "
           "completed_at, currency, purpose, net, tax, total, reseller_kind, reseller_id, "
           "reseller_country, reseller_valid, reseller_reason, treatment, reply, status) "
           "SELECT store, terminal, 'C' || i, began_at, day, completed_at, currency, "
           "purpose, net, tax, total, reseller_kind, 'ATU' || (10000000 + i), "
           "reseller_country, reseller_valid, reseller_reason, treatment, reply, status "
           "FROM sales, n WHERE sale = 'A1'; INSERT INTO lines(sale_id, seq, line, qty_milli, "
           "unit_price, net, tax, purpose, status, treatment) SELECT s.id, l.seq, l.line, "
           "l.qty_milli, l.unit_price, l.net, l.tax, l.purpose, l.status, l.treatment FROM "
           "sales s, lines l WHERE s.sale LIKE 'C%' AND l.sale_id = (SELECT id FROM sales "
           "WHERE sale = 'A1');";
  sqlite3 *db;
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  found x;
  run_checks(f, "2026-11", ECSL_ZM, &x);
  assert_int_equal(x.n, 1);
  assert_non_null(strstr(x.text, "zm_too_many_lines|||-1|the ZM of 2026-11-01 to "
                                 "2026-11-30 has 1501 lines; the ELSTER import takes at "
                                 "most 1500"));
  f->e = tu_engine(f->db, NULL); /* for the teardown */
}

/* A contact name longer than HMRC's 35 characters is cut on a character
 * boundary, and the report says so: never a silent cut.  "&" without
 * spaces around it becomes " and ". */
static int setup_long_contact(void **state) {
  return open_with(state, "\"store_id\":\"belfast\",\"store_country\":\"GB\","
                          "\"store_vat\":\"XI123456782\",\"currency\":\"GBP\","
                          "\"contact_name\":\"Ó Briain&Söhne Großhandel Nordirland Ltd\"");
}

static void hmrc_contact_is_cut_loudly(void **state) {
  fixture *f = *state;
  sell(f, "belfast", "B1", "2026-11-10", "GBP", "FR40303265045", 10000, 0);
  char *text, warn[4096];
  pi_error err;
  assert_int_equal(ecsl(f, "2026-11", ECSL_HMRC, &text, warn, &err), 0);
  /* "Ó Briain and Söhne Großhandel Nordi" is 35 characters. */
  assert_non_null(strstr(text, ",GBP,Ó Briain and Söhne Großhandel Nordi,0\r\n"));
  assert_non_null(strstr(warn, "is longer than the 35 characters HMRC allows; the file "
                               "gives \"Ó Briain and Söhne Großhandel Nordi\""));
  free(text);
}

/* The ZM's version line comes from the one documented constant, which
 * says when it was last checked. */
static void zm_version_is_one_constant(void **state) {
  fixture *f = *state;
  sell(f, "shop-1", "A1", "2026-11-10", "EUR", "ATU13585627", 10000, 0);
  char *text, warn[4096];
  pi_error err;
  assert_int_equal(ecsl(f, "2026-11", ECSL_ZM, &text, warn, &err), 0);
  assert_memory_equal(text, "#v" REPORT_ZM_CSV_VERSION "\r\n",
                      strlen("#v" REPORT_ZM_CSV_VERSION "\r\n"));
  assert_int_equal(cal_parse_date(REPORT_ZM_CSV_VERSION_CHECKED, NULL, NULL, NULL), 0);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(tax_and_own_vat, setup_berlin, teardown),
      cmocka_unit_test_setup_teardown(zm_small_values, setup_berlin, teardown),
      cmocka_unit_test_setup_teardown(hmrc_zero_and_empty, setup_belfast, teardown),
      cmocka_unit_test_setup_teardown(mixed_currency_and_twin, setup_belfast, teardown),
      cmocka_unit_test_setup_teardown(zm_line_limit, setup_berlin, teardown),
      cmocka_unit_test_setup_teardown(hmrc_contact_is_cut_loudly, setup_long_contact,
                                      teardown),
      cmocka_unit_test_setup_teardown(zm_version_is_one_constant, setup_berlin, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
