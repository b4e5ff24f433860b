/* SPDX-License-Identifier: MIT */
/*
 * reply.h - the JSON replies the plugin gives the host (docs/events.md).
 *
 * Every builder replaces the contents of a reply_buf with one JSON object
 * and returns 0, or -1 with err ("nomem") when memory ran out.  Whatever
 * happens, reply_text() then yields valid JSON (a static out-of-memory
 * error at worst), so the host always gets an answer.
 */
#ifndef POSINTENT_REPLY_H
#define POSINTENT_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "decision/decide.h"
#include "base/error.h"
#include "event/event.h"
#include "script/hooks.h"
#include "base/jsonw.h"
#include "config/manifest.h"
#include "domain/sale.h"
#include "store/store.h"

typedef struct reply_buf {
  jsonw w;
} reply_buf;

void reply_buf_free(reply_buf *r);

/* The reply as text and its length; never NULL. */
const char *reply_text(const reply_buf *r, size_t *len);

/* Copy `json` verbatim (a stored reply). */
int reply_set(reply_buf *r, const char *json, pi_error *err);

int reply_sale_begin(reply_buf *r, const sale *s, pi_error *err);
int reply_sale_line(reply_buf *r, const sale *s, const char *line_id, int removed,
                    pi_error *err);
/* sale.customer: the evidence and its verdicts; when the customer is an
 * account, "account" and "account_version" (the version copied), and
 * "purpose" when the account's default purpose became the sale's
 * (`applied`, PURPOSE_NONE: it did not). */
int reply_sale_customer(reply_buf *r, const sale *s, int64_t account_version,
                        purpose applied, pi_error *err);
int reply_sale_tag(reply_buf *r, const sale *s, const plugin_config *cfg,
                   const tag *t, pi_error *err);
int reply_sale_total(reply_buf *r, const sale *s, const plugin_config *cfg,
                     const decision *d, pi_error *err);
int reply_sale_complete(reply_buf *r, const sale *s, const plugin_config *cfg,
                        const decision *d, pi_error *err);
/* {"ok":true,"type":"sale.answer","sale":...,"prompt":...,"value":...} */
int reply_sale_answer(reply_buf *r, const sale *s, const char *prompt_id,
                      const char *value, pi_error *err);
int reply_sale_void(reply_buf *r, const char *sale_id, pi_error *err);
/* {"ok":true,"type":"sale.return","sale":..,"return":..,"recorded":true,
 *  "store","terminal","day","net","tax","total","currency",
 *  "lines":[{"line","qty","net","tax","purpose","status","treatment",
 *  "remaining"}],"refund":[...],"receipt":[...],"meta":{...}} for the
 * priced return `rt` (refund_json is written as it is); receipt (nreceipt
 * lines) and meta (a JSON object, or "" / NULL) are what the on_return
 * hooks added, each left out when empty.  No personal data: the reason
 * text is left out. */
int reply_sale_return(reply_buf *r, const store_return *rt, const char (*receipt)[128],
                      size_t nreceipt, const char *meta, pi_error *err);
/* {"ok":true,"type":type,key:value} */
int reply_simple(reply_buf *r, const char *type, const char *key, int64_t value,
                 pi_error *err);

/* {"ok":false,"type":..,"sale":..,"error":{"code","message","field"}}.
 * Never fails (see reply_text). */
void reply_error(reply_buf *r, event_type type, const char *sale_id,
                 const pi_error *e);

/* Add "script_errors":[{"hook","where","message","policy"}] to the reply
 * ("truncated":true too when the message is the start of a longer one)
 * just built (ok or not), for the failures of store scripts during the
 * event; with `more` > 0 a last entry says how many more there were.
 * Nothing when n is 0.  Returns 0, or -1 with err ("nomem"). */
int reply_add_script_errors(reply_buf *r, const hooks_failure *f, size_t n,
                            size_t more, pi_error *err);

/* The tenders of a sale.complete as a JSON array into buf[cap]; -1 when it
 * does not fit. */
int reply_tenders_json(const event *ev, char *buf, size_t cap);

#endif
