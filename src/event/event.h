/* SPDX-License-Identifier: MIT */
/*
 * event.h - host events: parsing one JSON object into a typed event.
 *
 * The parser checks shape and types only (members, types, bounds, formats);
 * whether the event makes sense for the sales in hand (unknown sale, a line
 * after completion) is the engine's decision.  See docs/events.md.
 */
#ifndef POSINTENT_EVENT_H
#define POSINTENT_EVENT_H

#include <cjson/cJSON.h>

#include "base/error.h"
#include "domain/sale.h"

typedef enum event_type {
  EVENT_NONE = 0,
  EVENT_SALE_BEGIN,
  EVENT_SALE_LINE,
  EVENT_SALE_CUSTOMER,
  EVENT_SALE_TAG,
  EVENT_SALE_TOTAL,
  EVENT_SALE_COMPLETE,
  EVENT_SALE_VOID,
  EVENT_SCRIPTS_RELOAD,
  EVENT_PING,
  EVENT_SALE_ANSWER,                /* appended: the values above are kept */
  EVENT_SALE_RETURN,
  EVENT_COUNT
} event_type;

/* "sale.begin" -> EVENT_SALE_BEGIN; EVENT_NONE when unknown. */
event_type event_type_parse(const char *name);
const char *event_type_name(event_type t);

/* A tag: a purpose for the whole sale or one line, with gift details. */
typedef struct tag {
  purpose purpose;
  char line[SALE_ID_MAX];           /* "" : the whole sale               */
  gift_info gift;                   /* gifts only                        */
} tag;

#define EVENT_TENDERS_MAX 16
typedef struct tender {
  char type[SALE_ID_MAX];
  int64_t amount;
} tender;

/* sale.return: the lines of a recorded sale brought back.  A return names
 * each original line once; a return of more lines than this is split into
 * several returns (refused, not cut, beyond it). */
#define EVENT_RETURN_LINES_MAX 128
typedef struct return_line {
  char line[SALE_ID_MAX];           /* the original sale's line id       */
  int64_t qty_milli;                /* > 0                               */
} return_line;

/* Why goods come back (sale.return "reason"). */
typedef enum return_reason {
  RETURN_DAMAGED = 0,
  RETURN_UNWANTED,
  RETURN_WRONG_ITEM,
  RETURN_OTHER                      /* needs "reason_text"               */
} return_reason;

/* "damaged", "unwanted", "wrong_item", "other". */
const char *return_reason_name(return_reason r);

typedef struct event {
  event_type type;
  char sale[SALE_ID_MAX];
  char store[SALE_ID_MAX];          /* optional except in sale.begin     */
  char terminal[SALE_ID_MAX];       /* optional except in sale.begin     */
  /* sale.begin, sale.complete, sale.void: the host's key for this attempt
   * at the sale (docs/events.md), "" when the event has none */
  char attempt[SALE_ID_MAX];
  /* sale.begin */
  char cashier[SALE_ID_MAX];
  char at[SALE_TIME_MAX];
  char currency[4];
  /* sale.line */
  sale_line line;
  int remove;                       /* remove flag or qty 0              */
  /* sale.customer */
  party customer;
  /* sale.tag */
  tag tag;
  /* sale.complete */
  int64_t total;
  tender tenders[EVENT_TENDERS_MAX];
  size_t ntenders;
  int tenders_given;                /* 1 when the event has "tenders"    */
  /* sale.void; sale.return's reason_text */
  char reason[SALE_TEXT_MAX];
  /* sale.answer */
  char prompt[SALE_PROMPT_ID_MAX];
  char value[SALE_TEXT_MAX];
  /* sale.return (its refund is in tenders, tenders_given set) */
  char ret[SALE_ID_MAX];            /* the return's own id               */
  return_reason why;
  return_line rlines[EVENT_RETURN_LINES_MAX];
  size_t nrlines;
} event;

/* Parse `json` (len bytes, need not be NUL-terminated) into `ev`.
 * Identifiers are copied as typed; the engine validates them (a
 * certificate's expiry is judged against the sale's date).  Returns 0, or
 * -1 with err naming the field. */
int event_parse(const char *json, size_t len, event *ev, pi_error *err);

/* Parse an already-parsed object (used by tests and the script tester). */
int event_parse_object(const cJSON *obj, event *ev, pi_error *err);

#endif
