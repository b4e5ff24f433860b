/* SPDX-License-Identifier: MIT */
/* engine.c - one till's instance: event -> domain -> hooks -> decision ->
 * storage -> reply. */
#include "engine/engine.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "decision/decide.h"
#include "event/event.h"
#include "posplug.h"
#include "engine/reply.h"
#include "domain/sale.h"
#include "store/accounts.h"
#include "store/verifications.h"
#include "store/store.h"

/* Parked and in-progress sales one till may hold at once.  A host that
 * never completes its sales gets a clear error instead of growing memory. */
#define ENGINE_OPEN_SALES_MAX 256

/* A sale this till began and then had to close because another till
 * recorded the same store, terminal and sale id first ("conflict").  Kept
 * for the instance's life (a few hundred bytes each; conflicts are rare)
 * so that a resend of the refused completion, or a void meant to clean it
 * up, gets the same refusal instead of acting on the other till's record. */
typedef struct lost_sale {
  char store[SALE_ID_MAX], terminal[SALE_ID_MAX], id[SALE_ID_MAX];
  struct lost_sale *next;
} lost_sale;

struct engine {
  manifest_identity id;
  plugin_config cfg;
  store *st;
  hooks *hk;
  sale *open;          /* singly linked list of open sales             */
  size_t nopen;
  lost_sale *lost;     /* sales closed by a conflict, newest first     */
  engine_options opt;
  reply_buf reply;     /* the last reply, owned here                   */
  event ev;            /* the event in hand (kept here: it is large)   */
  size_t noted;        /* this event's script failures already noted on
                          its sale (note_failures), of hooks_failures  */
  size_t noted_more;   /* ... and of the ones it only counted          */
};

static void log_line(engine *e, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void log_line(engine *e, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pi_logv(e->opt.log, e->opt.log_ctx, level, fmt, ap);
  va_end(ap);
}

static int64_t now_ms(const engine *e) {
  if (e->opt.now_ms) return e->opt.now_ms(e->opt.now_ctx);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Format epoch milliseconds as RFC 3339 UTC with millisecond precision. */
static void rfc3339_utc(int64_t ms, char out[32]) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char date[24];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, 32, "%s.%03dZ", date, (int)(ms % 1000));
}

int engine_open(const engine_options *opt, engine **out, pi_error *err) {
  *out = NULL;
  engine *e = calloc(1, sizeof *e);
  if (e == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  e->opt = *opt;
  if (manifest_load(opt->manifest_path, opt->overrides_json, &e->id, &e->cfg, err))
    goto fail;
  /* The scripts first: a start refused for its scripts must not have
   * created the database (a new, empty file left behind). */
  hooks_env env = {.cfg = &e->cfg,
                   .log = opt->log, /* the same log, no adapter between */
                   .log_ctx = opt->log_ctx,
                   .now_ms = opt->now_ms,
                   .now_ctx = opt->now_ctx,
                   .trace = opt->trace,
                   .trace_ctx = opt->trace_ctx};
  if (hooks_open(&env, &e->hk, err)) {
    if (err && err->kind != PI_E_NOMEM) pi_error_rekind(err, PI_E_SCRIPT);
    goto fail;
  }
  if (store_open(e->cfg.database, STORE_READWRITE, &e->cfg, &e->st, err)) goto fail;
  *out = e;
  return 0;
fail:
  engine_close(e);
  return -1;
}

void engine_close(engine *e) {
  if (e == NULL) return;
  while (e->open) {
    sale *s = e->open;
    e->open = s->next;
    sale_free(s);
    free(s);
  }
  while (e->lost) {
    lost_sale *l = e->lost;
    e->lost = l->next;
    free(l);
  }
  hooks_close(e->hk);
  store_close(e->st);
  reply_buf_free(&e->reply);
  free(e);
}

const plugin_config *engine_config(const engine *e) { return &e->cfg; }
struct store *engine_store(engine *e) { return e->st; }

size_t engine_open_sales(const engine *e) { return e->nopen; }

int engine_reload(engine *e, pi_error *err) { return hooks_reload(e->hk, err); }

void engine_last_reply(const engine *e, const char **reply, size_t *len) {
  *reply = reply_text(&e->reply, len);
}

/* ------------------------------------------------------------------------ */
/* Open sales                                                                */

/* The open sale an event is about: its id, and its store and terminal when
 * the event names them.  Two open sales under one id (two terminals, or
 * two stores, on this till) make an event that names neither ambiguous.
 * Returns OPEN_FOUND with *out, OPEN_NONE when none is open (*out NULL),
 * or OPEN_FAILED with err. */
typedef enum open_lookup { OPEN_FAILED = -1, OPEN_NONE = 0, OPEN_FOUND = 1 } open_lookup;

static open_lookup find_open(engine *e, const event *ev, sale **out, pi_error *err) {
  *out = NULL;
  int stores_differ = 0;
  for (sale *s = e->open; s; s = s->next) {
    if (strcmp(s->id, ev->sale) != 0 ||
        (ev->store[0] && strcmp(ev->store, s->store) != 0) ||
        (ev->terminal[0] && strcmp(ev->terminal, s->terminal) != 0))
      continue;
    if (*out == NULL) {
      *out = s;
      continue;
    }
    stores_differ = strcmp((*out)->store, s->store) != 0;
    pi_fail(err, PI_E_AMBIGUOUS_SALE, stores_differ ? "store" : "terminal",
            "sale %s is open here twice (store %s, terminal %s; store %s, terminal "
            "%s); name the %s in the event",
            ev->sale, (*out)->store, (*out)->terminal, s->store, s->terminal,
            stores_differ ? "store and terminal" : "terminal");
    *out = NULL;
    return OPEN_FAILED;
  }
  return *out != NULL ? OPEN_FOUND : OPEN_NONE;
}

static void drop_open(engine *e, sale *s) {
  for (sale **pp = &e->open; *pp; pp = &(*pp)->next)
    if (*pp == s) {
      *pp = s->next;
      e->nopen--;
      sale_free(s);
      free(s);
      return;
    }
}

/* Remember that sale s lost the race for its id (see lost_sale).  Without
 * memory the sale is closed all the same; only the later refusal is lost,
 * and the log says so. */
static void remember_lost(engine *e, const sale *s) {
  lost_sale *l = calloc(1, sizeof *l);
  if (l == NULL) {
    log_line(e, POSPLUG_LOG_ERROR, "out of memory: a resend of sale %s may be "
                                   "answered with the other till's record", s->id);
    return;
  }
  snprintf(l->store, sizeof l->store, "%s", s->store);
  snprintf(l->terminal, sizeof l->terminal, "%s", s->terminal);
  snprintf(l->id, sizeof l->id, "%s", s->id);
  l->next = e->lost;
  e->lost = l;
}

/* When the event names a sale this till lost to another (by id, and by
 * store and terminal where the event gives them), refuse it as the
 * completion was refused: -1 with err; else 0. */
static int refuse_if_lost(engine *e, const event *ev, pi_error *err) {
  for (const lost_sale *l = e->lost; l; l = l->next) {
    if (strcmp(l->id, ev->sale) != 0 ||
        (ev->store[0] && strcmp(ev->store, l->store) != 0) ||
        (ev->terminal[0] && strcmp(ev->terminal, l->terminal) != 0))
      continue;
    return pi_fail(err, PI_E_CONFLICT, "sale",
                   "sale %s (store %s, terminal %s) was recorded by another till, and "
                   "this till's sale under that id was NOT recorded; this event is "
                   "refused so as not to act on the other till's record: ring the "
                   "sale up again under a new sale id (a void of the other record "
                   "belongs to the till that recorded it)",
                   l->id, l->store, l->terminal);
  }
  return 0;
}

/* The one recorded sale the event names: by its id, and by store and
 * terminal when the event gives them.  A host that resends exactly the
 * event it sent, after a restart, may not have named the store: any
 * store's sale is found then, unless several match ("ambiguous_sale").
 * As store_find: STORE_FOUND (*r to free), STORE_NOT_FOUND or
 * STORE_LOOKUP_FAILED. */
static store_lookup find_recorded(engine *e, const event *ev, store_sale *r, pi_error *err) {
  return store_find(e->st, ev->store[0] ? ev->store : NULL,
                    ev->terminal[0] ? ev->terminal : NULL, ev->sale, r, err);
}

/* The open sale an event is about, or an error saying why there is none. */
static sale *need_open(engine *e, const event *ev, pi_error *err) {
  sale *s;
  if (find_open(e, ev, &s, err) != OPEN_NONE) return s;
  store_sale rec;
  store_lookup rc = find_recorded(e, ev, &rec, err);
  if (rc == STORE_LOOKUP_FAILED) return NULL;
  if (rc == STORE_FOUND) {
    char what[256];
    store_sale_describe(&rec, what, sizeof what);
    pi_fail(err, rec.voided ? PI_E_SALE_VOIDED : PI_E_SALE_COMPLETED, "sale",
            "sale %s is already %s (%s); start a new sale", ev->sale,
            rec.voided ? "voided" : "completed", what);
    store_sale_free(&rec);
  } else {
    pi_fail(err, PI_E_UNKNOWN_SALE, "sale",
            "sale %s is neither open on this till nor recorded", ev->sale);
  }
  return NULL;
}

/* 1 for the events about an open sale (a return is about a recorded one). */
static int event_names_sale(event_type t) {
  return t == EVENT_SALE_BEGIN || t == EVENT_SALE_LINE || t == EVENT_SALE_CUSTOMER ||
         t == EVENT_SALE_TAG || t == EVENT_SALE_TOTAL || t == EVENT_SALE_COMPLETE ||
         t == EVENT_SALE_VOID || t == EVENT_SALE_ANSWER;
}

/* Note on `s` the script failures of the event in hand that its policy
 * ignored (fail_open) and that are not noted yet, so that the sale is
 * recorded with them (store_record_sale).  A refused (fail_closed) one
 * refused its step: nothing of the sale rests on it.  Failures past the
 * hooks' own bound (HOOKS_FAILURES_MAX per event) are counted, whatever
 * their policy: they are not described any more.  Never fails. */
static void note_failures(engine *e, sale *s) {
  size_t n, more;
  const hooks_failure *f = hooks_failures(e->hk, &n, &more);
  const char *evname = event_type_name(e->ev.type);
  for (size_t i = e->noted; i < n; i++)
    if (!f[i].closed)
      sale_note_script_error(s, evname, f[i].hook, f[i].where, f[i].message,
                             f[i].truncated);
  if (more > e->noted_more) s->script_errors_more += (int64_t)(more - e->noted_more);
  e->noted = n;
  e->noted_more = more;
}

/* ------------------------------------------------------------------------ */
/* Hook results                                                              */

/* A refusal by a store script becomes the event's error. */
static int hook_result(int rc, pi_error *err) {
  if (rc == HOOK_PASS) return 0;
  if (rc == HOOK_REFUSE) {
    if (err && err->kind == PI_OK) pi_error_rekind(err, PI_E_REFUSED);
    return -1;
  }
  if (err && err->kind == PI_OK)
    pi_fail(err, PI_E_NOMEM, "", "out of memory in a store script");
  return -1;
}

/* Classify lines, decide, let scripts amend: the decision for `s` now. */
static int evaluate(engine *e, sale *s, decision *d, pi_error *err) {
  pi_error_clear(err);
  if (hook_result(hooks_classify(e->hk, s, err), err)) return -1;
  decide(s, &e->cfg, d);
  pi_error_clear(err);
  return hook_result(hooks_on_total(e->hk, s, d, err), err);
}

/* ------------------------------------------------------------------------ */
/* Events                                                                    */

static int on_begin(engine *e, const event *ev, reply_buf *r, pi_error *err) {
  sale *open;
  if (find_open(e, ev, &open, err) != OPEN_NONE)
    return pi_fail(err, PI_E_SALE_OPEN, "sale", "sale %s is already open on this till",
                   ev->sale);
  store_sale rec;
  store_lookup rc = store_find(e->st, ev->store, ev->terminal, ev->sale, &rec, err);
  if (rc == STORE_LOOKUP_FAILED) return -1;
  if (rc == STORE_FOUND) {
    char what[256];
    store_sale_describe(&rec, what, sizeof what);
    store_sale_free(&rec);
    return pi_fail(err, PI_E_ALREADY_RECORDED, "sale",
                   "sale %s is already recorded (%s); a resent sale.complete gets "
                   "its reply again",
                   ev->sale, what);
  }
  if (e->nopen >= ENGINE_OPEN_SALES_MAX)
    return pi_fail(err, PI_E_TOO_MANY_OPEN_SALES, "sale",
                   "this till already holds %d open sales; complete or void some",
                   ENGINE_OPEN_SALES_MAX);
  sale *s = malloc(sizeof *s);
  if (s == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  sale_init(s);
  memcpy(s->store, ev->store, sizeof s->store);
  memcpy(s->terminal, ev->terminal, sizeof s->terminal);
  memcpy(s->id, ev->sale, sizeof s->id);
  memcpy(s->cashier, ev->cashier, sizeof s->cashier);
  memcpy(s->at, ev->at, sizeof s->at);
  memcpy(s->attempt, ev->attempt, sizeof s->attempt);
  memcpy(s->currency, ev->currency[0] ? ev->currency : e->cfg.currency,
         sizeof s->currency);
  pi_error_clear(err);
  if (hook_result(hooks_on_sale_begin(e->hk, s, err), err)) {
    free(s);
    return -1;
  }
  s->next = e->open;
  e->open = s;
  e->nopen++;
  return reply_sale_begin(r, s, err);
}

static int on_line(engine *e, const event *ev, reply_buf *r, pi_error *err) {
  sale *s = need_open(e, ev, err);
  if (s == NULL) return -1;
  if (ev->remove) {
    if (sale_remove_line(s, ev->line.line))
      return pi_fail(err, PI_E_UNKNOWN_LINE, "line", "sale %s has no line %s", s->id,
                     ev->line.line);
  } else if (sale_put_line(s, &ev->line, err)) {
    return -1;
  }
  return reply_sale_line(r, s, ev->line.line, ev->remove, err);
}

/* Validate every identifier the customer brought, against the sale date. */
static void judge_evidence(const sale *s, party *p) {
  char day[11];
  memcpy(day, s->at, 10);
  day[10] = '\0';
  for (size_t i = 0; i < p->nev; i++) {
    evidence *ev = &p->ev[i];
    size_t n = strlen(ev->input);
    if (ev->kind == TAXID_VAT)
      taxid_check_vat(ev->input, n, NULL, &ev->verdict);
    else if (ev->kind == TAXID_EORI)
      taxid_check_eori(ev->input, n, &ev->verdict);
    else
      taxid_check_cert(ev->state, ev->input, n, ev->expires[0] ? ev->expires : NULL,
                       day, &ev->verdict);
  }
}

/* Policy reverse_charge_requires_verified: each valid VAT number's latest
 * online check, as recorded locally by `posintent evidence verify` (one
 * indexed read; the till never asks the register itself).  Returns 0, or
 * -1 with err when the database cannot be read. */
static int online_status(engine *e, party *p, pi_error *err) {
  for (size_t i = 0; i < p->nev; i++) {
    evidence *ev = &p->ev[i];
    ev->online = VCHECK_NONE;
    if (ev->kind != TAXID_VAT || !ev->verdict.valid) continue;
    vcheck v;
    if (store_vcheck_status(e->st, ev->verdict.compact, &v, err) == STORE_LOOKUP_FAILED)
      return -1;
    ev->online = v.outcome;
  }
  return 0;
}

/* Under the block policy, a resale tag without usable evidence is refused
 * with the validator's sentence so that the cashier can re-type it. */
static int resale_allowed(engine *e, const sale *s, pi_error *err) {
  char why[200];
  if (e->cfg.resale == RESALE_BLOCK &&
      decide_evidence_problem(s, &e->cfg, why, sizeof why))
    return pi_fail(err, PI_E_RESELLER_EVIDENCE, "customer.vat", "%s", why);
  return 0;
}

/* sale.customer {"account": ID}: the customer is the sale's store's account
 * as it stands now, copied into the event's party (the freeze: whatever
 * happens to the account later, the sale keeps this copy, and records it).
 * An unknown or closed account is refused, naming customer.account.
 * *dflt receives the account's default purpose when the sale has no
 * whole-sale purpose yet (the cashier's own tag wins), else PURPOSE_NONE;
 * *version the account's version.  Returns 0, or -1 with err. */
static int account_party(engine *e, const sale *s, party *p, purpose *dflt,
                         int64_t *version, pi_error *err) {
  account a;
  char id[SALE_ID_MAX];
  memcpy(id, p->account, sizeof id);
  store_lookup found = store_account_find(e->st, s->store, id, &a, err);
  if (found == STORE_LOOKUP_FAILED) return -1;
  if (found == STORE_NOT_FOUND)
    return pi_fail(err, PI_E_UNKNOWN_ACCOUNT, "customer.account",
                   "store %s has no account %s (posintent account list shows them)",
                   s->store, id);
  if (a.status == ACCOUNT_CLOSED)
    return pi_fail(err, PI_E_ACCOUNT_CLOSED, "customer.account",
                   "account %s is closed since %s: name the customer without it",
                   id, a.updated_at);
  account_to_party(&a, p);
  *dflt = s->purpose == PURPOSE_NONE ? a.purpose : PURPOSE_NONE;
  *version = a.version;
  return 0;
}

static int on_customer(engine *e, event *ev, reply_buf *r, pi_error *err) {
  sale *s = need_open(e, ev, err);
  if (s == NULL) return -1;
  purpose dflt = PURPOSE_NONE;
  int64_t version = 0;
  if (ev->customer.account[0] &&
      account_party(e, s, &ev->customer, &dflt, &version, err))
    return -1;
  judge_evidence(s, &ev->customer);
  if (e->cfg.reverse_charge_verified && online_status(e, &ev->customer, err)) return -1;
  /* The account's default purpose is a whole-sale tag the cashier did not
   * have to type, under the tag's rules: resale needs evidence that backs
   * it (an expired certificate does not), checked on a copy so that a
   * refusal changes nothing. */
  if (dflt == PURPOSE_RESALE) {
    sale probe = *s;
    probe.customer = ev->customer;
    probe.purpose = PURPOSE_RESALE;
    if (resale_allowed(e, &probe, err)) {
      char why[sizeof err->message];
      snprintf(why, sizeof why, "%s", err->message);
      /* The remedy first: the validator's sentence may be long, and the
       * message has room for 255 bytes. */
      return pi_fail(err, PI_E_RESELLER_EVIDENCE, "customer.account",
                     "account %s buys for resale by default; update it or tag the "
                     "sale first: %s",
                     ev->customer.account, why);
    }
  }
  pi_error_clear(err);
  if (hook_result(
          hooks_validate_party(e->hk, s, "customer", &ev->customer, NULL, err), err))
    return -1;
  s->customer = ev->customer;
  if (dflt != PURPOSE_NONE) {
    s->purpose = dflt;
    memset(&s->gift, 0, sizeof s->gift);
    s->gift.tagged = dflt == PURPOSE_GIFT;
    s->gift.gift_receipt = -1;
  }
  return reply_sale_customer(r, s, version, dflt, err);
}

static int on_tag(engine *e, event *ev, reply_buf *r, pi_error *err) {
  sale *s = need_open(e, ev, err);
  if (s == NULL) return -1;
  tag *t = &ev->tag;
  if (t->line[0] && sale_find_line(s, t->line) == NULL)
    return pi_fail(err, PI_E_UNKNOWN_LINE, "line", "sale %s has no line %s", s->id,
                   t->line);
  pi_error_clear(err);
  if (hook_result(hooks_on_tag(e->hk, s, t, err), err)) return -1;
  if (t->purpose == PURPOSE_GIFT && (t->gift.recipient_name[0] ||
                                     t->gift.recipient_contact[0])) {
    pi_error_clear(err);
    if (hook_result(hooks_validate_party(e->hk, s, "recipient", NULL, &t->gift, err),
                    err))
      return -1;
  }
  if (t->purpose == PURPOSE_RESALE && resale_allowed(e, s, err)) return -1;
  /* A yes the store will not honour must not be taken silently. */
  if (t->purpose == PURPOSE_GIFT && t->gift.gift_receipt == 1 &&
      e->cfg.gift_receipt == GIFT_RECEIPT_NEVER)
    return pi_fail(err, PI_E_POLICY, "gift_receipt",
                   "this store prints no gift receipts (its policy is \"never\"); "
                   "tag the gift without one");
  t->gift.tagged = t->purpose == PURPOSE_GIFT;
  if (t->line[0]) {
    sale_line *l = sale_find_line(s, t->line);
    l->purpose = t->purpose;
    l->gift = t->gift;
  } else {
    s->purpose = t->purpose;
    s->gift = t->gift;
    if (!t->gift.tagged) s->gift.gift_receipt = -1;
  }
  return reply_sale_tag(r, s, &e->cfg, t, err);
}

static int on_total(engine *e, const event *ev, reply_buf *r, pi_error *err) {
  sale *s = need_open(e, ev, err);
  if (s == NULL) return -1;
  decision d;
  if (evaluate(e, s, &d, err)) return -1;
  return reply_sale_total(r, s, &e->cfg, &d, err);
}

/* A prompt answered by another event than sale.answer. */
static const char *answered_elsewhere(const char *prompt_id) {
  if (strcmp(prompt_id, "purpose") == 0) return "a sale.tag with the purpose";
  if (strcmp(prompt_id, "reseller_id") == 0)
    return "a sale.customer with the identifier (then a sale.tag resale)";
  return NULL;
}

/* The cashier answers a prompt (docs/events.md, sale.answer).  The prompt
 * must be one the sale asks now -- the decision is rebuilt, scripts
 * included, so the answer is judged against what the till was shown -- or
 * one answered before (a correction: a script may stop asking once its
 * prompt is answered).  A prompt with choices takes one of them.  The
 * built-in gift_receipt ("yes"/"no") decides every gift tag still
 * undecided, as a sale.tag with gift_receipt would; every other answer is
 * kept with the open sale, where hooks read it as sale.answers. */
static int on_answer(engine *e, const event *ev, reply_buf *r, pi_error *err) {
  sale *s = need_open(e, ev, err);
  if (s == NULL) return -1;
  const char *other = answered_elsewhere(ev->prompt);
  if (other)
    return pi_fail(err, PI_E_BAD_VALUE, "prompt",
                   "prompt %s is answered by %s, not by sale.answer", ev->prompt, other);
  int is_gift_receipt = strcmp(ev->prompt, "gift_receipt") == 0;
  if (is_gift_receipt && e->cfg.gift_receipt == GIFT_RECEIPT_NEVER)
    return pi_fail(err, PI_E_POLICY, "prompt",
                   "this store prints no gift receipts (its policy is \"never\"); "
                   "there is no gift_receipt prompt to answer");
  decision d;
  if (evaluate(e, s, &d, err)) return -1;
  const prompt *p = NULL;
  for (size_t i = 0; i < d.nprompts && p == NULL; i++)
    if (strcmp(d.prompts[i].id, ev->prompt) == 0) p = &d.prompts[i];
  if (p == NULL && (is_gift_receipt || sale_answer_of(s, ev->prompt) == NULL)) {
    char asked[DECIDE_PROMPTS_MAX * (SALE_PROMPT_ID_MAX + 2) + 1] = "";
    for (size_t i = 0; i < d.nprompts; i++) {
      size_t n = strlen(asked);
      snprintf(asked + n, sizeof asked - n, "%s%s", n ? ", " : "", d.prompts[i].id);
    }
    return pi_fail(err, PI_E_UNKNOWN_PROMPT, "prompt",
                   "sale %s has no prompt %s to answer (it asks: %s)", s->id, ev->prompt,
                   asked[0] ? asked : "nothing");
  }
  if (p && p->nchoices) {
    size_t k = 0;
    while (k < p->nchoices && strcmp(p->choices[k], ev->value) != 0) k++;
    if (k == p->nchoices) {
      char list[4 * 18] = "";
      for (size_t i = 0; i < p->nchoices; i++) {
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", p->choices[i]);
      }
      return pi_fail(err, PI_E_BAD_VALUE, "value",
                     "prompt %s takes one of %s, not \"%s\"", ev->prompt, list,
                     ev->value);
    }
  }
  if (is_gift_receipt) {
    /* The prompt offers yes/no (decide.c); only undecided tags are asked. */
    int yes = strcmp(ev->value, "yes") == 0;
    if (s->gift.tagged && s->gift.gift_receipt < 0) s->gift.gift_receipt = yes;
    for (size_t i = 0; i < s->nlines; i++)
      if (s->lines[i].gift.tagged && s->lines[i].gift.gift_receipt < 0)
        s->lines[i].gift.gift_receipt = yes;
  } else if (sale_put_answer(s, ev->prompt, ev->value, err)) {
    return -1;
  }
  return reply_sale_answer(r, s, ev->prompt, ev->value, err);
}

/* Tender types a host may send.  Only cash gives change. */
static const char *const tender_types[] = {"cash",    "card",      "invoice",
                                           "voucher", "gift_card", "bank_transfer",
                                           "mobile",  NULL};

/* 1 when `type` is a tender type a host may send. */
static int tender_known(const char *type) {
  for (size_t k = 0; tender_types[k]; k++)
    if (strcmp(tender_types[k], type) == 0) return 1;
  return 0;
}

/* Tenders, when the host reports them, pay the total: no less, and more
 * only as cash whose excess is change.  The host may leave tenders out;
 * an empty list pays nothing. */
static int check_tenders(const event *ev, pi_error *err) {
  if (!ev->tenders_given) return 0;
  int64_t paid = 0, cash = 0;
  for (size_t i = 0; i < ev->ntenders; i++) {
    const tender *t = &ev->tenders[i];
    size_t k = 0;
    while (tender_types[k] && strcmp(tender_types[k], t->type) != 0) k++;
    if (tender_types[k] == NULL)
      return pi_fail(err, PI_E_UNKNOWN_TENDER, "tenders",
                     "tender type \"%s\" is not one of cash, card, invoice, voucher, "
                     "gift_card, bank_transfer, mobile",
                     t->type);
    /* At most EVENT_TENDERS_MAX amounts of at most MONEY_MAX each. */
    assert(t->amount >= 0 && t->amount <= INT64_MAX / EVENT_TENDERS_MAX);
    paid += t->amount;
    if (k == 0) cash += t->amount;
  }
  if (paid < ev->total)
    return pi_fail(err, PI_E_TENDERS_MISMATCH, "tenders",
                   "the tenders pay %lld of the total %lld; %lld is not paid",
                   (long long)paid, (long long)ev->total, (long long)(ev->total - paid));
  if (paid - ev->total > cash)
    return pi_fail(err, PI_E_TENDERS_MISMATCH, "tenders",
                   "the tenders pay %lld, %lld more than the total %lld, but only cash "
                   "gives change (cash here: %lld)",
                   (long long)paid, (long long)(paid - ev->total), (long long)ev->total,
                   (long long)cash);
  return 0;
}

/* An event that names a sale by the host's attempt key (ev->attempt) and
 * finds one recorded under another key: that is another till's sale under
 * the same ids, never this host's.  -1 with err ("conflict", field
 * "attempt", what is recorded, then `outcome`, what became of this event)
 * when the keys differ; 0 when they agree or either has none (a sale
 * recorded without a key is judged by its content, as before keys
 * existed).  The recorded key is not echoed: it is the other till's. */
static int refuse_other_attempt(const event *ev, const store_sale *rec,
                                const char *outcome, pi_error *err) {
  if (ev->attempt[0] == '\0' || rec->attempt[0] == '\0' ||
      strcmp(ev->attempt, rec->attempt) == 0)
    return 0;
  char what[256];
  store_sale_describe(rec, what, sizeof what);
  return pi_fail(err, PI_E_CONFLICT, "attempt",
                 "sale %s is recorded under another attempt key than this event's "
                 "(%s): that is another till's sale; %s",
                 ev->sale, what, outcome);
}

/* A completion for a sale that is not open here: the one recorded sale it
 * names gets the reply it got the first time, if the event says what was
 * recorded (its attempt key first: a till that lost a race and restarted
 * resends the very content the winner recorded); a voided sale answers as
 * voided; anything else is refused. */
static int replay_complete(engine *e, const event *ev, reply_buf *r, pi_error *err) {
  store_sale rec;
  store_lookup seen = find_recorded(e, ev, &rec, err);
  if (seen == STORE_LOOKUP_FAILED) return -1;
  if (seen == STORE_NOT_FOUND)
    return pi_fail(err, PI_E_UNKNOWN_SALE, "sale",
                   "sale %s is neither open on this till nor recorded", ev->sale);
  char what[256], tenders[2048];
  int rc;
  store_sale_describe(&rec, what, sizeof what);
  if (refuse_other_attempt(ev, &rec,
                           "this completion's sale was NOT recorded: ring it up again "
                           "under a new sale id",
                           err))
    rc = -1;
  else if (rec.voided)
    rc = pi_fail(err, PI_E_SALE_VOIDED, "sale", "sale %s was voided (%s)", ev->sale, what);
  else if (rec.total != ev->total)
    rc = pi_fail(err, PI_E_CONFLICT, "total",
                 "sale %s is recorded with another total (%s); this completion says "
                 "%lld: resend exactly the event that was sent, or begin a new sale",
                 ev->sale, what, (long long)ev->total);
  else if (reply_tenders_json(ev, tenders, sizeof tenders))
    rc = pi_fail(err, PI_E_BAD_VALUE, "tenders", "tenders are too large");
  else if (strcmp(rec.tenders ? rec.tenders : "", tenders) != 0)
    rc = pi_fail(err, PI_E_CONFLICT, "tenders",
                 "sale %s is recorded (%s) with tenders %s; this completion has %s: "
                 "resend exactly the event that was sent, or begin a new sale",
                 ev->sale, what, rec.tenders ? rec.tenders : "none",
                 tenders[0] ? tenders : "none");
  else
    rc = reply_set(r, rec.reply, err);
  store_sale_free(&rec);
  return rc;
}

static int on_complete(engine *e, const event *ev, reply_buf *r, pi_error *err) {
  sale *s;
  open_lookup found = find_open(e, ev, &s, err);
  if (found == OPEN_FAILED) return -1;
  if (found == OPEN_NONE) return refuse_if_lost(e, ev, err) ? -1 : replay_complete(e, ev, r, err);
  if (ev->attempt[0] && s->attempt[0] && strcmp(ev->attempt, s->attempt) != 0)
    return pi_fail(err, PI_E_CONFLICT, "attempt",
                   "sale %s is open on this till under another attempt key than this "
                   "completion's; nothing was recorded: complete it with the attempt "
                   "its sale.begin gave",
                   s->id);
  int64_t net, tax;
  sale_totals(s, &net, &tax);
  if (ev->total != net + tax)
    return pi_fail(err, PI_E_TOTAL_MISMATCH, "total",
                   "total %lld does not match the lines' net + tax %lld",
                   (long long)ev->total, (long long)(net + tax));
  if (s->nlines == 0)
    return pi_fail(err, PI_E_EMPTY_SALE, "sale", "sale %s has no lines", s->id);
  if (check_tenders(ev, err)) return -1;
  decision d;
  if (evaluate(e, s, &d, err)) return -1;
  if (d.nblocks)
    return pi_fail(err, PI_E_BLOCKED, d.blocks[0].field, "%s", d.blocks[0].message);
  char meta[4096];
  pi_error_clear(err);
  if (hook_result(hooks_on_complete(e->hk, s, &d, meta, sizeof meta, err), err))
    return -1;
  char tenders[2048], at[32];
  if (reply_tenders_json(ev, tenders, sizeof tenders))
    return pi_fail(err, PI_E_BAD_VALUE, "tenders", "tenders are too large");
  rfc3339_utc(now_ms(e), at);
  if (reply_sale_complete(r, s, &e->cfg, &d, err)) return -1;
  /* A key given at the completion only is the sale's key (a host may name
   * its attempt where it resends); one given at sale.begin stays. */
  int adopted = ev->attempt[0] && s->attempt[0] == '\0';
  if (adopted) memcpy(s->attempt, ev->attempt, sizeof s->attempt);
  note_failures(e, s); /* this event's too: recorded with the sale */
  size_t reply_len;
  store_rec rc = store_record_sale(e->st, s, &d, (purpose)e->cfg.default_purpose,
                                   ev->total, tenders, meta[0] ? meta : NULL, at,
                                   reply_text(r, &reply_len), err);
  if (rc == STORE_REC_FAILED) {
    log_line(e, POSPLUG_LOG_ERROR, "sale %s not recorded: %s", s->id, err->message);
    if (adopted) s->attempt[0] = '\0'; /* as it was: a refused event changes nothing */
    return -1; /* the sale stays open: the host may retry the completion */
  }
  if (rc == STORE_REC_ALREADY) {
    /* Another till recorded this store, terminal and sale id after this one
     * began it.  Its record stands; this sale can never be recorded under
     * that id, so it is closed here, and the host is told what is there. */
    store_sale rec;
    char what[256] = "details unavailable";
    pi_error ignored;
    if (store_find(e->st, s->store, s->terminal, s->id, &rec, &ignored) == STORE_FOUND)
      store_sale_describe(&rec, what, sizeof what);
    store_sale_free(&rec);
    pi_fail(err, PI_E_CONFLICT, "sale",
            "sale %s was recorded by another till meanwhile (%s); this till's sale "
            "was NOT recorded and is closed: ring it up again under a new sale id",
            s->id, what);
    log_line(e, POSPLUG_LOG_ERROR, "%s", err->message);
    remember_lost(e, s);
    drop_open(e, s);
    return -1;
  }
  drop_open(e, s);
  return 0;
}

static int on_void(engine *e, const event *ev, reply_buf *r, pi_error *err) {
  sale *s;
  if (find_open(e, ev, &s, err) == OPEN_FAILED) return -1;
  if (s == NULL && refuse_if_lost(e, ev, err)) return -1;
  if (s && ev->attempt[0] && s->attempt[0] && strcmp(ev->attempt, s->attempt) != 0)
    return pi_fail(err, PI_E_CONFLICT, "attempt",
                   "sale %s is open on this till under another attempt key than this "
                   "void's; nothing was voided",
                   s->id);
  if (s == NULL && ev->attempt[0]) {
    /* The recorded sale's key is compared here, before the void's own
     * transaction: a recorded sale and its key never change, so
     * store_record_void, looking by the same ids, finds this sale again
     * (or, should a sale of another store take the same id meanwhile,
     * refuses as ambiguous). */
    store_sale rec;
    int rc = find_recorded(e, ev, &rec, err);
    if (rc < 0) return -1;
    rc = rc == 1 ? refuse_other_attempt(ev, &rec,
                                        "nothing was voided (a void of that sale "
                                        "belongs to the till that recorded it)",
                                        err)
                 : 0;
    store_sale_free(&rec);
    if (rc) return -1;
  }
  char at[32];
  rfc3339_utc(now_ms(e), at);
  const char *store_id = s ? s->store : ev->store[0] ? ev->store : NULL;
  const char *terminal = s ? s->terminal : ev->terminal[0] ? ev->terminal : NULL;
  if (reply_sale_void(r, ev->sale, err)) return -1;
  if (s) note_failures(e, s);
  size_t reply_len;
  /* STORE_REC_ALREADY (voided before) answers as a void does. */
  store_rec rc = store_record_void(e->st, s, (purpose)e->cfg.default_purpose, store_id,
                                   terminal, ev->sale, ev->reason, at,
                                   reply_text(r, &reply_len), err);
  if (rc == STORE_REC_FAILED) {
    /* Recorded by another till meanwhile: closed here, like a completion. */
    if (s && err->kind == PI_E_CONFLICT) {
      remember_lost(e, s);
      drop_open(e, s);
    }
    return -1;
  }
  if (s) drop_open(e, s);
  return 0;
}

/* What on_return's reply callback needs. */
typedef struct return_ctx {
  engine *e;
  const event *ev;
  reply_buf *r;
} return_ctx;

/* The return `rt` as on_return hooks receive it (docs/hooks.md), or NULL
 * when out of memory. */
static cJSON *return_json(const event *ev, const store_return *rt) {
  cJSON *o = cJSON_CreateObject(), *lines = NULL;
  if (o == NULL) return NULL;
  int ok = cJSON_AddStringToObject(o, "id", rt->ret_id) &&
           cJSON_AddStringToObject(o, "sale", rt->sale) &&
           cJSON_AddStringToObject(o, "store", rt->store) &&
           cJSON_AddStringToObject(o, "terminal", rt->terminal_found) &&
           cJSON_AddStringToObject(o, "at", rt->at) &&
           cJSON_AddStringToObject(o, "day", rt->day) &&
           cJSON_AddStringToObject(o, "reason", rt->reason) &&
           (rt->reason_text[0] == '\0' ||
            cJSON_AddStringToObject(o, "reason_text", rt->reason_text)) &&
           cJSON_AddStringToObject(o, "currency", rt->currency) &&
           cJSON_AddNumberToObject(o, "net", (double)rt->net) &&
           cJSON_AddNumberToObject(o, "tax", (double)rt->tax) &&
           cJSON_AddNumberToObject(o, "total", (double)(rt->net + rt->tax)) &&
           (lines = cJSON_AddArrayToObject(o, "lines")) != NULL;
  for (size_t i = 0; ok && i < rt->nlines; i++) {
    const store_return_line *l = &rt->lines[i];
    /* A new node is owned by o once added: adding a non-NULL item to an
     * array cannot fail. */
    cJSON *x = cJSON_CreateObject();
    ok = x && cJSON_AddItemToArray(lines, x) && cJSON_AddStringToObject(x, "line", l->line) &&
         cJSON_AddNumberToObject(x, "qty", (double)l->qty_milli / 1000.0) &&
         cJSON_AddNumberToObject(x, "net", (double)l->net) &&
         cJSON_AddNumberToObject(x, "tax", (double)l->tax) &&
         cJSON_AddStringToObject(x, "purpose", l->purpose) &&
         cJSON_AddStringToObject(x, "status", l->status) &&
         cJSON_AddStringToObject(x, "treatment", l->treatment) &&
         cJSON_AddNumberToObject(x, "remaining", (double)l->remaining_milli / 1000.0);
  }
  cJSON *refund = ok ? cJSON_AddArrayToObject(o, "refund") : NULL;
  ok = ok && refund != NULL;
  for (size_t i = 0; ok && i < ev->ntenders; i++) {
    cJSON *t = cJSON_CreateObject();
    ok = t && cJSON_AddItemToArray(refund, t) &&
         cJSON_AddStringToObject(t, "type", ev->tenders[i].type) &&
         cJSON_AddNumberToObject(t, "amount", (double)ev->tenders[i].amount);
  }
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* Run the on_return hooks for the priced return `rt`: they see the sale as
 * recorded and the return, and may refuse it (-1 with err, code "refused")
 * or add receipt lines and fields (*ans).  They run inside the store's
 * write transaction, so that the lines they see are priced against every
 * return recorded before this one, whatever another till does meanwhile;
 * a hook's budget (hook_ms) bounds how long the transaction waits.  A
 * resent return is replayed from its stored reply before this point:
 * scripts judge a return once. */
static int return_hooks(engine *e, const event *ev, const store_return *rt,
                        hooks_return_answer *ans, pi_error *err) {
  memset(ans, 0, sizeof *ans);
  if (hooks_script_count(e->hk) == 0) return 0;
  char *text = NULL;
  if (store_sale_json(e->st, rt->store, rt->terminal_found, rt->sale, &text, err))
    return -1;
  cJSON *sale_t = cJSON_Parse(text);
  free(text);
  cJSON *ret_t = sale_t ? return_json(ev, rt) : NULL;
  int rc = ret_t ? hook_result(hooks_on_return(e->hk, sale_t, ret_t, ans, err), err)
                 : pi_fail(err, PI_E_NOMEM, "", "out of memory");
  cJSON_Delete(ret_t);
  cJSON_Delete(sale_t);
  return rc;
}

/* Inside the store's transaction, once the return is priced: the refund
 * pays exactly the return's total (no change on a refund), in known tender
 * types; the store scripts' on_return hooks may refuse it or add receipt
 * lines and fields; then the reply to store with it. */
static int return_reply(void *ctx, const store_return *rt, const char **reply,
                        pi_error *err) {
  return_ctx *c = ctx;
  const event *ev = c->ev;
  int64_t paid = 0, total = rt->net + rt->tax;
  for (size_t i = 0; i < ev->ntenders; i++) {
    if (!tender_known(ev->tenders[i].type))
      return pi_fail(err, PI_E_UNKNOWN_TENDER, "refund",
                     "tender type \"%s\" is not one of cash, card, invoice, voucher, "
                     "gift_card, bank_transfer, mobile",
                     ev->tenders[i].type);
    assert(ev->tenders[i].amount <= INT64_MAX / EVENT_TENDERS_MAX);
    paid += ev->tenders[i].amount;
  }
  if (paid != total)
    return pi_fail(err, PI_E_TENDERS_MISMATCH, "refund",
                   "the refund pays %lld; the returned lines come to %lld (net %lld, tax "
                   "%lld), which the refund must pay exactly",
                   (long long)paid, (long long)total, (long long)rt->net,
                   (long long)rt->tax);
  hooks_return_answer ans;
  if (return_hooks(c->e, c->ev, rt, &ans, err)) return -1;
  if (reply_sale_return(c->r, rt, ans.receipt, ans.nreceipt, ans.meta, err)) return -1;
  size_t len;
  *reply = reply_text(c->r, &len);
  return 0;
}

/* sale.return: lines of a recorded sale come back (docs/events.md).  The
 * store checks and prices them against the original and the earlier
 * returns inside its write transaction; a resent return gets its reply
 * again. */
static int on_return(engine *e, const event *ev, reply_buf *r, pi_error *err) {
  sale *s;
  if (find_open(e, ev, &s, err) < 0) return -1;
  if (s != NULL)
    return pi_fail(err, PI_E_SALE_OPEN, "sale",
                   "sale %s is still open on this till: remove the line instead (a "
                   "return needs a recorded sale)",
                   s->id);
  if (refuse_if_lost(e, ev, err)) return -1;
  char refund[2048], at[32];
  if (reply_tenders_json(ev, refund, sizeof refund))
    return pi_fail(err, PI_E_BAD_VALUE, "refund", "refund is too large");
  if (refund[0] == '\0') snprintf(refund, sizeof refund, "[]");
  store_return_line lines[EVENT_RETURN_LINES_MAX];
  memset(lines, 0, sizeof lines[0] * ev->nrlines);
  for (size_t i = 0; i < ev->nrlines; i++) {
    memcpy(lines[i].line, ev->rlines[i].line, sizeof lines[i].line);
    lines[i].qty_milli = ev->rlines[i].qty_milli;
  }
  store_return rt;
  memset(&rt, 0, sizeof rt);
  rt.store_id = ev->store[0] ? ev->store : NULL;
  rt.terminal = ev->terminal[0] ? ev->terminal : NULL;
  rt.sale_id = ev->sale;
  rt.ret_id = ev->ret;
  rt.at = ev->at;
  rt.reason = return_reason_name(ev->why);
  rt.reason_text = ev->reason;
  rt.refund_json = refund;
  rt.lines = lines;
  rt.nlines = ev->nrlines;
  rfc3339_utc(now_ms(e), at);
  return_ctx ctx = {e, ev, r};
  char *replay = NULL;
  int rc = store_record_return(e->st, &rt, at, return_reply, &ctx, &replay, err);
  if (rc < 0) return -1;
  if (rc == 1) {
    rc = reply_set(r, replay, err);
    free(replay);
    return rc;
  }
  return 0;
}

static int on_reload(engine *e, reply_buf *r, pi_error *err) {
  if (hooks_reload(e->hk, err)) {
    if (err->kind != PI_E_NOMEM) pi_error_rekind(err, PI_E_SCRIPT);
    return -1;
  }
  return reply_simple(r, "scripts.reload", "scripts",
                      (int64_t)hooks_script_count(e->hk), err);
}

static int dispatch(engine *e, event *ev, reply_buf *r, pi_error *err) {
  switch (ev->type) {
  case EVENT_SALE_BEGIN: return on_begin(e, ev, r, err);
  case EVENT_SALE_LINE: return on_line(e, ev, r, err);
  case EVENT_SALE_CUSTOMER: return on_customer(e, ev, r, err);
  case EVENT_SALE_TAG: return on_tag(e, ev, r, err);
  case EVENT_SALE_TOTAL: return on_total(e, ev, r, err);
  case EVENT_SALE_COMPLETE: return on_complete(e, ev, r, err);
  case EVENT_SALE_VOID: return on_void(e, ev, r, err);
  case EVENT_SALE_ANSWER: return on_answer(e, ev, r, err);
  case EVENT_SALE_RETURN: return on_return(e, ev, r, err);
  case EVENT_SCRIPTS_RELOAD: return on_reload(e, r, err);
  case EVENT_PING:
    return reply_simple(r, "ping", "open_sales", (int64_t)e->nopen, err);
  default: return pi_fail(err, PI_E_UNKNOWN_TYPE, "type", "unknown event type");
  }
}

int engine_handle(engine *e, const char *json, size_t len, const char **reply,
                  size_t *reply_len) {
  pi_error err;
  pi_error_clear(&err);
  event *ev = &e->ev;
  int status = POSPLUG_OK;
  hooks_clear_failures(e->hk);
  e->noted = e->noted_more = 0;
  if (event_parse(json, len, ev, &err) == 0) {
    /* The manifest's "events" list is what this plugin is configured to
     * handle; anything else is refused before it touches a sale. */
    if (!(e->id.events & (1u << ev->type)))
      pi_fail(&err, PI_E_EVENT_NOT_ENABLED, "type",
              "this plugin is configured not to handle %s events (the manifest's "
              "\"events\" list leaves it out)",
              event_type_name(ev->type));
    else if (dispatch(e, ev, &e->reply, &err) == 0)
      goto done;
  }
  if (err.kind == PI_OK) /* a failure that said nothing is a bug */
    pi_fail(&err, PI_E_INTERNAL, "", "the event failed without a reason");
  status = (int)pi_error_status(&err, PI_PHASE_EVENT);
  reply_error(&e->reply, ev->type, ev->sale, &err);
done:;
  /* Script failures are shown, also the ignored ones (docs/hooks.md), and
   * the ignored ones are kept with the sale still open, whether its event
   * was refused or not: a rule that crashed once may have shaped what the
   * sale goes on with.  A completion noted them before recording. */
  size_t nfail, more;
  const hooks_failure *fails = hooks_failures(e->hk, &nfail, &more);
  if (nfail > e->noted || more > e->noted_more) {
    sale *open = NULL;
    pi_error ignored;
    if (event_names_sale(ev->type) && find_open(e, ev, &open, &ignored) == OPEN_FOUND)
      note_failures(e, open);
  }
  pi_error ferr;
  pi_error_clear(&ferr);
  if (reply_add_script_errors(&e->reply, fails, nfail, more, &ferr))
    status = POSPLUG_ERR_NOMEM;
  engine_last_reply(e, reply, reply_len);
  return status;
}
