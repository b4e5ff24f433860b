/* SPDX-License-Identifier: MIT */
/*
 * error.h - the error every core module reports.
 *
 * An error carries a stable machine code (the "code" member of an event
 * reply, e.g. "missing_field"), the field or file:line it concerns, and a
 * sentence a person understands.  The caller owns the struct, usually on its
 * stack; modules fill it and never keep a pointer to it.
 */
#ifndef POSINTENT_ERROR_H
#define POSINTENT_ERROR_H

#include <stdarg.h>

typedef struct pi_error {
  const char *code;   /* static string: "bad_json", "missing_field", ...   */
  char field[96];     /* "sale.line.qty", "scripts/gifts.lua:12", or ""     */
  char message[256];  /* a sentence for a cashier, admin or integrator      */
} pi_error;

/* Fill `err` (if not NULL) and return -1, so that callers can write
 * `return pi_fail(err, "bad_value", "qty", "qty must be positive");`.
 * Field and message are stored as valid UTF-8 without control characters
 * (bytes that are not are replaced by U+FFFD), cut on a character boundary
 * when longer than their arrays; a message so cut ends in U+2026 (an
 * ellipsis) so that the cut is never silent. */
int pi_fail(pi_error *err, const char *code, const char *field,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Reset `err` to "no error". */
void pi_error_clear(pi_error *err);

#endif
