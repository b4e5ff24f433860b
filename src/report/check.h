/* SPDX-License-Identifier: MIT */
/*
 * check.h - consistency checks of the recorded sales: what an accountant
 * must look at before a report goes to a tax advisor (docs/reports.md,
 * "Consistency checks").
 *
 * One module judges; the reports and `posintent check` only show what it
 * finds.  The rules:
 *
 *   tax_on_untaxed_line  a line whose tax-treatment hint is exempt_resale
 *                        or reverse_charge, yet carries tax
 *   own_vat_number       a sale whose reseller identifier is the store's
 *                        own VAT number (GB and XI with the same nine
 *                        digits are one registration)
 *   esl_rounds_to_zero   an EC Sales List line whose value is 0 in whole
 *                        units of the filing (HMRC: left out, as HMRC
 *                        refuses 0 and yet wants every supply listed)
 *   esl_under_one_unit   an EC Sales List line under one unit of its
 *                        currency that does not round to 0 (ZM 0.60 -> 1)
 *   esl_empty            an EC Sales List period with nothing to declare
 *   zm_too_many_lines    a ZM of more than CHECK_ZM_LINES_MAX lines (the
 *                        ELSTER import takes at most 1,500)
 *   mixed_currency       a sale in another currency than the filing's
 *                        (HMRC GBP, ZM EUR)
 *   evidence_invalid     a resale line backed by a VAT number that a
 *                        register found not registered (latest online
 *                        check invalid: `posintent evidence verify`),
 *                        whether it said so before or after the sale
 *   evidence_unverified  a resale line backed by a VAT number of a
 *                        register (EU, XI, GB) whose latest online check
 *                        is not valid -- none, unavailable, input error --
 *                        in a database where numbers are verified online
 *                        at all (a store that never ran evidence verify
 *                        is not told so on every resale line)
 *   script_failed        a sale decided while a store script failed and
 *                        its policy (fail_open) ignored the failure: its
 *                        purposes, statuses and tax-treatment hints may
 *                        lack that rule (docs/hooks.md)
 *
 * Each finding names its rule and, where there is one, the sale (store,
 * terminal, sale id) and line, in its fields and in its sentence.
 */
#ifndef POSINTENT_REPORT_CHECK_H
#define POSINTENT_REPORT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "report/report.h"
#include "store/store.h"

/* The ELSTER import of the ZM takes at most this many lines (its version
 * table, CSV version 1.1 / Excel 1.1.10: "Maximale Anzahl von Meldezeilen
 * auf 1500 erhöht"; docs/reports.md). */
#define CHECK_ZM_LINES_MAX 1500

typedef enum check_rule {
  CHECK_TAX_ON_UNTAXED = 0,
  CHECK_OWN_VAT,
  CHECK_ESL_ROUNDS_TO_ZERO,
  CHECK_ESL_UNDER_ONE,
  CHECK_ESL_EMPTY,
  CHECK_ZM_TOO_MANY_LINES,
  CHECK_MIXED_CURRENCY,
  CHECK_EVIDENCE_INVALID,
  CHECK_EVIDENCE_UNVERIFIED,
  CHECK_SCRIPT_FAILED,
  CHECK_RULES /* how many there are */
} check_rule;

/* The rule's name as above ("tax_on_untaxed_line"); static. */
const char *check_rule_name(check_rule r);

/* One finding.  Every string is valid only during the callback; "" where
 * a field does not apply (an empty period names no sale). */
typedef struct check_finding {
  check_rule rule;
  const char *day;      /* the business day it concerns, or ""            */
  const char *store;
  const char *terminal;
  const char *sale;     /* the sale id; an ESL line: its sales, "S1 S2"   */
  const char *line;     /* the line id, or ""                             */
  const char *customer; /* the customer's identifier, or ""               */
  const char *currency; /* of amount, or ""                               */
  int64_t amount;       /* minor units (tax, a line's value), when has_amount */
  int has_amount;
  const char *message;  /* one sentence naming the sale or line and rule  */
} check_finding;

/* Called once per finding; returns 0, or -1 with err to stop. */
typedef int (*check_fn)(void *ctx, const check_finding *f, pi_error *err);

/* What to check.  Everything is borrowed for the call. */
typedef struct check_scope {
  const char *from, *to;        /* business days of the sale rules; NULL:
                                   open (report_query's convention)     */
  const char *store_id;         /* NULL: every store                    */
  const report_identity *id;    /* the store's identity (own VAT number,
                                   home country)                        */
  const report_period *period;  /* NULL: no EC Sales List rules         */
  ecsl_format format;           /* the filing the ESL rules judge       */
  int converts;                 /* 1: the HMRC filing converts other
                                   currencies at the accountant's rates
                                   (--rates): no mixed_currency finding;
                                   a missing rate fails the filing     */
} check_scope;

/* Which rules: those about sales (tax_on_untaxed_line, own_vat_number,
 * evidence_invalid, evidence_unverified, script_failed) and those about an
 * EC Sales List
 * of s->period (the rest). */
enum { CHECK_SALE_RULES = 1, CHECK_ESL_RULES = 2 };

/* The ESL filing a store files by default: hmrc for a UK (GB, XI) VAT
 * number or country, zm for a German one, csv otherwise. */
ecsl_format check_default_format(const report_identity *id);

/* Run the rules `which` on `st` in one read transaction (or in the
 * caller's, when one is open), calling fn for each finding in a stable
 * order: rule by rule, then by day and sale.  The ESL rules need the
 * database's own identity (report_ec_sales_list's store_mismatch refusal
 * applies) and a known home country (code "ecsl", field store_country).
 * *found (may be NULL) receives the number of findings.  Returns 0, or -1
 * with err ("storage", or what fn set). */
int check_run(store *st, const check_scope *s, unsigned which, check_fn fn, void *ctx,
              size_t *found, pi_error *err);

/* For the reports: run the rules `which` and send each finding through
 * out->warn as "RULE: MESSAGE", at most CHECK_WARN_MAX per rule; past that
 * one line says how many more there are and that `posintent check` lists
 * them all.  Nothing is sent when out->warn is NULL.  Returns 0 or -1
 * with err. */
#define CHECK_WARN_MAX 20
int check_warn(store *st, const check_scope *s, unsigned which, const report_out *out,
               pi_error *err);

#endif
