/* jsonutil.c - bounded, typed member reads with errors that name the field. */
#include "jsonutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *ju_path(char *buf, size_t cap, const char *prefix, const char *key) {
  if (prefix && *prefix)
    snprintf(buf, cap, "%s.%s", prefix, key);
  else
    snprintf(buf, cap, "%s", key);
  return buf;
}

/* Look up `key`; returns the item, or NULL for absent and JSON null. */
static const cJSON *member(const cJSON *obj, const char *key) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
  return (it == NULL || cJSON_IsNull(it)) ? NULL : it;
}

/* The dotted path of a member, built only when an error needs it: this
 * runs for every member of every event, and formatting is not free. */
#define PATH(buf) ju_path(buf, sizeof buf, prefix, key)

static int absent(int required, const char *prefix, const char *key, pi_error *err) {
  char path[96];
  if (!required) return 1;
  return pi_fail(err, "missing_field", PATH(path), "%s is required", path);
}

int ju_text_ok(const char *s, size_t len, int allow_newline) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  while (p < end) {
    unsigned c = *p;
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && !(allow_newline && c == '\n')) || c == 0x7f)
        return 0;
      p++;
      continue;
    }
    size_t n;
    unsigned min;
    if ((c & 0xe0) == 0xc0) { n = 1; min = 0x80; c &= 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 2; min = 0x800; c &= 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 3; min = 0x10000; c &= 0x07; }
    else return 0;
    if ((size_t)(end - p) <= n) return 0;
    for (size_t i = 1; i <= n; i++) {
      if ((p[i] & 0xc0) != 0x80) return 0;
      c = (c << 6) | (p[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
    p += n + 1;
  }
  return 1;
}

int ju_string(const cJSON *obj, const char *key, const char *prefix, int required,
              char *buf, size_t cap, pi_error *err) {
  char path[96];
  buf[0] = '\0';
  const cJSON *it = member(obj, key);
  if (it == NULL) return absent(required, prefix, key, err);
  if (!cJSON_IsString(it) || it->valuestring == NULL)
    return pi_fail(err, "bad_type", PATH(path), "%s must be a string", path);
  size_t n = strlen(it->valuestring);
  if (n == 0) return absent(required, prefix, key, err);
  if (n >= cap)
    return pi_fail(err, "too_long", PATH(path), "%s is %zu bytes long; the limit is %zu",
                   path, n, cap - 1);
  if (!ju_text_ok(it->valuestring, n, 0))
    return pi_fail(err, "bad_value", PATH(path),
                   "%s must be UTF-8 text without control characters", path);
  memcpy(buf, it->valuestring, n + 1);
  return 0;
}

int ju_int(const cJSON *obj, const char *key, const char *prefix, int required,
           int64_t min, int64_t max, int64_t *out, pi_error *err) {
  char path[96];
  const cJSON *it = member(obj, key);
  if (it == NULL) return absent(required, prefix, key, err);
  if (!cJSON_IsNumber(it))
    return pi_fail(err, "bad_type", PATH(path), "%s must be a number", path);
  double v = it->valuedouble;
  if (!isfinite(v) || v != floor(v))
    return pi_fail(err, "bad_value", PATH(path),
                   "%s must be a whole number of minor units", path);
  if (v < (double)min || v > (double)max) {
    if (min == 0 && v < 0)
      return pi_fail(err, "bad_value", PATH(path), "%s must not be negative", path);
    return pi_fail(err, "bad_value", PATH(path), "%s must be between %lld and %lld",
                   path, (long long)min, (long long)max);
  }
  *out = (int64_t)v;
  return 0;
}

int ju_bool(const cJSON *obj, const char *key, const char *prefix, int required,
            int *out, pi_error *err) {
  char path[96];
  const cJSON *it = member(obj, key);
  if (it == NULL) return absent(required, prefix, key, err);
  if (!cJSON_IsBool(it))
    return pi_fail(err, "bad_type", PATH(path), "%s must be true or false", path);
  *out = cJSON_IsTrue(it) ? 1 : 0;
  return 0;
}

int ju_qty(const cJSON *obj, const char *key, const char *prefix, int required,
           int64_t max_milli, int64_t *out, pi_error *err) {
  char path[96];
  const cJSON *it = member(obj, key);
  if (it == NULL) return absent(required, prefix, key, err);
  if (!cJSON_IsNumber(it))
    return pi_fail(err, "bad_type", PATH(path), "%s must be a number", path);
  double v = it->valuedouble;
  if (!isfinite(v) || v < 0)
    return pi_fail(err, "bad_value", PATH(path), "%s must not be negative", path);
  if (v * 1000.0 > (double)max_milli)
    return pi_fail(err, "bad_value", PATH(path), "%s is larger than %lld", path,
                   (long long)(max_milli / 1000));
  double m = round(v * 1000.0);
  /* A decimal with at most 3 places lands within rounding noise of an
   * integer number of thousandths; 0.0005 does not. */
  if (fabs(m - v * 1000.0) > 1e-6 * (m > 1.0 ? m : 1.0))
    return pi_fail(err, "bad_value", PATH(path), "%s has more than 3 decimals", path);
  *out = (int64_t)m;
  return 0;
}

int ju_object(const cJSON *obj, const char *key, const char *prefix, int required,
              const cJSON **out, pi_error *err) {
  char path[96];
  const cJSON *it = member(obj, key);
  *out = NULL;
  if (it == NULL) return absent(required, prefix, key, err);
  if (!cJSON_IsObject(it))
    return pi_fail(err, "bad_type", PATH(path), "%s must be an object", path);
  *out = it;
  return 0;
}

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

int ju_date(const char *s) {
  if (strlen(s) < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
      s[7] != '-' || !digits(s + 8, 2))
    return 0;
  int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = mdays[m - 1] + (m == 2 && leap);
  return d <= max && (s[10] == '\0' || s[10] == 'T');
}

int ju_rfc3339(const char *s) {
  if (!ju_date(s) || s[10] != 'T') return 0;
  const char *t = s + 11;
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
  if (*t == 'Z') return t[1] == '\0';
  if ((*t == '+' || *t == '-') && digits(t + 1, 2) && t[3] == ':' &&
      digits(t + 4, 2) && t[6] == '\0')
    return num(t + 1, 2) <= 23 && num(t + 4, 2) <= 59;
  return 0;
}
