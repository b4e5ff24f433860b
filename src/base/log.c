/* SPDX-License-Identifier: MIT */
/* log.c - the one log adapter (see log.h). */
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

const char *const pi_log_level_names[] = {"debug", "info", "warn", "error", NULL};

const char *pi_log_level_name(int level) {
  return level >= POSPLUG_LOG_DEBUG && level <= POSPLUG_LOG_ERROR ? pi_log_level_names[level]
                                                                  : NULL;
}

void pi_log(pi_log_fn fn, void *ctx, int level, const char *msg) {
  if (fn)
    fn(ctx, level, msg);
  else
    fprintf(stderr, "posintent: %s\n", msg);
}

void pi_logv(pi_log_fn fn, void *ctx, int level, const char *fmt, va_list ap) {
  char stack[512];
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(stack, sizeof stack, fmt, ap);
  char *heap = NULL;
  const char *line = stack;
  if (n < 0) {
    line = "(a log line could not be formatted)";
  } else if ((size_t)n >= sizeof stack) {
    heap = malloc((size_t)n + 1);
    if (heap) {
      vsnprintf(heap, (size_t)n + 1, fmt, again);
      line = heap;
    } else {
      /* Cut where a character ends, and say so. */
      size_t mark = sizeof PI_LOG_CUT_MARK; /* with its NUL */
      size_t keep = utf8_cut(stack, sizeof stack - 1, sizeof stack - mark);
      memcpy(stack + keep, PI_LOG_CUT_MARK, mark);
    }
  }
  va_end(again);
  pi_log(fn, ctx, level, line);
  free(heap);
}

void pi_logf(pi_log_fn fn, void *ctx, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pi_logv(fn, ctx, level, fmt, ap);
  va_end(ap);
}
