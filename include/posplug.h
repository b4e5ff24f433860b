/*
 * posplug.h - the contract between a point-of-sale host and a plugin.
 *
 * This header is the whole of what a POS vendor needs to load a plugin such
 * as posintent (libposintent.so) into a checkout.  It depends on nothing but
 * the C standard library and is valid C99/C11 and C++.
 *
 * ---------------------------------------------------------------------------
 * 1. Loading
 * ---------------------------------------------------------------------------
 * A plugin is a shared object that exports exactly two symbols:
 *
 *   const uint32_t posplug_abi_version;       POSPLUG_ABI_SYMBOL
 *       (major << 16) | minor of the ABI the plugin was built against.
 *
 *   const posplug_plugin_api *posplug_entry(  POSPLUG_ENTRY_SYMBOL
 *       uint32_t host_abi_version, posplug_error *err);
 *
 * The host:
 *   a. dlopen()s the library with RTLD_NOW | RTLD_LOCAL;
 *   b. reads posplug_abi_version and refuses the plugin unless
 *      posplug_abi_compatible(host, plugin): the majors are equal and the
 *      plugin's minor is not greater than the host's;
 *   c. calls posplug_entry(POSPLUG_ABI_VERSION, &err).  The plugin checks
 *      the same rule from its side and returns NULL (err filled in) when it
 *      cannot serve this host;
 *   d. checks api->struct_size and only calls members that lie within it;
 *   e. creates one or more instances with api->create(), sends events with
 *      api->handle(), and tears down with api->destroy() before dlclose().
 *
 * ---------------------------------------------------------------------------
 * 2. Evolution
 * ---------------------------------------------------------------------------
 * Both function tables start with their own size and are append-only: a new
 * minor version may add members at the end, never move or remove one.  A
 * reader must test `offsetof(member) + sizeof(member) <= struct_size` (see
 * POSPLUG_HAS_MEMBER) before using a member added after 1.0.  A major version
 * change means the layout changed and old peers are refused.
 *
 * ---------------------------------------------------------------------------
 * 3. Memory and ownership
 * ---------------------------------------------------------------------------
 * No allocation crosses the boundary.  Every buffer passed in either
 * direction is owned by the side that passed it and is only borrowed by the
 * callee for the duration of the call.  Replies are written into a buffer the
 * host owns; errors into a posplug_error the host owns.  Strings are UTF-8;
 * lengths are in bytes; strings given with a length need not be
 * NUL-terminated; strings the plugin writes into host buffers always are.
 *
 * ---------------------------------------------------------------------------
 * 4. Threads
 * ---------------------------------------------------------------------------
 * Calls on one instance must be serialised by the host (one till, one
 * instance; any thread, but one call at a time).  Distinct instances are
 * independent and may be used from different threads at once.  Host services
 * (posplug_host_api) are called only from inside a call the host made, on
 * the host's calling thread.
 *
 * Signals.  A plugin may claim one POSIX real-time signal (SIGRTMIN..
 * SIGRTMAX) whose disposition is still the default, for a per-thread timer;
 * posintent does so while store scripts are loaded, to stop a script that
 * overruns its time budget (it takes the highest free one and logs which).
 * A host must not install a handler for that signal after creating
 * instances (one it installed before is respected: the plugin picks
 * another).  The plugin unblocks the signal itself for the duration of a
 * script call.  No other signal is touched.
 *
 * ---------------------------------------------------------------------------
 * 5. Events
 * ---------------------------------------------------------------------------
 * An event is one JSON object with a "type" member; the reply is one JSON
 * object, {"ok":true,...} or {"ok":false,"error":{"code","message","field"}}.
 * The event types and their members are documented in docs/events.md.  A
 * reply for "sale.complete" is produced only after the sale is durably
 * committed; resending a completed sale returns the same reply again and
 * records nothing twice.
 */
#ifndef POSPLUG_H
#define POSPLUG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POSPLUG_ABI_MAJOR 1u
#define POSPLUG_ABI_MINOR 0u
#define POSPLUG_MAKE_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define POSPLUG_VERSION_MAJOR(v) ((uint32_t)(v) >> 16)
#define POSPLUG_VERSION_MINOR(v) ((uint32_t)(v) & 0xffffu)
#define POSPLUG_ABI_VERSION POSPLUG_MAKE_VERSION(POSPLUG_ABI_MAJOR, POSPLUG_ABI_MINOR)

/* Nonzero when a host built for ABI `host` may use a plugin built for ABI
 * `plugin`: the majors are equal and the plugin's minor is not greater. */
static inline int posplug_abi_compatible(uint32_t host, uint32_t plugin) {
  return POSPLUG_VERSION_MAJOR(host) == POSPLUG_VERSION_MAJOR(plugin) &&
         POSPLUG_VERSION_MINOR(plugin) <= POSPLUG_VERSION_MINOR(host);
}

#define POSPLUG_ABI_SYMBOL "posplug_abi_version"
#define POSPLUG_ENTRY_SYMBOL "posplug_entry"

/* Nonzero when `ptr` (a function table) is large enough to hold `member`. */
#define POSPLUG_HAS_MEMBER(ptr, type, member)                                  \
  ((ptr)->struct_size >= offsetof(type, member) + sizeof(((type *)0)->member))

/* Status of every fallible call.  Values are stable across minor versions. */
typedef enum posplug_status {
  POSPLUG_OK = 0,
  POSPLUG_ERR_ABI = 1,      /* ABI versions do not match                     */
  POSPLUG_ERR_CONFIG = 2,   /* manifest or configuration refused             */
  POSPLUG_ERR_EVENT = 3,    /* the event was refused; the reply says why     */
  POSPLUG_ERR_STORAGE = 4,  /* the database failed; nothing was recorded     */
  POSPLUG_ERR_NOMEM = 5,    /* out of memory; nothing was recorded           */
  POSPLUG_ERR_TOOSMALL = 6, /* reply buffer too small; see handle()          */
  POSPLUG_ERR_MISUSE = 7,   /* NULL argument or call out of order            */
  POSPLUG_ERR_SCRIPT = 8,   /* a store script failed to load (reload())      */
  POSPLUG_ERR_INTERNAL = 9  /* a bug; please report it                       */
} posplug_status;

/* Filled by the callee on failure.  Owned by the caller, usually on its
 * stack; the callee never keeps a pointer to it.  All strings are
 * NUL-terminated and truncated to fit. */
typedef struct posplug_error {
  int code;           /* a posplug_status                                  */
  char message[256];  /* a sentence a person understands                   */
  char where[128];    /* field name or file:line the error is about, or "" */
} posplug_error;

/* Log levels for posplug_host_api.log. */
enum posplug_log_level {
  POSPLUG_LOG_DEBUG = 0,
  POSPLUG_LOG_INFO = 1,
  POSPLUG_LOG_WARN = 2,
  POSPLUG_LOG_ERROR = 3
};

/* Services the host offers the plugin.  Owned by the host; must stay valid
 * and unchanged until every instance created with it is destroyed.  Any
 * function pointer may be NULL, meaning "not offered". */
typedef struct posplug_host_api {
  size_t struct_size;   /* sizeof(posplug_host_api) as the host knows it  */
  uint32_t abi_version; /* POSPLUG_ABI_VERSION of the host                */
  void *host_ctx;       /* passed back unchanged to every service         */

  /* Write one log line.  `msg` is borrowed for the call. */
  void (*log)(void *host_ctx, int level, const char *msg);

  /* Wall-clock time in milliseconds since the Unix epoch (UTC).  NULL: the
   * plugin uses the system clock.  Lets a host replay a day in tests. */
  int64_t (*now_ms)(void *host_ctx);
} posplug_host_api;

/* One plugin instance: one till's worth of state.  Opaque to the host. */
typedef struct posplug_instance posplug_instance;

/* Callbacks the plugin offers the host.  Owned by the plugin; valid from
 * posplug_entry() until dlclose(). */
typedef struct posplug_plugin_api {
  size_t struct_size;   /* sizeof(posplug_plugin_api) as the plugin knows it */
  uint32_t abi_version; /* POSPLUG_ABI_VERSION of the plugin                 */
  const char *name;     /* e.g. "posintent"; static storage                  */
  const char *version;  /* e.g. "0.1.0"; static storage                      */

  /* Create an instance.
   *   host           services; borrowed until destroy()
   *   manifest_path  path of the plugin.manifest to configure from
   *   overrides_json NULL, or a JSON object whose members replace the
   *                  manifest's "config" members (e.g. {"database":"x.db"})
   *   out            receives the instance on POSPLUG_OK, NULL otherwise
   *   err            filled on failure
   * Returns POSPLUG_OK, POSPLUG_ERR_CONFIG, POSPLUG_ERR_STORAGE,
   * POSPLUG_ERR_SCRIPT or POSPLUG_ERR_NOMEM. */
  posplug_status (*create)(const posplug_host_api *host,
                           const char *manifest_path,
                           const char *overrides_json,
                           posplug_instance **out,
                           posplug_error *err);

  /* Handle one event and write the JSON reply.
   *   event, event_len   the event JSON (borrowed; need not end in NUL)
   *   reply, reply_cap   the host's buffer for the reply
   *   reply_len          receives strlen(reply), or on POSPLUG_ERR_TOOSMALL
   *                      the capacity needed including the NUL
   * A bad event is not a failure of the call: the return is POSPLUG_OK and
   * the reply is {"ok":false,"error":{...}}.  POSPLUG_ERR_STORAGE and
   * POSPLUG_ERR_NOMEM also come with an {"ok":false} reply when it fits.
   * On POSPLUG_ERR_TOOSMALL the event has been handled and its reply kept:
   * fetch it with last_reply() into a larger buffer, do not resend. */
  posplug_status (*handle)(posplug_instance *inst,
                           const char *event, size_t event_len,
                           char *reply, size_t reply_cap, size_t *reply_len,
                           posplug_error *err);

  /* Copy the reply of the last handle() call again (after TOOSMALL). */
  posplug_status (*last_reply)(posplug_instance *inst,
                               char *reply, size_t reply_cap,
                               size_t *reply_len);

  /* Reload the store's scripts.  When the new scripts fail to compile, the
   * old ones stay active and err names the file and line. */
  posplug_status (*reload)(posplug_instance *inst, posplug_error *err);

  /* Destroy an instance.  Open (uncompleted) sales are discarded; every
   * completed one is already durable.  NULL is a no-op. */
  void (*destroy)(posplug_instance *inst);
} posplug_plugin_api;

/* Type of the exported entry point. */
typedef const posplug_plugin_api *(*posplug_entry_fn)(uint32_t host_abi_version,
                                                      posplug_error *err);

/* The two symbols a plugin exports (declared here for plugin authors; a
 * host finds them with dlsym() by the names above). */
extern const uint32_t posplug_abi_version;
const posplug_plugin_api *posplug_entry(uint32_t host_abi_version,
                                        posplug_error *err);

#ifdef __cplusplus
}
#endif

#endif /* POSPLUG_H */
