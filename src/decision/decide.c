/* SPDX-License-Identifier: MIT */
/* decide.c - prompts, blocks, receipt lines and the tax-treatment hint. */
#include "decision/decide.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* Copy the NUL-terminated `s` into dst[cap]; it fits (asserted). */
static void copy_fitting(char *dst, size_t cap, const char *s) {
  size_t n = strlen(s);
  assert(n < cap);
  if (n >= cap) n = cap - 1; /* NDEBUG: never past the member */
  memcpy(dst, s, n);
  dst[n] = '\0';
}

int decision_add_prompt(decision *d, const prompt *p) {
  if (d->nprompts >= DECIDE_PROMPTS_MAX) return -1;
  d->prompts[d->nprompts++] = *p;
  return 0;
}

size_t decision_drop_prompt(decision *d, const char *id) {
  size_t kept = 0, n = d->nprompts;
  for (size_t i = 0; i < n; i++)
    if (strcmp(d->prompts[i].id, id) != 0) d->prompts[kept++] = d->prompts[i];
  d->nprompts = kept;
  return n - kept;
}

int decision_add_block(decision *d, const char *code, const char *field,
                       const char *message) {
  if (d->nblocks >= DECIDE_BLOCKS_MAX) return -1;
  block *b = &d->blocks[d->nblocks++];
  copy_fitting(b->code, sizeof b->code, code);
  copy_fitting(b->field, sizeof b->field, field ? field : "");
  copy_fitting(b->message, sizeof b->message, message);
  return 0;
}

int decision_add_receipt(decision *d, const char *text) {
  if (d->nreceipt >= DECIDE_RECEIPT_MAX) return -1;
  copy_fitting(d->receipt[d->nreceipt++], sizeof d->receipt[0], text);
  return 0;
}

tax_treatment decision_line_treatment(const decision *d, buyer_status st) {
  return st == STATUS_RESELLER ? d->treatment : TREAT_STANDARD;
}

/* The hint for resale lines: a US resale certificate exempts from sales
 * tax; a valid VAT number of another EU member state, when the store is in
 * the EU, makes it an intra-community B2B supply (reverse charge).  The
 * hint assumes the goods leave the country; a store script can say
 * otherwise (on_total). */
static tax_treatment intra_community(const evidence *ev, const plugin_config *cfg) {
  if (ev == NULL || !ev->verdict.valid) return TREAT_STANDARD;
  if (ev->kind == TAXID_CERT) return TREAT_EXEMPT_RESALE;
  if (ev->kind != TAXID_VAT) return TREAT_STANDARD;
  char home[3];
  taxid_home_prefix(cfg->store_vat, cfg->store_country, home);
  /* Only a store inside the EU VAT area (XI included) supplies
   * intra-community; a GB store's sale to the EU is an export. */
  if (taxid_eu_vat_prefix(home) && taxid_other_eu_state(home, ev->verdict.country))
    return TREAT_REVERSE_CHARGE;
  return TREAT_STANDARD;
}

const char *decide_unverified(const evidence *ev, const plugin_config *cfg) {
  if (!cfg->reverse_charge_verified || intra_community(ev, cfg) != TREAT_REVERSE_CHARGE ||
      ev->online == VCHECK_VALID)
    return NULL;
  switch (ev->online) {
  case VCHECK_INVALID: return "found not registered online";
  case VCHECK_UNAVAILABLE: return "unverified (register unavailable)";
  case VCHECK_INPUT_ERROR: return "refused by the register";
  default: return "never verified online";
  }
}

/* The hint: the intra-community one, unless the store requires a number
 * verified online and this one is not (decide_unverified). */
static tax_treatment resale_treatment(const evidence *ev, const plugin_config *cfg) {
  if (decide_unverified(ev, cfg)) return TREAT_STANDARD;
  return intra_community(ev, cfg);
}

static int accepted(const plugin_config *cfg, const evidence *ev) {
  return ev && (cfg->accepted_evidence & (1u << ev->kind));
}

const char *decide_evidence_problem(const sale *s, const plugin_config *cfg,
                                    char *buf, size_t cap) {
  const evidence *ev = sale_best_evidence(s);
  if (ev == NULL) {
    snprintf(buf, cap, "resale needs the reseller's VAT number, EORI number or "
                       "resale certificate");
    return buf;
  }
  if (!accepted(cfg, ev)) {
    snprintf(buf, cap, "this store does not accept %s evidence for resale",
             taxid_kind_name(ev->kind));
    return buf;
  }
  if (!ev->verdict.valid) {
    snprintf(buf, cap, "%s", ev->verdict.message[0] ? ev->verdict.message
                                                    : "the identifier is not valid");
    return buf;
  }
  return NULL;
}

static void set_prompt(prompt *p, const char *id, const char *text,
                       const char *field, const char *line) {
  memset(p, 0, sizeof *p);
  copy_fitting(p->id, sizeof p->id, id);
  copy_fitting(p->text, sizeof p->text, text);
  copy_fitting(p->field, sizeof p->field, field);
  copy_fitting(p->line, sizeof p->line, line ? line : "");
}

static void add_choice(prompt *p, const char *c) {
  assert(p->nchoices < sizeof p->choices / sizeof p->choices[0]);
  copy_fitting(p->choices[p->nchoices++], sizeof p->choices[0], c);
}

/* The built-in rules add at most four prompts, two blocks and two receipt
 * lines to an empty decision: they always fit. */
#define ADD(call)         \
  do {                    \
    int added_ = (call);  \
    assert(added_ == 0);  \
    (void)added_;         \
  } while (0)

void decide(const sale *s, const plugin_config *cfg, decision *d) {
  memset(d, 0, sizeof *d);
  purpose dflt = (purpose)cfg->default_purpose;
  int gift_receipt_wanted = 0, gift_undecided = 0;
  for (size_t i = 0; i < s->nlines; i++) {
    const sale_line *l = &s->lines[i];
    purpose p = sale_line_purpose(s, l, dflt);
    buyer_status st = sale_line_status(s, l, dflt);
    if (p == PURPOSE_NONE) d->untagged_lines++;
    if (st == STATUS_RESELLER) d->resale_lines++;
    if (p == PURPOSE_GIFT) {
      d->gift_lines++;
      const gift_info *g = sale_line_gift(s, l);
      if (g->gift_receipt > 0) gift_receipt_wanted = 1;
      if (g->gift_receipt < 0) gift_undecided = 1;
    }
    if (p == PURPOSE_OWN_USE) d->own_use_lines++;
  }
  const evidence *ev = sale_best_evidence(s);
  d->treatment = d->resale_lines ? resale_treatment(ev, cfg) : TREAT_STANDARD;

  prompt pr;
  if (d->untagged_lines) {
    set_prompt(&pr, "purpose", "Purpose? own use, gift or resale", "purpose", NULL);
    add_choice(&pr, "own_use");
    add_choice(&pr, "gift");
    add_choice(&pr, "resale");
    ADD(decision_add_prompt(d, &pr));
    ADD(decision_add_block(d, "purpose_missing", "purpose",
                           "every line needs a purpose before the sale can complete"));
  }
  if (d->resale_lines) {
    char why[200];
    if (decide_evidence_problem(s, cfg, why, sizeof why)) {
      set_prompt(&pr, "reseller_id", "Reseller VAT number, EORI or resale certificate?",
                 "customer.vat", NULL);
      ADD(decision_add_prompt(d, &pr));
      if (cfg->resale == RESALE_BLOCK)
        ADD(decision_add_block(d, "reseller_evidence", "customer.vat", why));
    }
  }
  const char *unverified = d->resale_lines ? decide_unverified(ev, cfg) : NULL;
  if (unverified) {
    /* Policy reverse_charge_requires_verified: the hint stays standard
     * (VAT charged), and the cashier is told why. */
    char text[sizeof pr.text];
    int n = snprintf(text, sizeof text,
                     "No reverse charge: VAT %s %s; VAT charged (posintent evidence "
                     "verify)",
                     ev->verdict.compact, unverified); /* at most 98 + TAXID_COMPACT_MAX */
    assert(n > 0 && (size_t)n < sizeof text);
    (void)n;
    set_prompt(&pr, "vat_unverified", text, "customer.vat", NULL);
    ADD(decision_add_prompt(d, &pr));
  }
  if (d->gift_lines && gift_undecided && cfg->gift_receipt == GIFT_RECEIPT_OFFER) {
    set_prompt(&pr, "gift_receipt", "Print a gift receipt?", "gift_receipt", NULL);
    add_choice(&pr, "yes");
    add_choice(&pr, "no");
    ADD(decision_add_prompt(d, &pr));
  }
  if (d->gift_lines &&
      (gift_receipt_wanted || cfg->gift_receipt == GIFT_RECEIPT_ALWAYS) &&
      cfg->gift_receipt != GIFT_RECEIPT_NEVER)
    ADD(decision_add_receipt(d, "Gift receipt"));
  if (d->resale_lines && ev && ev->verdict.valid) {
    char line[128];
    const char *what = ev->kind == TAXID_VAT    ? "VAT"
                       : ev->kind == TAXID_EORI ? "EORI"
                                                : "resale certificate";
    int n = snprintf(line, sizeof line, "Purchased for resale - %s %s", what,
                     ev->verdict.compact); /* at most 42 + TAXID_COMPACT_MAX */
    assert(n > 0 && (size_t)n < sizeof line);
    (void)n;
    ADD(decision_add_receipt(d, line));
  }
}
