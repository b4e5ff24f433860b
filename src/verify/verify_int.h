/* SPDX-License-Identifier: MIT */
/*
 * verify_int.h - inside the verify module: the two registers.
 *
 * Each asks one number and fills v's outcome, code, detail and, when the
 * register answered, request_date, consultation, name and address;
 * *retry_after_s receives the server's Retry-After (-1: none).  Neither
 * records anything.  The *_classify functions turn one HTTP answer into
 * an outcome and never fail: whatever cannot be read is unavailable
 * (BAD_ANSWER), never invalid.
 */
#ifndef POSINTENT_VERIFY_INT_H
#define POSINTENT_VERIFY_INT_H

#include "verify/http.h"
#include "verify/verify.h"

/* Returns 0, or -1 with err (out of memory only). */
int vies_check(const verify_config *c, const char *number, vcheck *v,
               long *retry_after_s, pi_error *err);
int hmrc_check(const verify_config *c, verify_session *s, const char *number, vcheck *v,
               long *retry_after_s, pi_error *err);

void vies_classify(const http_answer *a, const char *number, vcheck *v);
void hmrc_classify(const http_answer *a, const char *number, vcheck *v);

/* An answer that came but cannot be read: unavailable, BAD_ANSWER. */
void verify_bad_answer(vcheck *v, const http_answer *a, const char *why);

/* Fill v with `outcome`, `code` and a printf detail. */
void verify_set(vcheck *v, vcheck_outcome outcome, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copy JSON string member `key` of obj into dst[cap] ("" when absent or
 * not a string); a longer value is cut at cap - 1 bytes on a UTF-8
 * boundary and *cut set to 1. */
void verify_json_text(const void *obj, const char *key, char *dst, size_t cap, int *cut);

#endif
