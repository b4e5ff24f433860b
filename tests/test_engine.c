/* SPDX-License-Identifier: MIT */
/* test_engine.c - the checkout flow through the engine: purposes, statuses,
 * evidence, policy, durability and every kind of bad event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"
#include "testutil.h"

typedef struct fixture {
  char dir[512];
  char db[600];
  engine *e;
} fixture;

static int setup_with(void **state, const char *extra) {
  static fixture f;
  memset(&f, 0, sizeof f);
  tu_tempdir(f.dir, sizeof f.dir);
  snprintf(f.db, sizeof f.db, "%s/t.db", f.dir);
  f.e = tu_engine(f.db, extra);
  *state = &f;
  return 0;
}

static int setup(void **state) { return setup_with(state, NULL); }
static int setup_warn(void **state) {
  return setup_with(state, "\"policy\":{\"resale_evidence\":\"warn\"}");
}
static int setup_ask(void **state) {
  return setup_with(state, "\"default_purpose\":\"ask\"");
}

static int setup_never(void **state) {
  return setup_with(state, "\"policy\":{\"gift_receipt\":\"never\"}");
}

static int teardown(void **state) {
  fixture *f = *state;
  engine_close(f->e);
  tu_rmtree(f->dir);
  return 0;
}

#define BEGIN(e, sale)                                                          \
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\"," \
                        "\"terminal\":\"T1\",\"cashier\":\"c\","                \
                        "\"at\":\"2026-11-20T10:00:00+01:00\"}",                \
                     sale))
#define LINE(e, sale, line, net, tax)                                           \
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"%s\"," \
                        "\"sku\":\"X\",\"name\":\"Item\",\"qty\":1,"            \
                        "\"unit_price\":%d,\"net\":%d,\"tax\":%d}",             \
                     sale, line, (net) + (tax), net, tax))
#define COMPLETE(e, sale, total)                                                \
  tu_ok(e, "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":%lld}", sale, \
        (long long)(total))

static int64_t count(fixture *f, const char *sql) { return tu_sql_int(f->db, sql); }

static void own_use_by_default(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "S1");
  LINE(f->e, "S1", "L1", 1000, 190);
  LINE(f->e, "S1", "L2", 500, 35);
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"S1\"}");
  assert_int_equal(tu_num(t, "total"), 1725);
  assert_true(tu_num(t, "can_complete") == 1);
  assert_string_equal(tu_str(t, "lines.0.status"), "consumer");
  assert_string_equal(tu_str(t, "tax_treatment"), "standard");
  cJSON_Delete(t);
  cJSON *c = COMPLETE(f->e, "S1", 1725);
  assert_true(tu_num(c, "recorded") == 1);
  cJSON_Delete(c);
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 1);
  assert_int_equal(count(f, "SELECT total FROM sales"), 1725);
  assert_int_equal(count(f, "SELECT count(*) FROM lines WHERE status='consumer' "
                            "AND purpose='own_use'"),
                   2);
  assert_int_equal(engine_open_sales(f->e), 0);
}

static void gift_records_recipient(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "G1");
  LINE(f->e, "G1", "L1", 2000, 140);
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"G1\",\"purpose\":\"gift\","
                         "\"recipient\":{\"name\":\"Oma\",\"contact\":\"o@x.de\"},"
                         "\"gift_receipt\":true,\"message\":\"Happy birthday\"}");
  assert_string_equal(tu_str(t, "status"), "customer");
  cJSON_Delete(t);
  t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"G1\"}");
  assert_string_equal(tu_str(t, "receipt.0"), "Gift receipt");
  assert_null(tu_str(t, "prompts.0.id")); /* receipt decided: no prompt */
  cJSON_Delete(t);
  cJSON_Delete(COMPLETE(f->e, "G1", 2140));
  char buf[128];
  tu_sql_text(f->db, "SELECT recipient_name||'|'||recipient_contact||'|'||gift_message"
                     "||'|'||gift_receipt FROM lines",
              buf, sizeof buf);
  assert_string_equal(buf, "Oma|o@x.de|Happy birthday|1");
  assert_int_equal(count(f, "SELECT count(*) FROM lines WHERE status='customer'"), 1);
}

static void gift_without_decision_prompts_for_receipt(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "G2");
  LINE(f->e, "G2", "L1", 100, 7);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"G2\",\"purpose\":\"gift\"}"));
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"G2\"}");
  assert_string_equal(tu_str(t, "prompts.0.id"), "gift_receipt");
  assert_null(tu_str(t, "receipt.0"));
  assert_true(tu_num(t, "can_complete") == 1); /* a prompt, not a block */
  cJSON_Delete(t);
}

static void resale_with_valid_vat(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "R1");
  LINE(f->e, "R1", "L1", 10000, 700);
  cJSON *c = tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"R1\",\"customer\":{"
                         "\"id\":\"C1\",\"name\":\"Cafe\",\"org\":true,"
                         "\"vat\":\"de 129 273 398\"}}");
  assert_true(tu_num(c, "evidence.0.valid") == 1);
  assert_string_equal(tu_str(c, "evidence.0.compact"), "DE129273398");
  cJSON_Delete(c);
  cJSON_Delete(
      tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"R1\",\"purpose\":\"resale\"}"));
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"R1\"}");
  /* Same country as the store: domestic B2B, VAT is charged as usual. */
  assert_string_equal(tu_str(t, "tax_treatment"), "standard");
  assert_string_equal(tu_str(t, "receipt.0"), "Purchased for resale - VAT DE129273398");
  cJSON_Delete(t);
  cJSON_Delete(COMPLETE(f->e, "R1", 10700));
  char buf[128];
  tu_sql_text(f->db, "SELECT reseller_kind||'|'||reseller_id||'|'||reseller_valid"
                     "||'|'||customer_name FROM sales",
              buf, sizeof buf);
  assert_string_equal(buf, "vat|DE129273398|1|Cafe");
  assert_int_equal(count(f, "SELECT count(*) FROM evidence WHERE chosen=1 AND valid=1 "
                            "AND input='de 129 273 398'"),
                   1);
}

static void cross_border_resale_is_reverse_charge(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "R2");
  LINE(f->e, "R2", "L1", 10000, 700);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"R2\",\"customer\":{"
                           "\"name\":\"Wien\",\"org\":true,\"vat\":\"ATU13585627\"}}"));
  cJSON_Delete(
      tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"R2\",\"purpose\":\"resale\"}"));
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"R2\"}");
  assert_string_equal(tu_str(t, "tax_treatment"), "reverse_charge");
  assert_string_equal(tu_str(t, "lines.0.treatment"), "reverse_charge");
  cJSON_Delete(t);
  cJSON_Delete(COMPLETE(f->e, "R2", 10700));
  assert_int_equal(count(f, "SELECT count(*) FROM lines WHERE treatment='reverse_charge'"),
                   1);
}

static void mistyped_vat_blocks_then_correction_passes(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "R3");
  LINE(f->e, "R3", "L1", 5000, 350);
  cJSON *c = tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"R3\",\"customer\":{"
                         "\"name\":\"Deli\",\"vat\":\"DE 12927339\"}}");
  assert_true(tu_num(c, "evidence.0.valid") == 0);
  assert_string_equal(tu_str(c, "evidence.0.reason"), "bad_length");
  cJSON_Delete(c);
  cJSON *r = tu_err(f->e, "reseller_evidence", "customer.vat",
                    "{\"type\":\"sale.tag\",\"sale\":\"R3\",\"purpose\":\"resale\"}");
  /* The cashier sees the validator's sentence, naming the digit count. */
  assert_non_null(strstr(tu_str(r, "error.message"), "9 digits"));
  cJSON_Delete(r);
  /* The refused tag changed nothing: the line is still own use. */
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"R3\"}");
  assert_string_equal(tu_str(t, "lines.0.purpose"), "own_use");
  cJSON_Delete(t);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"R3\",\"customer\":{"
                           "\"name\":\"Deli\",\"vat\":\"DE 136 695 976\"}}"));
  cJSON_Delete(
      tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"R3\",\"purpose\":\"resale\"}"));
  cJSON_Delete(COMPLETE(f->e, "R3", 5350));
  assert_int_equal(count(f, "SELECT count(*) FROM sales WHERE reseller_valid=1"), 1);
  /* Only the evidence in force at completion is recorded. */
  assert_int_equal(count(f, "SELECT count(*) FROM evidence"), 1);
}

static void customer_swapped_after_tag_blocks_completion(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "R4");
  LINE(f->e, "R4", "L1", 5000, 350);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"R4\",\"customer\":{"
                           "\"name\":\"A\",\"vat\":\"DE136695976\"}}"));
  cJSON_Delete(
      tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"R4\",\"purpose\":\"resale\"}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"R4\",\"customer\":{"
                           "\"name\":\"B\",\"vat\":\"DE136695977\"}}"));
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"R4\"}");
  assert_true(tu_num(t, "can_complete") == 0);
  assert_string_equal(tu_str(t, "blocked.0.code"), "reseller_evidence");
  assert_string_equal(tu_str(t, "prompts.0.id"), "reseller_id");
  cJSON_Delete(t);
  cJSON_Delete(tu_err(f->e, "blocked", "customer.vat",
                      "{\"type\":\"sale.complete\",\"sale\":\"R4\",\"total\":5350}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 0);
  assert_int_equal(engine_open_sales(f->e), 1);
}

static void warn_policy_records_flagged_resale(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "W1");
  LINE(f->e, "W1", "L1", 5000, 350);
  cJSON *t =
      tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"W1\",\"purpose\":\"resale\"}");
  assert_non_null(tu_str(t, "warnings.0"));
  cJSON_Delete(t);
  cJSON_Delete(COMPLETE(f->e, "W1", 5350));
  char buf[64];
  tu_sql_text(f->db, "SELECT ifnull(reseller_id,'-')||'|'||reseller_valid||'|'||"
                     "reseller_reason FROM sales",
              buf, sizeof buf);
  assert_string_equal(buf, "-|0|missing");
}

static void mixed_basket(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "M1");
  LINE(f->e, "M1", "L1", 1000, 70);
  LINE(f->e, "M1", "L2", 1000, 70);
  LINE(f->e, "M1", "L3", 2000, 140);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"M1\",\"customer\":{"
                           "\"name\":\"Cafe\",\"vat\":\"ATU13585627\"}}"));
  cJSON_Delete(
      tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"M1\",\"purpose\":\"resale\"}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"M1\",\"line\":\"L3\","
                           "\"purpose\":\"gift\",\"recipient\":{\"name\":\"Mum\"}}"));
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"M1\"}");
  assert_string_equal(tu_str(t, "lines.0.status"), "reseller");
  assert_string_equal(tu_str(t, "lines.1.status"), "reseller");
  assert_string_equal(tu_str(t, "lines.2.status"), "customer");
  assert_string_equal(tu_str(t, "lines.2.treatment"), "standard");
  cJSON_Delete(t);
  cJSON_Delete(COMPLETE(f->e, "M1", 4280));
  assert_int_equal(count(f, "SELECT count(*) FROM lines WHERE status='reseller'"), 2);
  assert_int_equal(count(f, "SELECT count(*) FROM lines WHERE status='customer' AND "
                            "recipient_name='Mum'"),
                   1);
  assert_int_equal(count(f, "SELECT purpose='resale' FROM sales"), 1);
}

static void replaced_line_keeps_its_tag(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "Q1");
  LINE(f->e, "Q1", "L1", 1000, 70);
  LINE(f->e, "Q1", "L2", 500, 35);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"Q1\",\"line\":\"L1\","
                           "\"purpose\":\"gift\"}"));
  LINE(f->e, "Q1", "L1", 3000, 210); /* qty changed: same line id */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.line\",\"sale\":\"Q1\",\"line\":\"L2\","
                           "\"qty\":0}"));
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"Q1\"}");
  assert_int_equal(tu_num(t, "total"), 3210);
  assert_string_equal(tu_str(t, "lines.0.purpose"), "gift");
  assert_null(tu_str(t, "lines.1.line"));
  cJSON_Delete(t);
  cJSON_Delete(tu_err(f->e, "unknown_line", "line",
                      "{\"type\":\"sale.line\",\"sale\":\"Q1\",\"line\":\"L9\","
                      "\"remove\":true}"));
}

static void total_mismatch_records_nothing(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "T1");
  LINE(f->e, "T1", "L1", 1000, 190);
  cJSON_Delete(tu_err(f->e, "total_mismatch", "total",
                      "{\"type\":\"sale.complete\",\"sale\":\"T1\",\"total\":1189}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 0);
  cJSON_Delete(COMPLETE(f->e, "T1", 1190));
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 1);
}

static void resent_completion_is_idempotent(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "I1");
  LINE(f->e, "I1", "L1", 1000, 190);
  const char *reply;
  size_t len;
  const char *ev = "{\"type\":\"sale.complete\",\"sale\":\"I1\",\"total\":1190}";
  assert_int_equal(engine_handle(f->e, ev, strlen(ev), &reply, &len), 0);
  char first[4096];
  snprintf(first, sizeof first, "%s", reply);
  assert_int_equal(engine_handle(f->e, ev, strlen(ev), &reply, &len), 0);
  assert_string_equal(reply, first);
  /* Also after a restart of the plugin, without the terminal in the event. */
  engine_close(f->e);
  f->e = tu_engine(f->db, NULL);
  assert_int_equal(engine_handle(f->e, ev, strlen(ev), &reply, &len), 0);
  assert_string_equal(reply, first);
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 1);
  assert_int_equal(count(f, "SELECT count(*) FROM lines"), 1);
  /* A resent begin is refused, as are lines for the recorded sale. */
  cJSON_Delete(tu_err(f->e, "already_recorded", "sale",
                      "{\"type\":\"sale.begin\",\"sale\":\"I1\",\"store\":\"shop-1\","
                      "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00Z\"}"));
  cJSON_Delete(tu_err(f->e, "sale_completed", "sale",
                      "{\"type\":\"sale.line\",\"sale\":\"I1\",\"line\":\"L2\","
                      "\"qty\":1,\"unit_price\":1,\"net\":1,\"tax\":0}"));
}

static void voids(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "V1");
  LINE(f->e, "V1", "L1", 1000, 190);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.void\",\"sale\":\"V1\",\"reason\":\"oops\"}"));
  assert_int_equal(engine_open_sales(f->e), 0);
  assert_int_equal(count(f, "SELECT count(*) FROM sales WHERE status='voided'"), 1);
  assert_int_equal(count(f, "SELECT count(*) FROM voids WHERE reason='oops'"), 1);
  cJSON_Delete(tu_err(f->e, "sale_voided", "sale",
                      "{\"type\":\"sale.complete\",\"sale\":\"V1\",\"total\":1190}"));
  /* A completed sale voided afterwards keeps its record plus a void. */
  BEGIN(f->e, "V2");
  LINE(f->e, "V2", "L1", 1000, 190);
  cJSON_Delete(COMPLETE(f->e, "V2", 1190));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.void\",\"sale\":\"V2\",\"reason\":\"refund\"}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales WHERE sale='V2' AND "
                            "status='completed'"),
                   1);
  assert_int_equal(count(f, "SELECT count(*) FROM voids"), 2);
  /* Voiding twice changes nothing. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.void\",\"sale\":\"V2\"}"));
  assert_int_equal(count(f, "SELECT count(*) FROM voids"), 2);
  cJSON_Delete(tu_err(f->e, "unknown_sale", "sale",
                      "{\"type\":\"sale.void\",\"sale\":\"NOPE\"}"));
}

static void ask_policy_blocks_untagged(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "A1");
  LINE(f->e, "A1", "L1", 1000, 190);
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"A1\"}");
  assert_string_equal(tu_str(t, "prompts.0.id"), "purpose");
  assert_string_equal(tu_str(t, "prompts.0.choices.2"), "resale");
  assert_string_equal(tu_str(t, "blocked.0.code"), "purpose_missing");
  cJSON_Delete(t);
  cJSON_Delete(tu_err(f->e, "blocked", "purpose",
                      "{\"type\":\"sale.complete\",\"sale\":\"A1\",\"total\":1190}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"A1\",\"purpose\":\"own_use\"}"));
  cJSON_Delete(COMPLETE(f->e, "A1", 1190));
}

static void expired_certificate_blocks_resale(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "U1");
  LINE(f->e, "U1", "L1", 1000, 0);
  cJSON *c = tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"U1\",\"customer\":{"
                         "\"name\":\"Brew\",\"resale_cert\":{\"state\":\"CA\","
                         "\"number\":\"SR EAA 123\",\"expires\":\"2026-11-19\"}}}");
  assert_string_equal(tu_str(c, "evidence.0.reason"), "expired");
  cJSON_Delete(c);
  cJSON_Delete(tu_err(f->e, "reseller_evidence", NULL,
                      "{\"type\":\"sale.tag\",\"sale\":\"U1\",\"purpose\":\"resale\"}"));
  /* Valid on the sale day itself. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.customer\",\"sale\":\"U1\",\"customer\":{"
                           "\"name\":\"Brew\",\"resale_cert\":{\"state\":\"CA\","
                           "\"number\":\"SR EAA 123\",\"expires\":\"2026-11-20\"}}}"));
  cJSON_Delete(
      tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"U1\",\"purpose\":\"resale\"}"));
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"U1\"}");
  assert_string_equal(tu_str(t, "tax_treatment"), "exempt_resale");
  cJSON_Delete(t);
}

/* Every bad event gets an error naming the field; nothing is recorded and
 * the open sale is untouched; the next sale still works. */
static void bad_events(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "B1");
  LINE(f->e, "B1", "L1", 1000, 190);
  struct {
    const char *code, *field, *event;
  } cases[] = {
      {"bad_json", "", "{\"type\":\"sale.line\","},
      {"bad_json", "", "not json at all"},
      {"bad_json", "", "[1,2,3]"},
      {"bad_json", "", "{\"type\":\"ping\"} trailing"},
      {"missing_field", "type", "{\"sale\":\"B1\"}"},
      {"bad_type", "type", "{\"type\":7}"},
      {"unknown_type", "type", "{\"type\":\"sale.explode\",\"sale\":\"B1\"}"},
      {"missing_field", "sale", "{\"type\":\"sale.total\"}"},
      {"unknown_sale", "sale", "{\"type\":\"sale.total\",\"sale\":\"NOPE\"}"},
      {"unknown_field", "purpse",
       "{\"type\":\"sale.tag\",\"sale\":\"B1\",\"purpse\":\"gift\"}"},
      {"bad_value", "purpose",
       "{\"type\":\"sale.tag\",\"sale\":\"B1\",\"purpose\":\"donation\"}"},
      {"bad_value", "recipient",
       "{\"type\":\"sale.tag\",\"sale\":\"B1\",\"purpose\":\"resale\","
       "\"recipient\":{\"name\":\"x\"}}"},
      {"unknown_line", "line",
       "{\"type\":\"sale.tag\",\"sale\":\"B1\",\"purpose\":\"gift\",\"line\":\"L7\"}"},
      {"bad_value", "net",
       "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L2\",\"qty\":1,"
       "\"unit_price\":100,\"net\":-100,\"tax\":0}"},
      {"bad_value", "tax",
       "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L2\",\"qty\":1,"
       "\"unit_price\":100,\"net\":100,\"tax\":1.5}"},
      {"bad_type", "unit_price",
       "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L2\",\"qty\":1,"
       "\"unit_price\":\"100\",\"net\":100,\"tax\":0}"},
      {"bad_value", "qty",
       "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L2\",\"qty\":1.0005,"
       "\"unit_price\":100,\"net\":100,\"tax\":0}"},
      {"bad_value", "qty",
       "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L2\",\"qty\":-1,"
       "\"unit_price\":100,\"net\":100,\"tax\":0}"},
      {"missing_field", "net",
       "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L2\",\"qty\":1,"
       "\"unit_price\":100,\"tax\":0}"},
      {"bad_value", "net",
       "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L2\",\"qty\":1,"
       "\"unit_price\":100,\"net\":1e300,\"tax\":0}"},
      {"bad_value", "at",
       "{\"type\":\"sale.begin\",\"sale\":\"B2\",\"store\":\"shop-1\","
       "\"terminal\":\"T1\",\"at\":\"2026-02-30T10:00:00Z\"}"},
      {"bad_value", "currency",
       "{\"type\":\"sale.begin\",\"sale\":\"B2\",\"store\":\"shop-1\","
       "\"terminal\":\"T1\",\"at\":\"2026-02-03T10:00:00Z\",\"currency\":\"EURO\"}"},
      {"sale_open", "sale",
       "{\"type\":\"sale.begin\",\"sale\":\"B1\",\"store\":\"shop-1\","
       "\"terminal\":\"T1\",\"at\":\"2026-02-03T10:00:00Z\"}"},
      {"bad_type", "customer", "{\"type\":\"sale.customer\",\"sale\":\"B1\",\"customer\":1}"},
      {"missing_field", "customer",
       "{\"type\":\"sale.customer\",\"sale\":\"B1\",\"customer\":{}}"},
      {"bad_value", "customer.resale_cert.expires",
       "{\"type\":\"sale.customer\",\"sale\":\"B1\",\"customer\":{\"resale_cert\":"
       "{\"state\":\"CA\",\"number\":\"1\",\"expires\":\"next year\"}}}"},
      {"bad_value", "customer.name",
       "{\"type\":\"sale.customer\",\"sale\":\"B1\",\"customer\":{\"name\":\"a\\u0001b\"}}"},
      {"bad_value", "total",
       "{\"type\":\"sale.complete\",\"sale\":\"B1\",\"total\":-1190}"},
      {"bad_type", "tenders",
       "{\"type\":\"sale.complete\",\"sale\":\"B1\",\"total\":1190,\"tenders\":3}"},
      {"total_mismatch", "total", "{\"type\":\"sale.complete\",\"sale\":\"B1\",\"total\":5}"},
      {"duplicate_field", "purpose",
       "{\"type\":\"sale.tag\",\"sale\":\"B1\",\"purpose\":\"own_use\","
       "\"purpose\":\"resale\"}"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cJSON_Delete(tu_err(f->e, cases[i].code, cases[i].field, "%s", cases[i].event));

  /* A NUL inside the event and an over-long id. */
  const char *reply;
  size_t len;
  const char nul[] = "{\"type\":\"ping\"}\0{}";
  engine_handle(f->e, nul, sizeof nul - 1, &reply, &len);
  assert_non_null(strstr(reply, "\"bad_json\""));
  char big[400];
  memset(big, 'x', 300);
  big[300] = '\0';
  cJSON_Delete(tu_err(f->e, "too_long", "sale", "{\"type\":\"sale.total\",\"sale\":\"%s\"}",
                      big));

  /* Refused by the text walk, before the members were read: the reply
   * still names the event's type and sale (review 2, finding 11), except
   * a sale id that is itself what was refused. */
  static const struct {
    const char *event, *code, *field, *sale;
  } walked[] = {
      {"{\"type\":\"sale.line\",\"sale\":\"N1\",\"line\":\"L9\",\"qty\":1,"
       "\"unit_price\":1,\"net\":1,\"tax\":100.0000000000000000001}",
       "bad_value", "tax", "N1"},
      {"{\"type\":\"sale.tag\",\"sale\":\"N1\",\"purpose\":\"own_use\",\"x\\u0000\":5}",
       "bad_value", "x", "N1"},
      {"{\"type\":\"sale.complete\",\"sale\":\"N1\",\"total\":0100}", "bad_json",
       "total", "N1"},
      {"{\"type\":\"sale.void\",\"sale\":\"U1\\u0000EVIL\"}", "bad_value", "sale", NULL},
  };
  for (size_t i = 0; i < sizeof walked / sizeof walked[0]; i++) {
    cJSON *r = tu_err(f->e, walked[i].code, walked[i].field, "%s", walked[i].event);
    const char *type = tu_str(r, "type"), *sid = tu_str(r, "sale");
    if (type == NULL || strncmp(walked[i].event + 9, type, strlen(type)) != 0)
      fail_msg("%s: type %s", walked[i].event, type ? type : "(none)");
    if (walked[i].sale ? sid == NULL || strcmp(sid, walked[i].sale) != 0 : sid != NULL)
      fail_msg("%s: sale %s", walked[i].event, sid ? sid : "(none)");
    cJSON_Delete(r);
  }

  /* Nothing recorded, the open sale unchanged, and it still completes. */
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 0);
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"B1\"}");
  assert_int_equal(tu_num(t, "total"), 1190);
  assert_string_equal(tu_str(t, "lines.0.purpose"), "own_use");
  assert_null(tu_str(t, "lines.1.line"));
  cJSON_Delete(t);
  cJSON_Delete(COMPLETE(f->e, "B1", 1190));
  BEGIN(f->e, "B3");
  LINE(f->e, "B3", "L1", 1, 0);
  cJSON_Delete(COMPLETE(f->e, "B3", 1));
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 2);
}

static void empty_sale_cannot_complete(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "E1");
  cJSON_Delete(tu_err(f->e, "empty_sale", "sale",
                      "{\"type\":\"sale.complete\",\"sale\":\"E1\",\"total\":0}"));
}

static void money_is_exact(void **state) {
  fixture *f = *state;
  /* Largest per-line amount, a hundred lines: the sum stays exact. */
  BEGIN(f->e, "X1");
  for (int i = 0; i < 100; i++) {
    char id[8];
    snprintf(id, sizeof id, "L%d", i);
    cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.line\",\"sale\":\"X1\",\"line\":\"%s\","
                             "\"qty\":1,\"unit_price\":9007199254740,"
                             "\"net\":9007199254740,\"tax\":0}",
                       id));
  }
  cJSON_Delete(COMPLETE(f->e, "X1", 900719925474000) /* exact in a double */);
  assert_int_equal(count(f, "SELECT total FROM sales"), 900719925474000LL);
}

/* ------------------------------------------------------------------------ */
/* One sale, one record (issue 10)                                           */

#define BEGIN_AT(e, sale, store, term)                                          \
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"%s\"," \
                        "\"terminal\":\"%s\",\"cashier\":\"c\","                \
                        "\"at\":\"2026-11-20T10:00:00+01:00\"}",                \
                     sale, store, term))

/* The error message of a refused reply contains `needle`. */
static void assert_message_has(const cJSON *r, const char *needle) {
  const char *m = tu_str(r, "error.message");
  assert_non_null(m);
  if (strstr(m, needle) == NULL) fail_msg("message \"%s\" lacks \"%s\"", m, needle);
}

/* Two tills (two connections on one database) open the same store,
 * terminal and sale id; the second completion loses the race and must be
 * refused with what is recorded, never acknowledged. */
static void race_loser_is_refused(void **state) {
  fixture *f = *state;
  engine *other = tu_engine(f->db, NULL);
  BEGIN(f->e, "R1");
  LINE(f->e, "R1", "L1", 1000, 190);
  BEGIN(other, "R1");
  LINE(other, "R1", "L1", 2000, 380);
  cJSON_Delete(COMPLETE(f->e, "R1", 1190));
  cJSON *r = tu_err(other, "conflict", "sale",
                    "{\"type\":\"sale.complete\",\"sale\":\"R1\",\"total\":2380}");
  assert_message_has(r, "11.90 EUR");
  assert_message_has(r, "T1");
  cJSON_Delete(r);
  /* Resent, it is still not acknowledged. */
  cJSON_Delete(tu_err(other, "conflict", NULL,
                      "{\"type\":\"sale.complete\",\"sale\":\"R1\",\"total\":2380}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 1);
  assert_int_equal(count(f, "SELECT total FROM sales"), 1190);
  engine_close(other);
}

/* The loser's later events never act on the winner's record: with the
 * same total and tenders, a resent completion used to replay the other
 * till's reply ("recorded") and a void used to void the other till's paid
 * sale.  Both are refused as the completion was; the winner's record and
 * the winner's own resend are untouched. */
static void race_loser_never_acts_on_the_winner(void **state) {
  fixture *f = *state;
  engine *other = tu_engine(f->db, NULL);
  BEGIN(f->e, "R2");
  LINE(f->e, "R2", "L1", 1000, 190);
  BEGIN(other, "R2");
  LINE(other, "R2", "L1", 1000, 190); /* same total: only the lines differ */
  cJSON *won = COMPLETE(f->e, "R2", 1190);
  cJSON_Delete(tu_err(other, "conflict", "sale",
                      "{\"type\":\"sale.complete\",\"sale\":\"R2\",\"total\":1190}"));
  cJSON *r = tu_err(other, "conflict", "sale",
                    "{\"type\":\"sale.complete\",\"sale\":\"R2\",\"total\":1190}");
  assert_message_has(r, "NOT recorded");
  cJSON_Delete(r);
  cJSON_Delete(tu_err(other, "conflict", "sale",
                      "{\"type\":\"sale.void\",\"sale\":\"R2\",\"reason\":\"cleanup\"}"));
  cJSON_Delete(tu_err(other, "conflict", "sale",
                      "{\"type\":\"sale.void\",\"sale\":\"R2\",\"store\":\"shop-1\","
                      "\"terminal\":\"T1\",\"reason\":\"cleanup\"}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales WHERE status = 'completed'"), 1);
  assert_int_equal(count(f, "SELECT count(*) FROM voids"), 0);
  /* The winner's own resend still gets its reply. */
  cJSON *again = COMPLETE(f->e, "R2", 1190);
  assert_true(cJSON_Compare(won, again, 1));
  cJSON_Delete(again);
  cJSON_Delete(won);
  engine_close(other);
}

/* ------------------------------------------------------------------------ */
/* Attempt keys (docs/events.md, "Attempt keys")                            */

#define BEGIN_KEY(e, sale, key)                                                 \
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\"," \
                        "\"terminal\":\"T1\",\"cashier\":\"c\","                \
                        "\"at\":\"2026-11-20T10:00:00+01:00\",\"attempt\":\"%s\"}", \
                     sale, key))
#define COMPLETE_KEY "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":%d,"  \
                     "\"tenders\":[{\"type\":\"card\",\"amount\":%d}],\"attempt\":\"%s\"}"

/* What a refusal must leave as it was: every row of the sale and the
 * journal, as one string. */
static void snapshot(fixture *f, char *buf, size_t cap) {
  tu_sql_text(f->db,
              "SELECT (SELECT count(*) FROM sales) || '/' || (SELECT count(*) FROM voids)"
              " || '/' || (SELECT count(*) FROM journal) || '/' ||"
              " (SELECT group_concat(sale || ':' || total || ':' || ifnull(attempt, '-'))"
              " FROM sales) || '/' || (SELECT hash FROM journal ORDER BY seq DESC LIMIT 1)",
              buf, cap);
}

/* Two tills race on the same ids with the same content.  The loser is
 * refused in its process; restarted, it resends exactly the completion it
 * sent, which matches the winner's record in every field but the attempt
 * key: refused (conflict, field attempt, saying what is recorded), nothing
 * changed, never "recorded".  Its void is refused the same way.  The
 * winner's own resend, after a restart too, is replayed. */
static void attempt_key_refuses_the_restarted_loser(void **state) {
  fixture *f = *state;
  engine *loser = tu_engine(f->db, NULL);
  BEGIN_KEY(f->e, "K1", "winner-7f3a");
  LINE(f->e, "K1", "L1", 1000, 190);
  BEGIN_KEY(loser, "K1", "loser-09bc");
  LINE(loser, "K1", "L1", 1000, 190);
  cJSON *won = tu_ok(f->e, COMPLETE_KEY, "K1", 1190, 1190, "winner-7f3a");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(won, "recorded")));
  cJSON_Delete(tu_err(loser, "conflict", "sale", COMPLETE_KEY, "K1", 1190, 1190,
                      "loser-09bc"));
  engine_close(loser);
  char before[1024], after[1024];
  snapshot(f, before, sizeof before);
  assert_non_null(strstr(before, "K1:1190:winner-7f3a"));

  loser = tu_engine(f->db, NULL); /* the restart: no lost sale in memory */
  cJSON *r = tu_err(loser, "conflict", "attempt", COMPLETE_KEY, "K1", 1190, 1190,
                    "loser-09bc");
  assert_null(cJSON_GetObjectItem(r, "recorded"));
  assert_message_has(r, "11.90 EUR");
  assert_message_has(r, "T1");
  assert_message_has(r, "NOT recorded");
  if (strstr(tu_str(r, "error.message"), "winner-7f3a"))
    fail_msg("the refusal echoes the other till's key: %s", tu_str(r, "error.message"));
  cJSON_Delete(r);
  cJSON_Delete(tu_err(loser, "conflict", "attempt",
                      "{\"type\":\"sale.void\",\"sale\":\"K1\",\"reason\":\"x\","
                      "\"attempt\":\"loser-09bc\"}"));
  snapshot(f, after, sizeof after);
  assert_string_equal(before, after);

  /* The winner's resend is replayed, in its process and after a restart;
   * so is a resend without a key (judged by content, as before keys). */
  cJSON *again = tu_ok(f->e, COMPLETE_KEY, "K1", 1190, 1190, "winner-7f3a");
  assert_true(cJSON_Compare(won, again, 1));
  cJSON_Delete(again);
  engine_close(f->e);
  f->e = tu_engine(f->db, NULL);
  again = tu_ok(f->e, COMPLETE_KEY, "K1", 1190, 1190, "winner-7f3a");
  assert_true(cJSON_Compare(won, again, 1));
  cJSON_Delete(again);
  again = tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"K1\",\"total\":1190,"
                      "\"tenders\":[{\"type\":\"card\",\"amount\":1190}]}");
  assert_true(cJSON_Compare(won, again, 1));
  cJSON_Delete(again);
  snapshot(f, after, sizeof after);
  assert_string_equal(before, after);
  /* The key's owner may void it. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.void\",\"sale\":\"K1\",\"reason\":\"x\","
                           "\"attempt\":\"winner-7f3a\"}"));
  assert_int_equal(count(f, "SELECT count(*) FROM voids"), 1);
  cJSON_Delete(won);
  engine_close(loser);
}

/* The key within one till: a completion (or void) of an open sale with
 * another key than its sale.begin's is refused and leaves the sale open;
 * a key given only at the completion is the sale's; a sale recorded
 * without a key is judged by its content, whatever key a resend brings. */
static void attempt_key_of_an_open_sale(void **state) {
  fixture *f = *state;
  BEGIN_KEY(f->e, "K2", "k2-first");
  LINE(f->e, "K2", "L1", 1000, 190);
  cJSON_Delete(tu_err(f->e, "conflict", "attempt", COMPLETE_KEY, "K2", 1190, 1190,
                      "k2-other"));
  cJSON_Delete(tu_err(f->e, "conflict", "attempt",
                      "{\"type\":\"sale.void\",\"sale\":\"K2\",\"attempt\":\"k2-other\"}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 0);
  assert_int_equal(engine_open_sales(f->e), 1);
  /* Without a key, the completion is the open sale's: its key is kept. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"K2\",\"total\":1190}"));
  char key[80];
  tu_sql_text(f->db, "SELECT attempt FROM sales WHERE sale='K2'", key, sizeof key);
  assert_string_equal(key, "k2-first");

  BEGIN(f->e, "K3");
  LINE(f->e, "K3", "L1", 1000, 190);
  cJSON_Delete(tu_ok(f->e, COMPLETE_KEY, "K3", 1190, 1190, "k3-at-completion"));
  tu_sql_text(f->db, "SELECT attempt FROM sales WHERE sale='K3'", key, sizeof key);
  assert_string_equal(key, "k3-at-completion");

  BEGIN(f->e, "K4");
  LINE(f->e, "K4", "L1", 1000, 190);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"K4\",\"total\":1190,"
                           "\"tenders\":[{\"type\":\"card\",\"amount\":1190}]}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales WHERE sale='K4' AND attempt IS NULL"),
                   1);
  engine_close(f->e);
  f->e = tu_engine(f->db, NULL);
  cJSON *r = tu_ok(f->e, COMPLETE_KEY, "K4", 1190, 1190, "any-key");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "recorded")));
  cJSON_Delete(r);
}

/* The key is strict: a non-empty string of printable ASCII, at most 64
 * bytes, in the three events that take it and no other; each refusal
 * names the field and changes nothing. */
static void attempt_key_is_strict(void **state) {
  fixture *f = *state;
  char long_key[80];
  memset(long_key, 'a', 65);
  long_key[65] = '\0';
#define KEY_BEGIN "{\"type\":\"sale.begin\",\"sale\":\"K5\",\"store\":\"shop-1\","   \
                  "\"terminal\":\"T1\",\"at\":\"2026-11-20T10:00:00+01:00\","          \
                  "\"attempt\":%s}"
  struct {
    const char *code, *value;
  } bad[] = {{"bad_type", "42"},        {"bad_type", "null"},
             {"bad_type", "[\"k\"]"},   {"bad_type", "{\"k\":1}"},
             {"bad_type", "true"},      {"bad_value", "\"\""},
             {"bad_value", "\"a b\""},  {"bad_value", "\"caf\\u00e9\""},
             {"bad_value", "\"a\\tb\""}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cJSON *r = tu_err(f->e, bad[i].code, "attempt", KEY_BEGIN, bad[i].value);
    assert_message_has(r, "attempt");
    cJSON_Delete(r);
  }
  char quoted[96];
  snprintf(quoted, sizeof quoted, "\"%s\"", long_key);
  cJSON *r = tu_err(f->e, "too_long", "attempt", KEY_BEGIN, quoted);
  assert_message_has(r, "64");
  cJSON_Delete(r);
  long_key[64] = '\0'; /* 64 bytes: the limit itself */
  snprintf(quoted, sizeof quoted, "\"%s\"", long_key);
  cJSON_Delete(tu_ok(f->e, KEY_BEGIN, quoted));
  LINE(f->e, "K5", "L1", 1000, 190);
  cJSON_Delete(tu_err(f->e, "bad_type", "attempt",
                      "{\"type\":\"sale.complete\",\"sale\":\"K5\",\"total\":1190,"
                      "\"attempt\":7}"));
  cJSON_Delete(tu_err(f->e, "bad_value", "attempt",
                      "{\"type\":\"sale.void\",\"sale\":\"K5\",\"attempt\":\"\"}"));
  cJSON_Delete(tu_err(f->e, "unknown_field", "attempt",
                      "{\"type\":\"sale.total\",\"sale\":\"K5\",\"attempt\":\"k\"}"));
  assert_int_equal(engine_open_sales(f->e), 1);
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 0);
}

/* The key is chained: editing it, or giving one to a sale recorded
 * without, is caught by verification. */
static void edited_attempt_fails_verification(void **state) {
  fixture *f = *state;
  BEGIN_KEY(f->e, "K6", "k6-key");
  LINE(f->e, "K6", "L1", 1000, 190);
  cJSON_Delete(tu_ok(f->e, COMPLETE_KEY, "K6", 1190, 1190, "k6-key"));
  BEGIN(f->e, "K7");
  LINE(f->e, "K7", "L1", 1000, 190);
  cJSON_Delete(COMPLETE(f->e, "K7", 1190));
  engine_close(f->e);
  f->e = NULL;
  const char *edits[] = {"UPDATE sales SET attempt='k6-forged' WHERE sale='K6'",
                         "UPDATE sales SET attempt=NULL WHERE sale='K6'",
                         "UPDATE sales SET attempt='k7-added' WHERE sale='K7'"};
  for (size_t i = 0; i <= sizeof edits / sizeof edits[0]; i++) {
    char copy[700];
    snprintf(copy, sizeof copy, "%s/copy%zu.db", f->dir, i);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_text(q, 1, copy, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (i < sizeof edits / sizeof edits[0]) {
      assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
      assert_int_equal(sqlite3_exec(db, edits[i], NULL, NULL, NULL), SQLITE_OK);
      sqlite3_close(db);
    }
    store *st;
    pi_error err;
    journal_report rep;
    pi_error_clear(&err);
    assert_int_equal(store_open(copy, STORE_READONLY, NULL, &st, &err), 0);
    assert_int_equal(store_verify(st, &rep, &err), 0);
    store_close(st);
    if (i == sizeof edits / sizeof edits[0]) {
      if (!rep.ok) fail_msg("the untouched copy does not verify: %s", rep.problem);
    } else if (rep.ok) {
      fail_msg("%s passes verification", edits[i]);
    } else {
      assert_non_null(strstr(rep.problem, "differs"));
    }
  }
  f->e = tu_engine(f->db, NULL);
}

/* The database's identity is its own store's: a till of another store
 * opening it (one ping) does not make it that store's, while a till of
 * the same store brings it up to date. */
static void another_stores_till_keeps_the_identity(void **state) {
  fixture *f = *state;
  char v[64];
  engine *wien = tu_engine(f->db, "\"store_id\":\"wien-1\",\"store_country\":\"AT\","
                                  "\"store_vat\":\"ATU13585627\"");
  cJSON_Delete(tu_ok(wien, "{\"type\":\"ping\"}"));
  engine_close(wien);
  tu_sql_text(f->db, "SELECT value FROM meta WHERE key='store_id'", v, sizeof v);
  assert_string_equal(v, "shop-1");
  tu_sql_text(f->db, "SELECT value FROM meta WHERE key='store_vat'", v, sizeof v);
  assert_string_equal(v, "DE136695976");
  engine *same = tu_engine(f->db, "\"store_vat\":\"DE811569869\"");
  engine_close(same);
  tu_sql_text(f->db, "SELECT value FROM meta WHERE key='store_vat'", v, sizeof v);
  assert_string_equal(v, "DE811569869");
}

/* A resend whose content differs from what was recorded is a conflict. */
static void resend_with_other_content_conflicts(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "C1");
  LINE(f->e, "C1", "L1", 1000, 190);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"C1\",\"total\":1190,"
                           "\"tenders\":[{\"type\":\"card\",\"amount\":1190}]}"));
  cJSON *r = tu_err(f->e, "conflict", "total",
                    "{\"type\":\"sale.complete\",\"sale\":\"C1\",\"total\":1000,"
                    "\"tenders\":[{\"type\":\"card\",\"amount\":1000}]}");
  assert_message_has(r, "11.90 EUR");
  cJSON_Delete(r);
  cJSON_Delete(tu_err(f->e, "conflict", "tenders",
                      "{\"type\":\"sale.complete\",\"sale\":\"C1\",\"total\":1190,"
                      "\"tenders\":[{\"type\":\"cash\",\"amount\":1190}]}"));
  cJSON_Delete(tu_err(f->e, "conflict", "tenders",
                      "{\"type\":\"sale.complete\",\"sale\":\"C1\",\"total\":1190}"));
  /* The same event is replayed. */
  cJSON *ok = tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"C1\",\"total\":1190,"
                          "\"tenders\":[{\"type\":\"card\",\"amount\":1190}]}");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ok, "recorded")));
  cJSON_Delete(ok);
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 1);
}

/* A completed sale voided afterwards answers a resent completion as voided. */
static void completion_resent_after_void_is_voided(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "W1");
  LINE(f->e, "W1", "L1", 1000, 190);
  cJSON_Delete(COMPLETE(f->e, "W1", 1190));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.void\",\"sale\":\"W1\",\"reason\":\"refund\"}"));
  cJSON_Delete(tu_err(f->e, "sale_voided", "sale",
                      "{\"type\":\"sale.complete\",\"sale\":\"W1\",\"total\":1190}"));
  engine_close(f->e);
  f->e = tu_engine(f->db, NULL);
  cJSON_Delete(tu_err(f->e, "sale_voided", "sale",
                      "{\"type\":\"sale.complete\",\"sale\":\"W1\",\"total\":1190}"));
}

/* Tenders cover the total; only cash gives change; unknown types are
 * refused; nothing is recorded when they do not add up. */
static void tenders_must_cover_the_total(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "P1");
  LINE(f->e, "P1", "L1", 1000, 190);
  cJSON_Delete(tu_err(f->e, "tenders_mismatch", "tenders",
                      "{\"type\":\"sale.complete\",\"sale\":\"P1\",\"total\":1190,"
                      "\"tenders\":[{\"type\":\"card\",\"amount\":1000}]}"));
  cJSON_Delete(tu_err(f->e, "tenders_mismatch", "tenders",
                      "{\"type\":\"sale.complete\",\"sale\":\"P1\",\"total\":1190,"
                      "\"tenders\":[{\"type\":\"card\",\"amount\":2000}]}"));
  cJSON_Delete(tu_err(f->e, "tenders_mismatch", "tenders",
                      "{\"type\":\"sale.complete\",\"sale\":\"P1\",\"total\":1190,"
                      "\"tenders\":[]}"));
  cJSON_Delete(tu_err(f->e, "unknown_tender", "tenders",
                      "{\"type\":\"sale.complete\",\"sale\":\"P1\",\"total\":1190,"
                      "\"tenders\":[{\"type\":\"seashells\",\"amount\":1190}]}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 0);
  /* Cash may exceed the total: the rest is change. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"P1\",\"total\":1190,"
                           "\"tenders\":[{\"type\":\"card\",\"amount\":190},"
                           "{\"type\":\"cash\",\"amount\":2000}]}"));
  assert_int_equal(count(f, "SELECT count(*) FROM sales"), 1);
}

/* A resend that names only the sale id finds the one recorded sale,
 * whatever its store, in the same process and after a restart. */
static void resend_by_sale_id_finds_any_store(void **state) {
  fixture *f = *state;
  BEGIN_AT(f->e, "O1", "other-shop", "T9");
  LINE(f->e, "O1", "L1", 1000, 190);
  const char *reply;
  size_t len;
  const char *ev = "{\"type\":\"sale.complete\",\"sale\":\"O1\",\"total\":1190}";
  assert_int_equal(engine_handle(f->e, ev, strlen(ev), &reply, &len), 0);
  char first[4096];
  snprintf(first, sizeof first, "%s", reply);
  assert_non_null(strstr(first, "\"recorded\":true"));
  assert_int_equal(engine_handle(f->e, ev, strlen(ev), &reply, &len), 0);
  assert_string_equal(reply, first);
  engine_close(f->e);
  f->e = tu_engine(f->db, NULL);
  assert_int_equal(engine_handle(f->e, ev, strlen(ev), &reply, &len), 0);
  assert_string_equal(reply, first);
  /* The same sale id in a second store: now the store must be named. */
  BEGIN_AT(f->e, "O1", "shop-1", "T1");
  LINE(f->e, "O1", "L1", 500, 95);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"O1\",\"store\":\"shop-1\","
                           "\"total\":595}"));
  cJSON *r = tu_err(f->e, "ambiguous_sale", "store", "%s", ev);
  assert_message_has(r, "other-shop");
  cJSON_Delete(r);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"O1\","
                           "\"store\":\"other-shop\",\"total\":1190}"));
}

/* A void that leaves out the terminal of a sale completed on two
 * terminals is refused, and voids nothing. */
static void void_without_terminal_is_ambiguous(void **state) {
  fixture *f = *state;
  BEGIN_AT(f->e, "D1", "shop-1", "T1");
  LINE(f->e, "D1", "L1", 1000, 190);
  cJSON_Delete(COMPLETE(f->e, "D1", 1190));
  BEGIN_AT(f->e, "D1", "shop-1", "T2");
  LINE(f->e, "D1", "L1", 1000, 190);
  cJSON_Delete(COMPLETE(f->e, "D1", 1190));
  cJSON *r = tu_err(f->e, "ambiguous_sale", "terminal",
                    "{\"type\":\"sale.void\",\"sale\":\"D1\",\"reason\":\"x\"}");
  assert_message_has(r, "T2");
  cJSON_Delete(r);
  assert_int_equal(count(f, "SELECT count(*) FROM voids"), 0);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.void\",\"sale\":\"D1\",\"terminal\":\"T2\"}"));
  assert_int_equal(count(f, "SELECT count(*) FROM voids v JOIN sales s ON s.id=v.sale_id"
                            " WHERE s.terminal='T2'"),
                   1);
  /* Two sales open on one till under one id: events must say which. */
  BEGIN_AT(f->e, "D2", "shop-1", "T1");
  BEGIN_AT(f->e, "D2", "shop-1", "T2");
  cJSON_Delete(tu_err(f->e, "ambiguous_sale", "terminal",
                      "{\"type\":\"sale.line\",\"sale\":\"D2\",\"line\":\"L1\",\"qty\":1,"
                      "\"unit_price\":1,\"net\":1,\"tax\":0}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.line\",\"sale\":\"D2\",\"terminal\":\"T2\","
                           "\"line\":\"L1\",\"qty\":1,\"unit_price\":1,\"net\":1,\"tax\":0}"));
}

/* A line that would take the total past 2^53 - 1 is refused at sale.line. */
static void total_past_2_53_is_refused_at_the_line(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "M1");
  int64_t total = 0;
  int refused = 0;
  for (int i = 0; i < 1000 && !refused; i++) {
    char ev[256];
    snprintf(ev, sizeof ev,
             "{\"type\":\"sale.line\",\"sale\":\"M1\",\"line\":\"L%d\",\"qty\":1,"
             "\"unit_price\":9007199254740,\"net\":9007199254740,\"tax\":9007199254740}",
             i);
    const char *reply;
    size_t len;
    engine_handle(f->e, ev, strlen(ev), &reply, &len);
    cJSON *r = cJSON_Parse(reply);
    if (cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
      total += 2 * INT64_C(9007199254740);
      assert_true(total <= INT64_C(9007199254740991));
    } else {
      assert_string_equal(tu_str(r, "error.code"), "total_too_large");
      assert_message_has(r, "9007199254740991");
      refused = 1;
    }
    cJSON_Delete(r);
  }
  assert_true(refused);
  cJSON_Delete(COMPLETE(f->e, "M1", total));
  assert_int_equal(count(f, "SELECT total FROM sales"), total);
}

/* A database that cannot be durable is refused unless the manifest asks
 * for the non-durable mode meant for tests. */
static void non_durable_database_is_refused(void **state) {
  (void)state;
  const char *bad[] = {"{\"database\":\":memory:\"}", "{\"database\":\"\"}",
                       "{\"database\":\"file::memory:\"}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    engine_options opt = {.manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
                          .overrides_json = bad[i]};
    engine *e = NULL;
    pi_error err;
    pi_error_clear(&err);
    if (engine_open(&opt, &e, &err) == 0) {
      engine_close(e);
      fail_msg("%s was accepted", bad[i]);
    }
    /* An empty path is refused by the manifest's reader as missing, a
     * "file:" URI as a URI. */
    assert_string_equal(err.code, i == 1 ? "missing_field" : "config");
    assert_string_equal(err.field, "config.database");
    if (i == 0) assert_non_null(strstr(err.message, "durable"));
    if (i == 2) assert_non_null(strstr(err.message, "is an SQLite URI"));
  }
  engine_options opt = {.manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
                        .overrides_json =
                            "{\"database\":\":memory:\",\"durability\":\"none\"}"};
  engine *e = NULL;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(engine_open(&opt, &e, &err), 0);
  engine_close(e);
}

/* The whole file, into buf; its length, or -1 when it is missing. */
static long slurp(const char *path, char *buf, size_t cap) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) return -1;
  size_t n = fread(buf, 1, cap, fp);
  fclose(fp);
  assert_true(n < cap);
  return (long)n;
}

/* Another application's SQLite file (user_version 0, with tables) named
 * as the till's database is refused before anything is changed: no
 * posintent tables, no switch to WAL, not one byte written.  An empty
 * file is still a new database. */
static void foreign_database_is_refused(void **state) {
  fixture *f = *state;
  const char *schemas[] = {
      "CREATE TABLE customers(name TEXT);"
      "INSERT INTO customers VALUES('Important Data');",
      /* a table posintent also has: once "table meta already exists" */
      "CREATE TABLE meta(k, v);"};
  for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++) {
    char path[700], side[720], overrides[800];
    snprintf(path, sizeof path, "%s/foreign%zu.db", f->dir, i);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, schemas[i], NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    static char before[1 << 16], after[1 << 16];
    long n = slurp(path, before, sizeof before);
    assert_true(n > 0);

    snprintf(overrides, sizeof overrides, "{\"database\":\"%s\"}", path);
    engine_options opt = {.manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
                          .overrides_json = overrides};
    engine *e = NULL;
    pi_error err;
    pi_error_clear(&err);
    if (engine_open(&opt, &e, &err) == 0) {
      engine_close(e);
      fail_msg("%s was adopted", schemas[i]);
    }
    assert_string_equal(err.code, "not_a_database");
    assert_non_null(strstr(err.message, "is an SQLite database of another "
                                        "application, not a posintent one"));
    assert_non_null(strstr(err.message, "foreign"));
    assert_int_equal(slurp(path, after, sizeof after), n);
    assert_memory_equal(before, after, (size_t)n);
    snprintf(side, sizeof side, "%s-wal", path);
    assert_int_equal(access(side, F_OK), -1);
    snprintf(side, sizeof side, "%s-shm", path);
    assert_int_equal(access(side, F_OK), -1);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "delete");
    sqlite3_finalize(q);
    sqlite3_close(db);
  }
  /* An existing, empty file: a new database, as before. */
  char path[700], overrides[800];
  snprintf(path, sizeof path, "%s/empty.db", f->dir);
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  fclose(fp);
  snprintf(overrides, sizeof overrides, "{\"database\":\"%s\"}", path);
  engine_options opt = {.manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
                        .overrides_json = overrides};
  engine *e = NULL;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(engine_open(&opt, &e, &err), 0);
  engine_close(e);
}

/* Editing a stored reply is caught by verification. */
static void edited_reply_fails_verification(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "J1");
  LINE(f->e, "J1", "L1", 1000, 190);
  cJSON_Delete(COMPLETE(f->e, "J1", 1190));
  engine_close(f->e);
  f->e = NULL;
  sqlite3 *db;
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE sales SET reply=replace(reply,'1190','11')",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  store *st;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  journal_report rep;
  assert_int_equal(store_verify(st, &rep, &err), 0);
  assert_false(rep.ok);
  assert_non_null(strstr(rep.problem, "reply"));
  store_close(st);
  f->e = tu_engine(f->db, NULL);
}

/* Erasure's way to change a stored reply (journal_rewrite_reply) keeps the
 * chain verifying, and the resent completion gets the new reply; editing
 * the rewritten reply again is caught. */
static void rewritten_reply_verifies(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "J2");
  LINE(f->e, "J2", "L1", 1000, 190);
  cJSON_Delete(COMPLETE(f->e, "J2", 1190));
  engine_close(f->e);
  f->e = NULL;
  const char *scrubbed = "{\"ok\":true,\"type\":\"sale.complete\",\"sale\":\"J2\","
                         "\"recorded\":true,\"total\":1190}";
  sqlite3 *db;
  journal *j;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(journal_open(db, &j, &err), 0);
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(journal_rewrite_reply(j, 1, scrubbed, "2026-11-21T00:00:00Z", &err), 0);
  assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  journal_close(j);
  sqlite3_close(db);
  store *st;
  journal_report rep;
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  assert_int_equal(store_verify(st, &rep, &err), 0);
  if (!rep.ok) fail_msg("verify: %s", rep.problem);
  store_close(st);
  f->e = tu_engine(f->db, NULL);
  const char *reply;
  size_t len;
  const char *ev = "{\"type\":\"sale.complete\",\"sale\":\"J2\",\"total\":1190}";
  engine_handle(f->e, ev, strlen(ev), &reply, &len);
  assert_string_equal(reply, scrubbed);
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE sales SET reply=replace(reply,'1190','1')",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  assert_int_equal(store_verify(st, &rep, &err), 0);
  assert_false(rep.ok);
  assert_non_null(strstr(rep.problem, "reply"));
  store_close(st);
}

/* One column of the first row of `sql` as an integer. */
static int64_t scalar(sqlite3 *db, const char *sql) {
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return v;
}

/* A journal entry's JSON at its limit (journal_set_max): exactly the
 * limit is appended; one byte more is refused whole as too_long naming
 * the limit, not reported as out of memory, and nothing is appended. */
static void journal_json_limit_is_loud(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "J3");
  LINE(f->e, "J3", "L1", 1000, 190);
  cJSON_Delete(COMPLETE(f->e, "J3", 1190));
  engine_close(f->e);
  f->e = NULL;
  const char *reply = "{\"ok\":true,\"type\":\"sale.complete\",\"sale\":\"J3\","
                      "\"recorded\":true,\"total\":1190}";
  const char *at = "2026-11-21T00:00:00Z";
  sqlite3 *db;
  journal *j;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(journal_open(db, &j, &err), 0);
  int64_t entries = scalar(db, "SELECT count(*) FROM journal");

  /* The rewrite's body is as long whatever its salt: measure it once. */
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(journal_rewrite_reply(j, 1, reply, at, &err), 0);
  int64_t need = scalar(db, "SELECT length(body) FROM journal ORDER BY seq DESC LIMIT 1");
  assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
  assert_true(need > 1);

  journal_set_max(j, (size_t)need);
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(journal_rewrite_reply(j, 1, reply, at, &err), 0);
  assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);

  char limit[32];
  snprintf(limit, sizeof limit, "%lld bytes", (long long)(need - 1));
  journal_set_max(j, (size_t)(need - 1));
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(journal_rewrite_reply(j, 1, reply, at, &err), -1);
  assert_int_equal(err.kind, PI_E_TOO_LONG);
  assert_string_equal(err.field, "journal");
  assert_non_null(strstr(err.message, limit));
  assert_int_equal(scalar(db, "SELECT count(*) FROM journal"), entries);

  /* A sale's facts are held to the same limit (its salts go first, inside
   * the transaction rolled back below, so that recording them again is not
   * what fails). */
  assert_int_equal(sqlite3_exec(db, "DELETE FROM salts WHERE sale_id=1", NULL, NULL, NULL),
                   SQLITE_OK);
  pi_error_clear(&err);
  assert_int_equal(journal_append_sale(j, 1, at, &err), -1);
  assert_int_equal(err.kind, PI_E_TOO_LONG);
  assert_non_null(strstr(err.message, limit));
  assert_int_equal(scalar(db, "SELECT count(*) FROM journal"), entries);
  assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
  journal_close(j);
  sqlite3_close(db);
}

/* Several processes open a new database at the same moment: the schema is
 * created once, under a lock, and every one of them opens the result.
 * The children are released together through a pipe; the database file
 * is held write-locked meanwhile, so that they queue on the same lock. */
static void many_processes_create_the_schema(void **state) {
  fixture *f = *state;
  enum { KIDS = 6, ROUNDS = 4 };
  /* The children must inherit no open connection (valgrind follows them). */
  engine_close(f->e);
  f->e = NULL;
  for (int round = 0; round < ROUNDS; round++) {
    char db[700];
    snprintf(db, sizeof db, "%s/new%d.db", f->dir, round);
    int gate[2];
    assert_int_equal(pipe(gate), 0);
    pid_t kids[KIDS];
    for (int k = 0; k < KIDS; k++) {
      kids[k] = fork();
      assert_true(kids[k] >= 0);
      if (kids[k] == 0) {
        char c;
        close(gate[1]);
        if (read(gate[0], &c, 1) < 0) _exit(3);
        char over[900];
        snprintf(over, sizeof over, "{\"database\":\"%s\",\"busy_timeout_ms\":600000}", db);
        engine_options opt = {
            .manifest_path = POSINTENT_SOURCE_DIR "/tests/data/test.manifest",
            .overrides_json = over};
        engine *e = NULL;
        pi_error err;
        pi_error_clear(&err);
        if (engine_open(&opt, &e, &err)) {
          fprintf(stderr, "child %d: %s\n", k, err.message);
          _exit(1);
        }
        engine_close(e);
        sqlite3_shutdown(); /* SQLite's global caches, for valgrind */
        _exit(0);
      }
    }
    close(gate[0]);
    /* Opened after the fork: the children must not inherit it. */
    sqlite3 *hold;
    assert_int_equal(sqlite3_open(db, &hold), SQLITE_OK);
    assert_int_equal(sqlite3_exec(hold, "PRAGMA journal_mode=WAL", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(hold, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    close(gate[1]); /* every child wakes now */
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL); /* more overlap; the result holds without it */
    assert_int_equal(sqlite3_exec(hold, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(hold);
    for (int k = 0; k < KIDS; k++) {
      int status;
      assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
      assert_true(WIFEXITED(status));
      assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(tu_sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
  }
  f->e = tu_engine(f->db, NULL);
}

/* ---- sale.answer (issue 17, point 5) ------------------------------------------ */

/* An engine whose store scripts are `files` (name, text, ..., NULL), in
 * f->dir/scripts, with budgets out of reach of a loaded machine. */
static void with_scripts(fixture *f, ...) {
  char dir[700], path[800];
  snprintf(dir, sizeof dir, "%s/scripts", f->dir);
  assert_int_equal(mkdir(dir, 0700), 0);
  va_list ap;
  va_start(ap, f);
  for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
    const char *text = va_arg(ap, const char *);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
  }
  va_end(ap);
  char extra[1024];
  snprintf(extra, sizeof extra,
           "\"scripts\":{\"dir\":\"%s\",\"hook_ms\":10000,\"load_ms\":60000}", dir);
  engine_close(f->e);
  f->e = tu_engine(f->db, extra);
}

/* A script that asks age_18 with choices and blocks until it is "yes". */
static const char age_rule[] =
    "return { on_total = function(sale)\n"
    "  if sale.answers.age_18 == 'yes' then return nil end\n"
    "  return { prompts = { { id = 'age_18', text = '18+?', choices = { 'yes', 'no' } } },\n"
    "           block = 'answer the ID check' }\n"
    "end,\n"
    "on_complete = function(sale) return { seen = sale.answers.age_18 } end }\n";

static void answer_lets_a_script_require_a_prompt(void **state) {
  fixture *f = *state;
  with_scripts(f, "age.lua", age_rule, NULL);
  BEGIN(f->e, "A1");
  LINE(f->e, "A1", "L1", 2092, 398);
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"A1\"}");
  assert_string_equal(tu_str(t, "prompts.0.id"), "age_18");
  assert_true(tu_num(t, "can_complete") == 0);
  cJSON_Delete(t);
  cJSON_Delete(tu_err(f->e, "blocked", NULL,
                      "{\"type\":\"sale.complete\",\"sale\":\"A1\",\"total\":2490}"));
  /* Not one of the prompt's choices; a prompt the sale does not have. */
  cJSON *r = tu_err(f->e, "bad_value", "value",
                    "{\"type\":\"sale.answer\",\"sale\":\"A1\",\"prompt\":\"age_18\","
                    "\"value\":\"ja\"}");
  assert_non_null(strstr(tu_str(r, "error.message"), "yes, no"));
  cJSON_Delete(r);
  r = tu_err(f->e, "unknown_prompt", "prompt",
             "{\"type\":\"sale.answer\",\"sale\":\"A1\",\"prompt\":\"age_21\","
             "\"value\":\"yes\"}");
  assert_non_null(strstr(tu_str(r, "error.message"), "it asks: age_18"));
  cJSON_Delete(r);
  /* "no" is an answer; the script keeps blocking; a correction to "yes" is
   * taken although the script no longer asks. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.answer\",\"sale\":\"A1\",\"prompt\":"
                           "\"age_18\",\"value\":\"no\"}"));
  t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"A1\"}");
  assert_true(tu_num(t, "can_complete") == 0);
  cJSON_Delete(t);
  r = tu_ok(f->e, "{\"type\":\"sale.answer\",\"sale\":\"A1\",\"prompt\":\"age_18\","
                  "\"value\":\"yes\"}");
  assert_string_equal(tu_str(r, "prompt"), "age_18");
  assert_string_equal(tu_str(r, "value"), "yes");
  cJSON_Delete(r);
  t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"A1\"}");
  assert_true(tu_num(t, "can_complete") == 1);
  assert_null(tu_str(t, "prompts.0.id"));
  cJSON_Delete(t);
  cJSON_Delete(COMPLETE(f->e, "A1", 2490));
  char meta[128];
  tu_sql_text(f->db, "SELECT meta FROM sales", meta, sizeof meta);
  assert_string_equal(meta, "{\"seen\":\"yes\"}");
  /* The sale is closed: no answer reaches it any more. */
  cJSON_Delete(tu_err(f->e, "sale_completed", "sale",
                      "{\"type\":\"sale.answer\",\"sale\":\"A1\",\"prompt\":\"age_18\","
                      "\"value\":\"yes\"}"));
}

static void answer_event_is_strict(void **state) {
  fixture *f = *state;
  with_scripts(f, "age.lua", age_rule, NULL);
  BEGIN(f->e, "A2");
  LINE(f->e, "A2", "L1", 100, 7);
  cJSON_Delete(tu_err(f->e, "unknown_field", "answer",
                      "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"prompt\":\"age_18\","
                      "\"answer\":\"yes\"}"));
  cJSON_Delete(tu_err(f->e, "duplicate_field", "value",
                      "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"prompt\":\"age_18\","
                      "\"value\":\"no\",\"value\":\"yes\"}"));
  cJSON_Delete(tu_err(f->e, "missing_field", "value",
                      "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"prompt\":\"age_18\"}"));
  cJSON_Delete(tu_err(f->e, "missing_field", "value",
                      "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"prompt\":\"age_18\","
                      "\"value\":\"\"}"));
  cJSON_Delete(tu_err(f->e, "bad_type", "value",
                      "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"prompt\":\"age_18\","
                      "\"value\":true}"));
  cJSON_Delete(tu_err(f->e, "missing_field", "prompt",
                      "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"value\":\"yes\"}"));
  char big[300];
  memset(big, 'x', 257);
  big[257] = '\0';
  cJSON_Delete(tu_err(f->e, "too_long", "value",
                      "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"prompt\":\"age_18\","
                      "\"value\":\"%s\"}", big));
  big[32] = '\0';
  cJSON_Delete(tu_err(f->e, "too_long", "prompt",
                      "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"prompt\":\"%s\","
                      "\"value\":\"yes\"}", big));
  cJSON *r = tu_send(f->e, NULL, "{\"type\":\"sale.answer\",\"sale\":\"A2\",\"prompt\":"
                                 "\"age_18\",\"value\":\"y\xff\"}");
  assert_true(tu_num(r, "ok") == 0);
  cJSON_Delete(r);
  cJSON_Delete(tu_err(f->e, "unknown_sale", "sale",
                      "{\"type\":\"sale.answer\",\"sale\":\"NOPE\",\"prompt\":\"age_18\","
                      "\"value\":\"yes\"}"));
  /* None of the refusals above recorded an answer. */
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"A2\"}");
  assert_string_equal(tu_str(t, "prompts.0.id"), "age_18");
  cJSON_Delete(t);
}

/* A script that asks one new prompt for every answer it has: the sale's
 * answers grow until the documented limit refuses the next one. */
static void answers_beyond_the_limit_are_refused(void **state) {
  fixture *f = *state;
  with_scripts(f, "more.lua",
               "return { on_total = function(sale)\n"
               "  local n = 0\n"
               "  for _ in pairs(sale.answers) do n = n + 1 end\n"
               "  return { prompts = { { id = 'q' .. (n + 1), text = 'again?' } } }\n"
               "end }\n",
               NULL);
  BEGIN(f->e, "A3");
  LINE(f->e, "A3", "L1", 100, 7);
  for (int i = 1; i <= SALE_ANSWERS_MAX; i++)
    cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.answer\",\"sale\":\"A3\",\"prompt\":"
                             "\"q%d\",\"value\":\"a\"}", i));
  cJSON *r = tu_err(f->e, "too_many_answers", "prompt",
                    "{\"type\":\"sale.answer\",\"sale\":\"A3\",\"prompt\":\"q%d\","
                    "\"value\":\"a\"}", SALE_ANSWERS_MAX + 1);
  assert_non_null(strstr(tu_str(r, "error.message"), "16 prompts"));
  cJSON_Delete(r);
  /* Answering again one already answered replaces it: still allowed. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.answer\",\"sale\":\"A3\",\"prompt\":"
                           "\"q1\",\"value\":\"b\"}"));
}

static void gift_receipt_prompt_is_answerable(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "A4");
  LINE(f->e, "A4", "L1", 2000, 140);
  LINE(f->e, "A4", "L2", 500, 35);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"A4\",\"purpose\":\"gift\"}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"A4\",\"purpose\":\"gift\","
                           "\"line\":\"L2\",\"recipient\":{\"name\":\"Oma\"}}"));
  cJSON_Delete(tu_err(f->e, "bad_value", "value",
                      "{\"type\":\"sale.answer\",\"sale\":\"A4\",\"prompt\":"
                      "\"gift_receipt\",\"value\":\"maybe\"}"));
  cJSON_Delete(tu_err(f->e, "bad_value", "prompt",
                      "{\"type\":\"sale.answer\",\"sale\":\"A4\",\"prompt\":\"purpose\","
                      "\"value\":\"gift\"}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.answer\",\"sale\":\"A4\",\"prompt\":"
                           "\"gift_receipt\",\"value\":\"yes\"}"));
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"A4\"}");
  assert_null(tu_str(t, "prompts.0.id"));
  assert_string_equal(tu_str(t, "receipt.0"), "Gift receipt");
  cJSON_Delete(t);
  /* Decided: the prompt is gone, so a second answer has nothing to answer. */
  cJSON_Delete(tu_err(f->e, "unknown_prompt", "prompt",
                      "{\"type\":\"sale.answer\",\"sale\":\"A4\",\"prompt\":"
                      "\"gift_receipt\",\"value\":\"no\"}"));
  cJSON_Delete(COMPLETE(f->e, "A4", 2675));
  /* Both gift tags (the sale's and L2's own) took the answer. */
  assert_int_equal(count(f, "SELECT count(*) FROM lines WHERE gift_receipt=1"), 2);
  assert_int_equal(count(f, "SELECT count(*) FROM lines WHERE recipient_name='Oma'"), 1);
}

static void gift_receipt_answer_under_never_is_policy(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "A5");
  LINE(f->e, "A5", "L1", 100, 7);
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"A5\",\"purpose\":\"gift\"}"));
  cJSON_Delete(tu_err(f->e, "policy", "prompt",
                      "{\"type\":\"sale.answer\",\"sale\":\"A5\",\"prompt\":"
                      "\"gift_receipt\",\"value\":\"yes\"}"));
}

/* ---- sale.line attributes (issue 17, point 8) -------------------------------- */

#define ATTR_LINE(attrs)                                                        \
  "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L9\",\"qty\":1,"          \
  "\"unit_price\":100,\"net\":93,\"tax\":7,\"attributes\":" attrs "}"

static void line_attributes_reach_hooks(void **state) {
  fixture *f = *state;
  with_scripts(f, "attrs.lua",
               "return { on_total = function(sale)\n"
               "  local out = {}\n"
               "  for _, l in ipairs(sale.lines) do\n"
               "    local a = l.attributes\n"
               "    if next(a) == nil then out[#out + 1] = l.line .. ' none'\n"
               "    else out[#out + 1] = string.format('%s %s %s %s %s', l.line,\n"
               "      tostring(a.weight_kg), math.type(a.weight_kg), tostring(a.category),\n"
               "      tostring(a['age.min'])) end\n"
               "  end\n"
               "  return { receipt = out }\n"
               "end }\n",
               NULL);
  BEGIN(f->e, "B1");
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L1\","
                           "\"qty\":1,\"unit_price\":100,\"net\":93,\"tax\":7,"
                           "\"attributes\":{\"weight_kg\":12,\"category\":\"coffee\","
                           "\"age.min\":18}}"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L2\","
                           "\"qty\":1,\"unit_price\":100,\"net\":93,\"tax\":7,"
                           "\"attributes\":{\"weight_kg\":0.25}}"));
  LINE(f->e, "B1", "L3", 93, 7);
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"B1\"}");
  assert_string_equal(tu_str(t, "receipt.0"), "L1 12 integer coffee 18");
  assert_string_equal(tu_str(t, "receipt.1"), "L2 0.25 float nil nil");
  assert_string_equal(tu_str(t, "receipt.2"), "L3 none");
  cJSON_Delete(t);
  /* A line sent again replaces its attributes with the new event's. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.line\",\"sale\":\"B1\",\"line\":\"L1\","
                           "\"qty\":2,\"unit_price\":100,\"net\":186,\"tax\":14}"));
  t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"B1\"}");
  assert_string_equal(tu_str(t, "receipt.0"), "L1 none");
  cJSON_Delete(t);
}

static void line_attributes_are_bounded(void **state) {
  fixture *f = *state;
  BEGIN(f->e, "B1");
  cJSON_Delete(tu_ok(f->e, ATTR_LINE("{\"a1\":1,\"a2\":2,\"a3\":3,\"a4\":4,\"a5\":5,"
                                     "\"a6\":6,\"a7\":7,\"a8\":\"eight\"}")));
  cJSON *r = tu_err(f->e, "bad_value", "attributes.a9",
                    ATTR_LINE("{\"a1\":1,\"a2\":2,\"a3\":3,\"a4\":4,\"a5\":5,"
                              "\"a6\":6,\"a7\":7,\"a8\":8,\"a9\":9}"));
  assert_non_null(strstr(tu_str(r, "error.message"), "at most 8 attributes"));
  cJSON_Delete(r);
  cJSON_Delete(tu_err(f->e, "bad_value", "attributes.abcdefghijklmnopqrstuvwxyz0123456",
                      ATTR_LINE("{\"abcdefghijklmnopqrstuvwxyz0123456\":1}")));
  cJSON_Delete(tu_ok(f->e, ATTR_LINE("{\"abcdefghijklmnopqrstuvwxyz012345\":1}")));
  cJSON_Delete(tu_err(f->e, "bad_value", "attributes.net weight",
                      ATTR_LINE("{\"net weight\":1}")));
  cJSON_Delete(tu_err(f->e, "bad_value", "attributes.",
                      ATTR_LINE("{\"\":1}")));
  char big[100], ev[400];
  memset(big, 'x', 65);
  big[65] = '\0';
  snprintf(ev, sizeof ev, ATTR_LINE("{\"k\":\"%s\"}"), big);
  cJSON_Delete(tu_err(f->e, "too_long", "attributes.k", "%s", ev));
  big[64] = '\0';
  snprintf(ev, sizeof ev, ATTR_LINE("{\"k\":\"%s\"}"), big);
  cJSON_Delete(tu_ok(f->e, "%s", ev));
  cJSON_Delete(tu_err(f->e, "bad_value", "attributes.k", ATTR_LINE("{\"k\":\"\"}")));
  cJSON_Delete(tu_err(f->e, "bad_value", "attributes.k", ATTR_LINE("{\"k\":\"a\\u0007\"}")));
  cJSON_Delete(tu_err(f->e, "bad_type", "attributes.k", ATTR_LINE("{\"k\":true}")));
  cJSON_Delete(tu_err(f->e, "bad_type", "attributes.k", ATTR_LINE("{\"k\":null}")));
  cJSON_Delete(tu_err(f->e, "bad_type", "attributes.k", ATTR_LINE("{\"k\":[1]}")));
  cJSON_Delete(tu_err(f->e, "bad_type", "attributes.k", ATTR_LINE("{\"k\":{\"x\":1}}")));
  cJSON_Delete(tu_err(f->e, "bad_value", "attributes.k",
                      ATTR_LINE("{\"k\":9007199254740992}")));
  cJSON_Delete(tu_ok(f->e, ATTR_LINE("{\"k\":-9007199254740991}")));
  cJSON_Delete(tu_err(f->e, "duplicate_field", "attributes.k",
                      ATTR_LINE("{\"k\":1,\"k\":2}")));
  cJSON_Delete(tu_err(f->e, "bad_type", "attributes", ATTR_LINE("[1]")));
  cJSON *bad = tu_send(f->e, NULL, ATTR_LINE("{\"k\":1.0005}"));
  assert_true(tu_num(bad, "ok") == 0);
  cJSON_Delete(bad);
  /* No refusal above added or changed a line: L9 is the last one accepted. */
  cJSON *t = tu_ok(f->e, "{\"type\":\"sale.total\",\"sale\":\"B1\"}");
  assert_int_equal(tu_num(t, "total"), 100);
  cJSON_Delete(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(own_use_by_default, setup, teardown),
      cmocka_unit_test_setup_teardown(gift_records_recipient, setup, teardown),
      cmocka_unit_test_setup_teardown(gift_without_decision_prompts_for_receipt, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(resale_with_valid_vat, setup, teardown),
      cmocka_unit_test_setup_teardown(cross_border_resale_is_reverse_charge, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(mistyped_vat_blocks_then_correction_passes, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(customer_swapped_after_tag_blocks_completion,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(warn_policy_records_flagged_resale, setup_warn,
                                      teardown),
      cmocka_unit_test_setup_teardown(mixed_basket, setup, teardown),
      cmocka_unit_test_setup_teardown(replaced_line_keeps_its_tag, setup, teardown),
      cmocka_unit_test_setup_teardown(total_mismatch_records_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(resent_completion_is_idempotent, setup, teardown),
      cmocka_unit_test_setup_teardown(voids, setup, teardown),
      cmocka_unit_test_setup_teardown(ask_policy_blocks_untagged, setup_ask, teardown),
      cmocka_unit_test_setup_teardown(expired_certificate_blocks_resale, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(bad_events, setup, teardown),
      cmocka_unit_test_setup_teardown(empty_sale_cannot_complete, setup, teardown),
      cmocka_unit_test_setup_teardown(money_is_exact, setup, teardown),
      cmocka_unit_test_setup_teardown(race_loser_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(race_loser_never_acts_on_the_winner, setup, teardown),
      cmocka_unit_test_setup_teardown(attempt_key_refuses_the_restarted_loser, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(attempt_key_of_an_open_sale, setup, teardown),
      cmocka_unit_test_setup_teardown(attempt_key_is_strict, setup, teardown),
      cmocka_unit_test_setup_teardown(edited_attempt_fails_verification, setup, teardown),
      cmocka_unit_test_setup_teardown(another_stores_till_keeps_the_identity, setup, teardown),
      cmocka_unit_test_setup_teardown(resend_with_other_content_conflicts, setup, teardown),
      cmocka_unit_test_setup_teardown(completion_resent_after_void_is_voided, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(tenders_must_cover_the_total, setup, teardown),
      cmocka_unit_test_setup_teardown(resend_by_sale_id_finds_any_store, setup, teardown),
      cmocka_unit_test_setup_teardown(void_without_terminal_is_ambiguous, setup, teardown),
      cmocka_unit_test_setup_teardown(total_past_2_53_is_refused_at_the_line, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(non_durable_database_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(foreign_database_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(edited_reply_fails_verification, setup, teardown),
      cmocka_unit_test_setup_teardown(rewritten_reply_verifies, setup, teardown),
      cmocka_unit_test_setup_teardown(journal_json_limit_is_loud, setup, teardown),
      cmocka_unit_test_setup_teardown(many_processes_create_the_schema, setup, teardown),
      cmocka_unit_test_setup_teardown(answer_lets_a_script_require_a_prompt, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(answer_event_is_strict, setup, teardown),
      cmocka_unit_test_setup_teardown(answers_beyond_the_limit_are_refused, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(gift_receipt_prompt_is_answerable, setup, teardown),
      cmocka_unit_test_setup_teardown(gift_receipt_answer_under_never_is_policy,
                                      setup_never, teardown),
      cmocka_unit_test_setup_teardown(line_attributes_reach_hooks, setup, teardown),
      cmocka_unit_test_setup_teardown(line_attributes_are_bounded, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
