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

/* Shares of a line for a partial return: worked out by hand. */
static void prorating(void **state) {
  (void)state;
  assert_int_equal(money_prorate(1000, 1000, 3000), 333);  /* 333.33 */
  assert_int_equal(money_prorate(1000, 2500, 3000), 833);  /* 833.33 */
  assert_int_equal(money_prorate(1000, 1500, 3000), 500);  /* exactly */
  assert_int_equal(money_prorate(5, 1000, 2000), 3);       /* 2.5: half up */
  assert_int_equal(money_prorate(1000, 3000, 3000), 1000); /* all of it */
  assert_int_equal(money_prorate(1000, 0, 3000), 0);
  /* The largest line amount and quantity: no overflow on the way.
   * 9007199254740 * 1 / 1000000000 = 9007.199... -> 9007. */
  assert_int_equal(money_prorate(INT64_C(9007199254740), 1, INT64_C(1000000000)), 9007);
  assert_int_equal(money_prorate(INT64_C(9007199254740), INT64_C(999999999),
                                 INT64_C(1000000000)),
                   INT64_C(9007199245733)); /* 9007199254740 - 9007.199... */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exponents), cmocka_unit_test(formatting),
      cmocka_unit_test(rounding), cmocka_unit_test(quantities),
      cmocka_unit_test(prorating)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
