/* SPDX-License-Identifier: MIT */
/*
 * log.h - the one log adapter: a line to the host's log callback.
 *
 * Every module that logs (engine, hooks, the `pos` library of store
 * scripts) hands its line to a callback of the host's shape
 * (posplug_host_api.log: ctx, level, text) through pi_logf(); without a
 * callback the line goes to stderr as "posintent: <line>".  The level
 * names ("debug", "info", "warn", "error") live here too, for the front
 * ends that print levels and for pos.log, which takes them as text.
 *
 * Lines are not cut short: one longer than the stack buffer is formatted
 * again on the heap.  Only when that allocation fails is it cut, on a
 * character boundary and marked with PI_LOG_CUT_MARK.
 */
#ifndef POSINTENT_LOG_H
#define POSINTENT_LOG_H

#include <stdarg.h>

#include "posplug.h"

/* The host's log callback: `msg` is borrowed for the call. */
typedef void (*pi_log_fn)(void *ctx, int level, const char *msg);

/* What ends a line that had to be cut (out of memory only). */
#define PI_LOG_CUT_MARK " [cut: out of memory]"

/* Send `msg` to fn(ctx, level, msg), or to stderr when fn is NULL. */
void pi_log(pi_log_fn fn, void *ctx, int level, const char *msg);

/* The same with printf formatting. */
void pi_logf(pi_log_fn fn, void *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pi_logv(pi_log_fn fn, void *ctx, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* The levels' names, indexed by POSPLUG_LOG_DEBUG..POSPLUG_LOG_ERROR and
 * ended by NULL (the shape luaL_checkoption takes). */
extern const char *const pi_log_level_names[];

/* The name of `level`, or NULL when it is not one of the four. */
const char *pi_log_level_name(int level);

#endif
