/* SPDX-License-Identifier: MIT */
/* test_returns.c - sale.return through the engine (issue 13): partial
 * returns that add up, refusals that change nothing, replays and
 * conflicts, the purpose carried over, the journal and erasure.
 *
 * Expected amounts are worked out here by hand from the lines sold (the
 * comments show the arithmetic); the tests never re-run the store's
 * pricing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"
#include "store/erase.h"
#include "store/store.h"
#include "testutil.h"

typedef struct fixture {
  char dir[512];
  char db[600];
  engine *e;
} fixture;

static int setup(void **state) {
  static fixture f;
  memset(&f, 0, sizeof f);
  tu_tempdir(f.dir, sizeof f.dir);
  snprintf(f.db, sizeof f.db, "%s/t.db", f.dir);
  f.e = tu_engine(f.db, NULL);
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  engine_close(f->e);
  tu_rmtree(f->dir);
  return 0;
}

static int64_t count(fixture *f, const char *sql) { return tu_sql_int(f->db, sql); }

/* Everything a refusal must leave as it was. */
typedef struct snapshot {
  int64_t returns, lines, journal, salts;
} snapshot;

static snapshot snap(fixture *f) {
  snapshot s = {count(f, "SELECT count(*) FROM returns"),
                count(f, "SELECT count(*) FROM return_lines"),
                count(f, "SELECT count(*) FROM journal"),
                count(f, "SELECT count(*) FROM salts")};
  return s;
}

static void assert_unchanged(fixture *f, snapshot before) {
  snapshot now = snap(f);
  assert_int_equal(now.returns, before.returns);
  assert_int_equal(now.lines, before.lines);
  assert_int_equal(now.journal, before.journal);
  assert_int_equal(now.salts, before.salts);
}

/* A recorded sale S of day 2026-11-20: L1 3 pieces net 1000 tax 190,
 * L2 1 piece net 500 tax 35. */
static void sell(fixture *f, const char *id) {
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\"}",
                     id));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L1\",\"qty\":3,"
                     "\"unit_price\":397,\"net\":1000,\"tax\":190}",
                     id));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L2\",\"qty\":1,"
                     "\"unit_price\":535,\"net\":500,\"tax\":35}",
                     id));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":1725}",
                     id));
}

#define RETURN_FMT                                                              \
  "{\"type\":\"sale.return\",\"sale\":\"%s\",\"return\":\"%s\","               \
  "\"at\":\"2026-12-01T11:00:00+01:00\",\"reason\":\"damaged\","               \
  "\"lines\":[{\"line\":\"%s\",\"qty\":%s}],\"refund\":[{\"type\":\"card\",\"amount\":%lld}]}"

static void partial_returns_add_up(void **state) {
  fixture *f = *state;
  sell(f, "S1");
  /* 1 of 3: net 1000 * 1/3 = 333.33 -> 333, tax 190 / 3 = 63.33 -> 63. */
  cJSON *r = tu_ok(f->e, RETURN_FMT, "S1", "R1", "L1", "1", 396LL);
  assert_string_equal(tu_str(r, "type"), "sale.return");
  assert_string_equal(tu_str(r, "return"), "R1");
  assert_string_equal(tu_str(r, "day"), "2026-12-01");
  assert_int_equal(tu_num(r, "net"), 333);
  assert_int_equal(tu_num(r, "tax"), 63);
  assert_int_equal(tu_num(r, "total"), 396);
  assert_true(tu_num(r, "lines.0.remaining") == 2);
  cJSON_Delete(r);
  /* 1.5 more: 2.5/3 of 1000 = 833.33 -> 833, less 333 = 500; of 190:
   * 158.33 -> 158, less 63 = 95. */
  r = tu_ok(f->e, RETURN_FMT, "S1", "R2", "L1", "1.5", 595LL);
  assert_int_equal(tu_num(r, "net"), 500);
  assert_int_equal(tu_num(r, "tax"), 95);
  assert_true(tu_num(r, "lines.0.remaining") == 0.5);
  cJSON_Delete(r);
  /* More than remains: refused with the remaining 0.5, nothing changed. */
  snapshot before = snap(f);
  r = tu_err(f->e, "return_exceeds", "lines[0].qty", RETURN_FMT, "S1", "R3", "L1", "1",
             397LL);
  assert_non_null(strstr(tu_str(r, "error.message"), "0.5 remains"));
  assert_non_null(strstr(tu_str(r, "error.message"), "2.5 returned before"));
  cJSON_Delete(r);
  assert_unchanged(f, before);
  /* The rest: 1000 - 833 = 167 and 190 - 158 = 32; all three returns add
   * up to the line exactly. */
  r = tu_ok(f->e, RETURN_FMT, "S1", "R3", "L1", "0.5", 199LL);
  assert_int_equal(tu_num(r, "net"), 167);
  assert_int_equal(tu_num(r, "tax"), 32);
  cJSON_Delete(r);
  assert_int_equal(count(f, "SELECT sum(net) FROM return_lines"), 1000);
  assert_int_equal(count(f, "SELECT sum(tax) FROM return_lines"), 190);
  assert_int_equal(count(f, "SELECT sum(total) FROM returns"), 1190);
  /* Nothing remains: even a thousandth is refused. */
  before = snap(f);
  r = tu_err(f->e, "return_exceeds", "lines[0].qty", RETURN_FMT, "S1", "R4", "L1", "0.001",
             0LL);
  assert_non_null(strstr(tu_str(r, "error.message"), "so 0 remains"));
  cJSON_Delete(r);
  assert_unchanged(f, before);
  /* L2 is untouched: all of it can still go back (500 + 35). */
  cJSON_Delete(tu_ok(f->e, RETURN_FMT, "S1", "R4", "L2", "1", 535LL));
}

static void resend_replays_and_other_content_conflicts(void **state) {
  fixture *f = *state;
  sell(f, "S2");
  cJSON *first = tu_ok(f->e, RETURN_FMT, "S2", "R1", "L1", "1", 396LL);
  char *a = cJSON_PrintUnformatted(first);
  snapshot before = snap(f);
  /* The same event again: the same reply, nothing recorded twice. */
  cJSON *again = tu_ok(f->e, RETURN_FMT, "S2", "R1", "L1", "1", 396LL);
  char *b = cJSON_PrintUnformatted(again);
  assert_string_equal(a, b);
  assert_unchanged(f, before);
  free(a);
  free(b);
  cJSON_Delete(first);
  cJSON_Delete(again);
  /* Also after a restart, from the database. */
  engine_close(f->e);
  f->e = tu_engine(f->db, NULL);
  cJSON_Delete(tu_ok(f->e, RETURN_FMT, "S2", "R1", "L1", "1", 396LL));
  assert_unchanged(f, before);
  /* The same id with other content: conflict, naming what differs. */
  cJSON_Delete(tu_err(f->e, "conflict", "lines", RETURN_FMT, "S2", "R1", "L1", "2", 793LL));
  cJSON_Delete(tu_err(f->e, "conflict", "lines", RETURN_FMT, "S2", "R1", "L2", "1", 535LL));
  cJSON_Delete(tu_err(f->e, "conflict", "refund",
                      "{\"type\":\"sale.return\",\"sale\":\"S2\",\"return\":\"R1\","
                      "\"at\":\"2026-12-01T11:00:00+01:00\",\"reason\":\"damaged\","
                      "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                      "\"refund\":[{\"type\":\"cash\",\"amount\":396}]}"));
  cJSON_Delete(tu_err(f->e, "conflict", "reason",
                      "{\"type\":\"sale.return\",\"sale\":\"S2\",\"return\":\"R1\","
                      "\"at\":\"2026-12-01T11:00:00+01:00\",\"reason\":\"unwanted\","
                      "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                      "\"refund\":[{\"type\":\"card\",\"amount\":396}]}"));
  cJSON_Delete(tu_err(f->e, "conflict", "at",
                      "{\"type\":\"sale.return\",\"sale\":\"S2\",\"return\":\"R1\","
                      "\"at\":\"2026-12-02T11:00:00+01:00\",\"reason\":\"damaged\","
                      "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                      "\"refund\":[{\"type\":\"card\",\"amount\":396}]}"));
  /* The same return id for another sale of the store. */
  sell(f, "S3");
  before = snap(f);
  cJSON_Delete(tu_err(f->e, "conflict", "sale", RETURN_FMT, "S3", "R1", "L1", "1", 396LL));
  assert_unchanged(f, before);
}

static void bad_returns_change_nothing(void **state) {
  fixture *f = *state;
  sell(f, "S4");
  sell(f, "S5");
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"S6\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\"}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"S6\",\"line\":\"X9\",\"qty\":1,"
                     "\"unit_price\":100,\"net\":100,\"tax\":0}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"S6\",\"total\":100}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.void\",\"sale\":\"S6\"}"));
  snapshot before = snap(f);
  /* An unknown original. */
  cJSON_Delete(tu_err(f->e, "unknown_sale", "sale", RETURN_FMT, "NOPE", "R1", "L1", "1",
                      396LL));
  /* A line of another sale (X9 is S6's). */
  cJSON *r = tu_err(f->e, "unknown_line", "lines[0].line", RETURN_FMT, "S4", "R1", "X9",
                    "1", 100LL);
  assert_non_null(strstr(tu_str(r, "error.message"), "no line X9"));
  cJSON_Delete(r);
  /* A voided original. */
  cJSON_Delete(tu_err(f->e, "sale_voided", "sale", RETURN_FMT, "S6", "R1", "X9", "1",
                      100LL));
  /* A refund that does not pay the return exactly, or in an unknown type. */
  cJSON_Delete(tu_err(f->e, "tenders_mismatch", "refund", RETURN_FMT, "S4", "R1", "L1", "1",
                      400LL));
  cJSON_Delete(tu_err(f->e, "unknown_tender", "refund",
                      "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\","
                      "\"at\":\"2026-12-01T11:00:00+01:00\",\"reason\":\"damaged\","
                      "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                      "\"refund\":[{\"type\":\"shells\",\"amount\":396}]}"));
  /* Dated before the sale. */
  cJSON_Delete(tu_err(f->e, "bad_value", "at",
                      "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\","
                      "\"at\":\"2026-11-19T11:00:00+01:00\",\"reason\":\"damaged\","
                      "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                      "\"refund\":[{\"type\":\"card\",\"amount\":396}]}"));
  /* One bad line spoils the whole return: L1 is fine, L7 is not. */
  cJSON_Delete(tu_err(f->e, "unknown_line", "lines[1].line",
                      "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\","
                      "\"at\":\"2026-12-01T11:00:00+01:00\",\"reason\":\"damaged\","
                      "\"lines\":[{\"line\":\"L1\",\"qty\":1},{\"line\":\"L7\",\"qty\":1}],"
                      "\"refund\":[{\"type\":\"card\",\"amount\":396}]}"));
  /* The event's shape. */
  struct {
    const char *code, *field, *json;
  } bad[] = {
      {"missing_field", "reason_text",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\",\"at\":\"2026-12-01T11:00:00Z\","
       "\"reason\":\"other\",\"lines\":[{\"line\":\"L1\",\"qty\":1}],\"refund\":[]}"},
      {"bad_value", "reason",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\",\"at\":\"2026-12-01T11:00:00Z\","
       "\"reason\":\"bored\",\"lines\":[{\"line\":\"L1\",\"qty\":1}],\"refund\":[]}"},
      {"bad_value", "lines[0]",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\",\"at\":\"2026-12-01T11:00:00Z\","
       "\"reason\":\"damaged\",\"lines\":[{\"line\":\"L1\",\"qty\":0}],\"refund\":[]}"},
      {"duplicate_field", "lines[1]",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\",\"at\":\"2026-12-01T11:00:00Z\","
       "\"reason\":\"damaged\",\"lines\":[{\"line\":\"L1\",\"qty\":1},{\"line\":\"L1\",\"qty\":1}],"
       "\"refund\":[]}"},
      {"bad_value", "lines",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\",\"at\":\"2026-12-01T11:00:00Z\","
       "\"reason\":\"damaged\",\"lines\":[],\"refund\":[]}"},
      {"missing_field", "refund",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\",\"at\":\"2026-12-01T11:00:00Z\","
       "\"reason\":\"damaged\",\"lines\":[{\"line\":\"L1\",\"qty\":1}]}"},
      {"unknown_field", "lines[0].price",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\",\"at\":\"2026-12-01T11:00:00Z\","
       "\"reason\":\"damaged\",\"lines\":[{\"line\":\"L1\",\"qty\":1,\"price\":3}],\"refund\":[]}"},
      {"bad_value", "at",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"return\":\"R1\",\"at\":\"yesterday\","
       "\"reason\":\"damaged\",\"lines\":[{\"line\":\"L1\",\"qty\":1}],\"refund\":[]}"},
      {"missing_field", "return",
       "{\"type\":\"sale.return\",\"sale\":\"S4\",\"at\":\"2026-12-01T11:00:00Z\","
       "\"reason\":\"damaged\",\"lines\":[{\"line\":\"L1\",\"qty\":1}],\"refund\":[]}"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cJSON_Delete(tu_err(f->e, bad[i].code, bad[i].field, "%s", bad[i].json));
  assert_unchanged(f, before);
  /* A sale still open here is not returned: its line is removed. */
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"S7\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\"}"));
  cJSON_Delete(tu_err(f->e, "sale_open", "sale", RETURN_FMT, "S7", "R1", "L1", "1", 0LL));
  assert_unchanged(f, before);
}

/* A sale with a return cannot be voided (its return credits part of it
 * already); a voided one cannot be returned. */
static void void_after_return_is_refused(void **state) {
  fixture *f = *state;
  sell(f, "S8");
  cJSON_Delete(tu_ok(f->e, RETURN_FMT, "S8", "R1", "L2", "1", 535LL));
  cJSON *r = tu_err(f->e, "sale_returned", "sale", "{\"type\":\"sale.void\",\"sale\":\"S8\"}");
  assert_non_null(strstr(tu_str(r, "error.message"), "R1"));
  cJSON_Delete(r);
  assert_int_equal(count(f, "SELECT count(*) FROM voids"), 0);
}

/* The returned line keeps the original's purpose, status and treatment,
 * also when the store's rules have changed since: a reverse-charge line
 * sold by a German store to an Austrian business stays reverse-charge
 * after the store moved to Austria (where that buyer would be domestic). */
static void purpose_carries_over(void **state) {
  fixture *f = *state;
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"P1\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\"}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"P1\",\"line\":\"L1\",\"qty\":2,"
                     "\"unit_price\":5000,\"net\":10000,\"tax\":0}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"P1\",\"line\":\"L2\",\"qty\":1,"
                     "\"unit_price\":1190,\"net\":1000,\"tax\":190}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"P1\",\"customer\":"
                           "{\"name\":\"Huber KG\",\"org\":true,\"vat\":\"ATU13585627\"}}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"P1\",\"purpose\":\"resale\","
                           "\"line\":\"L1\"}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"P1\",\"purpose\":\"gift\","
                           "\"line\":\"L2\"}"));
  cJSON *c = tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"P1\",\"total\":11190}");
  assert_string_equal(tu_str(c, "lines.0.treatment"), "reverse_charge");
  cJSON_Delete(c);
  engine_close(f->e);
  f->e = tu_engine(f->db, "\"store_country\":\"AT\",\"store_vat\":\"ATU13585627\"");
  cJSON *r = tu_ok(f->e,
                   "{\"type\":\"sale.return\",\"sale\":\"P1\",\"return\":\"R1\","
                   "\"at\":\"2026-12-03T09:00:00+01:00\",\"reason\":\"wrong_item\","
                   "\"lines\":[{\"line\":\"L1\",\"qty\":1},{\"line\":\"L2\",\"qty\":1}],"
                   "\"refund\":[{\"type\":\"bank_transfer\",\"amount\":6190}]}");
  /* L1: half of 10000 net, no tax (reverse charge refunds none); L2 whole. */
  assert_int_equal(tu_num(r, "lines.0.net"), 5000);
  assert_int_equal(tu_num(r, "lines.0.tax"), 0);
  assert_string_equal(tu_str(r, "lines.0.purpose"), "resale");
  assert_string_equal(tu_str(r, "lines.0.status"), "reseller");
  assert_string_equal(tu_str(r, "lines.0.treatment"), "reverse_charge");
  assert_string_equal(tu_str(r, "lines.1.purpose"), "gift");
  assert_string_equal(tu_str(r, "lines.1.status"), "customer");
  assert_string_equal(tu_str(r, "lines.1.treatment"), "standard");
  cJSON_Delete(r);
  char buf[128];
  tu_sql_text(f->db,
              "SELECT reseller_kind||'|'||reseller_id||'|'||reseller_country||'|'||"
              "reseller_valid||'|'||currency FROM returns",
              buf, sizeof buf);
  assert_string_equal(buf, "vat|ATU13585627|AT|1|EUR");
}

static void verify(fixture *f, journal_report *rep) {
  store *st;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  assert_int_equal(store_verify(st, rep, &err), 0);
  store_close(st);
}

static void tamper(fixture *f, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_changes(db) > 0, 1);
  sqlite3_close(db);
}

/* The journal chains each return: verify passes, and an edited return
 * row, line, reply or reason, or a return inserted behind its back, is
 * reported. */
static void verify_covers_returns(void **state) {
  fixture *f = *state;
  sell(f, "V1");
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.return\",\"sale\":\"V1\",\"return\":\"R1\","
                     "\"at\":\"2026-12-01T11:00:00+01:00\",\"reason\":\"other\","
                     "\"reason_text\":\"Anna K. says it leaks\","
                     "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                     "\"refund\":[{\"type\":\"card\",\"amount\":396}]}"));
  assert_int_equal(count(f, "SELECT count(*) FROM journal WHERE kind='return'"), 1);
  engine_close(f->e);
  f->e = NULL;
  journal_report rep;
  verify(f, &rep);
  assert_true(rep.ok);
  char copy[700];
  snprintf(copy, sizeof copy, "%s/copy.db", f->dir);
  const char *edits[] = {
      "UPDATE return_lines SET qty_milli=500",
      "UPDATE returns SET net=1",
      "UPDATE returns SET reply=replace(reply,'396','1')",
      "UPDATE returns SET reason_text='someone else'",
      "UPDATE returns SET reason='unwanted'",
      "INSERT INTO returns(sale_id,store,ret,at,day,recorded_at,reason,currency,net,tax,"
      "total,refund,reply) VALUES(1,'shop-1','R9','x','2026-12-02','x','damaged','EUR',1,0,"
      "1,'[]','{}')",
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", f->db, copy);
    assert_int_equal(system(cmd), 0);
    tamper(f, edits[i]);
    verify(f, &rep);
    if (rep.ok) fail_msg("verify missed: %s", edits[i]);
    assert_non_null(strstr(rep.problem, "return"));
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", copy, f->db);
    assert_int_equal(system(cmd), 0);
  }
  f->e = tu_engine(f->db, NULL);
}

/* Erasing the sale's personal data takes the return's free text with it;
 * verify still passes, and a resend of the return still replays. */
static void erase_covers_the_return_text(void **state) {
  fixture *f = *state;
  const char *ev =
      "{\"type\":\"sale.return\",\"sale\":\"E1\",\"return\":\"R1\","
      "\"at\":\"2026-12-01T11:00:00+01:00\",\"reason\":\"other\","
      "\"reason_text\":\"Anna K. says it leaks\","
      "\"lines\":[{\"line\":\"L2\",\"qty\":1}],"
      "\"refund\":[{\"type\":\"cash\",\"amount\":535}]}";
  sell(f, "E1");
  cJSON_Delete(tu_ok(f->e, "%s", ev));
  assert_int_equal(count(f, "SELECT count(*) FROM salts WHERE field LIKE 'return%'"), 1);
  engine_close(f->e);
  f->e = NULL;
  store *st;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->db, STORE_EXISTING, NULL, &st, &err), 0);
  erase_request rq = {ERASE_SALE, NULL, NULL, NULL, "E1"};
  erase_result res;
  memset(&res, 0, sizeof res);
  if (erase_personal_data(st, &rq, "2026-12-05T00:00:00.000Z", &res, &err))
    fail_msg("%s", err.message);
  store_close(st);
  assert_true(res.fields >= 1);
  assert_int_equal(count(f, "SELECT count(*) FROM returns WHERE reason_text IS NULL"), 1);
  assert_int_equal(count(f, "SELECT count(*) FROM salts WHERE field LIKE 'return%'"), 0);
  journal_report rep;
  verify(f, &rep);
  if (!rep.ok) fail_msg("%s", rep.problem);
  f->e = tu_engine(f->db, NULL);
  cJSON_Delete(tu_ok(f->e, "%s", ev));
  assert_int_equal(count(f, "SELECT count(*) FROM returns"), 1);
}

/* ---- the EC Sales List --------------------------------------------------- */

/* A recorded resale sale `id` on `day` to the business `vat`: line L1, 10
 * pieces for `net` (no tax: reverse charge). */
static void sell_resale(fixture *f, const char *id, const char *day, const char *vat,
                        long long net) {
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"%sT10:00:00+01:00\"}",
                     id, day));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L1\",\"qty\":10,"
                     "\"unit_price\":%lld,\"net\":%lld,\"tax\":0}",
                     id, net / 10, net));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.customer\",\"sale\":\"%s\",\"customer\":"
                     "{\"name\":\"Buyer %s\",\"org\":true,\"vat\":\"%s\"}}",
                     id, vat, vat));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"%s\",\"purpose\":\"resale\"}",
                     id));
  cJSON *c = tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":%lld}", id,
                   net);
  assert_string_equal(tu_str(c, "lines.0.treatment"), "reverse_charge");
  cJSON_Delete(c);
}

/* Return `qty` of L1 of sale `id` on `day`; `refund` is worked out by the
 * caller. */
static void give_back(fixture *f, const char *id, const char *ret, const char *day,
                      const char *qty, long long refund) {
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.return\",\"sale\":\"%s\",\"return\":\"%s\","
                     "\"at\":\"%sT12:00:00+01:00\",\"reason\":\"unwanted\","
                     "\"lines\":[{\"line\":\"L1\",\"qty\":%s}],"
                     "\"refund\":[{\"type\":\"bank_transfer\",\"amount\":%lld}]}",
                     id, ret, day, qty, refund));
}

static char *slurp(const char *path, size_t *len) {
  FILE *in = fopen(path, "rb");
  if (in == NULL) fail_msg("cannot read %s", path);
  char *buf = malloc(65536);
  assert_non_null(buf);
  *len = fread(buf, 1, 65535, in);
  buf[*len] = '\0';
  fclose(in);
  return buf;
}

/* The report for `period` in `fmt`, compared byte for byte with
 * tests/expected/`expected`; warnings (HMRC's left-out zero lines) are
 * collected into warn[cap]. */
static void warn_into(void *ctx, const char *msg) {
  char *w = ctx;
  size_t n = strlen(w);
  snprintf(w + n, 1024 - n, "%s\n", msg);
}

/* detail: report_ecsl_detail instead of the list (fmt is then unused). */
static void ecsl_matches_in(fixture *f, const char *period, ecsl_format fmt, int detail,
                            const csv_style *style, const char *expected,
                            char warn[1024]) {
  store *st;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  report_identity id;
  assert_int_equal(report_identity_load(st, &id, &err), 0);
  report_period p;
  assert_int_equal(report_period_parse(period, &p, &err), 0);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = out;
  o.format = SINK_CSV;
  if (style) o.csv = *style;
  o.warn = warn_into;
  o.warn_ctx = warn;
  warn[0] = '\0';
  int rc = detail ? report_ecsl_detail(st, &p, NULL, &id, &o, &err)
                  : report_ec_sales_list(st, &p, NULL, &id, fmt, &o, &err);
  assert_int_equal(fclose(out), 0);
  store_close(st);
  if (rc) fail_msg("%s", err.message);
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/expected/%s", POSINTENT_SOURCE_DIR, expected);
  size_t want_len;
  char *want = slurp(path, &want_len);
  if (len != want_len || memcmp(text, want, len) != 0)
    fail_msg("%s differs:\n--- got ---\n%s\n--- want ---\n%s", expected, text, want);
  free(want);
  free(text);
}

static void ecsl_matches(fixture *f, const char *period, ecsl_format fmt,
                         const char *expected, char warn[1024]) {
  ecsl_matches_in(f, period, fmt, 0, NULL, expected, warn);
}

/* The same month-crossing story for both filings: November sells, December
 * returns (partly for Austria, wholly for France and Greece) and sells a
 * little.  The figures are worked out in the comments. */
static void story(fixture *f, const long long net[4], const long long back[3]) {
  sell_resale(f, "N1", "2026-11-10", "ATU13585627", net[0]);
  sell_resale(f, "N2", "2026-11-20", "FR40303265045", net[1]);
  sell_resale(f, "D1", "2026-12-01", "EL094259216", net[2]);
  give_back(f, "N1", "R1", "2026-12-03", "4", back[0]); /* 4 of 10 */
  sell_resale(f, "D2", "2026-12-05", "ATU13585627", net[3]);
  give_back(f, "N2", "R2", "2026-12-10", "10", back[1]); /* all */
  give_back(f, "D1", "R3", "2026-12-15", "10", back[2]); /* all */
}

/* ZM (a Berlin store, EUR).  November: AT 1000.00, FR 250.50 -> 251
 * (half away from zero).  December: AT 100.00 - 4/10 of 1000.00 = -300.00;
 * EL 50.00 - 50.00 = exactly 0, declared as 0 (UStAE 18a.4 (2)); FR
 * -250.50 -> -251. */
static void zm_nets_a_cross_period_return(void **state) {
  fixture *f = *state;
  const long long net[4] = {100000, 25050, 5000, 10000};
  const long long back[3] = {40000, 25050, 5000};
  story(f, net, back);
  char warn[1024];
  ecsl_matches(f, "2026-11", ECSL_ZM, "zm_2026_11_returns.csv", warn);
  ecsl_matches(f, "2026-12", ECSL_ZM, "zm_2026_12_returns.csv", warn);
  /* A quarter holding both: November's supply and December's return net
   * (AT 1000.00 - 400.00 + 100.00 = 700.00, FR 0, EL 0). */
  ecsl_matches(f, "2026-Q4", ECSL_ZM, "zm_2026_q4_returns.csv", warn);
  /* December as CSV for a German spreadsheet (issue 18.6), by hand: ';'
   * between fields, decimal commas, a byte-order mark, and the Greek
   * number 094259216 (and the French one) kept text, leading zero and
   * all, as ="...".  sales counts distinct sales: D1 and its return R3
   * are one sale with two lines. */
  const csv_style de = {CSV_EXCEL_DE, 1};
  ecsl_matches_in(f, "2026-12", ECSL_CSV, 0, &de, "esl_csv_2026_12_returns_excel_de.csv",
                  warn);
  /* Every December figure followed back to its sale, line and return
   * (issue 18.5), by hand: AT 100.00 (D2) - 400.00 (R1, 4 of N1's 10) =
   * -300.00, the ZM's -300; EL D1 50.00 and its return R3 -50.00, the
   * ZM's 0; FR R2 -250.50.  Ordered by customer, then day. */
  ecsl_matches_in(f, "2026-12", ECSL_CSV, 1, NULL, "esl_detail_2026_12_returns.csv", warn);
}

/* The reseller report of December nets the returns of November's sales in
 * December, with the returned amounts in columns of their own: Austria
 * 100.00 sold less 400.00 returned; Greece 50.00 less 50.00; France only a
 * return (no sale, no first or last sale).  November is as sold. */
static void resellers_net_returns_in_their_period(void **state) {
  fixture *f = *state;
  const long long net[4] = {100000, 25050, 5000, 10000};
  const long long back[3] = {40000, 25050, 5000};
  story(f, net, back);
  store *st;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  const char *const want[2] = {
      "identifier,kind,verdict,name,country,currency,store,sales,lines,net,tax,"
      "first_sale,last_sale,returned_net,returned_tax,verification,consultation\r\n"
      "ATU13585627,vat,valid,Buyer ATU13585627,AT,EUR,shop-1,1,1,1000.00,0.00,2026-11-10,"
      "2026-11-10,0.00,0.00,unverified,\r\n"
      "FR40303265045,vat,valid,Buyer FR40303265045,FR,EUR,shop-1,1,1,250.50,0.00,2026-11-20,"
      "2026-11-20,0.00,0.00,unverified,\r\n",
      "identifier,kind,verdict,name,country,currency,store,sales,lines,net,tax,"
      "first_sale,last_sale,returned_net,returned_tax,verification,consultation\r\n"
      "ATU13585627,vat,valid,Buyer ATU13585627,AT,EUR,shop-1,1,1,-300.00,0.00,2026-12-05,"
      "2026-12-05,400.00,0.00,unverified,\r\n"
      "EL094259216,vat,valid,Buyer EL094259216,EL,EUR,shop-1,1,1,0.00,0.00,2026-12-01,"
      "2026-12-01,50.00,0.00,unverified,\r\n"
      "FR40303265045,vat,valid,Buyer FR40303265045,FR,EUR,shop-1,0,0,-250.50,0.00,,,250.50,"
      "0.00,unverified,\r\n"};
  const char *const range[2][2] = {{"2026-11-01", "2026-11-30"},
                                   {"2026-12-01", "2026-12-31"}};
  for (int i = 0; i < 2; i++) {
    report_query q = {range[i][0], range[i][1], NULL, 0, REPORT_BY_NONE};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    report_out o;
    memset(&o, 0, sizeof o);
    o.file = out;
    o.format = SINK_CSV;
    if (report_resellers(st, &q, &o, &err)) fail_msg("%s", err.message);
    assert_int_equal(fclose(out), 0);
    assert_string_equal(text, want[i]);
    free(text);
  }
  store_close(st);
}

static int setup_belfast(void **state) {
  static fixture f;
  memset(&f, 0, sizeof f);
  tu_tempdir(f.dir, sizeof f.dir);
  snprintf(f.db, sizeof f.db, "%s/t.db", f.dir);
  f.e = tu_engine(f.db, "\"store_id\":\"belfast\",\"store_country\":\"GB\","
                        "\"store_vat\":\"XI123456782\",\"currency\":\"GBP\","
                        "\"contact_name\":\"A & N Other\"");
  *state = &f;
  return 0;
}

/* HMRC (a Belfast store, GBP).  November: AT 1000.99 -> 1000, FR 250.50
 * -> 250 (pence dropped).  December: AT 100.00 - 4/10 of 1000.99 (400.396
 * -> 400.40) = -300.40 -> -300 (a leading minus; the pence dropped toward
 * zero, so the credit is not overstated); FR -250.50 -> -250; EL nets to
 * exactly 0, which HMRC refuses: left out, with a warning. */
static void hmrc_nets_a_cross_period_return(void **state) {
  fixture *f = *state;
  const long long net[4] = {100099, 25050, 5000, 10000};
  const long long back[3] = {40040, 25050, 5000};
  story(f, net, back);
  char warn[1024];
  ecsl_matches(f, "2026-11", ECSL_HMRC, "esl_hmrc_2026_11_returns.csv", warn);
  assert_string_equal(warn, "");
  ecsl_matches(f, "2026-12", ECSL_HMRC, "esl_hmrc_2026_12_returns.csv", warn);
  assert_non_null(strstr(warn, "EL094259216"));
}

/* ---- purposes, gifts and the export ---------------------------------------- */

/* A November sale G1 (own use L1: 3 for net 1000 tax 190; gift L2 for Ana,
 * with a gift receipt: 2 for net 1000 tax 70); in December Ana brings back
 * one of the two gifts (R1: half of L2, net 500 tax 35), the payer one of
 * L1 (R2: 1/3 of 1000 = 333.33 -> 333, of 190 = 63.33 -> 63), and a
 * December sale D1 sells own use for net 200 tax 38. */
static void gift_story(fixture *f) {
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"G1\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\"}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"G1\",\"line\":\"L1\",\"qty\":3,"
                     "\"unit_price\":397,\"net\":1000,\"tax\":190}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"G1\",\"line\":\"L2\",\"qty\":2,"
                     "\"unit_price\":535,\"net\":1000,\"tax\":70}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"G1\",\"purpose\":\"gift\","
                           "\"line\":\"L2\",\"recipient\":{\"name\":\"Ana\"},"
                           "\"gift_receipt\":true}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"G1\",\"total\":2260}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.return\",\"sale\":\"G1\",\"return\":\"R1\","
                     "\"at\":\"2026-12-01T11:00:00+01:00\",\"reason\":\"unwanted\","
                     "\"lines\":[{\"line\":\"L2\",\"qty\":1}],"
                     "\"refund\":[{\"type\":\"card\",\"amount\":535}]}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.return\",\"sale\":\"G1\",\"return\":\"R2\","
                     "\"at\":\"2026-12-02T11:00:00+01:00\",\"reason\":\"damaged\","
                     "\"lines\":[{\"line\":\"L1\",\"qty\":1}],"
                     "\"refund\":[{\"type\":\"cash\",\"amount\":396}]}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"D1\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"2026-12-02T10:00:00+01:00\"}"));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"D1\",\"line\":\"L1\",\"qty\":1,"
                     "\"unit_price\":238,\"net\":200,\"tax\":38}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"D1\",\"total\":238}"));
}

typedef int (*report_fn)(store *, const report_query *, const report_out *, pi_error *);

/* Run `fn` over [from, to] in `fmt`; the text to free. */
static char *run_report(fixture *f, report_fn fn, const char *from, const char *to,
                        report_by by, sink_format fmt) {
  store *st;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  report_query q = {from, to, NULL, 0, by};
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = out;
  o.format = fmt;
  int rc = fn(st, &q, &o, &err);
  assert_int_equal(fclose(out), 0);
  store_close(st);
  if (rc) fail_msg("%s", err.message);
  return text;
}

/* `text` is byte for byte tests/expected/`expected`. */
static void matches_file(const char *text, const char *expected) {
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/expected/%s", POSINTENT_SOURCE_DIR, expected);
  size_t want_len;
  char *want = slurp(path, &want_len);
  if (strlen(text) != want_len || memcmp(text, want, want_len) != 0)
    fail_msg("%s differs:\n--- got ---\n%s\n--- want ---\n%s", expected, text, want);
  free(want);
}

/* The purposes report counts each return in the month of its own day, with
 * the purpose and status of the line sold: December's gift row is Ana's
 * return alone (no sale, net -5.00); own use nets D1's 2.00 with R2's
 * 3.33.  The whole range nets both months (expected files by hand). */
static void purposes_count_returns_in_their_period(void **state) {
  fixture *f = *state;
  gift_story(f);
  char *t = run_report(f, report_purposes, "2026-11-01", "2026-12-31", REPORT_BY_MONTH,
                       SINK_CSV);
  matches_file(t, "purposes_2026_returns_by_month.csv");
  free(t);
  t = run_report(f, report_purposes, "2026-11-01", "2026-12-31", REPORT_BY_NONE, SINK_CSV);
  matches_file(t, "purposes_2026_returns_whole.csv");
  free(t);
  /* November alone is as sold: the returns are December's. */
  t = run_report(f, report_purposes, "2026-11-01", "2026-11-30", REPORT_BY_NONE, SINK_CSV);
  assert_non_null(strstr(t, "2026-11-01/2026-11-30,shop-1,EUR,gift,customer,1,1,10.00,0.70,0,"
                            "0.00,0.00\r\n"));
  free(t);
}

/* The gifts report shows Ana's return as a gift return of December, with
 * the recipient and gift receipt of the line sold; November's row is the
 * sale as it was. */
static void gifts_show_gift_returns(void **state) {
  fixture *f = *state;
  gift_story(f);
  char *t = run_report(f, report_gifts, "2026-11-01", "2026-12-31", REPORT_BY_NONE, SINK_CSV);
  matches_file(t, "gifts_2026_returns.csv");
  free(t);
  t = run_report(f, report_gifts, "2026-12-02", "2026-12-31", REPORT_BY_NONE, SINK_CSV);
  assert_string_equal(t, "date,store,terminal,sale,currency,recipient,gift_receipt,lines,"
                         "net,tax,return,returned_net,returned_tax\r\n");
  free(t);
}

/* The export writes the sales of the range, then its returns: a November
 * export has G1 and no return; a December one has D1, then R1 and R2 with
 * G1's identity and the returned quantities and amounts. */
static void export_has_returns_in_their_period(void **state) {
  fixture *f = *state;
  gift_story(f);
  char *t = run_report(f, report_export, "2026-11-01", "2026-11-30", REPORT_BY_NONE,
                       SINK_JSONL);
  assert_null(strstr(t, "\"record\":\"return\""));
  assert_non_null(strstr(t, "\"record\":\"sale\""));
  free(t);
  t = run_report(f, report_export, "2026-12-01", "2026-12-31", REPORT_BY_NONE, SINK_JSONL);
  char *save = NULL;
  const char *want_record[3] = {"sale", "return", "return"};
  const char *want_sale[3] = {"D1", "G1", "G1"};
  int n = 0;
  for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    assert_true(n < 3);
    cJSON *o = cJSON_Parse(line);
    if (o == NULL) fail_msg("not JSON: %s", line);
    assert_string_equal(tu_str(o, "record"), want_record[n]);
    assert_string_equal(tu_str(o, "sale"), want_sale[n]);
    if (n == 1) {
      assert_string_equal(tu_str(o, "return"), "R1");
      assert_string_equal(tu_str(o, "day"), "2026-12-01");
      assert_string_equal(tu_str(o, "sale_day"), "2026-11-20");
      assert_string_equal(tu_str(o, "reason"), "unwanted");
      assert_true(tu_num(o, "net") == 5.0 && tu_num(o, "tax") == 0.35);
      assert_true(tu_num(o, "lines.0.qty") == 1);
      assert_string_equal(tu_str(o, "lines.0.line"), "L2");
      assert_string_equal(tu_str(o, "lines.0.purpose"), "gift");
      assert_string_equal(tu_str(o, "lines.0.status"), "customer");
      assert_string_equal(tu_str(o, "lines.0.gift.recipient_name"), "Ana");
      assert_true(tu_num(o, "refund.0.amount") == 535);
    }
    if (n == 2) {
      assert_string_equal(tu_str(o, "return"), "R2");
      assert_true(tu_num(o, "net") == 3.33 && tu_num(o, "tax") == 0.63);
      assert_string_equal(tu_str(o, "lines.0.purpose"), "own_use");
    }
    cJSON_Delete(o);
    n++;
  }
  assert_int_equal(n, 3);
  free(t);
  /* CSV: one row per line; a return's rows negate what came back, after
   * the original line's id, sku, name and unit price, and carry the
   * return's own columns.  (completed_at is the plugin's clock, so the
   * rows are compared from the line's columns on.) */
  t = run_report(f, report_export, "2026-12-01", "2026-12-31", REPORT_BY_NONE, SINK_CSV);
  assert_non_null(strstr(t, ",record,return,return_at,return_day,return_reason,"
                            "return_reason_text,refund\r\n"));
  assert_non_null(strstr(t, ",L1,,,1,2.38,2.00,0.38,own_use,consumer,standard,false,,,,,,"
                            "sale,,,,,,\r\n"));
  assert_non_null(strstr(t, ",L2,,,-1,5.35,-5.00,-0.35,gift,customer,standard,true,,Ana,,,,"
                            "return,R1,2026-12-01T11:00:00+01:00,2026-12-01,unwanted,,"
                            "\"[{\"\"type\"\":\"\"card\"\",\"\"amount\"\":535}]\"\r\n"));
  assert_non_null(strstr(t, ",L1,,,-1,3.97,-3.33,-0.63,own_use,consumer,standard,false,,,,,,"
                            "return,R2,2026-12-02T11:00:00+01:00,2026-12-02,damaged,,"));
  /* Three rows and the header. */
  int rows = 0;
  for (const char *c = t; (c = strstr(c, "\r\n")) != NULL; c += 2) rows++;
  assert_int_equal(rows, 4);
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(partial_returns_add_up, setup, teardown),
      cmocka_unit_test_setup_teardown(resend_replays_and_other_content_conflicts, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(bad_returns_change_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(void_after_return_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(purpose_carries_over, setup, teardown),
      cmocka_unit_test_setup_teardown(verify_covers_returns, setup, teardown),
      cmocka_unit_test_setup_teardown(erase_covers_the_return_text, setup, teardown),
      cmocka_unit_test_setup_teardown(zm_nets_a_cross_period_return, setup, teardown),
      cmocka_unit_test_setup_teardown(resellers_net_returns_in_their_period, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(hmrc_nets_a_cross_period_return, setup_belfast,
                                      teardown),
      cmocka_unit_test_setup_teardown(purposes_count_returns_in_their_period, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(gifts_show_gift_returns, setup, teardown),
      cmocka_unit_test_setup_teardown(export_has_returns_in_their_period, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
