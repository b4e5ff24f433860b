/* SPDX-License-Identifier: MIT */
/*
 * decide.h - what the till must still do before a sale can complete.
 *
 * decide() looks at a sale and the store's policy and produces a decision:
 * prompts for the cashier, blocks (reasons the sale cannot complete yet),
 * receipt lines to print, and the tax-treatment hint.  Store scripts then
 * amend it (on_total).  The decision is rebuilt from the sale every time, so
 * it never drifts from what is recorded.
 */
#ifndef POSINTENT_DECIDE_H
#define POSINTENT_DECIDE_H

#include "config/manifest.h"
#include "domain/sale.h"

#define DECIDE_PROMPTS_MAX 16
#define DECIDE_BLOCKS_MAX 16
#define DECIDE_RECEIPT_MAX 16

typedef struct prompt {
  char id[SALE_PROMPT_ID_MAX];     /* "purpose", "reseller_id", ...     */
  char text[160];                  /* what the till shows               */
  char field[64];                  /* event member that answers it      */
  char line[SALE_ID_MAX];          /* the line it concerns, or ""       */
  char choices[4][16];
  size_t nchoices;
} prompt;

typedef struct block {
  char code[32];                   /* "reseller_evidence", "script", ... */
  char message[256];
  char field[64];
} block;

typedef struct decision {
  prompt prompts[DECIDE_PROMPTS_MAX];
  size_t nprompts;
  block blocks[DECIDE_BLOCKS_MAX];
  size_t nblocks;
  char receipt[DECIDE_RECEIPT_MAX][128];
  size_t nreceipt;
  tax_treatment treatment;         /* hint for the resale lines         */
  size_t resale_lines, gift_lines, own_use_lines, untagged_lines;
} decision;

/* Build the decision for `s` under `cfg`.  Never fails. */
void decide(const sale *s, const plugin_config *cfg, decision *d);

/* Append helpers: return 0, or -1 when the decision already holds its
 * maximum (DECIDE_*_MAX) and nothing was added.  A caller that cannot rule
 * that out checks first and reports it (hooks.c refuses a store script's
 * answer that does not fit); decide() asserts.  Texts must fit their
 * member (asserted): they are never cut. */
int decision_add_prompt(decision *d, const prompt *p);
int decision_add_block(decision *d, const char *code, const char *field,
                       const char *message);
int decision_add_receipt(decision *d, const char *text);

/* Remove every prompt whose id is `id` (a built-in one such as
 * "gift_receipt", or an earlier script's); returns how many. */
size_t decision_drop_prompt(decision *d, const char *id);

/* Why the customer's evidence cannot back a resale (none, a kind the store
 * does not accept, or the validator's sentence for an invalid one), written
 * to buf[cap] and returned; NULL when it can. */
const char *decide_evidence_problem(const sale *s, const plugin_config *cfg,
                                    char *buf, size_t cap);

/* Under the policy reverse_charge_requires_verified: why the customer's
 * VAT number `ev` cannot have the reverse_charge hint it would otherwise
 * get ("never verified online", "found not registered online", ...), or
 * NULL when it can, or when the policy is off or the hint would not be
 * reverse_charge anyway.  Reads only ev->online, which the engine filled
 * from the local database: the till never waits on the network. */
const char *decide_unverified(const evidence *ev, const plugin_config *cfg);

/* The tax treatment of one line under decision d. */
tax_treatment decision_line_treatment(const decision *d, buyer_status st);

#endif
