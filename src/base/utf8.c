/* SPDX-License-Identifier: MIT */
/* utf8.c - strict UTF-8 decoding, checking, cutting and cleaning. */
#include "base/utf8.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_decode(const char *s, size_t len, uint32_t *cp) {
  const unsigned char *p = (const unsigned char *)s;
  assert(len >= 1);
  unsigned char c = p[0];
  if (c < 0x80) {
    if (cp) *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v;
  /* The second byte's range excludes, by lead byte, what the table in
   * RFC 3629 section 4 excludes: overlongs (E0 80..9F, F0 80..8F),
   * surrogates (ED A0..BF) and code points past U+10FFFF (F4 90..BF). */
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    v = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    v = c & 0x0Fu;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07u;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0; /* 80..BF continuation, C0/C1 overlong, F5..FF never used */
  }
  if (len < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if (p[i] < lo || p[i] > hi) return 0;
    lo = 0x80;
    hi = 0xBF;
    v = (v << 6) | (p[i] & 0x3Fu);
  }
  assert(v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF));
  if (cp) *cp = v;
  return n;
}

int utf8_valid_n(const char *s, size_t len) {
  for (size_t i = 0; i < len;) {
    if ((unsigned char)s[i] < 0x80) { /* most text is ASCII */
      i++;
      continue;
    }
    size_t n = utf8_decode(s + i, len - i, NULL);
    if (n == 0) return 0;
    i += n;
  }
  return 1;
}

int utf8_valid(const char *s) { return utf8_valid_n(s, strlen(s)); }

size_t utf8_cut(const char *s, size_t len, size_t max) {
  if (len <= max) return len;
  size_t at = 0;
  while (at < max) {
    size_t n = utf8_decode(s + at, len - at, NULL);
    if (n == 0) n = 1; /* a stray byte is its own unit */
    if (at + n > max) break;
    at += n;
  }
  return at;
}

/* The length of the unit at s[0..len) (len >= 1): a character's bytes,
 * or 1 for a byte that starts none. */
static size_t unit(const char *s, size_t len) {
  if ((unsigned char)s[0] < 0x80) return 1;
  size_t n = utf8_decode(s, len, NULL);
  return n ? n : 1;
}

size_t utf8_count(const char *s, size_t len) {
  size_t units = 0;
  for (size_t i = 0; i < len; i += unit(s + i, len - i)) units++;
  return units;
}

size_t utf8_span(const char *s, size_t len, size_t units) {
  size_t i = 0;
  for (size_t u = 0; u < units && i < len; u++) i += unit(s + i, len - i);
  assert(i <= len);
  return i;
}

size_t utf8_back(const char *s, size_t at) {
  assert(at >= 1);
  for (size_t k = 1; k <= 4 && k <= at; k++)
    if (utf8_decode(s + at - k, k, NULL) == k) return at - k;
  return at - 1;
}

size_t utf8_clean(char *dst, size_t cap, const char *src, size_t len,
                  const char *repl, int flags) {
  assert(cap >= 1 && repl != NULL && utf8_valid(repl));
  size_t rlen = strlen(repl), o = 0, i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)src[i];
    size_t n = utf8_decode(src + i, len - i, NULL);
    int bad = n == 0 || c == 0 || /* a NUL would end dst early */
              ((flags & UTF8_NO_CONTROLS) && n == 1 && (c < 0x20 || c == 0x7F));
    const char *from = bad ? repl : src + i;
    size_t w = bad ? rlen : n;
    if (o + w >= cap) break; /* keep room for the NUL */
    memcpy(dst + o, from, w);
    o += w;
    i += bad ? 1 : n;
  }
  dst[o] = '\0';
  return i;
}

char *utf8_repair(const char *s) {
  size_t n = strlen(s);
  /* Each bad byte grows to 3; check the product before allocating. */
  if (n > (SIZE_MAX - 1) / 3) return NULL;
  char *out = malloc(n * 3 + 1);
  if (out == NULL) return NULL;
  size_t used = utf8_clean(out, n * 3 + 1, s, n, UTF8_REPLACEMENT, UTF8_KEEP_CONTROLS);
  assert(used == n);
  (void)used;
  return out;
}
