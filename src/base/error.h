/* SPDX-License-Identifier: MIT */
/*
 * error.h - the error every core module reports.
 *
 * An error carries its kind (pi_kind, for the code that branches on it),
 * the kind's stable machine code (the "code" member of an event reply,
 * e.g. "missing_field", which hosts and scripts see and which never
 * changes meaning), the field or file:line it concerns, and a sentence a
 * person understands.  The caller owns the struct, usually on its stack;
 * modules fill it and never keep a pointer to it.
 *
 * Which posplug_status an error becomes at the ABI is decided in one
 * place, pi_error_status(); nothing else compares codes to pick a status.
 */
#ifndef POSINTENT_ERROR_H
#define POSINTENT_ERROR_H

#include <stdarg.h>

#include "posplug.h"

/* Every kind with its stable code, in one list (docs/events.md describes
 * those an event reply can carry).  A new kind is added here and nowhere
 * else; a code is never reused for another meaning. */
#define PI_ERROR_KINDS(X) \
  X(ACCOUNT_CLOSED, "account_closed") \
  X(ALREADY_RECORDED, "already_recorded") \
  X(AMBIGUOUS_SALE, "ambiguous_sale") \
  X(BAD_COLUMN, "bad_column") \
  X(BAD_JSON, "bad_json") \
  X(BAD_TYPE, "bad_type") \
  X(BAD_VALUE, "bad_value") \
  X(BLOCKED, "blocked") \
  X(CHECKPOINT, "checkpoint") \
  X(CONFIG, "config") \
  X(CONFLICT, "conflict") \
  X(DUPLICATE_FIELD, "duplicate_field") \
  X(ECSL, "ecsl") \
  X(ECSL_EMPTY, "ecsl_empty") \
  X(EMPTY_SALE, "empty_sale") \
  X(EVENT_NOT_ENABLED, "event_not_enabled") \
  X(INTERNAL, "internal") \
  X(IO, "io") \
  X(MISSING_FIELD, "missing_field") \
  X(NOMEM, "nomem") \
  X(NOT_A_DATABASE, "not_a_database") \
  X(NOT_FOUND, "not_found") \
  X(OVERFLOW, "overflow") \
  X(PERIOD_CLOSED, "period_closed") \
  X(PERIOD_OPEN, "period_open") \
  X(POLICY, "policy") \
  X(REFUSED, "refused") \
  X(RESELLER_EVIDENCE, "reseller_evidence") \
  X(RETURN_EXCEEDS, "return_exceeds") \
  X(SALE_COMPLETED, "sale_completed") \
  X(SALE_OPEN, "sale_open") \
  X(SALE_RETURNED, "sale_returned") \
  X(SALE_VOIDED, "sale_voided") \
  X(SCHEMA, "schema") \
  X(SCRIPT, "script") \
  X(SERVER, "server") \
  X(SERVER_REFUSED, "server_refused") \
  X(STORAGE, "storage") \
  X(STORE_MISMATCH, "store_mismatch") \
  X(TENDERS_MISMATCH, "tenders_mismatch") \
  X(TOO_LONG, "too_long") \
  X(TOO_MANY_ANSWERS, "too_many_answers") \
  X(TOO_MANY_COLUMNS, "too_many_columns") \
  X(TOO_MANY_LINES, "too_many_lines") \
  X(TOO_MANY_OPEN_SALES, "too_many_open_sales") \
  X(TOTAL_MISMATCH, "total_mismatch") \
  X(TOTAL_TOO_LARGE, "total_too_large") \
  X(UNKNOWN_ACCOUNT, "unknown_account") \
  X(UNKNOWN_FIELD, "unknown_field") \
  X(UNKNOWN_LINE, "unknown_line") \
  X(UNKNOWN_PROMPT, "unknown_prompt") \
  X(UNKNOWN_SALE, "unknown_sale") \
  X(UNKNOWN_TENDER, "unknown_tender") \
  X(UNKNOWN_TYPE, "unknown_type") \
  X(USAGE, "usage")

typedef enum pi_kind {
  PI_OK = 0, /* no error: pi_error_clear()'s state */
#define PI_KIND_ENUM(name, code) PI_E_##name,
  PI_ERROR_KINDS(PI_KIND_ENUM)
#undef PI_KIND_ENUM
  PI_KIND_COUNT
} pi_kind;

typedef struct pi_error {
  pi_kind kind;       /* PI_OK when no error                                */
  const char *code;   /* pi_kind_code(kind): static, NULL when PI_OK        */
  char field[96];     /* "sale.line.qty", "scripts/gifts.lua:12", or ""     */
  char message[256];  /* a sentence for a cashier, admin or integrator      */
} pi_error;

/* Fill `err` (if not NULL) and return -1, so that callers can write
 * `return pi_fail(err, PI_E_BAD_VALUE, "qty", "qty must be positive");`.
 * Field and message are stored as valid UTF-8 without control characters
 * (bytes that are not are replaced by U+FFFD), cut on a character boundary
 * when longer than their arrays; a message so cut ends in U+2026 (an
 * ellipsis) so that the cut is never silent. */
int pi_fail(pi_error *err, pi_kind kind, const char *field,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Give an error already filled another kind, keeping its field and
 * message (a typed reader's "too_long" that a caller reports as
 * "unknown_type", a hook's failure reported as "script"). */
void pi_error_rekind(pi_error *err, pi_kind kind);

/* Reset `err` to "no error" (PI_OK, code NULL). */
void pi_error_clear(pi_error *err);

/* The stable code of `kind` ("bad_value"); NULL for PI_OK and for a value
 * that is no kind. */
const char *pi_kind_code(pi_kind kind);

/* Where in the ABI an error surfaces: each entry point has its own status
 * for the errors that are not the host's fault to retry. */
typedef enum pi_phase {
  PI_PHASE_CREATE, /* create(): the manifest, the database, the scripts     */
  PI_PHASE_EVENT,  /* handle(): a refused event is POSPLUG_OK + its reply   */
  PI_PHASE_RELOAD  /* reload(): the store's scripts                         */
} pi_phase;

/* The posplug_status that `err` (filled by a failed call) becomes in
 * `phase`: the one mapping from kinds to statuses.
 *   any phase   nomem -> POSPLUG_ERR_NOMEM
 *   create      storage -> STORAGE; script -> SCRIPT; internal or no
 *               kind -> INTERNAL; anything else (the manifest, a file
 *               that is not a posintent database) -> CONFIG
 *   event       storage -> STORAGE; anything else -> POSPLUG_OK (the
 *               event is refused in its reply, nothing recorded)
 *   reload      anything else -> SCRIPT */
posplug_status pi_error_status(const pi_error *err, pi_phase phase);

#endif
