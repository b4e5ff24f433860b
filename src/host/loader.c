/* SPDX-License-Identifier: MIT */
/* loader.c - load a posplug plugin as posplug.h prescribes. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "posplug_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/manifest.h"

static posplug_status fail(posplug_loaded *out, posplug_error *err,
                           posplug_status st, const char *where, const char *fmt,
                           ...) __attribute__((format(printf, 5, 6)));

static posplug_status fail(posplug_loaded *out, posplug_error *err,
                           posplug_status st, const char *where, const char *fmt,
                           ...) {
  if (out->handle) dlclose(out->handle);
  memset(out, 0, sizeof *out);
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = (int)st;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    snprintf(err->where, sizeof err->where, "%s", where ? where : "");
    va_end(ap);
  }
  return st;
}

posplug_status posplug_load(const char *manifest_path, posplug_loaded *out,
                            posplug_error *err) {
  memset(out, 0, sizeof *out);
  manifest_identity id;
  pi_error pe;
  pi_error_clear(&pe);
  if (manifest_path == NULL)
    return fail(out, err, POSPLUG_ERR_MISUSE, "", "no manifest path given");
  if (manifest_read_identity(manifest_path, &id, &pe))
    return fail(out, err, POSPLUG_ERR_CONFIG, pe.field, "%s", pe.message);
  const uint32_t host = POSPLUG_ABI_VERSION;
  if (!posplug_abi_compatible(host, id.abi))
    return fail(out, err, POSPLUG_ERR_ABI, "abi",
                "plugin %s declares ABI %u.%u in its manifest; this host speaks "
                "ABI %u.%u (the major must match and the plugin's minor must not "
                "exceed the host's)",
                id.name, POSPLUG_VERSION_MAJOR(id.abi), POSPLUG_VERSION_MINOR(id.abi),
                POSPLUG_VERSION_MAJOR(host), POSPLUG_VERSION_MINOR(host));
  snprintf(out->name, sizeof out->name, "%s", id.name);
  snprintf(out->version, sizeof out->version, "%s", id.version);
  /* Load exactly the file the manifest names.  manifest.c resolves a
   * relative `library` against the manifest's folder, but leaves a bare
   * name bare when the manifest itself was given as a bare name, and
   * dlopen() would look a bare name up in LD_LIBRARY_PATH and the system
   * folders: another file of that name would be loaded instead.  realpath()
   * turns every form into the absolute path of the file itself (symlinks
   * resolved), which dlopen() takes as it is. */
  char real[PATH_MAX];
  if (realpath(id.library, real) == NULL)
    return fail(out, err, POSPLUG_ERR_CONFIG, "library", "cannot load %s: %s",
                id.library, strerror(errno));
  if (strlen(real) >= sizeof out->library)
    return fail(out, err, POSPLUG_ERR_CONFIG, "library",
                "cannot load %s: its path is longer than %zu bytes", real,
                sizeof out->library - 1);
  snprintf(out->library, sizeof out->library, "%s", real);
  out->handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
  if (out->handle == NULL)
    return fail(out, err, POSPLUG_ERR_CONFIG, "library", "cannot load %s: %s", real,
                dlerror());
  const uint32_t *abi = dlsym(out->handle, POSPLUG_ABI_SYMBOL);
  if (abi == NULL)
    return fail(out, err, POSPLUG_ERR_CONFIG, POSPLUG_ABI_SYMBOL,
                "%s exports no %s: not a posplug plugin", id.library,
                POSPLUG_ABI_SYMBOL);
  out->plugin_abi = *abi;
  if (!posplug_abi_compatible(host, *abi))
    return fail(out, err, POSPLUG_ERR_ABI, POSPLUG_ABI_SYMBOL,
                "%s was built for plugin ABI %u.%u; this host speaks ABI %u.%u",
                id.library, POSPLUG_VERSION_MAJOR(*abi), POSPLUG_VERSION_MINOR(*abi),
                POSPLUG_VERSION_MAJOR(host), POSPLUG_VERSION_MINOR(host));
  /* dlsym returns void *; POSIX guarantees the conversion to a function
   * pointer works, and the union spells it without a cast warning. */
  union {
    void *obj;
    posplug_entry_fn fn;
  } entry;
  entry.obj = dlsym(out->handle, id.entry);
  if (entry.obj == NULL)
    return fail(out, err, POSPLUG_ERR_CONFIG, "entry", "%s exports no entry symbol %s",
                id.library, id.entry);
  posplug_error perr;
  memset(&perr, 0, sizeof perr);
  out->api = entry.fn(host, &perr);
  if (out->api == NULL)
    return fail(out, err, perr.code ? (posplug_status)perr.code : POSPLUG_ERR_ABI,
                perr.where, "%s", perr.message[0] ? perr.message : "the plugin refused this host");
  if (out->api->struct_size < offsetof(posplug_plugin_api, destroy) +
                                  sizeof out->api->destroy ||
      !posplug_abi_compatible(host, out->api->abi_version))
    return fail(out, err, POSPLUG_ERR_ABI, "entry",
                "the plugin's function table (ABI %u.%u, %zu bytes) does not fit "
                "this host (ABI %u.%u)",
                POSPLUG_VERSION_MAJOR(out->api->abi_version),
                POSPLUG_VERSION_MINOR(out->api->abi_version), out->api->struct_size,
                POSPLUG_VERSION_MAJOR(host), POSPLUG_VERSION_MINOR(host));
  return POSPLUG_OK;
}

void posplug_unload(posplug_loaded *p) {
  if (p == NULL) return;
  if (p->handle) dlclose(p->handle);
  memset(p, 0, sizeof *p);
}
