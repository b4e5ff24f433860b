/* SPDX-License-Identifier: MIT */
/*
 * luasandbox_int.h - inside the sandbox (luasandbox.h); not part of the API.
 *
 * The guarantees luasandbox.h lists are kept in three files:
 *   luasandbox.c         the state: capped allocator (memory), the
 *                        libraries and per-script environments scripts see
 *                        (reach, sharing), loading, and lsb_run;
 *   luasandbox_budget.c  the time budget: the per-thread one-shot timer,
 *                        the process's real-time signal, the hook that
 *                        stops a script, and the count-hook fallback (time);
 *   luasandbox_guard.c   guarded versions of the library functions that
 *                        loop in C, out of reach of the hook (C loops).
 */
#ifndef POSINTENT_LUASANDBOX_INT_H
#define POSINTENT_LUASANDBOX_INT_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <lua.h>

#include "script/luasandbox.h"

/* One sandbox.  The memory fields belong to luasandbox.c, the budget and
 * timer fields to luasandbox_budget.c; the guards only read `limit` and
 * `used`, and lsb_run's failure report reads the rest. */
struct luasandbox {
  lua_State *L;
  size_t used, limit;       /* bytes held by the state, and the cap        */
  unsigned check_every;
  lsb_budget mode;
  int counting;             /* this run uses the count hook                */
  uint64_t deadline;        /* thread CPU ns; UINT64_MAX outside lsb_run   */
  unsigned budget_ms;
  volatile sig_atomic_t in_run;
  int has_signal;           /* holds a share of the process's signal       */
  int has_timer;            /* `timer` exists and signals `timer_tid`      */
  timer_t timer;
  pid_t timer_tid;
  int expired;              /* the budget ran out during this run          */
  int oom;                  /* the allocator refused during this run       */
  int tainted;              /* a run ever hit the cap or the budget        */
  size_t work;              /* units of C-loop work since the last poll    */
  char time_where[LUA_IDSIZE + 16];
  char oom_where[LUA_IDSIZE + 16];
};

/* ---- luasandbox_budget.c ------------------------------------------------- */

/* Set up the budget of a new sandbox (sb zeroed, no state yet): the
 * timer mechanism, `check_every` instructions between clock reads of the
 * count hook (0: LSB_CHECK_EVERY), and a share of the process's signal as
 * `budget_signal` asks (lsb_limits).  Returns 0, or -1 with err ("config")
 * when the signal named cannot be had.  Whatever it returns, it is paired
 * with one lsb_budget_close(). */
int lsb_budget_open(luasandbox *sb, unsigned check_every, int budget_signal,
                    pi_error *err);

/* Delete sb's timer, if it has one, and give up its share of the signal
 * (the last sandbox of the process discards any instance still pending
 * and restores the signal's action as it found it: the default). */
void lsb_budget_close(luasandbox *sb);

/* What lsb_budget_start() changed in this thread, for lsb_budget_stop()
 * to restore. */
typedef struct lsb_budget_frame {
  luasandbox *outer;        /* the sandbox this thread ran before (nested) */
  int armed;                /* the timer was started for this run          */
  int reblock;              /* the signal was blocked in this thread       */
  sigset_t old;             /* the thread's mask before, when reblock      */
} lsb_budget_frame;

/* Start a run's budget of budget_ms of this thread's CPU time: clear the
 * previous run's expiry, set the deadline, and start the timer (unblocking
 * the signal in this thread) or, failing that or in COUNT mode, set the
 * count hook.  From here until lsb_budget_stop() the budget may stop a
 * script running on sb->L by raising a Lua error.  Returns 0, or -1 when
 * the budget cannot be enforced because the signal's handler is no longer
 * the plugin's (sb->time_where names the signal); nothing was started
 * then, and lsb_budget_stop() must not be called. */
int lsb_budget_start(luasandbox *sb, unsigned budget_ms, lsb_budget_frame *fr);

/* End the run lsb_budget_start() began: stop the timer, restore the
 * thread's signal mask and running sandbox, remove any hook.  sb->expired
 * and sb->time_where still tell whether and where the budget ran out. */
void lsb_budget_stop(luasandbox *sb, const lsb_budget_frame *fr);

/* Units of work (about one comparison, or 64 bytes copied) a guarded C loop
 * does between two reads of the clock. */
#define LSB_WORK_QUANTUM 4096

/* From a C loop of a guarded library function, where no hook can run:
 * read the clock and, when this run's budget is spent, raise the time
 * error here, as the hook would at the next instruction (it then keeps
 * firing on every instruction).  Does nothing outside lsb_run or without
 * a budget (LSB_BUDGET_NONE).  May raise a Lua error. */
void lsb_budget_poll(lua_State *L);

/* Count `units` of work done in a C loop; every LSB_WORK_QUANTUM units,
 * lsb_budget_poll().  May raise a Lua error. */
static inline void lsb_work(lua_State *L, luasandbox *sb, size_t units) {
  sb->work += units;
  if (sb->work >= LSB_WORK_QUANTUM) lsb_budget_poll(L);
}

/* ---- luasandbox_guard.c -------------------------------------------------- */
/* Each runs while the libraries are set up (inside lsb_run), on the table
 * at the top of the stack, and may raise a Lua memory error. */

/* Base functions: setmetatable refuses metatables with __gc. */
void lsb_guard_base(lua_State *L);

/* The string library: find, match, gmatch and gsub refuse, before the
 * original runs, matching that could outlast the budget; rep and format
 * do their work in pieces, polling the budget between them. */
void lsb_guard_string(lua_State *L);

/* The table library: insert, remove and move refuse shifts longer than a
 * table under the memory cap could be; sort counts its comparisons and
 * concat its pieces, polling the budget. */
void lsb_guard_table(lua_State *L);

/* Register the `cjson` library (lsb_set_library): cjson.safe for strict
 * JSON with limited nesting, with encode and decode bounded in size and
 * memory, and without its configuration functions.  Leaves the stack as
 * it was. */
void lsb_open_cjson(lua_State *L);

#endif
