/* SPDX-License-Identifier: MIT */
/* test_jsonw.c - the one JSON writer: escaping, nesting and its limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/jsonw.h"

static void writes_members_and_escapes(void **state) {
  (void)state;
  jsonw w = {0};
  jw_reset(&w);
  jw_object(&w);
  jw_kstr(&w, "s", "a\"b\\c\n\x01\x7f");
  jw_kint(&w, "n", INT64_MIN);
  jw_kbool(&w, "b", 0);
  jw_key(&w, "a");
  jw_array(&w);
  jw_int(&w, 1);
  jw_raw(&w, "null");
  jw_end_array(&w);
  jw_end_object(&w);
  assert_true(jw_ok(&w));
  assert_int_equal(jw_status_of(&w), JW_OK);
  assert_string_equal(w.buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u007f\",\"n\":"
                             "-9223372036854775808,\"b\":false,\"a\":[1,null]}");
  pi_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(jw_fail(&w, &err, "x"), 0);
  jw_free(&w);
}

/* Exactly at the limit is written; one byte past it fails with too_long
 * and a message naming the limit, and nothing is cut short. */
static void limit_is_exact_and_loud(void **state) {
  (void)state;
  jsonw w = {0};
  jw_set_max(&w, 10);
  assert_int_equal(jw_max(&w), 10);
  jw_reset(&w);
  jw_str(&w, "abcdefgh"); /* "abcdefgh" with quotes: 10 bytes */
  assert_true(jw_ok(&w));
  assert_int_equal(w.len, 10);

  jw_reset(&w);
  jw_str(&w, "abcdefghi"); /* 11 bytes */
  assert_false(jw_ok(&w));
  assert_int_equal(jw_status_of(&w), JW_TOO_LONG);
  assert_int_equal(w.len, 0);
  pi_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(jw_fail(&w, &err, "reply"), -1);
  assert_int_equal(err.kind, PI_E_TOO_LONG);
  assert_string_equal(err.field, "reply");
  assert_non_null(strstr(err.message, "10 bytes"));
  jw_free(&w);
}

/* Escapes count towards the limit: a string that fits as input but not
 * escaped is refused, and the writer stays failed (later calls do nothing). */
static void escapes_count_and_failure_sticks(void **state) {
  (void)state;
  jsonw w = {0};
  jw_set_max(&w, 14);
  jw_reset(&w);
  jw_str(&w, "\x01\x02"); /* "\u0001\u0002": 14 bytes */
  assert_true(jw_ok(&w));
  assert_int_equal(w.len, 14);
  jw_reset(&w);
  jw_array(&w);
  jw_str(&w, "\x01\x02"); /* 1 + 14 > 14 */
  assert_int_equal(jw_status_of(&w), JW_TOO_LONG);
  jw_end_array(&w);
  assert_false(jw_ok(&w));
  assert_int_equal(jw_status_of(&w), JW_TOO_LONG);
  assert_string_equal(w.buf, "[");

  /* Raw text and single characters are held to the same limit. */
  jw_set_max(&w, 4);
  jw_reset(&w);
  jw_array(&w);
  jw_raw(&w, "12");
  jw_end_array(&w); /* "[12]" is exactly 4 */
  assert_true(jw_ok(&w));
  jw_reset(&w);
  jw_array(&w);
  jw_raw(&w, "123");
  jw_end_array(&w); /* "[123]" would be 5 */
  assert_int_equal(jw_status_of(&w), JW_TOO_LONG);
  jw_free(&w);
  assert_int_equal(jw_max(&w), JW_MAX_DEFAULT);
}

static void nesting_and_misuse_are_errors(void **state) {
  (void)state;
  jsonw w = {0};
  jw_reset(&w);
  for (int i = 0; i <= JW_DEPTH; i++) jw_array(&w);
  assert_int_equal(jw_status_of(&w), JW_TOO_DEEP);
  pi_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(jw_fail(&w, &err, ""), -1);
  assert_int_equal(err.kind, PI_E_INTERNAL);
  jw_reset(&w);
  jw_end_object(&w);
  assert_int_equal(jw_status_of(&w), JW_MISUSE);
  jw_reset(&w);
  jw_object(&w); /* unfinished */
  assert_false(jw_ok(&w));
  assert_int_equal(jw_fail(&w, &err, ""), -1);
  assert_int_equal(err.kind, PI_E_INTERNAL);
  jw_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(writes_members_and_escapes),
                                     cmocka_unit_test(limit_is_exact_and_loud),
                                     cmocka_unit_test(escapes_count_and_failure_sticks),
                                     cmocka_unit_test(nesting_and_misuse_are_errors)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
