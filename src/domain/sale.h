/* SPDX-License-Identifier: MIT */
/*
 * sale.h - the domain: a sale at the till, its lines, purposes and parties.
 *
 * Vocabulary (the product's, used everywhere):
 *   customer  the party who purchases (pays);
 *   consumer  the party who uses the goods;
 *   reseller  a customer who is not the consumer and sells the goods on.
 *
 * A cashier tags a purpose (own use, gift, resale) on the whole sale or on
 * one line.  The buyer status of each line follows from its purpose:
 *   own_use -> consumer  (the customer is the consumer)
 *   gift    -> customer  (pays, does not consume; the recipient consumes)
 *   resale  -> reseller  (backed by validated evidence)
 * and a store script's classify hook may override it.
 *
 * Every string is a fixed-size, NUL-terminated array: the event parser
 * refuses longer input with the field's name, so a sale never allocates
 * per string and cannot be half-filled by an allocation failure.  Lines are
 * one growable array.
 */
#ifndef POSINTENT_SALE_H
#define POSINTENT_SALE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "taxid/taxid.h"

/* Limits on what one event may carry (bytes include the NUL). */
#define SALE_ID_MAX 65      /* sale, store, terminal, cashier, line, customer ids */
#define SALE_NAME_MAX 129   /* person, organisation and item names               */
#define SALE_TEXT_MAX 257   /* gift message, void reason, contact                */
#define SALE_TIME_MAX 40    /* RFC 3339 timestamp                                */
#define SALE_LINES_MAX 1000 /* lines in one sale                                 */
#define SALE_QTY_MAX_MILLI INT64_C(1000000000) /* qty 1,000,000               */
#define SALE_PROMPT_ID_MAX 32 /* a prompt's id ("gift_receipt", a script's own)    */
#define SALE_ANSWERS_MAX 16   /* answered prompts in one sale (DECIDE_PROMPTS_MAX) */
#define SALE_ATTRS_MAX 8      /* attributes of one line                          */
#define SALE_ATTR_KEY_MAX 33  /* an attribute's name: 1-32 of A-Z a-z 0-9 _ - .   */
#define SALE_ATTR_TEXT_MAX 65 /* an attribute's string value: 1-64 bytes         */
#define SALE_TAX_CODE_MAX 17  /* a line's tax code: 1-16 of A-Z 0-9 _ - .        */
#define SALE_TAX_RATE_BP_MAX 10000 /* a line's tax rate: 0 to 100.00 %, in bp    */

typedef enum purpose {
  PURPOSE_NONE = 0, /* not tagged (a line: inherits the sale's purpose)  */
  PURPOSE_OWN_USE,
  PURPOSE_GIFT,
  PURPOSE_RESALE
} purpose;

typedef enum buyer_status {
  STATUS_NONE = 0,
  STATUS_CONSUMER,
  STATUS_CUSTOMER,
  STATUS_RESELLER
} buyer_status;

/* The tax treatment a host may apply; a hint, the host decides. */
typedef enum tax_treatment {
  TREAT_STANDARD = 0,
  TREAT_EXEMPT_RESALE,  /* US sales tax: resale certificate on file    */
  TREAT_REVERSE_CHARGE  /* EU B2B: buyer's VAT number of another state */
} tax_treatment;

/* Names as they appear in events, replies, the database and reports.
 * purpose_name(PURPOSE_NONE) is "" ; the parsers return -1 on unknown. */
const char *purpose_name(purpose p);
int purpose_parse(const char *s, purpose *out);
const char *status_name(buyer_status s);
int status_parse(const char *s, buyer_status *out);
const char *treatment_name(tax_treatment t);
int treatment_parse(const char *s, tax_treatment *out);

/* The buyer status a purpose implies. */
buyer_status purpose_status(purpose p);

/* Who receives a gift, and how it was wrapped at the till. */
typedef struct gift_info {
  int tagged;                        /* 1 once a gift tag set these fields */
  char recipient_name[SALE_NAME_MAX];
  char recipient_contact[SALE_TEXT_MAX];
  char message[SALE_TEXT_MAX];
  int gift_receipt;                  /* -1 not decided, 0 no, 1 yes        */
} gift_info;

/* One piece of reseller evidence with its verdict at the time of sale. */
/* What a register said about a VAT number when it was last asked online
 * (`posintent evidence verify`, store/verifications.h): valid, invalid,
 * unavailable (no usable answer: still unverified), input error; NONE when
 * never asked. */
typedef enum vcheck_outcome {
  VCHECK_NONE = 0,
  VCHECK_VALID,
  VCHECK_INVALID,
  VCHECK_UNAVAILABLE,
  VCHECK_INPUT_ERROR
} vcheck_outcome;

typedef struct evidence {
  taxid_kind kind;                   /* TAXID_VAT, TAXID_EORI, TAXID_CERT */
  char input[SALE_NAME_MAX];         /* as typed (for certs: the number)  */
  char state[3];                     /* certs: US state code              */
  char expires[11];                  /* certs: YYYY-MM-DD or ""           */
  taxid_result verdict;
  vcheck_outcome online;             /* VAT: the latest online check on
                                        file when the customer was named
                                        (read only under the policy
                                        reverse_charge_requires_verified) */
} evidence;

#define SALE_EVIDENCE_MAX 3

typedef struct party {
  int present;                       /* 0: anonymous walk-in              */
  char account[SALE_ID_MAX];         /* the account named (account.h), "" */
  int64_t account_version;           /* the version copied; 0 without one */
  char id[SALE_ID_MAX];
  char name[SALE_NAME_MAX];
  int org;                           /* 1 an organisation, 0 a person     */
  evidence ev[SALE_EVIDENCE_MAX];
  size_t nev;
} party;

/* One attribute of a line (sale.line's "attributes"): a string or a
 * number, as the host sent it; kept with the open sale for the hooks. */
typedef struct line_attr {
  char key[SALE_ATTR_KEY_MAX];
  int is_number;                     /* 1: `number`; 0: `text`            */
  double number;                     /* finite, |n| <= 2^53 - 1, 3 decimals */
  char text[SALE_ATTR_TEXT_MAX];
} line_attr;

typedef struct sale_line {
  char line[SALE_ID_MAX];            /* the host's line id                */
  char sku[SALE_ID_MAX];
  char name[SALE_NAME_MAX];
  int64_t qty_milli;
  int64_t unit_price;                /* minor units                       */
  int64_t net;                       /* minor units                       */
  int64_t tax;                       /* minor units                       */
  purpose purpose;                   /* PURPOSE_NONE: the sale's purpose  */
  gift_info gift;                    /* a gift tag on this line           */
  buyer_status status_override;      /* set by a classify hook, or NONE   */
  line_attr attrs[SALE_ATTRS_MAX];   /* in the order sent                 */
  size_t nattrs;
  /* The tax the host applied to this line, for the VAT return's per-rate
   * figures (docs/events.md "sale.line"): the rate in basis points (1900
   * is 19 %, 550 is 5.5 %; 0..SALE_TAX_RATE_BP_MAX, read only when
   * has_tax_rate, so that a zeroed line has no rate rather than 0 %) and
   * the host's tax code ("S", "Z", "DE-RED"; "" when not sent).  Recorded
   * with the line; a replaced line takes the new event's. */
  int has_tax_rate;
  int32_t tax_rate_bp;
  char tax_code[SALE_TAX_CODE_MAX];
} sale_line;

/* The cashier's answer to a prompt (sale.answer), kept with the open sale
 * for the hooks to read; not stored with the sale record (docs/events.md). */
typedef struct sale_answer {
  char prompt[SALE_PROMPT_ID_MAX];   /* the prompt's id                   */
  char value[SALE_TEXT_MAX];         /* as the cashier answered           */
} sale_answer;

/* A store script that failed while the sale was open and whose failure
 * was ignored (its policy fail_open): recorded with the sale, so that the
 * reports can flag a decision made without that rule (docs/hooks.md,
 * "Limits and the failure policy").  Failures with the same hook, place
 * and sentence are one entry with a count; past SALE_SCRIPT_ERRORS_MAX
 * different ones, the rest are only counted (script_errors_more). */
#define SALE_SCRIPT_ERRORS_MAX 16
#define SALE_SCRIPT_MESSAGE_MAX 256 /* the sentence, with its NUL          */
typedef struct sale_script_error {
  char event[24];                    /* the first event it failed in       */
  char hook[16];                     /* "on_total"                         */
  char where[96];                    /* "scripts/bean.lua:3"               */
  char message[SALE_SCRIPT_MESSAGE_MAX]; /* the sentence (personal data:
                                        it may echo a name a script read) */
  int truncated;                     /* 1: the sentence was longer         */
  int64_t count;                     /* how often, >= 1                    */
} sale_script_error;

typedef struct sale {
  char store[SALE_ID_MAX];
  char terminal[SALE_ID_MAX];
  char id[SALE_ID_MAX];
  char cashier[SALE_ID_MAX];
  char at[SALE_TIME_MAX];            /* RFC 3339, as sent in sale.begin   */
  char currency[4];
  char attempt[SALE_ID_MAX];         /* the host's attempt key, or ""     */
  purpose purpose;                   /* sale-level tag, or NONE           */
  gift_info gift;                    /* a whole-sale gift tag             */
  party customer;
  sale_answer answers[SALE_ANSWERS_MAX]; /* in the order first answered */
  size_t nanswers;
  sale_script_error script_errors[SALE_SCRIPT_ERRORS_MAX]; /* oldest first */
  size_t nscript_errors;
  int64_t script_errors_more;        /* failures past the kept ones        */
  sale_line *lines;
  size_t nlines, cap;
  struct sale *next;                 /* engine's list of open sales       */
} sale;

/* Initialise an empty sale.  Never fails. */
void sale_init(sale *s);

/* Free the sale's lines (not `s` itself). */
void sale_free(sale *s);

/* Find a line by its id; NULL if none. */
sale_line *sale_find_line(sale *s, const char *line_id);
const sale_line *sale_find_line_const(const sale *s, const char *line_id);

/* Add or replace line `l` (matched by l->line).  A replaced line keeps its
 * purpose and gift tags.  Returns 0, or -1 with err filled when the sale
 * already has SALE_LINES_MAX lines, when the sale's total (net + tax)
 * would pass MONEY_MAX (2^53 - 1, "total_too_large"), or memory runs out;
 * the sale is then unchanged. */
int sale_put_line(sale *s, const sale_line *l, pi_error *err);

/* Remove a line by id; returns 0, or -1 when there is no such line. */
int sale_remove_line(sale *s, const char *line_id);

/* The purpose that applies to line `l` (its own, else the sale's, else
 * `dflt`). */
purpose sale_line_purpose(const sale *s, const sale_line *l, purpose dflt);

/* The buyer status of a line: a classify override, else its purpose's. */
buyer_status sale_line_status(const sale *s, const sale_line *l, purpose dflt);

/* The gift details that apply to line `l` (its own tag, else the sale's). */
const gift_info *sale_line_gift(const sale *s, const sale_line *l);

/* The customer's best evidence: the first valid VAT, else EORI, else
 * certificate; when none is valid, the first recorded; NULL if none. */
const evidence *sale_best_evidence(const sale *s);

/* The answer to prompt `prompt_id`, or NULL when it has none. */
const char *sale_answer_of(const sale *s, const char *prompt_id);

/* Record `value` as the answer to prompt `prompt_id`, replacing an earlier
 * answer to it.  Returns 0, or -1 with err ("too_many_answers", field
 * "prompt") when SALE_ANSWERS_MAX other prompts are answered already; the
 * sale is then unchanged.  Both strings must fit their arrays (the event
 * parser guarantees it). */
int sale_put_answer(sale *s, const char *prompt_id, const char *value, pi_error *err);

/* Note an ignored script failure of event `event_name` (all strings
 * borrowed; longer ones are cut at a character boundary, and a cut
 * message sets `truncated`): counted on the entry with the same hook,
 * where and message, else a new entry, else (SALE_SCRIPT_ERRORS_MAX
 * entries kept) in script_errors_more.  Never fails, never allocates. */
void sale_note_script_error(sale *s, const char *event_name, const char *hook,
                            const char *where, const char *message, int truncated);

/* The failures noted on `s`: the kept entries' counts and the rest. */
int64_t sale_script_error_total(const sale *s);

/* Sum of the lines' net and tax, in minor units. Sums cannot overflow:
 * each amount is bounded by MONEY_MAX / SALE_LINES_MAX at parse time, and
 * sale_put_line() keeps net + tax at most MONEY_MAX. */
void sale_totals(const sale *s, int64_t *net, int64_t *tax);

#endif
