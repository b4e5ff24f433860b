/* SPDX-License-Identifier: MIT */
/*
 * test_error.c - error kinds, their stable codes, and the one mapping from
 * kinds to the ABI's statuses (base/error.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"

/* Every kind has a code of lower-case letters and underscores, and no two
 * kinds share one: a host branches on the code, so a code must name one
 * kind only. */
static void test_codes_are_unique_and_stable(void **state) {
  (void)state;
  assert_null(pi_kind_code(PI_OK));
  assert_null(pi_kind_code(PI_KIND_COUNT));
  assert_null(pi_kind_code((pi_kind)-1));
  for (int k = PI_OK + 1; k < PI_KIND_COUNT; k++) {
    const char *c = pi_kind_code((pi_kind)k);
    assert_non_null(c);
    assert_true(c[0] != '\0');
    assert_int_equal(strspn(c, "abcdefghijklmnopqrstuvwxyz_"), strlen(c));
    for (int j = PI_OK + 1; j < k; j++)
      if (strcmp(c, pi_kind_code((pi_kind)j)) == 0)
        fail_msg("kinds %d and %d share the code %s", j, k, c);
  }
  /* Codes hosts already see do not change. */
  assert_string_equal(pi_kind_code(PI_E_MISSING_FIELD), "missing_field");
  assert_string_equal(pi_kind_code(PI_E_NOMEM), "nomem");
  assert_string_equal(pi_kind_code(PI_E_AMBIGUOUS_SALE), "ambiguous_sale");
}

static void test_fail_and_rekind(void **state) {
  (void)state;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(err.kind, PI_OK);
  assert_null(err.code);
  assert_int_equal(pi_fail(&err, PI_E_TOO_LONG, "type", "%s is too long", "type"), -1);
  assert_int_equal(err.kind, PI_E_TOO_LONG);
  assert_string_equal(err.code, "too_long");
  pi_error_rekind(&err, PI_E_UNKNOWN_TYPE);
  assert_int_equal(err.kind, PI_E_UNKNOWN_TYPE);
  assert_string_equal(err.code, "unknown_type");
  assert_string_equal(err.field, "type");
  assert_string_equal(err.message, "type is too long");
  assert_int_equal(pi_fail(NULL, PI_E_IO, "", "nobody listens"), -1);
  pi_error_clear(&err);
  assert_int_equal(err.kind, PI_OK);
  assert_string_equal(err.message, "");
}

/* The whole table of kinds against phases: what each entry point returns. */
static void test_status_mapping(void **state) {
  (void)state;
  pi_error err;
  pi_error_clear(&err);
  /* No kind: a failure that said nothing is a bug at create(). */
  assert_int_equal(pi_error_status(&err, PI_PHASE_CREATE), POSPLUG_ERR_INTERNAL);
  assert_int_equal(pi_error_status(NULL, PI_PHASE_CREATE), POSPLUG_ERR_INTERNAL);
  for (int k = PI_OK + 1; k < PI_KIND_COUNT; k++) {
    pi_fail(&err, (pi_kind)k, "", "x");
    posplug_status create = pi_error_status(&err, PI_PHASE_CREATE);
    posplug_status event = pi_error_status(&err, PI_PHASE_EVENT);
    posplug_status reload = pi_error_status(&err, PI_PHASE_RELOAD);
    switch (k) {
    case PI_E_NOMEM:
      assert_int_equal(create, POSPLUG_ERR_NOMEM);
      assert_int_equal(event, POSPLUG_ERR_NOMEM);
      assert_int_equal(reload, POSPLUG_ERR_NOMEM);
      break;
    case PI_E_STORAGE:
      assert_int_equal(create, POSPLUG_ERR_STORAGE);
      assert_int_equal(event, POSPLUG_ERR_STORAGE);
      assert_int_equal(reload, POSPLUG_ERR_SCRIPT);
      break;
    case PI_E_SCRIPT:
      assert_int_equal(create, POSPLUG_ERR_SCRIPT);
      assert_int_equal(event, POSPLUG_OK);
      assert_int_equal(reload, POSPLUG_ERR_SCRIPT);
      break;
    case PI_E_INTERNAL:
      assert_int_equal(create, POSPLUG_ERR_INTERNAL);
      assert_int_equal(event, POSPLUG_OK);
      assert_int_equal(reload, POSPLUG_ERR_SCRIPT);
      break;
    default:
      /* Refusals: the manifest's fault at create(), the event's in its
       * reply, the script's at reload(). */
      if (create != POSPLUG_ERR_CONFIG || event != POSPLUG_OK ||
          reload != POSPLUG_ERR_SCRIPT)
        fail_msg("%s: create %d, event %d, reload %d", pi_kind_code((pi_kind)k),
                 create, event, reload);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_codes_are_unique_and_stable),
      cmocka_unit_test(test_fail_and_rekind),
      cmocka_unit_test(test_status_mapping),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
