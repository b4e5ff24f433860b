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

#endif
