/* test_event.c - event parsing: shapes, bounds and the fields errors name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "jsonutil.h"

static int parse(const char *json, event *ev, pi_error *err) {
  pi_error_clear(err);
  return event_parse(json, strlen(json), ev, err);
}

static void begin(void **state) {
  (void)state;
  event ev;
  pi_error err;
  assert_int_equal(parse("{\"type\":\"sale.begin\",\"sale\":\"S1\",\"store\":\"s\","
                         "\"terminal\":\"t\",\"cashier\":\"c\","
                         "\"at\":\"2026-11-20T10:00:00.123+01:00\",\"currency\":\"JPY\"}",
                         &ev, &err),
                   0);
  assert_int_equal(ev.type, EVENT_SALE_BEGIN);
  assert_string_equal(ev.sale, "S1");
  assert_string_equal(ev.currency, "JPY");
  assert_string_equal(ev.at, "2026-11-20T10:00:00.123+01:00");
  assert_int_equal(parse("{\"type\":\"sale.begin\",\"sale\":\"S1\",\"store\":\"s\","
                         "\"at\":\"2026-11-20T10:00:00Z\"}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.code, "missing_field");
  assert_string_equal(err.field, "terminal");
}

static void line_qty(void **state) {
  (void)state;
  event ev;
  pi_error err;
  assert_int_equal(parse("{\"type\":\"sale.line\",\"sale\":\"S\",\"line\":\"1\","
                         "\"qty\":0.125,\"unit_price\":800,\"net\":100,\"tax\":0}",
                         &ev, &err),
                   0);
  assert_int_equal(ev.line.qty_milli, 125);
  assert_int_equal(ev.remove, 0);
  assert_int_equal(parse("{\"type\":\"sale.line\",\"sale\":\"S\",\"line\":\"1\","
                         "\"qty\":0}",
                         &ev, &err),
                   0);
  assert_int_equal(ev.remove, 1);
  assert_int_equal(parse("{\"type\":\"sale.line\",\"sale\":\"S\",\"line\":\"1\","
                         "\"remove\":true}",
                         &ev, &err),
                   0);
  assert_int_equal(ev.remove, 1);
  assert_int_equal(parse("{\"type\":\"sale.line\",\"sale\":\"S\",\"line\":\"1\","
                         "\"qty\":2.3456,\"unit_price\":1,\"net\":1,\"tax\":0}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.field, "qty");
}

static void customer_evidence(void **state) {
  (void)state;
  event ev;
  pi_error err;
  assert_int_equal(parse("{\"type\":\"sale.customer\",\"sale\":\"S\",\"customer\":{"
                         "\"id\":\"C\",\"vat\":\"DE 1\",\"eori\":\"FR1\","
                         "\"resale_cert\":{\"state\":\"TX\",\"number\":\"12\"}}}",
                         &ev, &err),
                   0);
  assert_int_equal(ev.customer.nev, 3);
  assert_int_equal(ev.customer.ev[0].kind, TAXID_VAT);
  assert_string_equal(ev.customer.ev[0].input, "DE 1");
  assert_int_equal(ev.customer.ev[2].kind, TAXID_CERT);
  assert_string_equal(ev.customer.ev[2].state, "TX");
  assert_int_equal(parse("{\"type\":\"sale.customer\",\"sale\":\"S\",\"customer\":{"
                         "\"resale_cert\":{\"state\":\"Texas\",\"number\":\"12\"}}}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.field, "customer.resale_cert.state");
  assert_int_equal(parse("{\"type\":\"sale.customer\",\"sale\":\"S\",\"customer\":{"
                         "\"vat\":\"DE1\",\"phone\":\"1\"}}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.code, "unknown_field");
  assert_string_equal(err.field, "customer.phone");
}

static void tags(void **state) {
  (void)state;
  event ev;
  pi_error err;
  assert_int_equal(parse("{\"type\":\"sale.tag\",\"sale\":\"S\",\"purpose\":\"gift\","
                         "\"line\":\"L2\",\"recipient\":{\"name\":\"N\"}}",
                         &ev, &err),
                   0);
  assert_int_equal(ev.tag.purpose, PURPOSE_GIFT);
  assert_string_equal(ev.tag.line, "L2");
  assert_string_equal(ev.tag.gift.recipient_name, "N");
  assert_int_equal(ev.tag.gift.gift_receipt, -1);
  assert_int_equal(parse("{\"type\":\"sale.tag\",\"sale\":\"S\",\"purpose\":\"GIFT\"}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.field, "purpose");
}

static void utf8_and_dates(void **state) {
  (void)state;
  assert_true(ju_text_ok("Caf\xc3\xa9", 5, 0));
  assert_false(ju_text_ok("\xc3", 1, 0));            /* truncated */
  assert_false(ju_text_ok("\xc0\xaf", 2, 0));        /* overlong  */
  assert_false(ju_text_ok("\xed\xa0\x80", 3, 0));    /* surrogate */
  assert_false(ju_text_ok("a\nb", 3, 0));
  assert_true(ju_text_ok("a\nb", 3, 1));
  assert_true(ju_date("2024-02-29"));
  assert_false(ju_date("2026-02-29"));
  assert_false(ju_date("2026-13-01"));
  assert_true(ju_rfc3339("2026-11-20T23:59:60Z"));
  assert_false(ju_rfc3339("2026-11-20 10:00:00Z"));
  assert_false(ju_rfc3339("2026-11-20T10:00:00"));
  assert_false(ju_rfc3339("2026-11-20T10:00:00+0100"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(begin), cmocka_unit_test(line_qty),
                                     cmocka_unit_test(customer_evidence),
                                     cmocka_unit_test(tags),
                                     cmocka_unit_test(utf8_and_dates)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
