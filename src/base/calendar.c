/* SPDX-License-Identifier: MIT */
/* calendar.c - Howard Hinnant's civil-date algorithms (see calendar.h). */
#include "base/calendar.h"

#include <assert.h>
#include <stddef.h>

int cal_is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int cal_days_in_month(int y, int m) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  assert(m >= 1 && m <= 12);
  return mdays[m - 1] + (m == 2 && cal_is_leap(y));
}

long cal_days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;                                   /* [0, 399]     */
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  /* [0, 365]     */
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096]  */
  return era * 146097 + doe - 719468;
}

void cal_civil_from_days(long z, int *y, int *m, int *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

long cal_weekday0(long z) { return ((z + 3) % 7 + 7) % 7; } /* 1970-01-01: Thu */

void cal_iso_week(long z, int *year, int *week) {
  int m, d;
  long thursday = z - cal_weekday0(z) + 3;
  cal_civil_from_days(thursday, year, &m, &d);
  long w = (thursday - cal_days_from_civil(*year, 1, 1)) / 7 + 1;
  assert(w >= 1 && w <= 53);
  *week = (int)w;
}

/* ---- parsing ------------------------------------------------------------ */

/* 1 when s[0..n) are n ASCII digits; stops at the first that is not (so a
 * NUL ends the check without reading past it). */
static int digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

static int num(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

/* The date at the start of s; returns a pointer just past it, or NULL. */
static const char *date_prefix(const char *s, int *y, int *m, int *d) {
  if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
      !digits(s + 8, 2))
    return NULL;
  int yy = num(s, 4), mm = num(s + 5, 2), dd = num(s + 8, 2);
  if (mm < 1 || mm > 12 || dd < 1) return NULL;
  if (dd > cal_days_in_month(yy, mm)) return NULL;
  if (y) *y = yy;
  if (m) *m = mm;
  if (d) *d = dd;
  return s + 10;
}

int cal_parse_date(const char *s, int *y, int *m, int *d) {
  int yy, mm, dd;
  const char *end = s ? date_prefix(s, &yy, &mm, &dd) : NULL;
  if (end == NULL || *end != '\0') return -1;
  if (y) *y = yy;
  if (m) *m = mm;
  if (d) *d = dd;
  return 0;
}

int cal_is_rfc3339(const char *s) {
  const char *t = s ? date_prefix(s, NULL, NULL, NULL) : NULL;
  if (t == NULL || (*t != 'T' && *t != 't')) return 0;
  t++;
  if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' ||
      !digits(t + 6, 2))
    return 0;
  if (num(t, 2) > 23 || num(t + 3, 2) > 59 || num(t + 6, 2) > 60) return 0;
  t += 8;
  if (*t == '.') {
    t++;
    if (*t < '0' || *t > '9') return 0;
    while (*t >= '0' && *t <= '9') t++;
  }
  if (*t == 'Z' || *t == 'z') return t[1] == '\0';
  if ((*t == '+' || *t == '-') && digits(t + 1, 2) && t[3] == ':' &&
      digits(t + 4, 2) && t[6] == '\0')
    return num(t + 1, 2) <= 23 && num(t + 4, 2) <= 59;
  return 0;
}
