/* SPDX-License-Identifier: MIT */
/*
 * posplug_loader.h - a host-side loader for posplug plugins.
 *
 * Optional: a vendor may load plugins with dlopen() by hand following
 * posplug.h, or link this small loader (libposplug_loader) which does it the
 * way posplug.h prescribes:
 *   1. reads the plugin.manifest and refuses a plugin whose declared ABI
 *      does not fit this host, before loading any code;
 *   2. dlopen()s the library the manifest names with RTLD_NOW | RTLD_LOCAL,
 *      by its absolute path with symlinks resolved: a relative `library`
 *      is relative to the manifest's own folder, never looked up in
 *      LD_LIBRARY_PATH or the system's folders; `library` below says which
 *      file was loaded, for the host to log;
 *   3. checks the exported posplug_abi_version, calls the entry symbol the
 *      manifest names, and checks the returned table's size and version.
 * Every refusal names both versions, so that an integrator sees at once
 * which side needs rebuilding.
 */
#ifndef POSPLUG_LOADER_H
#define POSPLUG_LOADER_H

#include "posplug.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct posplug_loaded {
  void *handle;                   /* from dlopen(); owned by the loader   */
  const posplug_plugin_api *api;  /* the plugin's table; valid until unload */
  uint32_t plugin_abi;            /* the plugin's exported ABI version    */
  char name[64];                  /* from the manifest                    */
  char version[32];
  char library[1024];             /* the library's absolute path, symlinks
                                     resolved: the file that was loaded    */
} posplug_loaded;

/* Load the plugin described by the manifest at `manifest_path`.
 * Returns POSPLUG_OK and fills *out, or POSPLUG_ERR_CONFIG (manifest
 * unreadable or invalid, library missing, symbol missing) or
 * POSPLUG_ERR_ABI (version mismatch) with err filled; *out is then zeroed
 * and nothing stays loaded. */
posplug_status posplug_load(const char *manifest_path, posplug_loaded *out,
                            posplug_error *err);

/* dlclose() the plugin.  Destroy every instance first.  NULL-safe. */
void posplug_unload(posplug_loaded *p);

#ifdef __cplusplus
}
#endif

#endif
