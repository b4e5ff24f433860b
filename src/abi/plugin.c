/* SPDX-License-Identifier: MIT */
/*
 * plugin.c - the ABI layer: include/posplug.h on top of the engine.
 *
 * This file is all that libposintent.so exports (see plugin.map).  It
 * translates between the ABI's caller-owned buffers and status codes and
 * the engine's replies, and never lets an allocation cross the boundary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocale.h"
#include "engine/engine.h"
#include "config/manifest.h"
#include "posplug.h"

#define EXPORT __attribute__((visibility("default")))

/* The instance handed to the host is the engine plus the host's services,
 * and the outcome of the last handle() call, which last_reply() repeats. */
struct posplug_instance {
  engine *eng;
  posplug_host_api host;
  int replied;        /* 0 until handle() has produced a reply          */
  int last_status;    /* what that handle() returned, failure included   */
};

static void set_error(posplug_error *err, int code, const char *msg,
                      const char *where) {
  if (err == NULL) return;
  err->code = code;
  snprintf(err->message, sizeof err->message, "%s", msg ? msg : "");
  snprintf(err->where, sizeof err->where, "%s", where ? where : "");
}


static int64_t host_now(void *ctx) {
  posplug_instance *in = ctx;
  return in->host.now_ms(in->host.host_ctx);
}

static posplug_status create_in_c(const posplug_host_api *host, const char *manifest,
                               const char *overrides, posplug_instance **out,
                               posplug_error *err) {
  if (out) *out = NULL;
  if (host == NULL || manifest == NULL || out == NULL) {
    set_error(err, POSPLUG_ERR_MISUSE, "create() needs host, manifest and out", "");
    return POSPLUG_ERR_MISUSE;
  }
  if (host->struct_size < offsetof(posplug_host_api, now_ms) + sizeof host->now_ms) {
    set_error(err, POSPLUG_ERR_ABI, "the host's posplug_host_api is too small", "");
    return POSPLUG_ERR_ABI;
  }
  /* The table says which ABI its host was built for; posplug_entry() saw
   * only what the host passed there, which may differ from what it fills
   * in here. */
  if (!posplug_abi_compatible(host->abi_version, POSPLUG_ABI_VERSION)) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "the host's posplug_host_api is for ABI %u.%u; posintent speaks "
             "ABI %u.%u (the major must match and the plugin's minor must not "
             "exceed the host's)",
             POSPLUG_VERSION_MAJOR(host->abi_version),
             POSPLUG_VERSION_MINOR(host->abi_version), POSPLUG_ABI_MAJOR,
             POSPLUG_ABI_MINOR);
    set_error(err, POSPLUG_ERR_ABI, msg, "abi_version");
    return POSPLUG_ERR_ABI;
  }
  /* The manifest describes one build of the plugin: a manifest left over
   * from another version (or naming another plugin) configures keys this
   * library may not know the way its author meant. */
  manifest_identity id;
  pi_error me;
  pi_error_clear(&me);
  if (manifest_read_identity(manifest, &id, &me)) {
    set_error(err, POSPLUG_ERR_CONFIG, me.message, me.field);
    return POSPLUG_ERR_CONFIG;
  }
  if (strcmp(id.name, "posintent") != 0 || strcmp(id.version, POSINTENT_VERSION) != 0) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "the manifest describes %.64s %.32s, but this library is posintent %s; "
             "install the manifest that came with it",
             id.name, id.version, POSINTENT_VERSION);
    set_error(err, POSPLUG_ERR_CONFIG, msg,
              strcmp(id.name, "posintent") != 0 ? "name" : "version");
    return POSPLUG_ERR_CONFIG;
  }
  posplug_instance *in = calloc(1, sizeof *in);
  if (in == NULL) {
    set_error(err, POSPLUG_ERR_NOMEM, "out of memory", "");
    return POSPLUG_ERR_NOMEM;
  }
  /* Copy what both sides know of the host's table: a newer host's extra
   * members are ignored, an older host's missing ones stay NULL, which
   * append-only evolution makes safe. */
  memcpy(&in->host, host,
         host->struct_size < sizeof in->host ? host->struct_size : sizeof in->host);
  engine_options opt = {.manifest_path = manifest,
                        .overrides_json = overrides,
                        .log = in->host.log, /* NULL: stderr (base/log.h) */
                        .log_ctx = in->host.host_ctx,
                        .now_ms = host->now_ms ? host_now : NULL,
                        .now_ctx = in};
  pi_error e;
  pi_error_clear(&e);
  if (engine_open(&opt, &in->eng, &e)) {
    int st = (int)pi_error_status(&e, PI_PHASE_CREATE);
    set_error(err, st, e.message, e.field);
    free(in);
    return (posplug_status)st;
  }
  *out = in;
  return POSPLUG_OK;
}

/* Copy the reply into the host's buffer when it fits.  *out_len always
 * receives the reply's length without its NUL (the one meaning reply_len
 * has); the reply was written if and only if *out_len < cap. */
static posplug_status copy_reply(const char *reply, size_t len, char *buf, size_t cap,
                                 size_t *out_len) {
  if (out_len) *out_len = len;
  if (buf == NULL || len >= cap) {
    if (buf && cap) buf[0] = '\0';
    return POSPLUG_ERR_TOOSMALL;
  }
  memcpy(buf, reply, len + 1);
  return POSPLUG_OK;
}

static posplug_status handle_in_c(posplug_instance *in, const char *ev, size_t len,
                                  char *reply, size_t cap, size_t *reply_len,
                                  posplug_error *err) {
  if (in == NULL || (ev == NULL && len)) {
    set_error(err, POSPLUG_ERR_MISUSE, "handle() needs an instance and an event", "");
    return POSPLUG_ERR_MISUSE;
  }
  const char *r;
  size_t n;
  int st = engine_handle(in->eng, ev ? ev : "", len, &r, &n);
  in->replied = 1;
  in->last_status = st;
  posplug_status cs = copy_reply(r, n, reply, cap, reply_len);
  /* A failure outranks a small buffer: a host that acts on the status must
   * learn that nothing was recorded even when the reply did not fit. */
  if (st != POSPLUG_OK) {
    set_error(err, st,
              st == POSPLUG_ERR_STORAGE
                  ? (cs == POSPLUG_OK ? "the database failed; nothing was recorded; "
                                        "see the reply"
                                      : "the database failed; nothing was recorded; "
                                        "the reply did not fit: call last_reply()")
                  : (cs == POSPLUG_OK ? "out of memory; nothing was recorded"
                                      : "out of memory; nothing was recorded; the "
                                        "reply did not fit: call last_reply()"),
              "");
    return (posplug_status)st;
  }
  if (cs != POSPLUG_OK)
    set_error(err, (int)cs, "the reply buffer is too small; call last_reply()", "");
  return cs;
}

/* The last handle()'s reply again, with that call's status: a storage or
 * memory failure stays a failure however many times it is fetched. */
static posplug_status p_last_reply(posplug_instance *in, char *reply, size_t cap,
                                   size_t *reply_len) {
  if (reply_len) *reply_len = 0;
  if (in == NULL || !in->replied) {
    if (reply && cap) reply[0] = '\0';
    return POSPLUG_ERR_MISUSE;
  }
  const char *r;
  size_t n;
  engine_last_reply(in->eng, &r, &n);
  posplug_status cs = copy_reply(r, n, reply, cap, reply_len);
  return cs != POSPLUG_OK ? cs : (posplug_status)in->last_status;
}

static posplug_status reload_in_c(posplug_instance *in, posplug_error *err) {
  if (in == NULL) {
    set_error(err, POSPLUG_ERR_MISUSE, "reload() needs an instance", "");
    return POSPLUG_ERR_MISUSE;
  }
  pi_error e;
  pi_error_clear(&e);
  if (engine_reload(in->eng, &e)) {
    int st = (int)pi_error_status(&e, PI_PHASE_RELOAD);
    set_error(err, st, e.message, e.field);
    return (posplug_status)st;
  }
  return POSPLUG_OK;
}

/*
 * The entry points.  Each runs its work with the "C" locale selected for
 * the calling thread (clocale.h): a host that set LC_ALL to de_DE.UTF-8
 * for its own screens must still get "1.5" in replies, from printf and
 * from a store script's tostring() alike.  The host's locale is put back
 * before returning.
 */
static posplug_status p_create(const posplug_host_api *host, const char *manifest,
                               const char *overrides, posplug_instance **out,
                               posplug_error *err) {
  c_locale_scope loc;
  c_locale_enter(&loc);
  posplug_status st = create_in_c(host, manifest, overrides, out, err);
  c_locale_leave(&loc);
  return st;
}

static posplug_status p_handle(posplug_instance *in, const char *ev, size_t len,
                               char *reply, size_t cap, size_t *reply_len,
                               posplug_error *err) {
  c_locale_scope loc;
  c_locale_enter(&loc);
  posplug_status st = handle_in_c(in, ev, len, reply, cap, reply_len, err);
  c_locale_leave(&loc);
  return st;
}

static posplug_status p_reload(posplug_instance *in, posplug_error *err) {
  c_locale_scope loc;
  c_locale_enter(&loc);
  posplug_status st = reload_in_c(in, err);
  c_locale_leave(&loc);
  return st;
}

static void p_destroy(posplug_instance *in) {
  if (in == NULL) return;
  c_locale_scope loc;
  c_locale_enter(&loc);
  engine_close(in->eng);
  c_locale_leave(&loc);
  free(in);
}

static const posplug_plugin_api api = {
    .struct_size = sizeof(posplug_plugin_api),
    .abi_version = POSPLUG_ABI_VERSION,
    .name = "posintent",
    .version = POSINTENT_VERSION,
    .create = p_create,
    .handle = p_handle,
    .last_reply = p_last_reply,
    .reload = p_reload,
    .destroy = p_destroy,
};

EXPORT const uint32_t posplug_abi_version = POSPLUG_ABI_VERSION;

EXPORT const posplug_plugin_api *posplug_entry(uint32_t host_abi, posplug_error *err) {
  if (!posplug_abi_compatible(host_abi, POSPLUG_ABI_VERSION)) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "posintent speaks plugin ABI %u.%u; the host speaks %u.%u",
             POSPLUG_ABI_MAJOR, POSPLUG_ABI_MINOR, POSPLUG_VERSION_MAJOR(host_abi),
             POSPLUG_VERSION_MINOR(host_abi));
    set_error(err, POSPLUG_ERR_ABI, msg, "");
    return NULL;
  }
  return &api;
}
