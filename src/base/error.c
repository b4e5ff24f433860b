/* SPDX-License-Identifier: MIT */
/* error.c - filling pi_error; kinds, codes and ABI statuses. */
#include "base/error.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

/* The field and the message reach a JSON reply, a log line or a terminal:
 * both are cleaned to valid UTF-8 without control characters (a member
 * name or a script's text may hold anything) and cut on a character
 * boundary, never inside one; a cut message ends in "\u2026". */
static const char *const codes[PI_KIND_COUNT] = {
#define PI_KIND_CODE(name, code) [PI_E_##name] = code,
    PI_ERROR_KINDS(PI_KIND_CODE)
#undef PI_KIND_CODE
};

const char *pi_kind_code(pi_kind kind) {
  return (unsigned)kind < PI_KIND_COUNT ? codes[kind] : NULL;
}

int pi_fail(pi_error *err, pi_kind kind, const char *field,
            const char *fmt, ...) {
  assert(kind > PI_OK && kind < PI_KIND_COUNT);
  if (err == NULL) return -1;
  err->kind = kind;
  err->code = pi_kind_code(kind);
  const char *f = field ? field : "";
  utf8_clean(err->field, sizeof err->field, f, strlen(f), UTF8_REPLACEMENT,
             UTF8_NO_CONTROLS);
  /* Formatted with room to spare, so that the cut is utf8_clean's. */
  char text[sizeof err->message * 2];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  int cut = n > 0 && (size_t)n >= sizeof text;
  if (utf8_clean(err->message, sizeof err->message, text, len, UTF8_REPLACEMENT,
                 UTF8_NO_CONTROLS) < len)
    cut = 1;
  if (cut) {
    /* No silent cap: a cut message ends in an ellipsis, so the reader
     * knows there was more (the full text is in no other place). */
    static const char ell[] = "\xe2\x80\xa6"; /* U+2026 */
    size_t keep = sizeof err->message - sizeof ell;
    size_t m = strlen(err->message);
    if (m > keep) m = utf8_cut(err->message, m, keep);
    memcpy(err->message + m, ell, sizeof ell);
  }
  return -1;
}

void pi_error_rekind(pi_error *err, pi_kind kind) {
  assert(kind > PI_OK && kind < PI_KIND_COUNT);
  if (err == NULL) return;
  err->kind = kind;
  err->code = pi_kind_code(kind);
}

posplug_status pi_error_status(const pi_error *err, pi_phase phase) {
  pi_kind k = err ? err->kind : PI_OK;
  if (k == PI_E_NOMEM) return POSPLUG_ERR_NOMEM;
  switch (phase) {
  case PI_PHASE_CREATE:
    if (k == PI_E_STORAGE) return POSPLUG_ERR_STORAGE;
    if (k == PI_E_SCRIPT) return POSPLUG_ERR_SCRIPT;
    if (k == PI_OK || k == PI_E_INTERNAL) return POSPLUG_ERR_INTERNAL;
    return POSPLUG_ERR_CONFIG;
  case PI_PHASE_EVENT:
    return k == PI_E_STORAGE ? POSPLUG_ERR_STORAGE : POSPLUG_OK;
  case PI_PHASE_RELOAD:
    return POSPLUG_ERR_SCRIPT;
  }
  assert(0 && "no such phase");
  return POSPLUG_ERR_INTERNAL;
}

void pi_error_clear(pi_error *err) {
  if (err == NULL) return;
  err->kind = PI_OK;
  err->code = NULL;
  err->field[0] = '\0';
  err->message[0] = '\0';
}
