/* SPDX-License-Identifier: MIT */
/* event.c - parsing host events into typed structs (shape and types only). */
#include "event/event.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/jsonutil.h"
#include "base/money.h"
#include "domain/account.h"

/* Largest amount on one line: keeps any sum of SALE_LINES_MAX lines exact. */
#define LINE_AMOUNT_MAX (MONEY_MAX / SALE_LINES_MAX)

/* The strict member check of every event object (ju_only_known). */
static int only_known(const cJSON *obj, const char *prefix,
                      const char *const *known, pi_error *err) {
  return ju_only_known(obj, prefix, known, PI_OK, "this event", err);
}

/* The optional "attempt" of sale.begin, sale.complete and sale.void: the
 * host's own key for this attempt at the sale, which a resend after a
 * restart carries so that the plugin can tell the host's sale from another
 * till's under the same ids (docs/events.md).  Strict, since a key that is
 * silently dropped protects nothing: a string (null too is refused: a host
 * that meant to send a key and sent none has a bug to see) of 1 to
 * SALE_ID_MAX - 1 printable ASCII characters without spaces. */
static int parse_attempt(const cJSON *o, event *ev, pi_error *err) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attempt");
  if (a == NULL) return 0;
  if (!cJSON_IsString(a) || a->valuestring == NULL)
    return pi_fail(err, PI_E_BAD_TYPE, "attempt",
                   "attempt must be a string (the host's key for this attempt at the "
                   "sale), or left out");
  if (a->valuestring[0] == '\0')
    return pi_fail(err, PI_E_BAD_VALUE, "attempt",
                   "attempt must not be empty: leave it out, or send the key");
  if (ju_string(o, "attempt", "", JU_REQUIRED, ev->attempt, sizeof ev->attempt, err) == JU_FAILED)
    return -1;
  for (const unsigned char *c = (const unsigned char *)ev->attempt; *c; c++)
    if (*c < 0x21 || *c > 0x7e)
      return pi_fail(err, PI_E_BAD_VALUE, "attempt",
                     "attempt must be 1 to %d printable ASCII characters without "
                     "spaces (a random hex key, a UUID)",
                     SALE_ID_MAX - 1);
  return 0;
}

static int parse_begin(const cJSON *o, event *ev, pi_error *err) {
  static const char *const known[] = {"type", "sale",     "store", "terminal",
                                      "cashier", "at", "currency", "attempt", NULL};
  char cur[16];
  if (only_known(o, "", known, err) || parse_attempt(o, ev, err) ||
      ju_string(o, "store", "", JU_REQUIRED, ev->store, sizeof ev->store, err) == JU_FAILED ||
      ju_string(o, "terminal", "", JU_REQUIRED, ev->terminal, sizeof ev->terminal,
                err) == JU_FAILED ||
      ju_string(o, "cashier", "", JU_OPTIONAL, ev->cashier, sizeof ev->cashier,
                err) == JU_FAILED ||
      ju_string(o, "at", "", JU_REQUIRED, ev->at, sizeof ev->at, err) == JU_FAILED ||
      ju_string(o, "currency", "", JU_OPTIONAL, cur, sizeof cur, err) == JU_FAILED)
    return -1;
  if (!cal_is_rfc3339(ev->at))
    return pi_fail(err, PI_E_BAD_VALUE, "at",
                   "at must be an RFC 3339 time such as 2026-11-26T09:30:00+01:00, "
                   "not \"%s\"",
                   ev->at);
  if (cur[0] && money_exponent(cur) < 0)
    return pi_fail(err, PI_E_BAD_VALUE, "currency",
                   "currency must be an ISO 4217 code such as EUR, not \"%s\"", cur);
  if (cur[0]) memcpy(ev->currency, cur, sizeof ev->currency); /* "EUR\0" */
  return 0;
}

/* An attribute's name: 1-32 bytes of ASCII letters, digits, '_', '-', '.'
 * (a Lua script indexes it as line.attributes.weight_kg). */
static int attr_key_ok(const char *k) {
  size_t n = 0;
  for (; k[n]; n++) {
    char c = k[n];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || c == '.'))
      return 0;
  }
  return n > 0 && n < SALE_ATTR_KEY_MAX;
}

/* sale.line's optional "attributes": at most SALE_ATTRS_MAX members, each a
 * string of 1-64 bytes or a number within +-(2^53 - 1) (3 decimals at most,
 * as every number of an event); anything beyond is refused, naming it. */
static int parse_attributes(const cJSON *o, sale_line *l, pi_error *err) {
  const cJSON *a;
  if (ju_object(o, "attributes", "", JU_OPTIONAL, &a, err) == JU_FAILED) return -1;
  if (a == NULL) return 0;
  char path[96];
  for (const cJSON *it = a->child; it; it = it->next) {
    const char *k = it->string ? it->string : "";
    ju_path(path, sizeof path, "attributes", k);
    if (!attr_key_ok(k))
      return pi_fail(err, PI_E_BAD_VALUE, path,
                     "attribute names are 1 to %d letters, digits, '_', '-' or '.'; "
                     "\"%.40s\" is not one",
                     SALE_ATTR_KEY_MAX - 1, k);
    for (const cJSON *prev = a->child; prev != it; prev = prev->next)
      if (strcmp(prev->string, k) == 0)
        return pi_fail(err, PI_E_DUPLICATE_FIELD, path, "%s appears twice", path);
    if (l->nattrs == SALE_ATTRS_MAX)
      return pi_fail(err, PI_E_BAD_VALUE, path,
                     "a line has at most %d attributes; %s is one more",
                     SALE_ATTRS_MAX, path);
    line_attr *at = &l->attrs[l->nattrs];
    memset(at, 0, sizeof *at);
    memcpy(at->key, k, strlen(k) + 1);
    if (cJSON_IsString(it)) {
      if (it->valuestring == NULL || it->valuestring[0] == '\0')
        return pi_fail(err, PI_E_BAD_VALUE, path, "%s must not be empty", path);
      if (ju_string(a, k, "attributes", JU_REQUIRED, at->text, sizeof at->text, err) == JU_FAILED)
        return -1;
    } else if (cJSON_IsNumber(it)) {
      double v = it->valuedouble;
      if (!isfinite(v) || v > (double)MONEY_MAX || v < -(double)MONEY_MAX)
        return pi_fail(err, PI_E_BAD_VALUE, path,
                       "%s must be a number within +-%lld", path, (long long)MONEY_MAX);
      at->is_number = 1;
      at->number = v;
    } else {
      return pi_fail(err, PI_E_BAD_TYPE, path, "%s must be a string or a number", path);
    }
    l->nattrs++;
  }
  return 0;
}

/* sale.line's optional "tax_rate_bp" and "tax_code": the tax the host
 * applied to the line, for the VAT return's per-rate figures.  The rate
 * is a whole number of basis points, 0 to SALE_TAX_RATE_BP_MAX (1900 is
 * 19 %, 550 is 5.5 %): an integer, never a float, so that 5.5 % is
 * exactly 5.5 % in every report.  The code is the host's own short name
 * of its tax class ("S", "Z", "E", "RC", "DE-RED"), 1 to 16 of A-Z 0-9
 * _ - . (upper case, so that "s" and "S" are never two rows of a return).
 * Either, both or neither may be sent; null is refused (a host that meant
 * to send a rate and sent none has a bug to see). */
static int parse_tax(const cJSON *o, sale_line *l, pi_error *err) {
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "tax_rate_bp");
  if (r != NULL) {
    if (!cJSON_IsNumber(r))
      return pi_fail(err, PI_E_BAD_TYPE, "tax_rate_bp",
                     "tax_rate_bp must be a whole number of basis points (1900 for "
                     "19 %%), or left out");
    double v = r->valuedouble;
    if (isnan(v) || (isfinite(v) && v != floor(v)))
      return pi_fail(err, PI_E_BAD_VALUE, "tax_rate_bp",
                     "tax_rate_bp must be a whole number of basis points: 550 for "
                     "5.5 %%, 1900 for 19 %%");
    if (v < 0 || v > SALE_TAX_RATE_BP_MAX)
      return pi_fail(err, PI_E_BAD_VALUE, "tax_rate_bp",
                     "tax_rate_bp must be between 0 and %d basis points (0 to 100 %%)",
                     SALE_TAX_RATE_BP_MAX);
    l->has_tax_rate = 1;
    l->tax_rate_bp = (int32_t)v;
  }
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "tax_code");
  if (c == NULL) return 0;
  if (!cJSON_IsString(c) || c->valuestring == NULL)
    return pi_fail(err, PI_E_BAD_TYPE, "tax_code",
                   "tax_code must be a string (the host's tax class, such as \"S\"), "
                   "or left out");
  size_t n = strlen(c->valuestring);
  if (n == 0)
    return pi_fail(err, PI_E_BAD_VALUE, "tax_code",
                   "tax_code must not be empty: leave it out, or send the code");
  if (n >= SALE_TAX_CODE_MAX)
    return pi_fail(err, PI_E_TOO_LONG, "tax_code",
                   "tax_code is %zu bytes long; the limit is %d", n,
                   SALE_TAX_CODE_MAX - 1);
  for (const char *p = c->valuestring; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
          *p == '-' || *p == '.'))
      return pi_fail(err, PI_E_BAD_VALUE, "tax_code",
                     "tax_code must be 1 to %d upper-case letters, digits, '_', '-' or "
                     "'.' (such as S, Z, RC, DE-RED); \"%.20s\" is not one",
                     SALE_TAX_CODE_MAX - 1, c->valuestring);
  memcpy(l->tax_code, c->valuestring, n + 1);
  return 0;
}

static int parse_line(const cJSON *o, event *ev, pi_error *err) {
  static const char *const known[] = {"type", "sale", "store", "terminal", "line",
                                      "sku",  "name", "qty", "unit_price", "net",
                                      "tax",  "remove", "attributes", "tax_rate_bp",
                                      "tax_code", NULL};
  sale_line *l = &ev->line;
  int rm = 0;
  if (only_known(o, "", known, err) ||
      ju_string(o, "line", "", JU_REQUIRED, l->line, sizeof l->line, err) == JU_FAILED ||
      ju_bool(o, "remove", "", JU_OPTIONAL, &rm, err) == JU_FAILED)
    return -1;
  ev->remove = rm;
  if (rm) return 0;
  if (ju_string(o, "sku", "", JU_OPTIONAL, l->sku, sizeof l->sku, err) == JU_FAILED ||
      ju_string(o, "name", "", JU_OPTIONAL, l->name, sizeof l->name, err) == JU_FAILED ||
      ju_qty(o, "qty", "", JU_REQUIRED, SALE_QTY_MAX_MILLI, &l->qty_milli, err) == JU_FAILED)
    return -1;
  if (l->qty_milli == 0) {
    ev->remove = 1; /* qty 0 removes the line, as tills send it */
    return 0;
  }
  if (ju_int(o, "unit_price", "", JU_REQUIRED, 0, LINE_AMOUNT_MAX, &l->unit_price,
             err) == JU_FAILED ||
      ju_int(o, "net", "", JU_REQUIRED, 0, LINE_AMOUNT_MAX, &l->net, err) == JU_FAILED ||
      ju_int(o, "tax", "", JU_REQUIRED, 0, LINE_AMOUNT_MAX, &l->tax, err) == JU_FAILED ||
      parse_tax(o, l, err) || parse_attributes(o, l, err))
    return -1;
  return 0;
}

/* Read one identifier member into the next evidence slot. */
/* Copies s (NULL: "") into dst[cap].  parse_customer has checked every
   length before (same-size buffers, a 2-letter state, a YYYY-MM-DD date),
   so nothing is ever cut; the assert says so in debug builds. */
static void put_checked(char *dst, size_t cap, const char *s) {
  size_t n = s ? strlen(s) : 0;
  assert(n < cap);
  if (n >= cap) n = cap - 1;
  if (n) memcpy(dst, s, n);
  dst[n] = '\0';
}

static int add_evidence(party *p, taxid_kind kind, const char *input,
                        const char *state, const char *expires) {
  evidence *e = &p->ev[p->nev++];
  memset(e, 0, sizeof *e);
  e->kind = kind;
  put_checked(e->input, sizeof e->input, input);
  put_checked(e->state, sizeof e->state, state);
  put_checked(e->expires, sizeof e->expires, expires);
  return 0;
}

static int parse_customer(const cJSON *o, event *ev, pi_error *err) {
  static const char *const known[] = {"type", "sale", "store", "terminal",
                                      "customer", NULL};
  static const char *const cknown[] = {"id",   "name",        "org",     "vat",
                                       "eori", "resale_cert", "account", NULL};
  static const char *const rknown[] = {"state", "number", "expires", NULL};
  const cJSON *c, *rc;
  party *p = &ev->customer;
  char vat[SALE_NAME_MAX], eori[SALE_NAME_MAX];
  if (only_known(o, "", known, err) ||
      ju_object(o, "customer", "", JU_REQUIRED, &c, err) == JU_FAILED ||
      only_known(c, "customer", cknown, err) ||
      ju_string(c, "account", "customer", JU_OPTIONAL, p->account, sizeof p->account,
                err) == JU_FAILED)
    return -1;
  /* An account on file brings its own id, name, kind and evidence, which
   * the engine copies in (docs/accounts.md): a member beside it would say
   * something else, and which of the two wins would be a guess. */
  if (cJSON_GetObjectItemCaseSensitive(c, "account")) {
    if (account_id_check(p->account, "customer.account", err)) return -1;
    for (const cJSON *m = c->child; m; m = m->next)
      if (strcmp(m->string, "account") != 0) {
        char path[64];
        return pi_fail(err, PI_E_BAD_VALUE, ju_path(path, sizeof path, "customer", m->string),
                       "customer.account names an account on file, which brings its "
                       "own name and evidence: send the account alone, without "
                       "customer.%s",
                       m->string);
      }
    p->present = 1;
    return 0;
  }
  if (ju_string(c, "id", "customer", JU_OPTIONAL, p->id, sizeof p->id, err) == JU_FAILED ||
      ju_string(c, "name", "customer", JU_OPTIONAL, p->name, sizeof p->name, err) == JU_FAILED ||
      ju_bool(c, "org", "customer", JU_OPTIONAL, &p->org, err) == JU_FAILED ||
      ju_string(c, "vat", "customer", JU_OPTIONAL, vat, sizeof vat, err) == JU_FAILED ||
      ju_string(c, "eori", "customer", JU_OPTIONAL, eori, sizeof eori, err) == JU_FAILED ||
      ju_object(c, "resale_cert", "customer", JU_OPTIONAL, &rc, err) == JU_FAILED)
    return -1;
  p->present = 1;
  if (vat[0]) add_evidence(p, TAXID_VAT, vat, NULL, NULL);
  if (eori[0]) add_evidence(p, TAXID_EORI, eori, NULL, NULL);
  if (rc) {
    char state[8], number[SALE_NAME_MAX], expires[16];
    const char *pre = "customer.resale_cert";
    if (only_known(rc, pre, rknown, err) ||
        ju_string(rc, "state", pre, JU_REQUIRED, state, sizeof state, err) == JU_FAILED ||
        ju_string(rc, "number", pre, JU_REQUIRED, number, sizeof number, err) == JU_FAILED ||
        ju_string(rc, "expires", pre, JU_OPTIONAL, expires, sizeof expires, err) == JU_FAILED)
      return -1;
    if (strlen(state) != 2)
      return pi_fail(err, PI_E_BAD_VALUE, "customer.resale_cert.state",
                     "customer.resale_cert.state must be a two-letter US state "
                     "code such as CA");
    if (expires[0] && cal_parse_date(expires, NULL, NULL, NULL) < 0)
      return pi_fail(err, PI_E_BAD_VALUE, "customer.resale_cert.expires",
                     "customer.resale_cert.expires must be a date YYYY-MM-DD, not "
                     "\"%s\"",
                     expires);
    add_evidence(p, TAXID_CERT, number, state, expires);
  }
  if (p->id[0] == '\0' && p->name[0] == '\0' && p->nev == 0)
    return pi_fail(err, PI_E_MISSING_FIELD, "customer",
                   "customer needs at least an id, a name or an identifier");
  return 0;
}

static int parse_tag(const cJSON *o, event *ev, pi_error *err) {
  static const char *const known[] = {"type",      "sale",    "store",
                                      "terminal",  "purpose", "line",
                                      "recipient", "gift_receipt", "message", NULL};
  static const char *const rknown[] = {"name", "contact", NULL};
  tag *t = &ev->tag;
  char p[32];
  const cJSON *r;
  int gr = -1;
  t->gift.gift_receipt = -1;
  if (only_known(o, "", known, err) ||
      ju_string(o, "purpose", "", JU_REQUIRED, p, sizeof p, err) == JU_FAILED ||
      ju_string(o, "line", "", JU_OPTIONAL, t->line, sizeof t->line, err) == JU_FAILED ||
      ju_object(o, "recipient", "", JU_OPTIONAL, &r, err) == JU_FAILED ||
      ju_bool(o, "gift_receipt", "", JU_OPTIONAL, &gr, err) == JU_FAILED ||
      ju_string(o, "message", "", JU_OPTIONAL, t->gift.message,
                sizeof t->gift.message, err) == JU_FAILED)
    return -1;
  if (purpose_parse(p, &t->purpose))
    return pi_fail(err, PI_E_BAD_VALUE, "purpose",
                   "purpose must be own_use, gift or resale, not \"%s\"", p);
  if (r && (only_known(r, "recipient", rknown, err) ||
            ju_string(r, "name", "recipient", JU_OPTIONAL, t->gift.recipient_name,
                      sizeof t->gift.recipient_name, err) == JU_FAILED ||
            ju_string(r, "contact", "recipient", JU_OPTIONAL,
                      t->gift.recipient_contact, sizeof t->gift.recipient_contact,
                      err) == JU_FAILED))
    return -1;
  t->gift.gift_receipt = gr;
  if (t->purpose != PURPOSE_GIFT &&
      (r || gr != -1 || t->gift.message[0]))
    return pi_fail(err, PI_E_BAD_VALUE,
                   r ? "recipient" : gr != -1 ? "gift_receipt" : "message",
                   "recipient, gift_receipt and message belong to gift tags only");
  t->gift.tagged = t->purpose == PURPOSE_GIFT;
  return 0;
}

/* An array of tenders under `key` ("tenders" of sale.complete, "refund"
 * of sale.return): at most EVENT_TENDERS_MAX objects {type, amount}.
 * Absent or null leaves ev->tenders_given 0. */
static int parse_tenders(const cJSON *o, const char *key, event *ev, pi_error *err) {
  static const char *const tknown[] = {"type", "amount", NULL};
  const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, key);
  if (ts == NULL || cJSON_IsNull(ts)) return 0;
  ev->tenders_given = 1;
  if (!cJSON_IsArray(ts))
    return pi_fail(err, PI_E_BAD_TYPE, key, "%s must be an array", key);
  for (const cJSON *it = ts->child; it; it = it->next) {
    if (ev->ntenders == EVENT_TENDERS_MAX)
      return pi_fail(err, PI_E_BAD_VALUE, key, "at most %d tenders", EVENT_TENDERS_MAX);
    tender *t = &ev->tenders[ev->ntenders];
    if (!cJSON_IsObject(it))
      return pi_fail(err, PI_E_BAD_TYPE, key, "each tender must be an object");
    if (only_known(it, key, tknown, err) ||
        ju_string(it, "type", key, JU_REQUIRED, t->type, sizeof t->type, err) == JU_FAILED ||
        ju_int(it, "amount", key, JU_REQUIRED, 0, MONEY_MAX, &t->amount, err) == JU_FAILED)
      return -1;
    ev->ntenders++;
  }
  return 0;
}

static int parse_complete(const cJSON *o, event *ev, pi_error *err) {
  static const char *const known[] = {"type", "sale", "store", "terminal",
                                      "total", "tenders", "attempt", NULL};
  if (only_known(o, "", known, err) || parse_attempt(o, ev, err) ||
      ju_int(o, "total", "", JU_REQUIRED, 0, MONEY_MAX, &ev->total, err) == JU_FAILED)
    return -1;
  return parse_tenders(o, "tenders", ev, err);
}

static const char *const reason_names[] = {"damaged", "unwanted", "wrong_item", "other",
                                           NULL};

const char *return_reason_name(return_reason r) {
  return (unsigned)r <= RETURN_OTHER ? reason_names[r] : "";
}

/* sale.return: which recorded sale (sale, store, terminal as every event),
 * the return's own id, its time, the lines and quantities, the reason and
 * the refund.  Whether the lines exist and how much of each remains is the
 * engine's and the store's decision. */
static int parse_return(const cJSON *o, event *ev, pi_error *err) {
  static const char *const known[] = {"type",   "sale",   "store",       "terminal",
                                      "return", "at",     "lines",       "reason",
                                      "reason_text", "refund", NULL};
  static const char *const lknown[] = {"line", "qty", NULL};
  char why[32];
  const cJSON *ls;
  if (only_known(o, "", known, err) ||
      ju_string(o, "return", "", JU_REQUIRED, ev->ret, sizeof ev->ret, err) == JU_FAILED ||
      ju_string(o, "at", "", JU_REQUIRED, ev->at, sizeof ev->at, err) == JU_FAILED ||
      ju_string(o, "reason", "", JU_REQUIRED, why, sizeof why, err) == JU_FAILED ||
      ju_string(o, "reason_text", "", JU_OPTIONAL, ev->reason, sizeof ev->reason, err) == JU_FAILED)
    return -1;
  if (ev->ret[0] == '\0')
    return pi_fail(err, PI_E_BAD_VALUE, "return", "return must not be empty");
  if (!cal_is_rfc3339(ev->at))
    return pi_fail(err, PI_E_BAD_VALUE, "at",
                   "at must be an RFC 3339 time such as 2026-11-26T09:30:00+01:00, "
                   "not \"%s\"",
                   ev->at);
  int k = 0;
  while (reason_names[k] && strcmp(reason_names[k], why) != 0) k++;
  if (reason_names[k] == NULL)
    return pi_fail(err, PI_E_BAD_VALUE, "reason",
                   "reason must be damaged, unwanted, wrong_item or other, not \"%s\"",
                   why);
  ev->why = (return_reason)k;
  if (ev->why == RETURN_OTHER && ev->reason[0] == '\0')
    return pi_fail(err, PI_E_MISSING_FIELD, "reason_text",
                   "a return for reason \"other\" needs reason_text saying why");
  ls = cJSON_GetObjectItemCaseSensitive(o, "lines");
  if (ls == NULL)
    return pi_fail(err, PI_E_MISSING_FIELD, "lines", "lines is required");
  if (!cJSON_IsArray(ls))
    return pi_fail(err, PI_E_BAD_TYPE, "lines", "lines must be an array");
  size_t i = 0;
  for (const cJSON *it = ls->child; it; it = it->next, i++) {
    char path[32];
    snprintf(path, sizeof path, "lines[%zu]", i);
    if (ev->nrlines == EVENT_RETURN_LINES_MAX)
      return pi_fail(err, PI_E_BAD_VALUE, "lines",
                     "a return names at most %d lines; split it into several returns",
                     EVENT_RETURN_LINES_MAX);
    return_line *r = &ev->rlines[ev->nrlines];
    if (!cJSON_IsObject(it))
      return pi_fail(err, PI_E_BAD_TYPE, path, "%s must be an object", path);
    if (only_known(it, path, lknown, err) ||
        ju_string(it, "line", path, JU_REQUIRED, r->line, sizeof r->line, err) == JU_FAILED ||
        ju_qty(it, "qty", path, JU_REQUIRED, SALE_QTY_MAX_MILLI, &r->qty_milli, err) == JU_FAILED)
      return -1;
    if (r->qty_milli <= 0)
      return pi_fail(err, PI_E_BAD_VALUE, path, "%s.qty must be more than 0", path);
    for (size_t j = 0; j < ev->nrlines; j++)
      if (strcmp(ev->rlines[j].line, r->line) == 0)
        return pi_fail(err, PI_E_DUPLICATE_FIELD, path,
                       "line %s is named twice in this return; give its quantity once",
                       r->line);
    ev->nrlines++;
  }
  if (ev->nrlines == 0)
    return pi_fail(err, PI_E_BAD_VALUE, "lines", "a return needs at least one line");
  if (parse_tenders(o, "refund", ev, err)) return -1;
  if (!ev->tenders_given)
    return pi_fail(err, PI_E_MISSING_FIELD, "refund",
                   "refund is required: the tenders the return is refunded in");
  return 0;
}

static int parse_void(const cJSON *o, event *ev, pi_error *err) {
  static const char *const known[] = {"type", "sale", "store", "terminal",
                                      "reason", "attempt", NULL};
  if (only_known(o, "", known, err) || parse_attempt(o, ev, err) ||
      ju_string(o, "reason", "", JU_OPTIONAL, ev->reason, sizeof ev->reason, err) == JU_FAILED)
    return -1;
  return 0;
}

/* The cashier's answer to a prompt of sale.total.  Whether the sale has
 * that prompt, and whether the value is one of its choices, is the
 * engine's decision. */
static int parse_answer(const cJSON *o, event *ev, pi_error *err) {
  static const char *const known[] = {"type", "sale", "store", "terminal",
                                      "prompt", "value", NULL};
  if (only_known(o, "", known, err) ||
      ju_string(o, "prompt", "", JU_REQUIRED, ev->prompt, sizeof ev->prompt, err) == JU_FAILED ||
      ju_string(o, "value", "", JU_REQUIRED, ev->value, sizeof ev->value, err) == JU_FAILED)
    return -1;
  return 0;
}

static int parse_sale_only(const cJSON *o, pi_error *err) {
  static const char *const known[] = {"type", "sale", "store", "terminal", NULL};
  return only_known(o, "", known, err);
}

/* ping and scripts.reload concern the instance, not a sale: "type" only. */
static int parse_type_only(const cJSON *o, pi_error *err) {
  static const char *const known[] = {"type", NULL};
  return only_known(o, "", known, err);
}

int event_parse_object(const cJSON *o, event *ev, pi_error *err) {
  char type[32];
  memset(ev, 0, sizeof *ev);
  ev->tag.gift.gift_receipt = -1;
  if (!cJSON_IsObject(o))
    return pi_fail(err, PI_E_BAD_JSON, "", "an event must be a JSON object");
  if (ju_string(o, "type", "", JU_REQUIRED, type, sizeof type, err) == JU_FAILED) {
    if (err && err->kind == PI_E_TOO_LONG) pi_error_rekind(err, PI_E_UNKNOWN_TYPE);
    return -1;
  }
  ev->type = event_type_parse(type);
  if (ev->type == EVENT_NONE)
    return pi_fail(err, PI_E_UNKNOWN_TYPE, "type", "unknown event type \"%s\"", type);
  if (ev->type == EVENT_SCRIPTS_RELOAD || ev->type == EVENT_PING)
    return parse_type_only(o, err);
  if (ju_string(o, "sale", "", JU_REQUIRED, ev->sale, sizeof ev->sale, err) == JU_FAILED)
    return -1;
  if (ev->type != EVENT_SALE_BEGIN &&
      (ju_string(o, "store", "", JU_OPTIONAL, ev->store, sizeof ev->store, err) == JU_FAILED ||
       ju_string(o, "terminal", "", JU_OPTIONAL, ev->terminal, sizeof ev->terminal,
                 err) == JU_FAILED))
    return -1;
  switch (ev->type) {
  case EVENT_SALE_BEGIN: return parse_begin(o, ev, err);
  case EVENT_SALE_LINE: return parse_line(o, ev, err);
  case EVENT_SALE_CUSTOMER: return parse_customer(o, ev, err);
  case EVENT_SALE_TAG: return parse_tag(o, ev, err);
  case EVENT_SALE_COMPLETE: return parse_complete(o, ev, err);
  case EVENT_SALE_VOID: return parse_void(o, ev, err);
  case EVENT_SALE_ANSWER: return parse_answer(o, ev, err);
  case EVENT_SALE_RETURN: return parse_return(o, ev, err);
  default: return parse_sale_only(o, err);
  }
}

/* The text walk refused the event before its members were read: give the
 * reply the event's type and sale all the same (docs/events.md: a refused
 * event's reply carries them, and a host matches replies by them), when
 * they are well-formed and are not what was refused (a sale "U1\u0000EVIL"
 * must not be answered as sale "U1"). */
static void refused_ids(const cJSON *o, event *ev, const pi_error *why) {
  char type[32];
  pi_error ignored;
  pi_error_clear(&ignored);
  if (why == NULL || strcmp(why->field, "type") == 0 ||
      ju_string(o, "type", "", JU_REQUIRED, type, sizeof type, &ignored) != JU_READ)
    return;
  ev->type = event_type_parse(type);
  if (ev->type == EVENT_NONE || ev->type == EVENT_PING || ev->type == EVENT_SCRIPTS_RELOAD ||
      strcmp(why->field, "sale") == 0 ||
      ju_string(o, "sale", "", JU_REQUIRED, ev->sale, sizeof ev->sale, &ignored) != JU_READ)
    ev->sale[0] = '\0';
}

int event_parse(const char *json, size_t len, event *ev, pi_error *err) {
  ev->type = EVENT_NONE;
  ev->sale[0] = '\0';
  if (json == NULL || len == 0)
    return pi_fail(err, PI_E_BAD_JSON, "", "the event is empty");
  /* cJSON stops at a NUL; one inside the given length is an error, not a
   * silently shortened event. */
  if (memchr(json, '\0', len) != NULL)
    return pi_fail(err, PI_E_BAD_JSON, "", "the event contains a NUL byte");
  const char *end = NULL;
  cJSON *o = cJSON_ParseWithLengthOpts(json, len, &end, 0);
  if (o == NULL) {
    /* cJSON sets `end` on failure too: the position of this call's error
     * (cJSON_GetErrorPtr() reads a process-wide one, which another
     * instance on another thread may be overwriting). */
    const char *at = end;
    size_t off = at && at >= json && at <= json + len ? (size_t)(at - json) : 0;
    return pi_fail(err, PI_E_BAD_JSON, "", "the event is not valid JSON (at byte %zu)",
                   off);
  }
  /* Only white space may follow the object. */
  for (const char *p = end; p && p < json + len; p++)
    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
      cJSON_Delete(o);
      return pi_fail(err, PI_E_BAD_JSON, "", "trailing data after the event object");
    }
  /* An escaped NUL, a quantity's fourth decimal: the tree cannot show them. */
  int rc;
  if (ju_check_text(json, len, o, 3, err)) {
    refused_ids(o, ev, err);
    rc = -1;
  } else {
    rc = event_parse_object(o, ev, err);
  }
  cJSON_Delete(o);
  return rc;
}
