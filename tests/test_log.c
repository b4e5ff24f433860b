/* SPDX-License-Identifier: MIT */
/* test_log.c - the one log adapter: delivery, long lines, level names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

typedef struct seen {
  int level;
  char *msg;
} seen;

static void capture(void *ctx, int level, const char *msg) {
  seen *s = ctx;
  s->level = level;
  free(s->msg);
  s->msg = strdup(msg);
}

/* A line longer than the adapter's stack buffer arrives whole, not cut. */
static void long_lines_arrive_whole(void **state) {
  (void)state;
  seen s = {-1, NULL};
  char big[3000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  pi_logf(capture, &s, POSPLUG_LOG_WARN, "sale %s: %s", "S1", big);
  assert_int_equal(s.level, POSPLUG_LOG_WARN);
  assert_non_null(s.msg);
  assert_int_equal(strlen(s.msg), strlen("sale S1: ") + sizeof big - 1);
  assert_null(strstr(s.msg, "[cut"));
  pi_log(capture, &s, POSPLUG_LOG_INFO, "plain");
  assert_string_equal(s.msg, "plain");
  assert_int_equal(s.level, POSPLUG_LOG_INFO);
  free(s.msg);
}

static void level_names(void **state) {
  (void)state;
  assert_string_equal(pi_log_level_name(POSPLUG_LOG_DEBUG), "debug");
  assert_string_equal(pi_log_level_name(POSPLUG_LOG_INFO), "info");
  assert_string_equal(pi_log_level_name(POSPLUG_LOG_WARN), "warn");
  assert_string_equal(pi_log_level_name(POSPLUG_LOG_ERROR), "error");
  assert_null(pi_log_level_name(-1));
  assert_null(pi_log_level_name(4));
  assert_null(pi_log_level_names[4]);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(long_lines_arrive_whole),
                                     cmocka_unit_test(level_names)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
