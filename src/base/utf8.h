/* SPDX-License-Identifier: MIT */
/*
 * utf8.h - the one strict UTF-8 decoder every module uses.
 *
 * Strict means RFC 3629: a character is the shortest encoding of a code
 * point in U+0000..U+10FFFF other than the UTF-16 surrogates
 * U+D800..U+DFFF.  Overlong forms (C0 AF for "/"), surrogates (ED A0 80),
 * code points above U+10FFFF (F4 90 80 80) and sequences cut short are not
 * characters.  Input is checked with utf8_decode/utf8_valid*; output that
 * may hold bytes from elsewhere (a member name, a script's error text) is
 * cleaned with utf8_clean, which never writes an invalid byte nor cuts a
 * character.  Nothing here allocates except utf8_repair.
 */
#ifndef POSINTENT_UTF8_H
#define POSINTENT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* U+FFFD REPLACEMENT CHARACTER, the usual stand-in for a bad byte. */
#define UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* The character at s[0..len) (len >= 1): returns its length in bytes (1 to
 * 4) and stores its code point in *cp (may be NULL); returns 0 when the
 * bytes there do not start a character (a stray continuation byte, an
 * invalid lead byte, an overlong form, a surrogate, a code point above
 * U+10FFFF, or a sequence that len cuts short).  Reads only s[0..len). */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* 1 when s[0..len) is a sequence of characters (NUL bytes count as
 * U+0000), else 0. */
int utf8_valid_n(const char *s, size_t len);

/* 1 when the NUL-terminated `s` is valid UTF-8, else 0. */
int utf8_valid(const char *s);

/* The largest n <= max (and <= len) such that s[0..n) does not end inside
 * a character of s: where to cut s to at most max bytes.  Bytes that are
 * not part of a character count as one byte each. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* Counting and stepping by character, for display (a table's column, the
 * till's screen, a name cut to N characters).  A "unit" is a character or
 * a byte that is not part of one (it then counts as one, as a terminal
 * shows it as one replacement glyph). */

/* The number of units in s[0..len). */
size_t utf8_count(const char *s, size_t len);

/* The length in bytes of the first `units` units of s[0..len) (all of it
 * when it has fewer). */
size_t utf8_span(const char *s, size_t len, size_t units);

/* Where the unit that ends just before s[at] starts (at >= 1): at - 1 for
 * a stray byte or an ASCII one, the lead byte's index for a character. */
size_t utf8_back(const char *s, size_t at);

/* What utf8_clean replaces besides bytes that are not UTF-8. */
enum {
  UTF8_KEEP_CONTROLS = 0, /* controls but NUL are copied (JSON escapes) */
  UTF8_NO_CONTROLS = 1    /* C0 controls and DEL are replaced too        */
};

/* Copy src[0..len) into dst[cap] (cap >= 1; always NUL-terminated), each
 * byte that does not start a character, each NUL byte (and, with
 * UTF8_NO_CONTROLS, each control character) replaced by `repl` (a NUL-terminated valid UTF-8
 * string such as "?" or UTF8_REPLACEMENT).  Stops before the first
 * character or replacement that does not fit, so dst never ends inside a
 * character.  Returns the number of bytes of src consumed: less than len
 * when dst was too small. */
size_t utf8_clean(char *dst, size_t cap, const char *src, size_t len,
                  const char *repl, int flags);

/* A malloc'd copy of the NUL-terminated `s` with each byte that is not
 * valid UTF-8 replaced by U+FFFD; NULL when out of memory.  The caller
 * frees it. */
char *utf8_repair(const char *s);

#endif
