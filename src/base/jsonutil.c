/* SPDX-License-Identifier: MIT */
/* jsonutil.c - bounded, typed member reads with errors that name the field. */
#include "base/jsonutil.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

/* Append s to buf[cap] at o, cut on a character boundary when it does not
 * fit; returns the new length. */
static size_t append(char *buf, size_t cap, size_t o, const char *s) {
  size_t n = utf8_cut(s, strlen(s), cap - 1 - o);
  memcpy(buf + o, s, n);
  buf[o + n] = '\0';
  return o + n;
}

const char *ju_path(char *buf, size_t cap, const char *prefix, const char *key) {
  assert(cap > 0);
  size_t o = 0;
  buf[0] = '\0';
  if (prefix && *prefix) {
    o = append(buf, cap, o, prefix);
    o = append(buf, cap, o, ".");
  }
  append(buf, cap, o, key ? key : "");
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

static ju_result absent(int required, const char *prefix, const char *key, pi_error *err) {
  char path[96];
  if (!required) return JU_ABSENT;
  pi_fail(err, PI_E_MISSING_FIELD, PATH(path), "%s is required", path);
  return JU_FAILED;
}

/* The opening every typed reader shares: the member `key` when is() says
 * it has the wanted JSON type.  JU_READ with *it; JU_ABSENT (optional and
 * absent or null) or JU_FAILED (missing when required, or "bad_type":
 * "<path> must be <what>") with *it NULL. */
static ju_result typed(const cJSON *obj, const char *key, const char *prefix, int required,
                       cJSON_bool (*is)(const cJSON *), const char *what, const cJSON **it,
                       pi_error *err) {
  char path[96];
  *it = member(obj, key);
  if (*it == NULL) return absent(required, prefix, key, err);
  if (!is(*it)) {
    *it = NULL;
    return pi_fail(err, PI_E_BAD_TYPE, PATH(path), "%s must be %s", path, what);
  }
  return JU_READ;
}

/* A string that cJSON holds as one (never NULL). */
static cJSON_bool is_string(const cJSON *it) {
  return cJSON_IsString(it) && it->valuestring != NULL;
}

int ju_text_ok(const char *s, size_t len, int allow_newline) {
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) {
      size_t n = utf8_decode(s + i, len - i, NULL);
      if (n == 0) return 0;
      i += n;
      continue;
    }
    if ((c < 0x20 && c != '\t' && !(allow_newline && c == '\n')) || c == 0x7f) return 0;
    i++;
  }
  return 1;
}

ju_result ju_string(const cJSON *obj, const char *key, const char *prefix, int required,
                    char *buf, size_t cap, pi_error *err) {
  char path[96];
  buf[0] = '\0';
  const cJSON *it;
  ju_result got = typed(obj, key, prefix, required, is_string, "a string", &it, err);
  if (got != JU_READ) return got;
  size_t n = strlen(it->valuestring);
  if (n == 0) return absent(required, prefix, key, err);
  if (n >= cap)
    return pi_fail(err, PI_E_TOO_LONG, PATH(path), "%s is %zu bytes long; the limit is %zu",
                   path, n, cap - 1);
  if (!ju_text_ok(it->valuestring, n, 0))
    return pi_fail(err, PI_E_BAD_VALUE, PATH(path),
                   "%s must be UTF-8 text without control characters", path);
  memcpy(buf, it->valuestring, n + 1);
  return JU_READ;
}

ju_result ju_int(const cJSON *obj, const char *key, const char *prefix, int required,
                 int64_t min, int64_t max, int64_t *out, pi_error *err) {
  char path[96];
  const cJSON *it;
  ju_result got = typed(obj, key, prefix, required, cJSON_IsNumber, "a number", &it, err);
  if (got != JU_READ) return got;
  double v = it->valuedouble;
  /* 1e400 reads as infinity: out of range below, not a fraction. */
  if (isnan(v) || (isfinite(v) && v != floor(v)))
    return pi_fail(err, PI_E_BAD_VALUE, PATH(path),
                   "%s must be a whole number of minor units", path);
  if (v < (double)min || v > (double)max) {
    if (min == 0 && v < 0)
      return pi_fail(err, PI_E_BAD_VALUE, PATH(path), "%s must not be negative", path);
    return pi_fail(err, PI_E_BAD_VALUE, PATH(path), "%s must be between %lld and %lld",
                   path, (long long)min, (long long)max);
  }
  *out = (int64_t)v;
  return JU_READ;
}

ju_result ju_bool(const cJSON *obj, const char *key, const char *prefix, int required,
                  int *out, pi_error *err) {
  const cJSON *it;
  ju_result got = typed(obj, key, prefix, required, cJSON_IsBool, "true or false", &it, err);
  if (got != JU_READ) return got;
  *out = cJSON_IsTrue(it) ? 1 : 0;
  return JU_READ;
}

ju_result ju_qty(const cJSON *obj, const char *key, const char *prefix, int required,
                 int64_t max_milli, int64_t *out, pi_error *err) {
  char path[96];
  const cJSON *it;
  ju_result got = typed(obj, key, prefix, required, cJSON_IsNumber, "a number", &it, err);
  if (got != JU_READ) return got;
  double v = it->valuedouble;
  /* 1e400 reads as infinity, -1e400 as minus infinity: too large, and
   * negative, not both "negative". */
  if (isnan(v))
    return pi_fail(err, PI_E_BAD_VALUE, PATH(path), "%s must be a number", path);
  if (v < 0)
    return pi_fail(err, PI_E_BAD_VALUE, PATH(path), "%s must not be negative", path);
  if (!isfinite(v) || v * 1000.0 > (double)max_milli)
    return pi_fail(err, PI_E_BAD_VALUE, PATH(path), "%s is larger than %lld", path,
                   (long long)(max_milli / 1000));
  /* Exact, at any magnitude: v came from a decimal with at most 3 places
   * exactly when the nearest double to m/1000 (m whole) is v itself.  m is
   * exact (below 2^53) and IEEE division rounds correctly, so m / 1000.0
   * is that nearest double.  A tolerance would let 1000.0005 pass as
   * 1000.001.  (ju_check_text judges the digits as written, before this.) */
  double m = nearbyint(v * 1000.0);
  double back = m / 1000.0;
  if (back < v || back > v)
    return pi_fail(err, PI_E_BAD_VALUE, PATH(path), "%s has more than 3 decimals", path);
  *out = (int64_t)m;
  return JU_READ;
}

ju_result ju_object(const cJSON *obj, const char *key, const char *prefix, int required,
                    const cJSON **out, pi_error *err) {
  return typed(obj, key, prefix, required, cJSON_IsObject, "an object", out, err);
}

/* ---- what cJSON's tree cannot show --------------------------------------- */

/* The walk through the text, in step with the tree cJSON built from it. */
typedef struct textwalk {
  const char *start;    /* the whole text, for byte offsets              */
  const char *p, *end;  /* the text not yet walked                       */
  int max_decimals;
  char path[96];        /* dotted path of the member being walked        */
  size_t plen;
  pi_error *err;
} textwalk;

/* Move to the start of the next string or number: white space,
 * punctuation and the literals true, false and null are skipped (none of
 * them holds a quote, a digit or a minus sign). */
static int next_token(textwalk *w) {
  while (w->p < w->end && *w->p != '"' && *w->p != '-' && (*w->p < '0' || *w->p > '9'))
    w->p++;
  return w->p < w->end;
}

/* Step over the string at w->p; 1 when it holds an escaped NUL. */
static int string_token(textwalk *w) {
  assert(*w->p == '"');
  int nul = 0;
  const char *p = w->p + 1;
  while (p < w->end && *p != '"') {
    if (*p != '\\') {
      p++;
      continue;
    }
    if (w->end - p >= 6 && p[1] == 'u' && memcmp(p + 2, "0000", 4) == 0) nul = 1;
    p += 2; /* the backslash and the escaped character (\\, \", u...) */
  }
  w->p = p < w->end ? p + 1 : p;
  return nul;
}

/* Step over the number at w->p.  Returns -1 when it is not a number of
 * RFC 8259's grammar, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
 * which cJSON does not check (it hands "0100", "-00", "1." and "-.5" to
 * strtod, which takes them).  Otherwise returns its decimal places as
 * written: the digits after the point, less the exponent, trailing zeros
 * not counted ("1.50" has 1, "15e-1" has 1, "1.5e3" and "0.0000" have 0). */
static long long number_token(textwalk *w) {
  const char *p = w->p, *end = w->end;
  long long scale = 0, zeros = 0, exp = 0;
  int nonzero = 0, bad = 0;
  assert(*p == '-' || (*p >= '0' && *p <= '9'));
  if (*p == '-') p++;
  /* The integer part: one 0, or digits that do not start with 0. */
  const char *int_start = p;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    zeros = *p == '0' ? zeros + 1 : 0;
    nonzero |= *p != '0';
  }
  bad |= p == int_start || (*int_start == '0' && p - int_start > 1);
  if (p < end && *p == '.') {
    const char *frac_start = ++p;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
      scale++;
      zeros = *p == '0' ? zeros + 1 : 0;
      nonzero |= *p != '0';
    }
    bad |= p == frac_start;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    int neg = 0;
    p++;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    const char *exp_start = p;
    for (; p < end && *p >= '0' && *p <= '9'; p++)
      if (exp < 1000000000000LL) exp = exp * 10 + (*p - '0'); /* saturate */
    bad |= p == exp_start;
    if (neg) exp = -exp;
  }
  /* What cJSON took as part of the number (it reads any run of these
   * characters) must all have been walked. */
  bad |= p < end && (*p == '.' || *p == '+' || *p == '-' || *p == 'e' || *p == 'E' ||
                     (*p >= '0' && *p <= '9'));
  w->p = p;
  if (bad) return -1;
  if (!nonzero) return 0;
  long long places = scale - zeros - exp;
  return places > 0 ? places : 0;
}

static int walk(textwalk *w, const cJSON *it, int depth) {
  if (depth > JU_DEPTH_MAX)
    return pi_fail(w->err, PI_E_BAD_JSON, w->path, "the JSON nests deeper than %d levels",
                   JU_DEPTH_MAX);
  const char *what = w->path[0] ? w->path : "a value";
  if (cJSON_IsString(it)) {
    if (next_token(w) && string_token(w))
      return pi_fail(w->err, PI_E_BAD_VALUE, w->path,
                     "%s holds an escaped NUL (\\u0000); text may not contain one", what);
  } else if (cJSON_IsNumber(it)) {
    const char *at = next_token(w) ? w->p : NULL;
    long long places = at ? number_token(w) : 0; /* always step over it */
    if (places < 0) {
      int n = (int)(w->p - at);
      return pi_fail(w->err, PI_E_BAD_JSON, w->path,
                     "%s is not a valid JSON number: %.*s%s (at byte %zu; RFC 8259 "
                     "allows no leading zeros, needs digits after a decimal point "
                     "and in an exponent)",
                     what, n > 24 ? 24 : n, at, n > 24 ? "..." : "",
                     (size_t)(at - w->start));
    }
    if (w->max_decimals >= 0 && places > w->max_decimals)
      return pi_fail(w->err, PI_E_BAD_VALUE, w->path, "%s has more than %d decimals", what,
                     w->max_decimals);
  } else if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
    for (const cJSON *c = it->child; c; c = c->next) {
      size_t saved = w->plen;
      if (cJSON_IsObject(it)) {
        int nul = next_token(w) && string_token(w);
        char prefix[sizeof w->path];
        memcpy(prefix, w->path, saved + 1);
        w->plen = strlen(ju_path(w->path, sizeof w->path, prefix, c->string));
        if (nul)
          return pi_fail(w->err, PI_E_BAD_VALUE, w->path,
                         "the member name \"%s\" holds an escaped NUL (\\u0000); "
                         "names may not contain one",
                         w->path);
      }
      if (walk(w, c, depth + 1)) return -1;
      w->plen = saved;
      w->path[saved] = '\0';
    }
  }
  return 0;
}

int ju_check_text(const char *text, size_t len, const cJSON *root, int max_decimals,
                  pi_error *err) {
  textwalk w;
  w.start = w.p = text;
  w.end = text + len;
  w.max_decimals = max_decimals;
  w.path[0] = '\0';
  w.plen = 0;
  w.err = err;
  return walk(&w, root, 1);
}

int ju_only_known(const cJSON *obj, const char *prefix, const char *const *known,
                  pi_kind kind, const char *where, pi_error *err) {
  for (const cJSON *it = obj->child; it; it = it->next) {
    const char *name = it->string ? it->string : "";
    int ok = 0;
    for (const char *const *k = known; *k && !ok; k++)
      ok = (*k)[0] == name[0] && strcmp(*k, name) == 0;
    char path[96];
    if (!ok) {
      ju_path(path, sizeof path, prefix, name);
      return pi_fail(err, kind != PI_OK ? kind : PI_E_UNKNOWN_FIELD, path,
                     "%s is not a member of %s", path, where);
    }
    for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
      if (prev->string && prev->string[0] == name[0] && strcmp(prev->string, name) == 0) {
        ju_path(path, sizeof path, prefix, name);
        return pi_fail(err, kind != PI_OK ? kind : PI_E_DUPLICATE_FIELD, path,
                       "%s appears twice in %s", path, where);
      }
  }
  return 0;
}
