/* test_calendar.c - day numbers and dates, both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "calendar.h"

static void known_days(void **state) {
  (void)state;
  assert_int_equal(cal_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(cal_days_from_civil(2024, 1, 1), 19723);
  assert_int_equal(cal_days_from_civil(2000, 3, 1) - cal_days_from_civil(2000, 2, 28), 2);
  assert_int_equal(cal_days_from_civil(1900, 3, 1) - cal_days_from_civil(1900, 2, 28), 1);
  assert_int_equal(cal_days_from_civil(1969, 12, 31), -1);
}

/* Every day of four centuries (leap rules of 4, 100, 400) round trips and
 * follows the previous one. */
static void round_trip(void **state) {
  (void)state;
  long start = cal_days_from_civil(1899, 12, 31);
  int py = 1899, pm = 12, pd = 31;
  for (long z = start + 1; z <= start + 146097; z++) {
    int y, m, d;
    cal_civil_from_days(z, &y, &m, &d);
    assert_int_equal(cal_days_from_civil(y, m, d), z);
    int next = (d == pd + 1 && m == pm && y == py) || (d == 1 && m == pm + 1 && y == py) ||
               (d == 1 && m == 1 && pm == 12 && y == py + 1);
    assert_true(next);
    py = y, pm = m, pd = d;
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(known_days),
                                     cmocka_unit_test(round_trip)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
