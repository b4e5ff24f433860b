/* SPDX-License-Identifier: MIT */
/* test_utf8.c - the strict UTF-8 module and the outputs that rely on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/jsonw.h"
#include "script/luasandbox.h"
#include "base/utf8.h"

/* Length utf8_decode gives for the bytes of a string literal. */
static size_t dec(const char *s, size_t n, uint32_t *cp) { return utf8_decode(s, n, cp); }

static void decodes_every_length(void **state) {
  (void)state;
  uint32_t cp;
  assert_int_equal(dec("A", 1, &cp), 1);
  assert_int_equal(cp, 0x41);
  assert_int_equal(dec("\0", 1, &cp), 1);
  assert_int_equal(cp, 0);
  assert_int_equal(dec("\xc2\x80", 2, &cp), 2);
  assert_int_equal(cp, 0x80);
  assert_int_equal(dec("\xdf\xbf", 2, &cp), 2);
  assert_int_equal(cp, 0x7ff);
  assert_int_equal(dec("\xe0\xa0\x80", 3, &cp), 3);
  assert_int_equal(cp, 0x800);
  assert_int_equal(dec("\xed\x9f\xbf", 3, &cp), 3); /* just below the surrogates */
  assert_int_equal(cp, 0xd7ff);
  assert_int_equal(dec("\xee\x80\x80", 3, &cp), 3); /* just above them */
  assert_int_equal(cp, 0xe000);
  assert_int_equal(dec("\xef\xbf\xbd", 3, &cp), 3);
  assert_int_equal(cp, 0xfffd);
  assert_int_equal(dec("\xf0\x90\x80\x80", 4, &cp), 4);
  assert_int_equal(cp, 0x10000);
  assert_int_equal(dec("\xf4\x8f\xbf\xbf", 4, &cp), 4);
  assert_int_equal(cp, 0x10ffff);
}

static void refuses_what_is_not_a_character(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t n;
  } bad[] = {
      {"\x80", 1},                 /* a continuation byte alone       */
      {"\xbf", 1},
      {"\xc0\xaf", 2},             /* overlong "/"                    */
      {"\xc1\xbf", 2},             /* overlong U+007F                 */
      {"\xe0\x80\xaf", 3},         /* overlong, 3 bytes               */
      {"\xe0\x9f\xbf", 3},         /* overlong U+07FF                 */
      {"\xf0\x80\x80\xaf", 4},     /* overlong, 4 bytes               */
      {"\xf0\x8f\xbf\xbf", 4},     /* overlong U+FFFF                 */
      {"\xed\xa0\x80", 3},         /* U+D800, a surrogate             */
      {"\xed\xbf\xbf", 3},         /* U+DFFF                          */
      {"\xf4\x90\x80\x80", 4},     /* U+110000                        */
      {"\xf5\x80\x80\x80", 4},     /* lead byte never used            */
      {"\xff", 1},
      {"\xc3", 1},                 /* truncated                       */
      {"\xe2\x82", 2},
      {"\xf0\x9f\x98", 3},
      {"\xc3\x41", 2},             /* continuation missing            */
      {"\xe2\x28\xa1", 3},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint32_t cp = 0x12345;
    if (dec(bad[i].s, bad[i].n, &cp) != 0) fail_msg("case %zu decoded", i);
    assert_int_equal(cp, 0x12345); /* untouched */
    assert_false(utf8_valid_n(bad[i].s, bad[i].n));
  }
  /* The length given is respected: the bytes after it are not read. */
  assert_int_equal(dec("\xc3\xa9", 1, NULL), 0);
  assert_true(utf8_valid("Caf\xc3\xa9 \xf0\x9f\x98\x80"));
  assert_true(utf8_valid_n("a\0b", 3));
  assert_false(utf8_valid("Caf\xc3"));
}

static void cuts_on_a_character_boundary(void **state) {
  (void)state;
  const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a é € 😀: 1+2+3+4 */
  size_t n = strlen(s);
  static const size_t want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};
  for (size_t max = 0; max < sizeof want / sizeof want[0]; max++)
    assert_int_equal(utf8_cut(s, n, max), want[max]);
  /* Stray bytes count as one byte each. */
  assert_int_equal(utf8_cut("\xff\xff\xff", 3, 2), 2);
}

/* Counting and stepping by unit: a character, or a stray byte. */
static void counts_and_steps_by_character(void **state) {
  (void)state;
  const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xc3"; /* a e-acute euro emoji FF C3 */
  size_t n = strlen(s);
  assert_int_equal(utf8_count(s, n), 6);
  assert_int_equal(utf8_count("", 0), 0);
  assert_int_equal(utf8_count("\xc0\xaf", 2), 2); /* overlong: two stray bytes */
  assert_int_equal(utf8_span(s, n, 0), 0);
  assert_int_equal(utf8_span(s, n, 2), 3);
  assert_int_equal(utf8_span(s, n, 4), 10);
  assert_int_equal(utf8_span(s, n, 5), 11);
  assert_int_equal(utf8_span(s, n, 99), n);
  /* Back from the end, unit by unit, to the start. */
  static const size_t starts[] = {11, 10, 6, 3, 1, 0};
  size_t at = n;
  for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
    at = utf8_back(s, at);
    assert_int_equal(at, starts[i]);
  }
  assert_int_equal(utf8_back("a\xa9", 2), 1);
}

static void cleans_strictly(void **state) {
  (void)state;
  char out[64];
  /* Overlong, surrogate, above U+10FFFF, truncated: one replacement per byte. */
  size_t used = utf8_clean(out, sizeof out, "a\xc0\xaf" "b\xed\xa0\x80" "c\xf4\x90\x80\x80", 12,
                           "?", UTF8_KEEP_CONTROLS);
  assert_int_equal(used, 12);
  assert_string_equal(out, "a??b???c????");
  utf8_clean(out, sizeof out, "x\ty\0z", 5, UTF8_REPLACEMENT, UTF8_KEEP_CONTROLS);
  assert_string_equal(out, "x\ty" UTF8_REPLACEMENT "z"); /* NUL never kept */
  utf8_clean(out, sizeof out, "x\ty\x7fz", 5, "?", UTF8_NO_CONTROLS);
  assert_string_equal(out, "x?y?z");
  /* Never ends inside a character nor inside a replacement. */
  used = utf8_clean(out, 6, "\xc3\xa9\xc3\xa9\xc3\xa9", 6, "?", 0);
  assert_int_equal(used, 4);
  assert_string_equal(out, "\xc3\xa9\xc3\xa9");
  used = utf8_clean(out, 6, "ab\xff\xff", 4, UTF8_REPLACEMENT, 0);
  assert_int_equal(used, 3);
  assert_string_equal(out, "ab" UTF8_REPLACEMENT);
  char *r = utf8_repair("M\xfcller");
  assert_non_null(r);
  assert_string_equal(r, "M" UTF8_REPLACEMENT "ller");
  free(r);
}

/* The sandbox's text cleaning (a script's error text, pos.log lines) was
 * lax: it took any lead byte followed by continuation bytes. */
static void script_text_is_cleaned_strictly(void **state) {
  (void)state;
  char out[64];
  static const char *const bad[] = {"\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
                                    "\xe0\x80\xaf", "\xf8\x88\x80\x80\x80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lsb_clean_text(out, sizeof out, bad[i], strlen(bad[i]));
    assert_true(utf8_valid(out));
    assert_int_equal(strlen(out), strlen(bad[i])); /* one '?' per byte */
    assert_null(strchr(out, '\x80'));
  }
  lsb_clean_text(out, sizeof out, "ok \xc3\xa9", 5);
  assert_string_equal(out, "ok \xc3\xa9");
}

/* An error's field and message come from anywhere (a member name, a
 * script): they are stored valid and cut on a character boundary. */
static void errors_hold_valid_text(void **state) {
  (void)state;
  pi_error err;
  pi_fail(&err, PI_E_UNKNOWN_FIELD, "\xff\xfe", "%s is not a member", "\xff\xfe");
  assert_true(utf8_valid(err.field));
  assert_true(utf8_valid(err.message));
  assert_string_equal(err.field, UTF8_REPLACEMENT UTF8_REPLACEMENT);
  char name[400] = "";
  for (int i = 0; i < 150; i++) strcat(name, "\xc3\xa9"); /* 300 bytes of é */
  pi_fail(&err, PI_E_UNKNOWN_FIELD, name, "%s is not a member", name);
  assert_true(utf8_valid(err.field));
  assert_true(utf8_valid(err.message));
  assert_int_equal(strlen(err.field), sizeof err.field - 2); /* 47 é: 94 bytes */
  assert_true(strlen(err.message) >= sizeof err.message - 4);
  /* The cut is never silent: a cut message ends in an ellipsis... */
  size_t m = strlen(err.message);
  assert_true(m >= 3 && memcmp(err.message + m - 3, "\xe2\x80\xa6", 3) == 0);
  /* ...also when the text is far longer than the room to spare... */
  char big[2000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  pi_fail(&err, PI_E_BAD_VALUE, "", "%s", big);
  m = strlen(err.message);
  assert_true(utf8_valid(err.message));
  assert_true(m >= 3 && memcmp(err.message + m - 3, "\xe2\x80\xa6", 3) == 0);
  /* ...and one that fits is whole, without one. */
  big[sizeof err.message - 1] = '\0';
  pi_fail(&err, PI_E_BAD_VALUE, "", "%s", big);
  assert_string_equal(err.message, big);
  pi_fail(&err, PI_E_BAD_VALUE, "a\nb", "line\r\nbreak");
  assert_string_equal(err.field, "a" UTF8_REPLACEMENT "b");
  assert_string_equal(err.message, "line" UTF8_REPLACEMENT UTF8_REPLACEMENT "break");
}

static void replies_are_written_valid(void **state) {
  (void)state;
  jsonw w;
  memset(&w, 0, sizeof w);
  jw_reset(&w);
  jw_object(&w);
  jw_kstr(&w, "k\xc0", "v\xed\xa0\x80\xc3\xa9");
  jw_end_object(&w);
  assert_true(jw_ok(&w));
  assert_string_equal(w.buf, "{\"k" UTF8_REPLACEMENT "\":\"v" UTF8_REPLACEMENT UTF8_REPLACEMENT
                             UTF8_REPLACEMENT "\xc3\xa9\"}");
  jw_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(decodes_every_length),
      cmocka_unit_test(refuses_what_is_not_a_character),
      cmocka_unit_test(cuts_on_a_character_boundary),
      cmocka_unit_test(counts_and_steps_by_character),
      cmocka_unit_test(cleans_strictly),
      cmocka_unit_test(script_text_is_cleaned_strictly),
      cmocka_unit_test(errors_hold_valid_text),
      cmocka_unit_test(replies_are_written_valid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
