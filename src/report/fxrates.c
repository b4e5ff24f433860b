/* SPDX-License-Identifier: MIT */
/* fxrates.c - reading HMRC's monthly exchange rates CSV, and converting
 * amounts to pence with it, exactly (fxrates.h). */
#include "report/fxrates.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"

#define FIELDS_MAX 16

static int bad(pi_error *err, const fx_rates *rs, size_t line, const char *fmt,
               const char *what) {
  return pi_fail(err, PI_E_BAD_VALUE, "--rates", "%s line %zu: %s%s", rs->path, line, fmt,
                 what ? what : "");
}

/* Split one record of `p` (up to `end`) into fields, in place: quoted
 * fields ("Korea, South") lose their quotes and doubled quotes; each field
 * is NUL-terminated.  *next is where the next record starts.  Returns the
 * number of fields, or -1 for an unterminated quote or too many fields. */
static int split(char *p, char *end, char **f, char **next) {
  int n = 0;
  char *o = p;
  for (;;) {
    if (n == FIELDS_MAX) return -1;
    f[n++] = o;
    if (p < end && *p == '"') {
      p++;
      for (;;) {
        if (p >= end) return -1;
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            *o++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        *o++ = *p++;
      }
    }
    while (p < end && *p != ',' && *p != '\n' && *p != '\r') *o++ = *p++;
    /* Step over the separator before ending the field: o may stand on
     * it (nothing was unquoted), and the NUL would overwrite it. */
    if (p < end && *p == ',') {
      p++;
      *o++ = '\0';
      continue;
    }
    if (p < end && *p == '\r') p++;
    if (p < end && *p == '\n') p++;
    *o = '\0';
    *next = p;
    return n;
  }
}

/* Trim spaces at both ends, in place. */
static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

/* Does header cell `h` name `want` (ASCII case aside; `want` may be a
 * prefix when `prefix`)? */
static int names(const char *h, const char *want, int prefix) {
  size_t n = strlen(want);
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)h[i]) != want[i]) return 0;
  return prefix || h[n] == '\0';
}

/* "01/11/2026" or "2026-11-01" -> "2026-11-01", a real calendar date.
 * 0, or -1. */
static int parse_day(const char *s, char out[11]) {
  if (strlen(s) != 10) return -1;
  for (int i = 0; i < 10; i++) {
    int sep = s[2] == '/' ? (i == 2 || i == 5) : (i == 4 || i == 7);
    if (sep ? s[i] != (s[2] == '/' ? '/' : '-') : !isdigit((unsigned char)s[i])) return -1;
  }
  if (s[2] == '/') /* DD/MM/YYYY */
    snprintf(out, 11, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
  else
    memcpy(out, s, 11);
  return cal_parse_date(out, NULL, NULL, NULL) < 0 ? -1 : 0;
}

/* "1.1564" -> 1156400 (units scaled by FX_SCALE).  0, or -1. */
static int parse_rate(const char *s, int64_t *out) {
  int64_t whole = 0, frac = 0, scale = FX_SCALE;
  const char *p = s;
  if (!isdigit((unsigned char)*p)) return -1;
  for (; isdigit((unsigned char)*p); p++) {
    whole = whole * 10 + (*p - '0');
    if (whole >= FX_RATE_MAX) return -1;
  }
  if (*p == '.') {
    p++;
    if (!isdigit((unsigned char)*p)) return -1;
    for (; isdigit((unsigned char)*p); p++) {
      if (scale == 1) return -1; /* more than FX_DECIMALS decimals */
      scale /= 10;
      frac += (*p - '0') * scale;
    }
  }
  if (*p != '\0') return -1;
  *out = whole * FX_SCALE + frac;
  return *out > 0 ? 0 : -1;
}

static int add(fx_rates *rs, const fx_rate *r, pi_error *err) {
  for (size_t i = 0; i < rs->n; i++) {
    const fx_rate *o = &rs->r[i];
    if (strcmp(o->currency, r->currency) != 0 || strcmp(o->to, r->from) < 0 ||
        strcmp(r->to, o->from) < 0)
      continue; /* another currency, or days that do not overlap */
    if (o->units == r->units && strcmp(o->from, r->from) == 0 && strcmp(o->to, r->to) == 0)
      return 0; /* the same rate again: HMRC lists the euro per country */
    return pi_fail(err, PI_E_BAD_VALUE, "--rates",
                   "%s lines %zu and %zu: two rates for %s on the same days (%s and %s); "
                   "which applies would be a guess",
                   rs->path, o->line, r->line, r->currency, o->text, r->text);
  }
  if (rs->n == rs->cap) {
    size_t cap = rs->cap ? rs->cap * 2 : 64;
    fx_rate *g = realloc(rs->r, cap * sizeof *g);
    if (g == NULL) return pi_fail(err, PI_E_NOMEM, "--rates", "out of memory");
    rs->r = g;
    rs->cap = cap;
  }
  rs->r[rs->n++] = *r;
  return 0;
}

/* The whole file into a NUL-terminated buffer (malloc'd), refusing one
 * over FX_FILE_MAX. */
static char *slurp(const char *path, size_t *len, pi_error *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    pi_fail(err, PI_E_IO, "--rates", "cannot open the rates file %s: %s", path,
            strerror(errno));
    return NULL;
  }
  char *buf = malloc(FX_FILE_MAX + 1);
  size_t n = buf ? fread(buf, 1, FX_FILE_MAX + 1, f) : 0;
  int rerr = ferror(f);
  fclose(f);
  if (buf == NULL) {
    pi_fail(err, PI_E_NOMEM, "--rates", "out of memory");
    return NULL;
  }
  if (rerr || n > FX_FILE_MAX) {
    free(buf);
    pi_fail(err, rerr ? PI_E_IO : PI_E_BAD_VALUE, "--rates",
            rerr ? "cannot read the rates file %s" : "the rates file %s is larger than "
                                                     "8 MB: not a file of monthly rates",
            path);
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

int fx_rates_load(const char *path, fx_rates *rs, pi_error *err) {
  memset(rs, 0, sizeof *rs);
  snprintf(rs->path, sizeof rs->path, "%s", path);
  size_t len;
  char *buf = slurp(path, &len, err);
  if (buf == NULL) return -1;
  char *p = buf, *end = buf + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* a byte-order mark */
  int col_code = -1, col_rate = -1, col_from = -1, col_to = -1, rc = 0;
  size_t line = 0;
  while (rc == 0 && p < end) {
    char *f[FIELDS_MAX], *next = end;
    line++;
    int n = split(p, end, f, &next);
    p = next;
    if (n < 0) {
      rc = bad(err, rs, line, "not a CSV record of at most 16 fields", NULL);
      break;
    }
    if (n == 1 && trim(f[0])[0] == '\0') continue; /* a blank line */
    /* A header: the names of the columns (again, in concatenated files). */
    int header = 0;
    for (int i = 0; i < n; i++) {
      const char *h = trim(f[i]);
      if (names(h, "currency code", 0)) col_code = i, header = 1;
      if (names(h, "currency units per", 1)) col_rate = i, header = 1;
      if (names(h, "start date", 0)) col_from = i, header = 1;
      if (names(h, "end date", 0)) col_to = i, header = 1;
    }
    if (header) {
      if (col_code < 0 || col_rate < 0 || col_from < 0 || col_to < 0)
        rc = bad(err, rs, line,
                 "the header needs the columns Currency Code, Currency Units per £1, "
                 "Start date and End date (HMRC's monthly rates CSV)",
                 NULL);
      continue;
    }
    if (col_code < 0) {
      rc = bad(err, rs, line,
               "no header line before the rates: the file must start with HMRC's "
               "header (Country/Territories,Currency,Currency Code,Currency Units per "
               "£1,Start date,End date)",
               NULL);
      break;
    }
    fx_rate r;
    memset(&r, 0, sizeof r);
    r.line = line;
    const char *code = col_code < n ? trim(f[col_code]) : "";
    const char *rate = col_rate < n ? trim(f[col_rate]) : "";
    const char *from = col_from < n ? trim(f[col_from]) : "";
    const char *to = col_to < n ? trim(f[col_to]) : "";
    if (strlen(code) != 3 || !isupper((unsigned char)code[0]) ||
        !isupper((unsigned char)code[1]) || !isupper((unsigned char)code[2])) {
      rc = bad(err, rs, line, "Currency Code must be three capital letters, not ", code);
      break;
    }
    memcpy(r.currency, code, 4);
    if (parse_rate(rate, &r.units) || strlen(rate) >= sizeof r.text) {
      rc = bad(err, rs, line,
               "Currency Units per £1 must be a decimal more than 0, below 100000000, "
               "with at most 6 decimals, not ",
               rate);
      break;
    }
    snprintf(r.text, sizeof r.text, "%s", rate);
    if (parse_day(from, r.from)) {
      rc = bad(err, rs, line, "Start date must be DD/MM/YYYY, not ", from);
      break;
    }
    if (parse_day(to, r.to) || strcmp(r.to, r.from) < 0) {
      rc = bad(err, rs, line, "End date must be DD/MM/YYYY, not before the start, not ",
               to);
      break;
    }
    rc = add(rs, &r, err);
  }
  free(buf);
  if (rc == 0 && rs->n == 0)
    rc = pi_fail(err, PI_E_BAD_VALUE, "--rates", "%s holds no exchange rate", path);
  return rc;
}

void fx_rates_free(fx_rates *rs) {
  free(rs->r);
  rs->r = NULL;
  rs->n = rs->cap = 0;
}

fx_rate *fx_rate_on(fx_rates *rs, const char *currency, const char *day) {
  for (size_t i = 0; i < rs->n; i++)
    if (strcmp(rs->r[i].currency, currency) == 0 && strncmp(rs->r[i].from, day, 10) <= 0 &&
        strncmp(day, rs->r[i].to, 10) <= 0)
      return &rs->r[i];
  return NULL;
}

/*
 * pence = minor * 10^(2 + FX_DECIMALS) / (units * 10^exponent), rounded
 * half away from zero.  minor * 10^8 does not fit 64 bits for amounts
 * over about 920 million, so the quotient is found by long division, one
 * decimal digit of the multiplier at a time: the remainder stays below
 * the divisor, and the divisor times 10 fits (units < FX_RATE_MAX *
 * FX_SCALE = 10^14, exponent <= 3).
 */
int fx_to_pence(int64_t minor, int exponent, const fx_rate *r, int64_t *pence,
                pi_error *err) {
  if (exponent < 0 || exponent > 3 || r->units <= 0 || minor == INT64_MIN)
    return pi_fail(err, PI_E_OVERFLOW, "--rates", "cannot convert %s amounts", r->currency);
  int64_t den = r->units;
  for (int i = 0; i < exponent; i++) den *= 10;
  int64_t a = minor < 0 ? -minor : minor;
  int64_t q = a / den, rem = a % den;
  for (int i = 0; i < 2 + FX_DECIMALS; i++) {
    if (q > (INT64_MAX - 9) / 10)
      return pi_fail(err, PI_E_OVERFLOW, "--rates",
                     "a %s amount is too large to convert to pence", r->currency);
    rem *= 10;
    q = q * 10 + rem / den;
    rem %= den;
  }
  if (rem >= den - rem) q++; /* half or more: away from zero */
  *pence = minor < 0 ? -q : q;
  return 0;
}
