/* SPDX-License-Identifier: MIT */
/* jsonw.c - streaming JSON writer (see jsonw.h for why it exists). */
#include "base/jsonw.h"

#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

#include <assert.h>

size_t jw_max(const jsonw *w) { return w->max ? w->max : JW_MAX_DEFAULT; }

void jw_set_max(jsonw *w, size_t max) {
  assert(max >= 1);
  w->max = max;
}

static void fail(jsonw *w, jw_status why) {
  if (w->failed == JW_OK) w->failed = why;
}

/* Make room for n more bytes plus the NUL, of which at least `need` will
 * be written (need <= n: a string reserves for its worst case).  Fails
 * with JW_TOO_LONG when even `need` bytes would pass the limit. */
static int reserve_at_least(jsonw *w, size_t n, size_t need) {
  if (w->failed) return 0;
  size_t max = jw_max(w);
  if (need > max || w->len > max - need) {
    fail(w, JW_TOO_LONG);
    return 0;
  }
  if (n < w->cap && w->len < w->cap - n) return 1; /* len + n + 1 <= cap */
  if (n > SIZE_MAX / 2 - w->len) {
    fail(w, JW_NOMEM);
    return 0;
  }
  size_t cap = w->cap ? w->cap : 512;
  while (cap < w->len + n + 1) cap *= 2;
  char *b = realloc(w->buf, cap);
  if (b == NULL) {
    fail(w, JW_NOMEM);
    return 0;
  }
  w->buf = b;
  w->cap = cap;
  return 1;
}

static int reserve(jsonw *w, size_t n) { return reserve_at_least(w, n, n); }

static void put(jsonw *w, const char *s, size_t n) {
  if (!reserve(w, n)) return;
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void putc_(jsonw *w, char c) {
  if (w->len + 2 <= w->cap && !w->failed && w->len < jw_max(w)) {
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
  } else {
    put(w, &c, 1);
  }
}

void jw_reset(jsonw *w) {
  w->len = 0;
  w->failed = JW_OK;
  w->depth = 0;
  if (w->buf) w->buf[0] = '\0';
}

void jw_free(jsonw *w) {
  free(w->buf);
  memset(w, 0, sizeof *w);
}

int jw_ok(const jsonw *w) { return !w->failed && w->depth == 0 && w->buf; }

jw_status jw_status_of(const jsonw *w) { return w->failed; }

int jw_fail(const jsonw *w, pi_error *err, const char *field) {
  switch (w->failed) {
  case JW_OK:
    if (jw_ok(w)) return 0;
    return pi_fail(err, PI_E_INTERNAL, field, "a JSON value was left unfinished");
  case JW_NOMEM:
    return pi_fail(err, PI_E_NOMEM, field, "out of memory writing JSON");
  case JW_TOO_LONG:
    return pi_fail(err, PI_E_TOO_LONG, field,
                   "the JSON would be longer than its limit of %zu bytes", jw_max(w));
  case JW_TOO_DEEP:
    return pi_fail(err, PI_E_INTERNAL, field,
                   "JSON nested deeper than %d levels", JW_DEPTH);
  case JW_MISUSE:
  default:
    return pi_fail(err, PI_E_INTERNAL, field, "a JSON container closed twice");
  }
}

/* A comma before every member or element but the first. */
static void sep(jsonw *w) {
  if (w->depth == 0) return;
  if (w->first[w->depth - 1])
    w->first[w->depth - 1] = 0;
  else
    putc_(w, ',');
}

/* Separator for a value: none right after a key. */
static void value_sep(jsonw *w);

static void open(jsonw *w, char c) {
  value_sep(w);
  if (w->depth >= JW_DEPTH) {
    fail(w, JW_TOO_DEEP);
    return;
  }
  putc_(w, c);
  w->first[w->depth++] = 1;
}

static void close_(jsonw *w, char c) {
  if (w->depth == 0) {
    fail(w, JW_MISUSE);
    return;
  }
  w->depth--;
  putc_(w, c);
}

void jw_object(jsonw *w) { open(w, '{'); }
void jw_array(jsonw *w) { open(w, '['); }
void jw_end_object(jsonw *w) { close_(w, '}'); }
void jw_end_array(jsonw *w) { close_(w, ']'); }

/* Write s as a JSON string literal.  Room for the worst case (every byte
 * a 6-byte \u escape) is made once; then bytes are copied directly, and
 * only quote, backslash and control characters need escapes.  The limit is
 * checked twice: before, against the shortest the literal can be, and
 * after, against what it came to (then it is taken back whole). */
static void string(jsonw *w, const char *s) {
  static const char hex[] = "0123456789abcdef";
  size_t n = strlen(s);
  if (n > (SIZE_MAX - 2) / 6) {
    fail(w, JW_TOO_LONG);
    return;
  }
  if (!reserve_at_least(w, n * 6 + 2, n + 2)) return;
  size_t start = w->len;
  char *o = w->buf + w->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) {
      /* Input is checked upstream; this is the last guard that keeps a
       * reply valid UTF-8 whatever reaches it. */
      size_t k = utf8_decode(s + i, n - i, NULL);
      if (k == 0) {
        memcpy(o, UTF8_REPLACEMENT, 3);
        o += 3;
      } else {
        memcpy(o, s + i, k);
        o += k;
        i += k - 1;
      }
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
      *o++ = (char)c;
      continue;
    }
    *o++ = '\\';
    switch (c) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '\n': *o++ = 'n'; break;
    case '\r': *o++ = 'r'; break;
    case '\t': *o++ = 't'; break;
    default:
      *o++ = 'u';
      *o++ = '0';
      *o++ = '0';
      *o++ = hex[c >> 4];
      *o++ = hex[c & 15];
    }
  }
  *o++ = '"';
  *o = '\0';
  w->len = (size_t)(o - w->buf);
  assert(w->len < w->cap);
  if (w->len > jw_max(w)) {
    w->len = start;
    w->buf[start] = '\0';
    fail(w, JW_TOO_LONG);
  }
}

void jw_key(jsonw *w, const char *key) {
  sep(w);
  string(w, key);
  putc_(w, ':');
  /* The value that follows must not get a comma of its own. */
  if (w->depth > 0) w->first[w->depth - 1] = 2;
}

static void value_sep(jsonw *w) {
  if (w->depth > 0 && w->first[w->depth - 1] == 2)
    w->first[w->depth - 1] = 0;
  else
    sep(w);
}

void jw_str(jsonw *w, const char *s) {
  value_sep(w);
  string(w, s ? s : "");
}

void jw_int(jsonw *w, int64_t v) {
  char buf[24], *p = buf + sizeof buf;
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + mag % 10);
    mag /= 10;
  } while (mag);
  if (v < 0) *--p = '-';
  value_sep(w);
  put(w, p, (size_t)(buf + sizeof buf - p));
}

void jw_bool(jsonw *w, int b) {
  value_sep(w);
  if (b)
    put(w, "true", 4);
  else
    put(w, "false", 5);
}

void jw_raw(jsonw *w, const char *json) {
  value_sep(w);
  put(w, json, strlen(json));
}

void jw_kstr(jsonw *w, const char *key, const char *s) {
  jw_key(w, key);
  jw_str(w, s);
}

void jw_kint(jsonw *w, const char *key, int64_t v) {
  jw_key(w, key);
  jw_int(w, v);
}

void jw_kbool(jsonw *w, const char *key, int b) {
  jw_key(w, key);
  jw_bool(w, b);
}
