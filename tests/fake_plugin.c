/* SPDX-License-Identifier: MIT */
/* fake_plugin.c - a plugin built for another ABI major, to prove that the
 * loader refuses it after reading its exported version. */
#include <stddef.h>

#include "posplug.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT const uint32_t posplug_abi_version = POSPLUG_MAKE_VERSION(FAKE_MAJOR, FAKE_MINOR);

EXPORT const posplug_plugin_api *posplug_entry(uint32_t host, posplug_error *err) {
  (void)host;
  (void)err;
  return NULL;
}
