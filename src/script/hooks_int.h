/* SPDX-License-Identifier: MIT */
/*
 * hooks_int.h - inside the hooks module: sale <-> Lua table conversion
 * (hooks_table.c), shared by hooks.c and the tests.
 *
 * Every function here runs inside lsb_run() (protected mode): pushers may
 * raise a Lua memory error, readers raise a Lua error naming the hook and
 * the member when a script's answer is malformed ("on_total: receipt[2] is
 * 140 bytes; at most 127").  Readers use raw access only, so no metamethod
 * of a script's table ever runs while an answer is read.
 */
#ifndef POSINTENT_HOOKS_INT_H
#define POSINTENT_HOOKS_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <lua.h>

#include "decision/decide.h"
#include "base/error.h"
#include "event/event.h"
#include "script/hooks.h"
#include "config/manifest.h"
#include "domain/sale.h"

/* The hook named `s`, or -1. */
int hook_parse(const char *s);

/* What the pos library (hooks_pos.c) needs from a hooks instance; the
 * instance keeps `current` and `logged` up to date around each call. */
typedef struct hooks_pos {
  const hooks_env *env;  /* log, clock and configuration; borrowed          */
  const char *current;   /* the script being run ("scripts/x.lua"), or NULL */
  unsigned logged;       /* pos.log lines of the current call               */
  int line;              /* first line of the hook function being called,
                            0 when none: where its answer's errors point   */
} hooks_pos;

/* Make `pos` (a hooks_pos that outlives the state) the one ht_error reads
 * the script and line from; hooks_pos_setup does this. */
void ht_set_origin(lua_State *L, void *pos);

/* Raise a Lua error about a script's answer: "scripts/x.lua:12: <message>",
 * with the script and the hook function's first line from the origin (no
 * Lua frame is left on the stack once a hook has returned).  printf
 * format.  Does not return. */
void ht_error(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The value at idx as an error message shows it: a string quoted and cut
 * at 40 bytes ("\"Needs a lic...\""), a number, true/false, nil, or "a
 * table" / "a function".  Returns buf. */
const char *ht_value_text(lua_State *L, int idx, char *buf, size_t cap);

/* lsb_run function: build the read-only `pos` library (ud: a hooks_pos that
 * outlives the Lua state) and intern the hook tables' field names. */
int hooks_pos_setup(lua_State *L);

/* Bounds on what a script may answer. */
#define HT_MESSAGE_MAX 256   /* refusal and block messages (with NUL)      */
#define HT_META_DEPTH 4      /* nesting of on_complete meta                */
#define HT_META_NODES 256    /* values in one on_complete answer           */
#define HT_KEY_MAX 64        /* meta keys and report column names          */
#define HT_COLUMNS_MAX 16    /* columns one report_row answer may add      */
#define HT_COLUMN_TEXT 256   /* bytes of one added report value            */
#define HT_ROW_DEPTH 4       /* nesting of a report row passed to Lua      */

/* Intern the field names of the hook tables into the registry; once per
 * Lua state, before any ht_push_keys. */
void ht_setup_keys(lua_State *L);

/* Push the field names; returns their stack index, the `keys` argument of
 * the pushers below. */
int ht_push_keys(lua_State *L);

/* Push the hook tables (docs/hooks.md).  `dflt` is the store's default
 * purpose, used for the lines' effective purpose and status. */
void ht_push_sale(lua_State *L, int keys, const sale *s, purpose dflt);
void ht_push_tag(lua_State *L, int keys, const tag *t);
/* The customer: `sale_at` is the sale's time (RFC 3339), whose day a
 * certificate's days_left counts from (NULL: no days_left). */
void ht_push_customer(lua_State *L, int keys, const party *p, const char *sale_at);
void ht_push_recipient(lua_State *L, int keys, const gift_info *g);
void ht_push_decision(lua_State *L, int keys, const decision *d);
/* A cJSON value as a Lua value (null becomes nil), to depth HT_ROW_DEPTH. */
void ht_push_json(lua_State *L, const cJSON *j, int depth);

/* Answers are checked against their documented shape (docs/hooks.md):
 * arrays are exactly 1..n (no holes, no named fields), objects have only
 * known fields, values the documented types.  An error names the hook,
 * the key and the bad value.
 *
 * Results at stack indexes [first, first+n): is this a refusal?
 * `false, "message"` or a lone string refuse: returns 1 with the message
 * (or `dflt`) in msg[HT_MESSAGE_MAX].  nil or true: returns 0.  Anything
 * else: 2 (the caller decides whether a table is an amendment). */
int ht_read_refusal(lua_State *L, int first, int n, const char *hook,
                    const char *dflt, char *msg);

/* Read an on_tag amendment table at idx into *t (changed only when the
 * whole answer is valid). */
void ht_read_tag(lua_State *L, int idx, tag *t);

/* What one script's on_total answered, applied only when complete. */
typedef struct total_answer {
  prompt prompts[DECIDE_PROMPTS_MAX];
  size_t nprompts;
  char receipt[DECIDE_RECEIPT_MAX][128];
  size_t nreceipt;
  char blocks[DECIDE_BLOCKS_MAX][HT_MESSAGE_MAX];
  size_t nblocks;
  int has_treatment;
  tax_treatment treatment;
  char drop[DECIDE_PROMPTS_MAX][32]; /* ids of prompts to remove first   */
  size_t ndrop;
} total_answer;

void ht_read_total(lua_State *L, int idx, total_answer *a);

/* The status a classify answer at idx names (STATUS_NONE for nil);
 * `line` is the sale line's id, for the error. */
buyer_status ht_read_status(lua_State *L, int idx, const char *line);

/* Convert an on_complete answer (a table at idx) into the members of
 * `into` (a cJSON object the caller owns and frees, also on error: every
 * node is attached to it before anything can raise). */
void ht_read_meta(lua_State *L, int idx, cJSON *into);

/* What one script's on_return answered (not yet merged). */
typedef struct return_answer_in {
  char receipt[HOOKS_RETURN_RECEIPT_MAX][128];
  size_t nreceipt;
} return_answer_in;

/* Read an on_return amendment table at idx: `receipt` into *a, `meta`
 * into the members of `meta` (a cJSON object the caller owns, as for
 * ht_read_meta). */
void ht_read_return(lua_State *L, int idx, return_answer_in *a, cJSON *meta);

/* Convert a report_row answer at idx into the members of `into`; a column
 * that `row` already has is an error. */
void ht_read_columns(lua_State *L, int idx, const cJSON *row, cJSON *into);

#endif
