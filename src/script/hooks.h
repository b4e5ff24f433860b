/* SPDX-License-Identifier: MIT */
/*
 * hooks.h - store scripts: Lua hooks called at fixed points of a sale.
 *
 * A store admin drops Lua 5.4 files into the scripts directory named by the
 * manifest; each returns a table of hook functions (docs/hooks.md).  This
 * module owns the sandboxed Lua state (luasandbox.h), converts sales to
 * plain Lua tables and reads the hooks' answers back into C structs.
 *
 * Failure policy: a script error, time-out or memory overrun is logged with
 * the script's file:line and then, under fail_open (the default), treated
 * as "no opinion"; under fail_closed, as a refusal with a clear message.
 * Nothing a script does can crash the till, hang it past the time budget, or
 * leave a sale half-recorded.
 *
 * Return values of the hook calls:
 *   HOOK_PASS    go on (the script had no opinion, or amended its argument)
 *   HOOK_REFUSE  a script refused; err->message says why (code "refused")
 *   HOOK_FAIL    internal failure (out of memory outside the Lua cap)
 */
#ifndef POSINTENT_HOOKS_H
#define POSINTENT_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "decision/decide.h"
#include "base/error.h"
#include "base/log.h"
#include "event/event.h"
#include "config/manifest.h"
#include "domain/sale.h"

enum { HOOK_PASS = 0, HOOK_REFUSE = 1, HOOK_FAIL = -1 };

typedef pi_log_fn hooks_log_fn; /* the host's shape (base/log.h) */
typedef int64_t (*hooks_now_fn)(void *ctx);
/* Trace of one hook call for `posintent script test`: the hook's name, the
 * script's file name and its answer as JSON text. */
typedef void (*hooks_trace_fn)(void *ctx, const char *hook, const char *script,
                               const char *answer_json);

typedef struct hooks_env {
  const plugin_config *cfg;   /* limits and pos.config; borrowed, outlives hooks */
  hooks_log_fn log;           /* may be NULL */
  void *log_ctx;
  hooks_now_fn now_ms;        /* may be NULL: system clock */
  void *now_ctx;
  hooks_trace_fn trace;       /* may be NULL */
  void *trace_ctx;
} hooks_env;

typedef struct hooks hooks;

/* Create the Lua state and load every *.lua file of cfg->scripts.dir in
 * file-name order.  With no directory configured, hooks are empty and every
 * call is HOOK_PASS.  Returns 0, or -1 with err (field "file:line") when a
 * script fails to load; *out is NULL then. */
int hooks_open(const hooks_env *env, hooks **out, pi_error *err);

/* Recompile the scripts.  On failure the old scripts stay active and err
 * names the file and line.  Returns 0 or -1. */
int hooks_reload(hooks *h, pi_error *err);

/* Free everything.  NULL is a no-op. */
void hooks_close(hooks *h);

/* Number of scripts loaded. */
size_t hooks_script_count(const hooks *h);

int hooks_on_sale_begin(hooks *h, const sale *s, pi_error *err);

/* May amend *t (purpose, gift details) or refuse it. */
int hooks_on_tag(hooks *h, const sale *s, tag *t, pi_error *err);

/* Extra checks on a party: role "customer" (p set) or "recipient" (g set). */
int hooks_validate_party(hooks *h, const sale *s, const char *role,
                         const party *p, const gift_info *g, pi_error *err);

/* Reset every line's status_override, then let the scripts set it: the
 * overrides always come from this evaluation, never a stale one. */
int hooks_classify(hooks *h, sale *s, pi_error *err);

/* May add prompts, receipt lines, blocks and change d->treatment. */
int hooks_on_total(hooks *h, const sale *s, decision *d, pi_error *err);

/* May return extra fields stored with the sale, written as a JSON object
 * into meta[cap] ("" when no script returned any).  Bounded: a larger
 * answer is refused under the failure policy. */
int hooks_on_complete(hooks *h, const sale *s, const decision *d,
                      char *meta, size_t cap, pi_error *err);

/* May add members to a report row (a cJSON object owned by the caller).
 * `report` is the report's name ("resellers", "resellers_detail",
 * "purposes", "tax_rates", "gifts"), the hook's second argument; NULL passes nil. */
int hooks_report_row_in(hooks *h, cJSON *row, const char *report, pi_error *err);

/* hooks_report_row_in() without a report name. */
int hooks_report_row(hooks *h, cJSON *row, pi_error *err);

/* What the on_return hooks of all scripts answered together: receipt
 * lines for the refund slip and fields kept with the return (in its
 * recorded reply).  Bounded like on_total's receipt and on_complete's
 * meta; an answer past the bounds is a script error, never cut. */
#define HOOKS_RETURN_RECEIPT_MAX 16
#define HOOKS_RETURN_META_MAX 4096 /* the meta JSON with its NUL */
typedef struct hooks_return_answer {
  char receipt[HOOKS_RETURN_RECEIPT_MAX][128];
  size_t nreceipt;
  char meta[HOOKS_RETURN_META_MAX]; /* "" or a JSON object               */
} hooks_return_answer;

/* sale.return: `sale` is the recorded sale as docs/hooks.md describes it
 * (its lines with purpose, status, treatment and what earlier returns
 * took), `ret` the return as priced (its lines with their shares, purpose,
 * status and what remains); both are plain JSON objects, borrowed, passed
 * to each script as fresh tables.  A script may refuse the return
 * (HOOK_REFUSE, err code "refused" with its message) or add receipt lines
 * and fields, merged into *ans (zeroed first) as on_total's receipt and
 * on_complete's fields are.  Failures follow the policy (HOOK_REFUSE under
 * fail_closed). */
int hooks_on_return(hooks *h, const cJSON *sold, const cJSON *ret,
                    hooks_return_answer *ans, pi_error *err);

/* One script failure, as a reply's "script_errors" shows it. */
#define HOOKS_MESSAGE_MAX 256
typedef struct hooks_failure {
  char hook[16];       /* "on_total"                                       */
  char where[96];      /* "scripts/gifts.lua:12"                           */
  char message[HOOKS_MESSAGE_MAX]; /* the sentence, starting with `where`:
                          at most 255 bytes, cut at a character boundary */
  int truncated;       /* 1: message is the start of a longer sentence    */
  int closed;          /* 1: the failure policy refused the action         */
} hooks_failure;

#define HOOKS_FAILURES_MAX 8

/* The script failures since the last hooks_clear_failures(), ignored ones
 * (fail_open) and refusing ones (fail_closed) alike, oldest first: at most
 * HOOKS_FAILURES_MAX, *more counts the ones after those.  The array is
 * owned by h and valid until the next hook call.  h may be NULL (none). */
const hooks_failure *hooks_failures(const hooks *h, size_t *n, size_t *more);

/* Forget the failures: the engine does this at every event. */
void hooks_clear_failures(hooks *h);

/* The hooks a script may define, in this order in every table. */
typedef enum hook_id {
  HOOK_ON_SALE_BEGIN = 0,
  HOOK_ON_TAG,
  HOOK_VALIDATE_PARTY,
  HOOK_CLASSIFY,
  HOOK_ON_TOTAL,
  HOOK_ON_COMPLETE,
  HOOK_REPORT_ROW,
  HOOK_ON_RETURN,
  HOOK_COUNT
} hook_id;

/* "on_total" for HOOK_ON_TOTAL; NULL out of range. */
const char *hook_name(hook_id id);

/* Result of compiling one script for `posintent script check`: `chunk` is
 * its name in messages ("scripts/gifts.lua"), `hooks` a bit set of the
 * hook_ids it defines, `e` NULL when it compiled, else why not. */
typedef void (*hooks_check_fn)(void *ctx, const char *chunk, unsigned hooks,
                               const pi_error *e);

/* Compile every script of env->cfg->scripts.dir on its own, in file-name
 * order, each in a fresh state with the pos library and the configured
 * limits, and report each one.  Returns the number that failed, or -1 with
 * err when the directory cannot be listed. */
int hooks_check_dir(const hooks_env *env, hooks_check_fn report, void *ctx,
                    pi_error *err);

#endif
