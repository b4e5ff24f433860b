/* SPDX-License-Identifier: MIT */
/* test_calendar.c - day numbers and dates, both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "base/calendar.h"
#include "report/report.h"

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

/* The parser itself refuses what follows a date; callers used to check the
 * length themselves, and the report query did not (a --from of
 * "2026-01-05T10:00" passed as a date). */
static void dates_parse_exactly(void **state) {
  (void)state;
  int y = 0, m = 0, d = 0;
  assert_int_equal(cal_parse_date("2024-02-29", &y, &m, &d), 0);
  assert_int_equal(y * 10000 + m * 100 + d, 20240229);
  static const char *const bad[] = {"2026-01-05T",  "2026-01-05T10:00", "2026-01-05x",
                                    "2026-01-05 ",  " 2026-01-05",      "2026-1-05",
                                    "2026-02-29",   "2026-04-31",       "2026-00-10",
                                    "2026-01-00",   "20260105",         "",
                                    "2026-01-0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (cal_parse_date(bad[i], NULL, NULL, NULL) != -1) fail_msg("accepted \"%s\"", bad[i]);
  report_query q = {0};
  pi_error err;
  q.from = "2026-01-05T10:00";
  assert_int_equal(report_query_check(&q, &err), -1);
  assert_string_equal(err.field, "--from");
  q.from = "2026-01-05";
  q.to = "2026-01-31garbage";
  assert_int_equal(report_query_check(&q, &err), -1);
  assert_string_equal(err.field, "--to");
}

/* RFC 3339 section 5.6: "T" and "Z" may be lowercase. */
static void timestamps_follow_rfc3339(void **state) {
  (void)state;
  assert_true(cal_is_rfc3339("2026-11-20T10:00:00Z"));
  assert_true(cal_is_rfc3339("2026-11-20t10:00:00z"));
  assert_true(cal_is_rfc3339("2026-11-20t10:00:00.5+01:00"));
  assert_true(cal_is_rfc3339("2026-11-20T23:59:60-05:30"));
  static const char *const bad[] = {"2026-11-20T10:00:00Zx", "2026-11-20T10:00:00z ",
                                    "2026-11-20x10:00:00Z",  "2026-11-20T24:00:00Z",
                                    "2026-11-20T10:00:00.Z", "2026-11-20T10:00:00+01:00x",
                                    "2026-02-30T10:00:00Z",  "2026-11-20T10:00Z"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (cal_is_rfc3339(bad[i])) fail_msg("accepted \"%s\"", bad[i]);
}

/* The one leap-year rule and the ISO week, which reports and charts share. */
static void leap_years_and_iso_weeks(void **state) {
  (void)state;
  assert_true(cal_is_leap(2024));
  assert_true(cal_is_leap(2000));
  assert_false(cal_is_leap(1900));
  assert_false(cal_is_leap(2026));
  assert_int_equal(cal_days_in_month(2024, 2), 29);
  assert_int_equal(cal_days_in_month(2100, 2), 28);
  assert_int_equal(cal_days_in_month(2026, 4), 30);
  assert_int_equal(cal_days_in_month(2026, 12), 31);
  int y, w;
  cal_iso_week(cal_days_from_civil(2021, 1, 3), &y, &w);
  assert_int_equal(y, 2020);
  assert_int_equal(w, 53);
  cal_iso_week(cal_days_from_civil(2024, 12, 30), &y, &w);
  assert_int_equal(y, 2025);
  assert_int_equal(w, 1);
  cal_iso_week(cal_days_from_civil(2024, 3, 5), &y, &w);
  assert_int_equal(y, 2024);
  assert_int_equal(w, 10);
  assert_int_equal(cal_weekday0(cal_days_from_civil(2026, 12, 7)), 0); /* Monday */
  assert_int_equal(cal_weekday0(0), 3);                                /* Thursday */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(known_days),
                                     cmocka_unit_test(round_trip),
                                     cmocka_unit_test(dates_parse_exactly),
                                     cmocka_unit_test(timestamps_follow_rfc3339),
                                     cmocka_unit_test(leap_years_and_iso_weeks)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
