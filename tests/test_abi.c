/* test_abi.c - the frozen layout of include/posplug.h and the loader's
 * version checks against the real plugin and fake ones. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "posplug.h"
#include "posplug_loader.h"

/* ABI 1.0 as shipped.  Changing any of these breaks every host and plugin
 * built before: bump the major instead, or append members at the end. */
static void layout_is_frozen(void **state) {
  (void)state;
  assert_int_equal(POSPLUG_ABI_MAJOR, 1);
  assert_int_equal(sizeof(posplug_error), 4 + 256 + 128);
  assert_int_equal(offsetof(posplug_error, message), 4);
  assert_int_equal(offsetof(posplug_error, where), 260);
  assert_int_equal(offsetof(posplug_host_api, struct_size), 0);
  assert_int_equal(offsetof(posplug_host_api, abi_version), 8);
  assert_int_equal(offsetof(posplug_host_api, host_ctx), 16);
  assert_int_equal(offsetof(posplug_host_api, log), 24);
  assert_int_equal(offsetof(posplug_host_api, now_ms), 32);
  assert_int_equal(sizeof(posplug_host_api), 40);
  assert_int_equal(offsetof(posplug_plugin_api, struct_size), 0);
  assert_int_equal(offsetof(posplug_plugin_api, abi_version), 8);
  assert_int_equal(offsetof(posplug_plugin_api, name), 16);
  assert_int_equal(offsetof(posplug_plugin_api, version), 24);
  assert_int_equal(offsetof(posplug_plugin_api, create), 32);
  assert_int_equal(offsetof(posplug_plugin_api, handle), 40);
  assert_int_equal(offsetof(posplug_plugin_api, last_reply), 48);
  assert_int_equal(offsetof(posplug_plugin_api, reload), 56);
  assert_int_equal(offsetof(posplug_plugin_api, destroy), 64);
  assert_int_equal(sizeof(posplug_plugin_api), 72);
  assert_int_equal(POSPLUG_OK, 0);
  assert_int_equal(POSPLUG_ERR_TOOSMALL, 6);
  assert_int_equal(POSPLUG_ERR_INTERNAL, 9);
}

static void compatibility_rule(void **state) {
  (void)state;
  uint32_t h = POSPLUG_MAKE_VERSION(1, 3);
  assert_true(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(1, 0)));
  assert_true(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(1, 3)));
  assert_false(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(1, 4)));
  assert_false(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(2, 0)));
  assert_false(posplug_abi_compatible(h, POSPLUG_MAKE_VERSION(0, 3)));
}

static char manifest[256];

static const char *write_manifest(const char *abi, const char *lib) {
  snprintf(manifest, sizeof manifest, "/tmp/posintent-abi-%d.manifest", (int)getpid());
  FILE *f = fopen(manifest, "w");
  assert_non_null(f);
  fprintf(f,
          "{\"name\":\"posintent\",\"version\":\"0\",\"abi\":\"%s\",\"library\":\"%s\","
          "\"entry\":\"posplug_entry\",\"events\":[],\"config\":{}}",
          abi, lib);
  fclose(f);
  return manifest;
}

static void loads_the_real_plugin(void **state) {
  (void)state;
  posplug_loaded p;
  posplug_error err;
  memset(&err, 0, sizeof err);
  assert_int_equal(posplug_load(write_manifest("1.0", PLUGIN_PATH), &p, &err), POSPLUG_OK);
  assert_non_null(p.api);
  assert_int_equal(p.plugin_abi, POSPLUG_ABI_VERSION);
  assert_string_equal(p.api->name, "posintent");
  assert_true(POSPLUG_HAS_MEMBER(p.api, posplug_plugin_api, destroy));
  /* The plugin itself refuses a host of another major. */
  union {
    void *obj;
    posplug_entry_fn fn;
  } entry;
  entry.obj = dlsym(p.handle, POSPLUG_ENTRY_SYMBOL);
  assert_null(entry.fn(POSPLUG_MAKE_VERSION(2, 0), &err));
  assert_int_equal(err.code, POSPLUG_ERR_ABI);
  assert_non_null(strstr(err.message, "1.0"));
  assert_non_null(strstr(err.message, "2.0"));
  posplug_unload(&p);
  assert_null(p.handle);
  unlink(manifest);
}

static void refuses_mismatched_manifest(void **state) {
  (void)state;
  posplug_loaded p;
  posplug_error err;
  const char *bad[] = {"2.0", "1.1", "0.9"};
  for (size_t i = 0; i < 3; i++) {
    memset(&err, 0, sizeof err);
    assert_int_equal(posplug_load(write_manifest(bad[i], PLUGIN_PATH), &p, &err),
                     POSPLUG_ERR_ABI);
    assert_non_null(strstr(err.message, bad[i])); /* the plugin's version */
    assert_non_null(strstr(err.message, "1.0"));  /* and the host's */
    assert_null(p.handle);
  }
  unlink(manifest);
}

static void refuses_mismatched_library(void **state) {
  (void)state;
  posplug_loaded p;
  posplug_error err;
  memset(&err, 0, sizeof err);
  /* The manifest claims 1.0 but the library exports 2.0. */
  assert_int_equal(posplug_load(write_manifest("1.0", FAKE_PLUGIN_PATH), &p, &err),
                   POSPLUG_ERR_ABI);
  assert_non_null(strstr(err.message, "2.0"));
  assert_non_null(strstr(err.message, "1.0"));
  memset(&err, 0, sizeof err);
  assert_int_equal(posplug_load(write_manifest("1.0", "/nonexistent/lib.so"), &p, &err),
                   POSPLUG_ERR_CONFIG);
  assert_string_equal(err.where, "library");
  unlink(manifest);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(layout_is_frozen), cmocka_unit_test(compatibility_rule),
      cmocka_unit_test(loads_the_real_plugin),
      cmocka_unit_test(refuses_mismatched_manifest),
      cmocka_unit_test(refuses_mismatched_library)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
