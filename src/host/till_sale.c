/* SPDX-License-Identifier: MIT */
/*
 * till_sale.c - the sale as the till holds it (see till_int.h): emptied,
 * summed, and the words for its purposes.  Nothing here talks to the
 * plugin or draws; the display and the session both build on it.
 */
#include "host/till_int.h"

#include <string.h>

/* Forget the sale: no sale open, no lines, no tags, customer or total. */
void reset_sale(till *t) {
  t->open = 0;
  t->sale[0] = '\0';
  t->attempt[0] = '\0';
  t->nlines = t->cursor = t->top = 0;
  t->next_line = 1;
  t->sale_tag[0] = '\0';
  memset(&t->sale_gift, 0, sizeof t->sale_gift);
  t->sale_gift.receipt = -1;
  memset(&t->cust, 0, sizeof t->cust);
  t->have_total = 0;
  t->script_error[0] = '\0';
}

/* The sale's net and tax in minor units: the lines' quantities times
 * their unit amounts, as the till sent them. */
void sale_totals(const till *t, int64_t *net, int64_t *tax) {
  *net = *tax = 0;
  for (size_t i = 0; i < t->nlines; i++) {
    *net += t->lines[i].qty * t->lines[i].it->net;
    *tax += t->lines[i].qty * t->lines[i].it->tax;
  }
}

/* The buyer status a purpose gives, as the till shows it before the
 * plugin has said: own use a consumer, a gift the customer, resale a
 * reseller; "" for no purpose. */
const char *status_of(const char *purpose) {
  if (strcmp(purpose, "own_use") == 0) return "consumer";
  if (strcmp(purpose, "gift") == 0) return "customer";
  if (strcmp(purpose, "resale") == 0) return "reseller";
  return "";
}

/* A purpose as a word for the cashier: "own use"; "-" for none. */
const char *purpose_word(const char *purpose) {
  if (strcmp(purpose, "own_use") == 0) return "own use";
  return purpose[0] ? purpose : "-";
}
