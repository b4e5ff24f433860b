/* SPDX-License-Identifier: MIT */
/*
 * till_int.h - what the till's files share; not part of any API (the one
 * entry point, till_run(), is in till.h).
 *
 * The till is one session object, `till`, passed to every function; the
 * files divide the work on it, each calling only the files listed below
 * it (no two call each other):
 *   till.c            the key loop: items, total, pay, void, return;
 *                     till_run()
 *   till_purpose.c    what the goods are for: tags G/R/O, gift details D,
 *                     the customer C and the identifiers, the prompts at P
 *   till_term.c       raw mode and its restoration, keys, typed answers
 *   till_session.c    the plugin call and its replies, beginning a sale,
 *                     reloading the scripts
 *   till_screen.c     the status line, the 80x24 screen, the transcript
 *   till_sale.c       the sale as held: emptied, summed, purpose words
 *   till_catalogue.c  the catalogue and the manifest's store defaults
 *   till_json.c       JSON in (files, members of replies) and out (events)
 * Everything here runs on the one thread that called till_run().
 */
#ifndef POSINTENT_TILL_INT_H
#define POSINTENT_TILL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "base/jsonw.h"
#include "host/till.h"

#define WIN 9                   /* sale lines on screen: keys 1-9 pick one   */
#define LINES_MAX 200           /* lines one till sale may hold              */
#define EVENT_MAX 4096          /* largest event the till builds             */
#define LIST_MAX 8              /* prompts, blocks, receipt lines kept       */
#define INPUT_MAX 64            /* the key buffer: codes, "3*101", "2"       */
#define RETURN_LINES_MAX 32     /* lines one return at the till may name     */
#define ACCOUNTS_RECENT 5       /* accounts A offers by number (1-5)         */
#define ACCOUNT_ID_LEN 65       /* an account id, 1-64 bytes, and its NUL    */
/* The largest amount the catalogue may give per unit and the largest
 * quantity one key entry may add: their product stays below the plugin's
 * per-line limit of 9,007,199,254,740 minor units. */
#define UNIT_AMOUNT_MAX INT64_C(9000000000)
#define QTY_MAX 999

/* read_key()'s answers besides plain bytes (0-255). */
enum { K_EOF = -1, K_ENTER = 1000, K_BS, K_ESC, K_UP, K_DOWN, K_NONE,
       K_RELOADED /* a SIGHUP reloaded the scripts while a key was awaited */ };

typedef struct item {
  char code[32], barcode[32], sku[65], name[129];
  int64_t net, tax; /* per unit, minor units */
} item;

typedef struct gift {
  char recipient[129], contact[257], message[257];
  int receipt; /* -1 not decided, 0 no, 1 yes */
} gift;

typedef struct tline {
  char id[16];                /* "L1"; never reused within a sale          */
  const item *it;
  int64_t qty;
  char tag[12];               /* the line's own tag as sent, "" for none  */
  gift g;                     /* its gift details when tag is "gift"      */
  char purpose[12], status[12], treatment[20]; /* what the plugin said    */
} tline;

typedef struct customer {
  char name[129];
  char ident[129];            /* as typed                                 */
  char kind[12];              /* "vat", "eori", "resale_cert", ""         */
  char compact[48];
  int valid;                  /* the reply's reseller_evidence            */
  char verdict[200];          /* the validator's sentence when invalid    */
  char account[ACCOUNT_ID_LEN]; /* the account on file named (A), or ""    */
  long long account_version;  /* the version the sale copied              */
} customer;

typedef struct till {
  const posplug_plugin_api *api;
  posplug_instance *inst;
  FILE *in, *out;
  int tty, fd, pending;       /* pending: a byte read ahead, or -1        */
  int midline;                /* pipe: the last byte read was not '\n'    */
  char store[65], terminal[65], cashier[65], currency[4], dflt[12];
  int exponent;
  item *items;
  size_t nitems;
  /* the open sale */
  int open;
  char sale[65];
  char attempt[33];           /* the sale's attempt key: 128 random bits in
                                 hex, sent with sale.begin, sale.complete
                                 and sale.void; "" when no randomness was
                                 to be had (the key is optional)           */
  long long epoch;
  long seq;
  int next_line;
  tline lines[LINES_MAX];
  size_t nlines, cursor, top;
  char sale_tag[12];
  gift sale_gift;
  customer cust;
  /* the accounts named at this till since it started, the latest first:
   * A offers them by number (kept across sales, not across restarts) */
  char recent[ACCOUNTS_RECENT][ACCOUNT_ID_LEN];
  size_t nrecent;
  /* the last sale.total reply */
  int have_total, can_complete;
  char prompts[LIST_MAX][200], blocks[LIST_MAX][260], receipt[LIST_MAX][130];
  size_t nprompts, nblocks, nreceipt;
  char treatment[20];
  /* store scripts' prompts answered during this P (sale.answer): each is
   * asked once per payment, so a script that asks again cannot loop */
  char answered[LIST_MAX][32];
  size_t nanswered;
  /* the screen */
  char msg[512];
  char input[INPUT_MAX];
  size_t ninput;
  const char *ask;            /* a question being answered, or NULL       */
  const char *askbuf;
  int show_json, quit;
  volatile sig_atomic_t *reload; /* till_options.reload                   */
  sigset_t waitmask;          /* the signal mask while waiting for a key
                                 (terminal): the caller's, SIGHUP let in    */
  char scripts_note[160];     /* shown until a reload succeeds: why the
                                 store scripts are not the ones on disk    */
  char script_error[200];     /* the open sale's last script failure (a
                                 reply's script_errors), shown until the
                                 sale ends                                 */
  char last_type[32];
  char last_json[2048];
  char *reply;
  size_t reply_cap;
} till;

/* What a tag key works on. */
typedef struct scope {
  int whole;    /* 1: the whole sale */
  size_t index; /* else: t->lines[index] */
} scope;

/* ---- till_sale.c: the sale as the till holds it ------------------------ */

/* Forget the sale: no sale open, no lines, no tags, customer or total. */
void reset_sale(till *t);
/* The sale's net and tax, summed over its lines, in minor units. */
void sale_totals(const till *t, int64_t *net, int64_t *tax);
/* The buyer status a purpose gives: "consumer", "customer", "reseller";
 * "" for none or an unknown one. */
const char *status_of(const char *purpose);
/* A purpose as shown: "own use" for "own_use", "-" for none. */
const char *purpose_word(const char *purpose);

/* ---- till_session.c: the till and the plugin ---------------------------- */

/* Send the event `e` (begun with event_start(), every container closed)
 * and return its parsed reply (the caller cJSON_Delete()s it), or NULL
 * when there is none to show (a message has been said).  An event that
 * failed to write (longer than EVENT_MAX, out of memory) is not sent.
 * Frees e's buffer in every case.  Remembers the reply's type and text
 * for J. */
cJSON *call(till *t, jsonw *e);
/* The reply's error.code / error.message; "" when it has none. */
const char *err_code(const cJSON *r);
const char *err_message(const cJSON *r);
/* Say "<what>: <the plugin's sentence>" for a refused event. */
void say_refusal(till *t, const char *what, const cJSON *r);
/* Take the lines' purpose, status and treatment from a reply's "lines". */
void apply_lines(till *t, const cJSON *r);
/* The local time as RFC 3339 with its UTC offset into out[0..cap) (40
 * bytes are enough): a sale's or a return's business day is its date. */
void now_rfc3339(char *out, size_t cap);
/* Begin a sale when none is open.  Returns 0, or -1 (said why). */
int ensure_sale(till *t);
/* S, or a SIGHUP while waiting for a key: ask the plugin to recompile the
 * store scripts (`why` says which) and say the outcome on the status line;
 * a failure is also kept in t->scripts_note until a reload succeeds.  The
 * open sale is untouched: its next event runs with whichever scripts are
 * active. */
void reload_scripts(till *t, const char *why);

/* ---- till_purpose.c: tags, gifts, customer, prompts --------------------- */

/* What tagging a scope came to. */
typedef enum tag_result {
  TAG_FAILED = -1,        /* refused or failed (said why)                  */
  TAG_DONE = 0,           /* tagged                                        */
  TAG_NEEDS_EVIDENCE = 1  /* refused for want of reseller evidence (nothing
                             said: the caller asks for it)                 */
} tag_result;
/* What asking the cashier came to. */
typedef enum ask_result {
  ASK_FAILED = -1,   /* refused or failed (said why)                       */
  ASK_CANCELLED = 0, /* the cashier gave up                                */
  ASK_DONE = 1
} ask_result;
/* What answering a total's prompts came to. */
typedef enum prompts_result {
  PROMPTS_STOPPED = -1, /* cancelled or failed (said why)                   */
  PROMPTS_NONE = 0,     /* nothing the till can answer                      */
  PROMPTS_ANSWERED = 1  /* something was answered: total again              */
} prompts_result;

/* Tag the scope with `purpose` at once, keeping a gift's details. */
tag_result tag_simple(till *t, const scope *sc, const char *purpose);
/* R: tag resale, asking for an identifier unless a valid one is on file.
 * ASK_DONE when tagged. */
ask_result do_resale(till *t, const scope *sc);
/* D: ask for the gift details and tag the scope gift with them. */
void gift_details(till *t, const scope *sc);
/* C: ask for the customer's name and identifier and send them, beginning
 * a sale when none is open; refused, the sale keeps the customer it had. */
void set_customer(till *t);
/* A: name a customer account on file (sale.customer {"account": ID}):
 * its id typed, or one of the accounts named lately picked with one key
 * (1-ACCOUNTS_RECENT), beginning a sale when none is open.  Refused (an
 * unknown or closed account, evidence that cannot back the account's
 * default resale), the plugin's sentence is on the status line and the
 * sale keeps the customer it had. */
void set_account(till *t);
/* Answer the prompts of a sale.total reply (borrowed): the built-in ones
 * with tags and the customer, a store script's with sale.answer (once per
 * payment: t->answered). */
prompts_result answer_prompts(till *t, const cJSON *total);

/* ---- till_catalogue.c: the files the till reads ------------------------- */

/* Fill t->store, t->currency and t->dflt from the manifest at `path`
 * (NULL or unreadable: none, and the default purpose own use). */
void read_manifest(till *t, const char *path);
/* Load the catalogue at `path` into t->items (the caller frees them) and
 * its currency and exponent into t.  Returns 0, or -1 with a sentence in
 * why[0..cap). */
int read_catalogue(till *t, const char *path, char *why, size_t cap);
/* The item whose code or barcode is `code`, or NULL. */
const item *find_item(const till *t, const char *code);

/* ---- till_json.c: JSON in and out --------------------------------------- */

/* Read a whole JSON object file (at most 1 MiB).  Returns the tree (the
 * caller cJSON_Delete()s it), or NULL with a sentence in why[0..cap). */
cJSON *read_json(const char *path, char *why, size_t cap);
/* The string member `key` of `o`, or "" when it is absent or no string. */
const char *jstr(const cJSON *o, const char *key);
/* 1 when the member `key` of `o` is true, else 0. */
int jbool(const cJSON *o, const char *key);
/* The integer member `key` of `o` in [0, max] (max below 2^53) into *out.
 * Returns 0, or -1 (absent, not a whole number, out of range; *out kept). */
int jint(const cJSON *o, const char *key, int64_t max, int64_t *out);
/* Start an event {"type":type,"sale":sale (sale may be NULL) in the
 * zeroed writer e, limited to EVENT_MAX bytes; the caller adds members
 * with the jw_* calls (amounts as exact integers: cJSON would print them
 * from a double), closes it with jw_end_object() and sends it with
 * call(), which frees it. */
void event_start(jsonw *e, const char *type, const char *sale);

/* ---- till_screen.c: the display ----------------------------------------- */

/* Set the status line (printf format); in a transcript it is printed at
 * once, on a terminal the next draw() shows it. */
void say(till *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Minor units as a decimal amount into out[0..cap): 4380 with exponent 2
 * is "43.80". */
void money_text(int64_t v, int exponent, char *out, size_t cap);
/* Redraw the whole 80x24 screen (terminal only). */
void draw(till *t);
/* The help screen (terminal only); the caller waits for a key. */
void draw_help(till *t);
/* The help text as transcript lines (pipe only). */
void print_help(till *t);
/* The sale and the last total as transcript lines (pipe only). */
void print_sale(till *t);

/* ---- till_term.c: the keyboard ------------------------------------------ */

/* Put the terminal `fd` in raw mode, restored at exit and on SIGINT,
 * SIGTERM and SIGQUIT (the reset is written to `out_fd`).  Returns 0, or
 * -1 with errno; call term_cooked() in either case. */
int term_raw(int fd, int out_fd);
/* Restore the terminal (when raw) and the previous signal handlers. */
void term_cooked(void);
/* The next key: a byte, or K_ENTER, K_BS, K_ESC, K_UP, K_DOWN, K_NONE
 * (another escape sequence), K_EOF; on a terminal also K_RELOADED: no key,
 * but a SIGHUP reloaded the scripts meanwhile (redraw and read again). */
int read_key(till *t);
/* Ask for a line of text into buf[0..cap).  Returns 1 with buf filled
 * (maybe empty), or 0 when the cashier pressed Esc or input ended. */
int read_text(till *t, const char *prompt, char *buf, size_t cap);
/* Ask for a line of text as read_text() does, or a pick among `npick`
 * choices: on a terminal the first key 1..npick picks at once; from a pipe
 * a line that is exactly one such digit.  Returns 1 with buf filled and
 * *picked = -1, 1 with *picked the pick's index (0-based; buf empty), or
 * 0 when cancelled or input ended. */
int read_text_or_pick(till *t, const char *prompt, char *buf, size_t cap, size_t npick,
                      int *picked);
/* Ask for one key among `choices` (lower case); Enter gives `dflt` (0: no
 * default).  Returns the choice, or 0 when cancelled. */
int ask_key(till *t, const char *prompt, const char *choices, int dflt);
/* Cut the spaces and tabs around `s` (and a trailing CR) in place;
 * returns its first character that is kept. */
char *trim(char *s);

#endif
