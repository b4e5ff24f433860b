/* SPDX-License-Identifier: MIT */
/* test_money.c - currency exponents, decimal formatting, rounding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/money.h"

static void exponents(void **state) {
  (void)state;
  assert_int_equal(money_exponent("EUR"), 2);
  assert_int_equal(money_exponent("GBP"), 2);
  assert_int_equal(money_exponent("JPY"), 0);
  assert_int_equal(money_exponent("KRW"), 0);
  assert_int_equal(money_exponent("BHD"), 3);
  assert_int_equal(money_exponent("KWD"), 3);
  assert_int_equal(money_exponent("CLF"), 4);
  assert_int_equal(money_exponent("eur"), -1);
  assert_int_equal(money_exponent("EU"), -1);
  assert_int_equal(money_exponent("EURO"), -1);
  assert_int_equal(money_exponent("XYZ"), -1);
  assert_int_equal(money_exponent(""), -1);
  assert_int_equal(money_exponent(NULL), -1);
}

static void formatting(void **state) {
  (void)state;
  char b[32];
  assert_int_equal(money_format(1234, 2, b, sizeof b), 5);
  assert_string_equal(b, "12.34");
  money_format(-5, 2, b, sizeof b);
  assert_string_equal(b, "-0.05");
  money_format(1500, 0, b, sizeof b);
  assert_string_equal(b, "1500");
  money_format(1250, 3, b, sizeof b);
  assert_string_equal(b, "1.250");
  money_format(0, 2, b, sizeof b);
  assert_string_equal(b, "0.00");
  money_format(INT64_MIN, 2, b, sizeof b);
  assert_string_equal(b, "-92233720368547758.08");
  assert_int_equal(money_format(123456, 2, b, 5), -1);
}

static void rounding(void **state) {
  (void)state;
  /* Half away from zero. */
  assert_int_equal(money_round_major(149, 2), 1);
  assert_int_equal(money_round_major(150, 2), 2);
  assert_int_equal(money_round_major(-150, 2), -2);
  assert_int_equal(money_round_major(-149, 2), -1);
  assert_int_equal(money_round_major(1499, 3), 1);
  assert_int_equal(money_round_major(1500, 3), 2);
  assert_int_equal(money_round_major(77, 0), 77);
}

static void quantities(void **state) {
  (void)state;
  char b[32];
  qty_format(1000, b, sizeof b);
  assert_string_equal(b, "1");
  qty_format(250, b, sizeof b);
  assert_string_equal(b, "0.25");
  qty_format(2125, b, sizeof b);
  assert_string_equal(b, "2.125");
  qty_format(10000, b, sizeof b);
  assert_string_equal(b, "10");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exponents), cmocka_unit_test(formatting),
      cmocka_unit_test(rounding), cmocka_unit_test(quantities)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
