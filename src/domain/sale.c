/* SPDX-License-Identifier: MIT */
/* sale.c - the sale domain: lines, purposes, buyer statuses, evidence. */
#include "domain/sale.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/money.h"
#include "base/utf8.h"

static const char *const purpose_names[] = {"", "own_use", "gift", "resale"};
static const char *const status_names[] = {"", "consumer", "customer", "reseller"};
static const char *const treatment_names[] = {"standard", "exempt_resale",
                                              "reverse_charge"};

const char *purpose_name(purpose p) {
  return (unsigned)p < 4 ? purpose_names[p] : "";
}

int purpose_parse(const char *s, purpose *out) {
  for (int i = 1; i < 4; i++)
    if (strcmp(s, purpose_names[i]) == 0) {
      *out = (purpose)i;
      return 0;
    }
  return -1;
}

const char *status_name(buyer_status s) {
  return (unsigned)s < 4 ? status_names[s] : "";
}

int status_parse(const char *s, buyer_status *out) {
  for (int i = 1; i < 4; i++)
    if (strcmp(s, status_names[i]) == 0) {
      *out = (buyer_status)i;
      return 0;
    }
  return -1;
}

const char *treatment_name(tax_treatment t) {
  return (unsigned)t < 3 ? treatment_names[t] : "standard";
}

int treatment_parse(const char *s, tax_treatment *out) {
  for (int i = 0; i < 3; i++)
    if (strcmp(s, treatment_names[i]) == 0) {
      *out = (tax_treatment)i;
      return 0;
    }
  return -1;
}

buyer_status purpose_status(purpose p) {
  switch (p) {
  case PURPOSE_OWN_USE: return STATUS_CONSUMER;
  case PURPOSE_GIFT: return STATUS_CUSTOMER;
  case PURPOSE_RESALE: return STATUS_RESELLER;
  default: return STATUS_NONE;
  }
}

void sale_init(sale *s) {
  memset(s, 0, sizeof *s);
  s->gift.gift_receipt = -1;
}

void sale_free(sale *s) {
  free(s->lines);
  s->lines = NULL;
  s->nlines = s->cap = 0;
}

/* Copy src into dst[cap] whole, or its longest start that ends on a
 * character boundary; 1 when it was cut. */
static int copy_cut(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src), k = utf8_cut(src, n, cap - 1);
  memcpy(dst, src, k);
  dst[k] = '\0';
  return k < n;
}

void sale_note_script_error(sale *s, const char *event_name, const char *hook,
                            const char *where, const char *message, int truncated) {
  sale_script_error n;
  copy_cut(n.event, sizeof n.event, event_name);
  copy_cut(n.hook, sizeof n.hook, hook);
  copy_cut(n.where, sizeof n.where, where);
  n.truncated = copy_cut(n.message, sizeof n.message, message) || truncated;
  n.count = 1;
  for (size_t i = 0; i < s->nscript_errors; i++) {
    sale_script_error *x = &s->script_errors[i];
    if (strcmp(x->hook, n.hook) == 0 && strcmp(x->where, n.where) == 0 &&
        strcmp(x->message, n.message) == 0 && x->truncated == n.truncated) {
      x->count++;
      return;
    }
  }
  if (s->nscript_errors == SALE_SCRIPT_ERRORS_MAX) {
    s->script_errors_more++;
    return;
  }
  s->script_errors[s->nscript_errors++] = n;
}

int64_t sale_script_error_total(const sale *s) {
  int64_t n = s->script_errors_more;
  for (size_t i = 0; i < s->nscript_errors; i++) n += s->script_errors[i].count;
  return n;
}

const char *sale_answer_of(const sale *s, const char *prompt_id) {
  for (size_t i = 0; i < s->nanswers; i++)
    if (strcmp(s->answers[i].prompt, prompt_id) == 0) return s->answers[i].value;
  return NULL;
}

int sale_put_answer(sale *s, const char *prompt_id, const char *value, pi_error *err) {
  assert(strlen(prompt_id) < SALE_PROMPT_ID_MAX && strlen(value) < SALE_TEXT_MAX);
  size_t i = 0;
  while (i < s->nanswers && strcmp(s->answers[i].prompt, prompt_id) != 0) i++;
  if (i == SALE_ANSWERS_MAX)
    return pi_fail(err, PI_E_TOO_MANY_ANSWERS, "prompt",
                   "sale %s already holds answers to %d prompts, the limit; prompt %s "
                   "cannot be answered as well",
                   s->id, SALE_ANSWERS_MAX, prompt_id);
  sale_answer *a = &s->answers[i];
  snprintf(a->prompt, sizeof a->prompt, "%s", prompt_id);
  snprintf(a->value, sizeof a->value, "%s", value);
  if (i == s->nanswers) s->nanswers++;
  return 0;
}

sale_line *sale_find_line(sale *s, const char *line_id) {
  for (size_t i = 0; i < s->nlines; i++)
    if (strcmp(s->lines[i].line, line_id) == 0) return &s->lines[i];
  return NULL;
}

const sale_line *sale_find_line_const(const sale *s, const char *line_id) {
  return sale_find_line((sale *)s, line_id);
}

/* The sale's total (net + tax) with line `l` put in place of `old`. Every
 * amount is at most MONEY_MAX / SALE_LINES_MAX (the event parser's bound),
 * so the sum of at most SALE_LINES_MAX lines cannot overflow int64. */
static int64_t total_with(const sale *s, const sale_line *old, const sale_line *l) {
  int64_t net, tax;
  sale_totals(s, &net, &tax);
  if (old) {
    net -= old->net;
    tax -= old->tax;
  }
  assert(net >= 0 && tax >= 0);
  return net + tax + l->net + l->tax;
}

int sale_put_line(sale *s, const sale_line *l, pi_error *err) {
  sale_line *old = sale_find_line(s, l->line);
  /* A total past 2^53 - 1 minor units is one no JSON host can hold
   * exactly, and sale.complete could never name it: refuse the line now,
   * while the cashier can still split the sale. */
  int64_t total = total_with(s, old, l);
  if (total > MONEY_MAX)
    return pi_fail(err, PI_E_TOTAL_TOO_LARGE, "net",
                   "line %s would take the sale's total to %" PRId64
                   " minor units, past the largest exact amount %" PRId64
                   " (2^53 - 1); split the sale",
                   l->line, total, MONEY_MAX);
  if (old) {
    /* A replaced line (new qty or price) keeps what the cashier tagged. */
    purpose p = old->purpose;
    gift_info g = old->gift;
    buyer_status o = old->status_override;
    *old = *l;
    old->purpose = p;
    old->gift = g;
    old->status_override = o;
    return 0;
  }
  if (s->nlines >= SALE_LINES_MAX)
    return pi_fail(err, PI_E_TOO_MANY_LINES, "line",
                   "a sale holds at most %d lines", SALE_LINES_MAX);
  if (s->nlines == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    sale_line *n = realloc(s->lines, cap * sizeof *n);
    if (n == NULL) return pi_fail(err, PI_E_NOMEM, "line", "out of memory");
    s->lines = n;
    s->cap = cap;
  }
  s->lines[s->nlines] = *l;
  s->lines[s->nlines].purpose = PURPOSE_NONE;
  s->lines[s->nlines].gift.tagged = 0;
  s->lines[s->nlines].gift.gift_receipt = -1;
  s->lines[s->nlines].status_override = STATUS_NONE;
  s->nlines++;
  return 0;
}

int sale_remove_line(sale *s, const char *line_id) {
  sale_line *l = sale_find_line(s, line_id);
  if (l == NULL) return -1;
  size_t i = (size_t)(l - s->lines);
  memmove(&s->lines[i], &s->lines[i + 1], (s->nlines - i - 1) * sizeof *l);
  s->nlines--;
  return 0;
}

purpose sale_line_purpose(const sale *s, const sale_line *l, purpose dflt) {
  if (l->purpose != PURPOSE_NONE) return l->purpose;
  if (s->purpose != PURPOSE_NONE) return s->purpose;
  return dflt;
}

buyer_status sale_line_status(const sale *s, const sale_line *l, purpose dflt) {
  if (l->status_override != STATUS_NONE) return l->status_override;
  return purpose_status(sale_line_purpose(s, l, dflt));
}

const gift_info *sale_line_gift(const sale *s, const sale_line *l) {
  return l->gift.tagged ? &l->gift : &s->gift;
}

const evidence *sale_best_evidence(const sale *s) {
  if (!s->customer.present || s->customer.nev == 0) return NULL;
  static const taxid_kind order[] = {TAXID_VAT, TAXID_EORI, TAXID_CERT};
  for (size_t k = 0; k < 3; k++)
    for (size_t i = 0; i < s->customer.nev; i++)
      if (s->customer.ev[i].kind == order[k] && s->customer.ev[i].verdict.valid)
        return &s->customer.ev[i];
  return &s->customer.ev[0];
}

void sale_totals(const sale *s, int64_t *net, int64_t *tax) {
  int64_t n = 0, t = 0;
  for (size_t i = 0; i < s->nlines; i++) {
    n += s->lines[i].net;
    t += s->lines[i].tax;
  }
  *net = n;
  *tax = t;
}
