/* SPDX-License-Identifier: MIT */
/* test_event.c - event parsing: shapes, bounds and the fields errors name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/calendar.h"
#include "event/event.h"
#include "base/jsonutil.h"
#include "base/utf8.h"

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
  assert_int_equal(cal_parse_date("2024-02-29", NULL, NULL, NULL), 0);
  assert_int_equal(cal_parse_date("2026-02-29", NULL, NULL, NULL), -1);
  assert_int_equal(cal_parse_date("2026-13-01", NULL, NULL, NULL), -1);
  assert_true(cal_is_rfc3339("2026-11-20T23:59:60Z"));
  assert_false(cal_is_rfc3339("2026-11-20 10:00:00Z"));
  assert_false(cal_is_rfc3339("2026-11-20T10:00:00"));
  assert_false(cal_is_rfc3339("2026-11-20T10:00:00+0100"));
}

/* cJSON keeps NUL-terminated strings: an escaped NUL used to cut a value
 * ("U1\u0000EVIL" opened sale "U1") or a member name silently. */
static void escaped_nul_is_refused(void **state) {
  (void)state;
  event ev;
  pi_error err;
  assert_int_equal(parse("{\"type\":\"sale.void\",\"sale\":\"U1\\u0000EVIL\"}", &ev, &err), -1);
  assert_string_equal(err.code, "bad_value");
  assert_string_equal(err.field, "sale");
  assert_int_equal(parse("{\"type\":\"sale.customer\",\"sale\":\"S\",\"customer\":{"
                         "\"name\":\"Ann\\u0000a\"}}", &ev, &err), -1);
  assert_string_equal(err.field, "customer.name");
  /* In a member name, the name as far as it goes is the field. */
  assert_int_equal(parse("{\"type\\u0000x\":\"ping\"}", &ev, &err), -1);
  assert_string_equal(err.code, "bad_value");
  assert_string_equal(err.field, "type");
  assert_int_equal(parse("{\"type\":\"sale.complete\",\"sale\":\"S\",\"total\":1,"
                         "\"tenders\":[{\"type\":\"card\\u0000\",\"amount\":1}]}", &ev, &err), -1);
  assert_string_equal(err.field, "tenders.type");
  /* An escaped backslash before "u0000" is text, not an escape. */
  assert_int_equal(parse("{\"type\":\"sale.void\",\"sale\":\"A\\u0000\"}", &ev, &err), -1);
  assert_int_equal(parse("{\"type\":\"sale.void\",\"sale\":\"A\\\\u0000\"}", &ev, &err), 0);
  assert_string_equal(ev.sale, "A\\u0000");
  assert_int_equal(parse("{\"type\":\"sale.void\",\"sale\":\"A\\u0001\"}", &ev, &err), -1);
  assert_string_equal(err.field, "sale"); /* a control character, as before */
}

static int qty(const char *text, int64_t *milli, pi_error *err) {
  char json[256];
  event ev;
  snprintf(json, sizeof json,
           "{\"type\":\"sale.line\",\"sale\":\"S\",\"line\":\"1\",\"qty\":%s,"
           "\"unit_price\":1,\"net\":1,\"tax\":0}",
           text);
  int rc = parse(json, &ev, err);
  *milli = ev.line.qty_milli;
  return rc;
}

/* Decimals are counted exactly at every magnitude: the tolerance used to
 * be relative, so 1000.0005 passed as 1000.001. */
static void quantities_have_at_most_3_decimals_exactly(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int64_t milli;
  } ok[] = {{"1000.001", 1000001}, {"1000.5", 1000500}, {"0.001", 1},
            {"2.5000", 2500},      {"1e-3", 1},         {"12.5e-2", 125},
            {"0.0001e1", 1},       {"1.5E3", 1500000},  {"999999.999", 999999999},
            {"0.10000", 100},      {"3", 3000},         {"0.00001e2", 1}};
  static const char *const bad[] = {"1000.0005", "999999.9995", "0.0005", "0.0001",
                                    "1.0000000000000001", "12345.6785", "1e-4",
                                    "0.00001e1", "1.2345e0", "100.00000000000000001"};
  pi_error err;
  int64_t m;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    if (qty(ok[i].text, &m, &err)) fail_msg("%s refused: %s", ok[i].text, err.message);
    assert_int_equal(m, ok[i].milli);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (qty(bad[i], &m, &err) == 0) fail_msg("%s accepted as %lld", bad[i], (long long)m);
    assert_string_equal(err.field, "qty");
    assert_string_equal(err.code, "bad_value");
  }
  /* From a tree (no text), the double is judged exactly. */
  cJSON *o = cJSON_Parse("{\"type\":\"sale.line\",\"sale\":\"S\",\"line\":\"1\","
                         "\"unit_price\":1,\"net\":1,\"tax\":0}");
  assert_non_null(o);
  cJSON_AddNumberToObject(o, "qty", 1000.0005);
  event ev;
  assert_int_equal(event_parse_object(o, &ev, &err), -1);
  assert_string_equal(err.field, "qty");
  cJSON_SetNumberValue(cJSON_GetObjectItem(o, "qty"), 1000.001);
  assert_int_equal(event_parse_object(o, &ev, &err), 0);
  assert_int_equal(ev.line.qty_milli, 1000001);
  cJSON_Delete(o);
}

/* ping and scripts.reload took any member, repeated ones too. */
static void every_event_refuses_unknown_and_repeated_members(void **state) {
  (void)state;
  event ev;
  pi_error err;
  assert_int_equal(parse("{\"type\":\"ping\"}", &ev, &err), 0);
  assert_int_equal(parse("{\"type\":\"scripts.reload\"}", &ev, &err), 0);
  static const char *const unknown[] = {
      "{\"type\":\"ping\",\"sale\":\"S\"}",
      "{\"type\":\"scripts.reload\",\"force\":true}",
      "{\"type\":\"sale.total\",\"sale\":\"S\",\"total\":1}",
  };
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    assert_int_equal(parse(unknown[i], &ev, &err), -1);
    assert_string_equal(err.code, "unknown_field");
  }
  static const char *const twice[] = {
      "{\"type\":\"ping\",\"type\":\"ping\"}",
      "{\"type\":\"scripts.reload\",\"type\":\"sale.void\"}",
      "{\"type\":\"sale.void\",\"sale\":\"S\",\"sale\":\"T\"}",
  };
  for (size_t i = 0; i < sizeof twice / sizeof twice[0]; i++) {
    assert_int_equal(parse(twice[i], &ev, &err), -1);
    assert_string_equal(err.code, "duplicate_field");
    assert_string_equal(err.field, i == 2 ? "sale" : "type");
  }
}

static void lowercase_t_and_z_are_rfc3339(void **state) {
  (void)state;
  event ev;
  pi_error err;
  assert_int_equal(parse("{\"type\":\"sale.begin\",\"sale\":\"S1\",\"store\":\"s\","
                         "\"terminal\":\"t\",\"at\":\"2026-11-20t10:00:00z\"}",
                         &ev, &err),
                   0);
  assert_int_equal(parse("{\"type\":\"sale.begin\",\"sale\":\"S1\",\"store\":\"s\","
                         "\"terminal\":\"t\",\"at\":\"2026-11-20T10:00:00Zjunk\"}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.field, "at");
  assert_int_equal(parse("{\"type\":\"sale.customer\",\"sale\":\"S\",\"customer\":{"
                         "\"resale_cert\":{\"state\":\"TX\",\"number\":\"1\","
                         "\"expires\":\"2026-01-0x\"}}}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.field, "customer.resale_cert.expires");
}

/* A member name's bytes reach error.field and error.message: they are
 * valid UTF-8 there, and a long name is cut between characters. */
static void errors_never_carry_invalid_utf8(void **state) {
  (void)state;
  event ev;
  pi_error err;
  assert_int_equal(parse("{\"type\":\"ping\",\"\xff\xc0\xaf\xed\xa0\x80\":1}", &ev, &err), -1);
  assert_string_equal(err.code, "unknown_field");
  assert_true(utf8_valid(err.field));
  assert_true(utf8_valid(err.message));
  char json[1024] = "{\"type\":\"sale.void\",\"sale\":\"S\",\"";
  for (int i = 0; i < 100; i++) strcat(json, "\xe2\x82\xac"); /* 300 bytes of euro signs */
  strcat(json, "\":1}");
  assert_int_equal(parse(json, &ev, &err), -1);
  assert_string_equal(err.code, "unknown_field");
  assert_true(utf8_valid(err.field));
  assert_true(utf8_valid(err.message));
  assert_true(strlen(err.field) >= sizeof err.field - 4);
  assert_int_equal(strlen(err.field) % 3, 0);
  /* The same inside an object: the prefix and the name are cut together. */
  char json2[1024] = "{\"type\":\"sale.customer\",\"sale\":\"S\",\"customer\":{\"";
  for (int i = 0; i < 100; i++) strcat(json2, "\xc3\xa9");
  strcat(json2, "\":1}}");
  assert_int_equal(parse(json2, &ev, &err), -1);
  assert_true(utf8_valid(err.field));
  assert_true(utf8_valid(err.message));
  assert_memory_equal(err.field, "customer.\xc3\xa9", 11);
}

/* RFC 8259's number grammar is strict; cJSON hands any run of digits,
 * signs, points and exponents to strtod, which took "0100" as 100 and "1."
 * as 1 (review 2, finding 9).  Every number of an event is held to it, in
 * every member and at any depth. */
static void numbers_follow_rfc8259(void **state) {
  (void)state;
  static const char *const bad[] = {"0100", "-00", "1.",   "01.5", "00",
                                    "-01",  "1.e5", "-.5", "01e2", "0.e1", "-0."};
  static const char *const refused_by_cjson[] = {".5", "+1",  "1e",   "0x1", "--1",
                                                 "1..5", "1.5E", "1e+", "1e-"};
  static const char *const ok[] = {"0", "-0", "10", "1.5", "0.25", "1e2", "1E+2", "25e-1",
                                   "0e0", "-0.0"};
  event ev;
  pi_error err;
  char json[256];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(json, sizeof json,
             "{\"type\":\"sale.line\",\"sale\":\"S\",\"line\":\"1\",\"qty\":1,"
             "\"unit_price\":1,\"net\":1,\"tax\":%s}",
             bad[i]);
    if (parse(json, &ev, &err) == 0) fail_msg("%s accepted", bad[i]);
    if (strcmp(err.code, "bad_json") != 0 || strcmp(err.field, "tax") != 0)
      fail_msg("%s: %s %s: %s", bad[i], err.code, err.field, err.message);
    if (strstr(err.message, bad[i]) == NULL || strstr(err.message, "byte 79") == NULL)
      fail_msg("%s: %s", bad[i], err.message);
  }
  for (size_t i = 0; i < sizeof refused_by_cjson / sizeof refused_by_cjson[0]; i++) {
    snprintf(json, sizeof json,
             "{\"type\":\"sale.complete\",\"sale\":\"S\",\"total\":%s}",
             refused_by_cjson[i]);
    if (parse(json, &ev, &err) == 0) fail_msg("%s accepted", refused_by_cjson[i]);
    assert_string_equal(err.code, "bad_json");
  }
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    snprintf(json, sizeof json,
             "{\"type\":\"sale.line\",\"sale\":\"S\",\"line\":\"1\",\"qty\":%s,"
             "\"unit_price\":1,\"net\":1,\"tax\":0}",
             ok[i]);
    if (parse(json, &ev, &err)) fail_msg("%s refused: %s", ok[i], err.message);
  }
  /* Nested, in a tender's amount: the dotted path is the field. */
  assert_int_equal(parse("{\"type\":\"sale.complete\",\"sale\":\"S\",\"total\":1,"
                         "\"tenders\":[{\"type\":\"card\",\"amount\":01}]}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.code, "bad_json");
  assert_string_equal(err.field, "tenders.amount");
  /* The manifest shares the walk (ju_check_text): no event-only rule. */
  cJSON *o = cJSON_Parse("{\"a\":[1,2.0,-0100]}");
  assert_non_null(o);
  const char *text = "{\"a\":[1,2.0,-0100]}";
  assert_int_equal(ju_check_text(text, strlen(text), o, -1, &err), -1);
  assert_string_equal(err.code, "bad_json");
  assert_string_equal(err.field, "a");
  cJSON_Delete(o);
}

/* 1e400 reads as infinity: "too large", never "negative" (review 2,
 * finding 11); -1e400 is negative. */
static void infinite_numbers_are_out_of_range(void **state) {
  (void)state;
  int64_t m;
  pi_error err;
  assert_int_equal(qty("1e400", &m, &err), -1);
  assert_string_equal(err.field, "qty");
  assert_non_null(strstr(err.message, "larger than"));
  assert_int_equal(qty("-1e400", &m, &err), -1);
  assert_non_null(strstr(err.message, "must not be negative"));
  event ev;
  assert_int_equal(parse("{\"type\":\"sale.complete\",\"sale\":\"S\",\"total\":1e400}",
                         &ev, &err),
                   -1);
  assert_string_equal(err.field, "total");
  assert_non_null(strstr(err.message, "between"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(begin), cmocka_unit_test(line_qty),
                                     cmocka_unit_test(customer_evidence),
                                     cmocka_unit_test(tags),
                                     cmocka_unit_test(utf8_and_dates),
                                     cmocka_unit_test(escaped_nul_is_refused),
                                     cmocka_unit_test(quantities_have_at_most_3_decimals_exactly),
                                     cmocka_unit_test(numbers_follow_rfc8259),
                                     cmocka_unit_test(infinite_numbers_are_out_of_range),
                                     cmocka_unit_test(every_event_refuses_unknown_and_repeated_members),
                                     cmocka_unit_test(lowercase_t_and_z_are_rfc3339),
                                     cmocka_unit_test(errors_never_carry_invalid_utf8)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
