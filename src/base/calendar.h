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

/* Days since 1970-01-01 of year y, month m (1-12), day d (1-31). */
long cal_days_from_civil(int y, int m, int d);

/* The date of day number z. */
void cal_civil_from_days(long z, int *y, int *m, int *d);

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
