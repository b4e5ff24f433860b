/* SPDX-License-Identifier: MIT */
/*
 * calendar.h - proleptic Gregorian dates as day numbers.
 *
 * Reports bucket sales by day, ISO week and month; the HTML chart walks the
 * same calendar.  Day numbers count from 1970-01-01 (day 0) and are exact
 * for any year; the algorithms are Howard Hinnant's "civil" ones.
 */
#ifndef POSINTENT_CALENDAR_H
#define POSINTENT_CALENDAR_H

/* 1 when y is a Gregorian leap year (divisible by 4, except centuries
 * not divisible by 400), else 0.  The one leap-year rule in the tree. */
int cal_is_leap(int y);

/* The number of days of month m (1-12) of year y: 28 to 31.  m outside
 * 1-12 is a caller's bug (asserted). */
int cal_days_in_month(int y, int m);

/* Days since 1970-01-01 of year y, month m (1-12), day d (1-31). */
long cal_days_from_civil(int y, int m, int d);

/* The date of day number z. */
void cal_civil_from_days(long z, int *y, int *m, int *d);

/* Days since the Monday that starts day z's week: 0 (Monday) to 6. */
long cal_weekday0(long z);

/* The ISO 8601 week of day z: the week's year (that of its Thursday, so
 * 2021-01-03 is in 2020-W53 and 2024-12-30 in 2025-W01) into *year and
 * its number, 1 to 53, into *week. */
void cal_iso_week(long z, int *year, int *week);

/* Parse `s` as exactly an ISO 8601 calendar date "YYYY-MM-DD" that exists
 * (2024-02-29 yes, 2026-02-29 no); anything before or after it, such as
 * "2026-01-05T" or "2026-01-05x", is refused.  Returns 0 with the parts in
 * *y, *m, *d (any may be NULL), or -1. */
int cal_parse_date(const char *s, int *y, int *m, int *d);

/* 1 when `s` is exactly an RFC 3339 date-time
 * (YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)), else 0.  As RFC 3339
 * section 5.6 allows, "T" and "Z" may be written "t" and "z"; a leap
 * second (:60) is accepted; nothing may follow the offset. */
int cal_is_rfc3339(const char *s);

#endif
