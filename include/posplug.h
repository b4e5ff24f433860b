/* SPDX-License-Identifier: MIT */
/*
 * posplug.h - the contract between a point-of-sale host and a plugin.
 *
 * This header is the whole of what a POS vendor needs to load a plugin such
 * as posintent (libposintent.so) into a checkout.  It depends on nothing but
 * the C standard library and is valid C99/C11 and C++ (C++11 and later;
 * it compiles without warnings under -Wold-style-cast; section 6 answers a
 * C++ integrator's questions).
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
 * ABI 1.1 (posintent 0.2) changed behaviour, not layout, which is why a
 * 1.0 host refuses a 1.1 plugin (its minor is greater) while a 1.1 host
 * still uses a 1.0 plugin:
 *   - reply_len has one meaning, the reply's length without its NUL, also
 *     on POSPLUG_ERR_TOOSMALL (1.0 gave the capacity needed, one more);
 *     a host that allocates reply_len + 1 is right with either;
 *   - a storage or memory failure is returned as such by handle() and
 *     last_reply() even when the reply does not fit (1.0 said TOOSMALL,
 *     then OK, and a host acting on the status never knew);
 *   - create() refuses a host table whose abi_version does not fit, and a
 *     manifest whose name or version is not this library's;
 *   - last_reply() before any handle() is POSPLUG_ERR_MISUSE;
 *   - the manifest's "events" list is enforced: an event type it leaves out
 *     gets an {"ok":false} reply with code "event_not_enabled";
 *   - POSPLUG_ERR_EVENT is reserved and never returned (it never was): a
 *     refused event is POSPLUG_OK with an {"ok":false,...} reply;
 *   - the padding after abi_version in both tables is a named reserved
 *     field (same offsets and sizes, checked below).
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
 * another); if it does, every script call fails with an error saying so
 * (under the store's fail_open/fail_closed policy) until the handler is put
 * back, and no script runs unbounded.  The host chooses with the manifest's
 * config.scripts.budget_signal: "auto" (the default), a signal number (the
 * same in every instance of the process), or "none": no signal is taken and
 * budgets are checked by a Lua count hook instead (scripts run about twice
 * as slow).  The plugin unblocks the signal itself for the duration of a
 * script call, and when the last instance with scripts is destroyed it
 * restores the signal's default action (children exec'd afterwards do not
 * inherit it ignored).  No other signal is touched.  Script budgets count
 * the calling thread's CPU time, not wall time.
 *
 * Stack.  Every call runs on the caller's thread and stack.  posintent
 * needs at most POSPLUG_STACK_NEEDED (512 KiB) of it for any call, on top
 * of the host's own frames.  Measured by tests/test_abi.c, which fails if
 * a call needs more: a whole sale takes about 41 KiB (a completion keeps
 * about 20 KiB of it in one frame); a store script that nests C calls as
 * deeply as Lua lets it (pcall, table.sort comparators, gsub callbacks,
 * 200 levels) takes about 315 KiB.  The 8 MiB of a main thread and glibc's
 * default thread stack (RLIMIT_STACK, usually 8 MiB) are ample; a thread
 * the host sizes itself (pthread_attr_setstacksize, or musl's 128 KiB
 * default) must have at least this much.
 *
 * ---------------------------------------------------------------------------
 * 5. Events
 * ---------------------------------------------------------------------------
 * An event is one JSON object with a "type" member; the reply is one JSON
 * object, {"ok":true,...} or {"ok":false,"error":{"code","message","field"}}.
 * The event types and their members are documented in docs/events.md.  A
 * reply for "sale.complete" is produced only after the sale is durably
 * committed; resending a completed sale returns the same reply again and
 * records nothing twice.  A host resends exactly the event it sent.  To be
 * told apart from another till that used the same store, terminal and
 * sale id, also after a restart, a host sends its own key for the sale as
 * "attempt" in sale.begin and sale.complete (docs/events.md, "Attempt
 * keys"): a resend under another key than the recorded one is refused
 * with code "conflict", never acknowledged.
 *
 * ---------------------------------------------------------------------------
 * 6. For C++ hosts
 * ---------------------------------------------------------------------------
 * Exceptions.  The plugin is C: an exception must never leave a host
 * callback (log, now_ms).  It would unwind through the plugin's C frames -
 * often a store script's Lua call in progress - skipping their clean-up,
 * which is undefined behaviour.  Catch everything inside the callback.
 * Under C++17 the callback members are declared noexcept
 * (POSPLUG_NOEXCEPT), so the compiler refuses a callback that is not.
 * The plugin's own functions never throw.
 *
 * Lifetime.  After destroy(inst) the instance pointer is dangling: any
 * call with it, destroy() included, is undefined behaviour that the plugin
 * cannot detect (set your copy to NULL; destroy(NULL) is a no-op).  The
 * function table and its name and version strings are valid until
 * dlclose(); destroy every instance before that.  A posplug_host_api and
 * whatever host_ctx points at must outlive every instance created with it.
 *
 * Initialisation.  C++17 has no designated initialisers: value-initialise
 * the host table (`posplug_host_api host{};`, or memset it to zero) and
 * then set struct_size, abi_version and the services you offer, so that
 * reserved fields are zero.
 *
 * Casts.  The macros below use static_cast under C++, so they do not warn
 * under -Wold-style-cast or -Wuseless-cast.
 */
#ifndef POSPLUG_H
#define POSPLUG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A conversion that is a C cast in C and a static_cast in C++. */
#ifdef __cplusplus
#define POSPLUG_CAST(type, value) (static_cast<type>(value))
#else
#define POSPLUG_CAST(type, value) ((type)(value))
#endif

/* Marks the host's callbacks: they must not throw (section 6).  Part of
 * the function type from C++17 on, so the compiler checks it there. */
#if defined(__cplusplus) && __cplusplus >= 201703L
#define POSPLUG_NOEXCEPT noexcept
#else
#define POSPLUG_NOEXCEPT
#endif

#define POSPLUG_ABI_MAJOR 1u
#define POSPLUG_ABI_MINOR 1u
#define POSPLUG_MAKE_VERSION(major, minor)                                     \
  ((POSPLUG_CAST(uint32_t, major) << 16) | POSPLUG_CAST(uint32_t, minor))
#define POSPLUG_VERSION_MAJOR(v) (POSPLUG_CAST(uint32_t, v) >> 16)
#define POSPLUG_VERSION_MINOR(v) (POSPLUG_CAST(uint32_t, v) & 0xffffu)

/* The most stack, in bytes, that any call into the plugin uses (section 4). */
#define POSPLUG_STACK_NEEDED (512u * 1024u)
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
  ((ptr)->struct_size >=                                                       \
   offsetof(type, member) + sizeof(POSPLUG_CAST(type *, 0)->member))

/* Status of every fallible call.  Values are stable across minor versions. */
typedef enum posplug_status {
  POSPLUG_OK = 0,
  POSPLUG_ERR_ABI = 1,      /* ABI versions do not match                     */
  POSPLUG_ERR_CONFIG = 2,   /* manifest or configuration refused             */
  POSPLUG_ERR_EVENT = 3,    /* reserved, never returned: a refused event is
                               POSPLUG_OK with an {"ok":false} reply         */
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
  uint32_t abi_version; /* POSPLUG_ABI_VERSION of the host; create()
                           refuses one that does not fit                  */
#if UINTPTR_MAX > 0xffffffffu
  uint32_t reserved0;   /* what was padding on 64-bit targets: set to 0,
                           ignored by the plugin                          */
#endif
  void *host_ctx;       /* passed back unchanged to every service         */

  /* Write one log line.  `msg` is borrowed for the call.  Must not throw. */
  void (*log)(void *host_ctx, int level, const char *msg) POSPLUG_NOEXCEPT;

  /* Wall-clock time in milliseconds since the Unix epoch (UTC).  NULL: the
   * plugin uses the system clock.  Lets a host replay a day in tests.
   * Must not throw. */
  int64_t (*now_ms)(void *host_ctx) POSPLUG_NOEXCEPT;
} posplug_host_api;

/* One plugin instance: one till's worth of state.  Opaque to the host. */
typedef struct posplug_instance posplug_instance;

/* Callbacks the plugin offers the host.  Owned by the plugin; valid from
 * posplug_entry() until dlclose(). */
typedef struct posplug_plugin_api {
  size_t struct_size;   /* sizeof(posplug_plugin_api) as the plugin knows it */
  uint32_t abi_version; /* POSPLUG_ABI_VERSION of the plugin                 */
#if UINTPTR_MAX > 0xffffffffu
  uint32_t reserved0;   /* what was padding on 64-bit targets: 0            */
#endif
  const char *name;     /* e.g. "posintent"; static storage                  */
  const char *version;  /* e.g. "0.1.0"; static storage                      */

  /* Create an instance.
   *   host           services; borrowed until destroy()
   *   manifest_path  path of the plugin.manifest to configure from
   *   overrides_json NULL, or a JSON object whose members replace the
   *                  manifest's "config" members (e.g. {"database":"x.db"})
   *   out            receives the instance on POSPLUG_OK, NULL otherwise
   *   err            filled on failure
   * Returns POSPLUG_OK, POSPLUG_ERR_ABI (the host table's size or
   * abi_version does not fit), POSPLUG_ERR_CONFIG (also: the manifest's
   * name or version is not this library's), POSPLUG_ERR_STORAGE,
   * POSPLUG_ERR_SCRIPT, POSPLUG_ERR_NOMEM or POSPLUG_ERR_MISUSE. */
  posplug_status (*create)(const posplug_host_api *host,
                           const char *manifest_path,
                           const char *overrides_json,
                           posplug_instance **out,
                           posplug_error *err) POSPLUG_NOEXCEPT;

  /* Handle one event and write the JSON reply.
   *   event, event_len   the event JSON (borrowed; need not end in NUL)
   *   reply, reply_cap   the host's buffer for the reply
   *   reply_len          always receives the reply's length in bytes, not
   *                      counting its NUL.  The reply was written (with its
   *                      NUL) if and only if *reply_len < reply_cap;
   *                      otherwise reply[0] is set to NUL and the reply
   *                      needs a buffer of *reply_len + 1 bytes.
   * Returns:
   *   POSPLUG_OK           handled.  A refused (bad) event is not a failure
   *                        of the call: its reply is {"ok":false,"error":..}
   *   POSPLUG_ERR_STORAGE  the database failed; nothing of the event was
   *   POSPLUG_ERR_NOMEM    recorded, the sale stays open: send it again.
   *                        The reply, {"ok":false,...}, says so.  These are
   *                        returned even when the reply did not fit.
   *   POSPLUG_ERR_TOOSMALL handled, and nothing else went wrong, but the
   *                        reply did not fit.
   *   POSPLUG_ERR_MISUSE   NULL instance, or NULL event with a length.
   * Whenever *reply_len >= reply_cap, the event has been handled and its
   * reply kept: fetch it with last_reply() into a larger buffer; never
   * resend the event for that. */
  posplug_status (*handle)(posplug_instance *inst,
                           const char *event, size_t event_len,
                           char *reply, size_t reply_cap, size_t *reply_len,
                           posplug_error *err) POSPLUG_NOEXCEPT;

  /* Copy the reply of the last handle() call again.  reply_len as in
   * handle().  Returns that handle() call's status (so a storage or memory
   * failure stays one), POSPLUG_ERR_TOOSMALL when the buffer is still too
   * small, or POSPLUG_ERR_MISUSE for a NULL instance or when no event has
   * been handled yet on it. */
  posplug_status (*last_reply)(posplug_instance *inst,
                               char *reply, size_t reply_cap,
                               size_t *reply_len) POSPLUG_NOEXCEPT;

  /* Reload the store's scripts.  When the new scripts fail to compile, the
   * old ones stay active and err names the file and line. */
  posplug_status (*reload)(posplug_instance *inst,
                           posplug_error *err) POSPLUG_NOEXCEPT;

  /* Destroy an instance.  Open (uncompleted) sales are discarded; every
   * completed one is already durable.  NULL is a no-op; a destroyed
   * instance must not be used again (section 6). */
  void (*destroy)(posplug_instance *inst) POSPLUG_NOEXCEPT;
} posplug_plugin_api;

/* The layouts are frozen (section 2): the reserved fields name what was
 * padding and moved nothing.  Checked wherever this header is compiled as
 * C11 or C++11. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define POSPLUG_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define POSPLUG_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#ifdef POSPLUG_STATIC_ASSERT
POSPLUG_STATIC_ASSERT(sizeof(posplug_error) == sizeof(int) + 256 + 128,
                      "posplug_error has no padding");
POSPLUG_STATIC_ASSERT(offsetof(posplug_host_api, host_ctx) == 2 * sizeof(void *) &&
                          sizeof(posplug_host_api) == 5 * sizeof(void *),
                      "posplug_host_api: no hidden padding, frozen offsets");
POSPLUG_STATIC_ASSERT(offsetof(posplug_plugin_api, name) == 2 * sizeof(void *) &&
                          sizeof(posplug_plugin_api) == 9 * sizeof(void *),
                      "posplug_plugin_api: no hidden padding, frozen offsets");
#undef POSPLUG_STATIC_ASSERT
#endif

/* Type of the exported entry point. */
typedef const posplug_plugin_api *(*posplug_entry_fn)(uint32_t host_abi_version,
                                                      posplug_error *err)
    POSPLUG_NOEXCEPT;

/* The two symbols a plugin exports (declared here for plugin authors; a
 * host finds them with dlsym() by the names above). */
extern const uint32_t posplug_abi_version;
const posplug_plugin_api *posplug_entry(uint32_t host_abi_version,
                                        posplug_error *err);

#ifdef __cplusplus
}
#endif

#endif /* POSPLUG_H */
