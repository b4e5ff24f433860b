/* SPDX-License-Identifier: MIT */
/*
 * jsonutil.h - typed, bounded reads of cJSON members with field-named errors.
 *
 * Every reader takes the object, the member name and `prefix` (the dotted
 * path of the object, "" at top level) so that an error names the field the
 * way the sender wrote it: "customer.resale_cert.expires".  Readers return
 * a ju_result: JU_READ when the member was read, JU_ABSENT when an optional
 * member is absent (or JSON null), and JU_FAILED with `err` filled when it
 * is missing, mistyped or out of bounds.  Nothing is allocated.
 */
#ifndef POSINTENT_JSONUTIL_H
#define POSINTENT_JSONUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/error.h"

enum { JU_OPTIONAL = 0, JU_REQUIRED = 1 };

/* What a typed reader found. */
typedef enum ju_result {
  JU_FAILED = -1, /* err set (pi_fail's -1): missing, mistyped, out of bounds */
  JU_READ = 0,    /* the member was read into *out (or buf)                   */
  JU_ABSENT = 1   /* an optional member is absent or JSON null (or, for a
                     string, empty); *out untouched, buf "", ju_object's NULL */
} ju_result;

/* A string member copied into buf[cap]; longer than cap-1 bytes, not valid
 * UTF-8, or holding control characters is an error ("too_long",
 * "bad_value").  An empty string counts as absent when optional and is an
 * error when required. */
ju_result ju_string(const cJSON *obj, const char *key, const char *prefix, int required,
                    char *buf, size_t cap, pi_error *err);

/* An integer member within [min, max]; a fraction is an error. */
ju_result ju_int(const cJSON *obj, const char *key, const char *prefix, int required,
                 int64_t min, int64_t max, int64_t *out, pi_error *err);

/* A boolean member. */
ju_result ju_bool(const cJSON *obj, const char *key, const char *prefix, int required,
                  int *out, pi_error *err);

/* A positive-or-zero number with at most 3 decimals, as thousandths.  The
 * check is exact on the double (1000.0005 is refused); the digits as
 * written are checked by ju_check_text. */
ju_result ju_qty(const cJSON *obj, const char *key, const char *prefix, int required,
                 int64_t max_milli, int64_t *out, pi_error *err);

/* An object member (returned borrowed in *out). */
ju_result ju_object(const cJSON *obj, const char *key, const char *prefix, int required,
                    const cJSON **out, pi_error *err);

/* Refuse a member of `obj` whose name is not in the NULL-terminated `known`
 * list, and a member that appears twice (which copy counts would be a
 * guess), so that a misspelt name ("purpse", "scirpts") is an error the
 * sender sees at once, never a silently ignored setting.  The error names
 * the member's dotted path; its kind is `kind` for both (the manifest's
 * PI_E_CONFIG), or, when `kind` is PI_OK, PI_E_UNKNOWN_FIELD and
 * PI_E_DUPLICATE_FIELD (an event's).  `where` ends the sentence: "this event", "the manifest".
 * Runs on every event: names are compared by first byte before strcmp.
 * Returns 0, or -1 with err filled. */
int ju_only_known(const cJSON *obj, const char *prefix, const char *const *known,
                  pi_kind kind, const char *where, pi_error *err);

/* Join prefix and key into buf ("customer" + "vat" -> "customer.vat"). */
const char *ju_path(char *buf, size_t cap, const char *prefix, const char *key);

/* 1 when s[0..len) is valid UTF-8 without C0 control characters other than
 * tab (and, when allow_newline, newline), else 0. */
int ju_text_ok(const char *s, size_t len, int allow_newline);

/* Nesting ju_check_text accepts: far more than any event or manifest has. */
#define JU_DEPTH_MAX 16

/* Check what cJSON's tree cannot show, by walking text[0..len) -- which
 * cJSON parsed into `root` -- in step with the tree:
 *   - an escaped NUL (\u0000) in any string, member names included: cJSON
 *     keeps NUL-terminated strings, so "U1\u0000EVIL" would read as "U1";
 *   - a number outside RFC 8259's grammar that cJSON's strtod takes
 *     ("0100", "-00", "01.5", "1.", "-.5"): refused as bad_json;
 *   - a number with more than max_decimals decimal places as written
 *     (max_decimals < 0: not checked), judged on its digits, not on the
 *     nearest double (1000.0005 and 1000.001 are different numbers);
 *   - nesting deeper than JU_DEPTH_MAX (refused loudly, so the walk's
 *     recursion stays small).
 * Returns 0, or -1 with err naming the member. */
int ju_check_text(const char *text, size_t len, const cJSON *root, int max_decimals,
                  pi_error *err);

#endif
