/* SPDX-License-Identifier: MIT */
/* reply.c - building the JSON replies (streamed with jsonw). */
#include "engine/reply.h"

#include <assert.h>
#include <stdio.h>

#include <string.h>

#include "base/money.h"

/* What the host gets when even an error reply cannot be allocated. */
static const char oom_reply[] =
    "{\"ok\":false,\"error\":{\"code\":\"nomem\",\"message\":\"out of memory\","
    "\"field\":\"\"}}";

void reply_buf_free(reply_buf *r) { jw_free(&r->w); }

const char *reply_text(const reply_buf *r, size_t *len) {
  if (!jw_ok(&r->w)) {
    *len = sizeof oom_reply - 1;
    return oom_reply;
  }
  *len = r->w.len;
  return r->w.buf;
}

static int done(reply_buf *r, pi_error *err) { return jw_fail(&r->w, err, ""); }

int reply_set(reply_buf *r, const char *json, pi_error *err) {
  jw_reset(&r->w);
  jw_raw(&r->w, json);
  return done(r, err);
}

static jsonw *start(reply_buf *r, const char *type, const char *sale_id) {
  jsonw *w = &r->w;
  jw_reset(w);
  jw_object(w);
  jw_kbool(w, "ok", 1);
  jw_kstr(w, "type", type);
  if (sale_id) jw_kstr(w, "sale", sale_id);
  return w;
}

static int end(reply_buf *r, pi_error *err) {
  jw_end_object(&r->w);
  return done(r, err);
}

static void money(jsonw *w, const sale *s) {
  int64_t net, tax;
  sale_totals(s, &net, &tax);
  jw_kint(w, "net", net);
  jw_kint(w, "tax", tax);
  jw_kint(w, "total", net + tax);
  jw_kstr(w, "currency", s->currency);
}

/* "lines":[{line, purpose, status[, treatment]}] */
static void lines(jsonw *w, const sale *s, purpose dflt, const decision *d) {
  jw_key(w, "lines");
  jw_array(w);
  for (size_t i = 0; i < s->nlines; i++) {
    const sale_line *l = &s->lines[i];
    purpose p = sale_line_purpose(s, l, dflt);
    buyer_status st = sale_line_status(s, l, dflt);
    jw_object(w);
    jw_kstr(w, "line", l->line);
    jw_kstr(w, "purpose", p ? purpose_name(p) : "none");
    jw_kstr(w, "status", st ? status_name(st) : "none");
    if (d) jw_kstr(w, "treatment", treatment_name(decision_line_treatment(d, st)));
    jw_end_object(w);
  }
  jw_end_array(w);
}

static void receipt(jsonw *w, const decision *d) {
  jw_key(w, "receipt");
  jw_array(w);
  for (size_t i = 0; i < d->nreceipt; i++) jw_str(w, d->receipt[i]);
  jw_end_array(w);
  jw_kstr(w, "tax_treatment", treatment_name(d->treatment));
}

static void decision_members(jsonw *w, const decision *d) {
  jw_key(w, "prompts");
  jw_array(w);
  for (size_t i = 0; i < d->nprompts; i++) {
    const prompt *p = &d->prompts[i];
    jw_object(w);
    jw_kstr(w, "id", p->id);
    jw_kstr(w, "text", p->text);
    jw_kstr(w, "field", p->field);
    if (p->line[0]) jw_kstr(w, "line", p->line);
    if (p->nchoices) {
      jw_key(w, "choices");
      jw_array(w);
      for (size_t k = 0; k < p->nchoices; k++) jw_str(w, p->choices[k]);
      jw_end_array(w);
    }
    jw_end_object(w);
  }
  jw_end_array(w);
  jw_key(w, "blocked");
  jw_array(w);
  for (size_t i = 0; i < d->nblocks; i++) {
    jw_object(w);
    jw_kstr(w, "code", d->blocks[i].code);
    jw_kstr(w, "message", d->blocks[i].message);
    jw_kstr(w, "field", d->blocks[i].field);
    jw_end_object(w);
  }
  jw_end_array(w);
  receipt(w, d);
  jw_kbool(w, "can_complete", d->nblocks == 0);
}

int reply_sale_begin(reply_buf *r, const sale *s, pi_error *err) {
  jsonw *w = start(r, "sale.begin", s->id);
  jw_kstr(w, "currency", s->currency);
  return end(r, err);
}

int reply_sale_line(reply_buf *r, const sale *s, const char *line_id, int removed,
                    pi_error *err) {
  jsonw *w = start(r, "sale.line", s->id);
  jw_kstr(w, "line", line_id);
  jw_kbool(w, "removed", removed);
  jw_kint(w, "lines", (int64_t)s->nlines);
  money(w, s);
  return end(r, err);
}

int reply_sale_customer(reply_buf *r, const sale *s, int64_t account_version,
                        purpose applied, pi_error *err) {
  jsonw *w = start(r, "sale.customer", s->id);
  if (s->customer.account[0]) {
    jw_kstr(w, "account", s->customer.account);
    jw_kint(w, "account_version", account_version);
  }
  if (applied != PURPOSE_NONE) jw_kstr(w, "purpose", purpose_name(applied));
  jw_key(w, "evidence");
  jw_array(w);
  for (size_t i = 0; i < s->customer.nev; i++) {
    const evidence *e = &s->customer.ev[i];
    jw_object(w);
    jw_kstr(w, "kind", taxid_kind_name(e->kind));
    jw_kstr(w, "input", e->input);
    jw_kbool(w, "valid", e->verdict.valid);
    jw_kstr(w, "compact", e->verdict.compact);
    jw_kstr(w, "country", e->verdict.country);
    jw_kstr(w, "reason", taxid_reason_code(e->verdict.reason));
    jw_kstr(w, "message", e->verdict.message);
    jw_end_object(w);
  }
  jw_end_array(w);
  const evidence *best = sale_best_evidence(s);
  jw_kbool(w, "reseller_evidence", best && best->verdict.valid);
  return end(r, err);
}

int reply_sale_tag(reply_buf *r, const sale *s, const plugin_config *cfg,
                   const tag *t, pi_error *err) {
  jsonw *w = start(r, "sale.tag", s->id);
  jw_kstr(w, "purpose", purpose_name(t->purpose));
  jw_kstr(w, "status", status_name(purpose_status(t->purpose)));
  if (t->line[0]) jw_kstr(w, "line", t->line);
  lines(w, s, (purpose)cfg->default_purpose, NULL);
  if (t->purpose == PURPOSE_RESALE) {
    char why[200];
    const char *problem = decide_evidence_problem(s, cfg, why, sizeof why);
    if (problem) { /* reached only under the warn policy */
      jw_key(w, "warnings");
      jw_array(w);
      jw_str(w, problem);
      jw_end_array(w);
    }
  }
  return end(r, err);
}

int reply_sale_total(reply_buf *r, const sale *s, const plugin_config *cfg,
                     const decision *d, pi_error *err) {
  jsonw *w = start(r, "sale.total", s->id);
  money(w, s);
  lines(w, s, (purpose)cfg->default_purpose, d);
  decision_members(w, d);
  return end(r, err);
}

int reply_sale_complete(reply_buf *r, const sale *s, const plugin_config *cfg,
                        const decision *d, pi_error *err) {
  jsonw *w = start(r, "sale.complete", s->id);
  jw_kbool(w, "recorded", 1);
  money(w, s);
  lines(w, s, (purpose)cfg->default_purpose, d);
  receipt(w, d);
  return end(r, err);
}

int reply_sale_void(reply_buf *r, const char *sale_id, pi_error *err) {
  jsonw *w = start(r, "sale.void", sale_id);
  jw_kbool(w, "voided", 1);
  return end(r, err);
}

/* A quantity in thousandths as a JSON number ("1.5"). */
static void qty_member(jsonw *w, const char *key, int64_t milli) {
  char q[32];
  if (qty_format(milli, q, sizeof q) < 0) snprintf(q, sizeof q, "0");
  jw_key(w, key);
  jw_raw(w, q);
}

int reply_sale_return(reply_buf *r, const store_return *rt, const char (*receipt)[128],
                      size_t nreceipt, const char *meta, pi_error *err) {
  jsonw *w = start(r, "sale.return", rt->sale);
  jw_kstr(w, "return", rt->ret_id);
  jw_kbool(w, "recorded", 1);
  jw_kstr(w, "store", rt->store);
  jw_kstr(w, "terminal", rt->terminal_found);
  jw_kstr(w, "day", rt->day);
  jw_kint(w, "net", rt->net);
  jw_kint(w, "tax", rt->tax);
  jw_kint(w, "total", rt->net + rt->tax);
  jw_kstr(w, "currency", rt->currency);
  jw_key(w, "lines");
  jw_array(w);
  for (size_t i = 0; i < rt->nlines; i++) {
    const store_return_line *l = &rt->lines[i];
    jw_object(w);
    jw_kstr(w, "line", l->line);
    qty_member(w, "qty", l->qty_milli);
    jw_kint(w, "net", l->net);
    jw_kint(w, "tax", l->tax);
    jw_kstr(w, "purpose", l->purpose);
    jw_kstr(w, "status", l->status);
    jw_kstr(w, "treatment", l->treatment);
    qty_member(w, "remaining", l->remaining_milli);
    jw_end_object(w);
  }
  jw_end_array(w);
  jw_key(w, "refund");
  jw_raw(w, rt->refund_json);
  if (nreceipt) {
    jw_key(w, "receipt");
    jw_array(w);
    for (size_t i = 0; i < nreceipt; i++) jw_str(w, receipt[i]);
    jw_end_array(w);
  }
  if (meta && meta[0]) {
    jw_key(w, "meta");
    jw_raw(w, meta);
  }
  return end(r, err);
}

int reply_sale_answer(reply_buf *r, const sale *s, const char *prompt_id,
                      const char *value, pi_error *err) {
  jsonw *w = start(r, "sale.answer", s->id);
  jw_kstr(w, "prompt", prompt_id);
  jw_kstr(w, "value", value);
  return end(r, err);
}

int reply_simple(reply_buf *r, const char *type, const char *key, int64_t value,
                 pi_error *err) {
  jsonw *w = start(r, type, NULL);
  jw_kint(w, key, value);
  return end(r, err);
}

void reply_error(reply_buf *r, event_type type, const char *sale_id,
                 const pi_error *e) {
  jsonw *w = &r->w;
  jw_reset(w);
  jw_object(w);
  jw_kbool(w, "ok", 0);
  if (type != EVENT_NONE) jw_kstr(w, "type", event_type_name(type));
  if (sale_id && sale_id[0]) jw_kstr(w, "sale", sale_id);
  jw_key(w, "error");
  jw_object(w);
  jw_kstr(w, "code", e->code ? e->code : "internal");
  jw_kstr(w, "message", e->message);
  jw_kstr(w, "field", e->field);
  jw_end_object(w);
  jw_end_object(w);
}

int reply_add_script_errors(reply_buf *r, const hooks_failure *f, size_t n,
                            size_t more, pi_error *err) {
  jsonw *w = &r->w;
  if (n == 0 || !jw_ok(w)) return 0;
  /* Reopen the finished object: drop its closing brace. */
  assert(w->depth == 0 && w->len > 1 && w->buf[w->len - 1] == '}');
  w->buf[--w->len] = '\0';
  w->depth = 1;
  w->first[0] = 0;
  jw_key(w, "script_errors");
  jw_array(w);
  for (size_t i = 0; i < n; i++) {
    jw_object(w);
    jw_kstr(w, "hook", f[i].hook);
    jw_kstr(w, "where", f[i].where);
    jw_kstr(w, "message", f[i].message);
    jw_kstr(w, "policy", f[i].closed ? "fail_closed" : "fail_open");
    if (f[i].truncated) jw_kbool(w, "truncated", 1);
    jw_end_object(w);
  }
  if (more) {
    char msg[96];
    snprintf(msg, sizeof msg, "and %zu more script errors (see the log)", more);
    jw_object(w);
    jw_kstr(w, "message", msg);
    jw_end_object(w);
  }
  jw_end_array(w);
  jw_end_object(w);
  return jw_fail(w, err, "");
}

int reply_tenders_json(const event *ev, char *buf, size_t cap) {
  buf[0] = '\0';
  if (ev->ntenders == 0) return 0;
  jsonw w;
  memset(&w, 0, sizeof w);
  jw_array(&w);
  for (size_t i = 0; i < ev->ntenders; i++) {
    jw_object(&w);
    jw_kstr(&w, "type", ev->tenders[i].type);
    jw_kint(&w, "amount", ev->tenders[i].amount);
    jw_end_object(&w);
  }
  jw_end_array(&w);
  int ok = jw_ok(&w) && w.len < cap;
  if (ok) memcpy(buf, w.buf, w.len + 1);
  jw_free(&w);
  return ok ? 0 : -1;
}
