/* SPDX-License-Identifier: MIT */
/*
 * luasandbox.h - a Lua 5.4 state that store scripts cannot break out of.
 *
 * What the sandbox guarantees, and how:
 *   memory   a custom allocator refuses any growth past the cap, so a
 *            memory bomb ends in a Lua memory error, never in the host's
 *            out-of-memory killer;
 *   time     when the budget is spent, a one-shot timer signals the running
 *            thread and the handler arms a hook that raises an error, and
 *            from then on fires on *every* instruction, so a loop that
 *            catches the error with pcall is stopped at its next
 *            instruction.  No hook runs while a script is within budget
 *            (in Lua 5.4 a count hook slows every instruction).  Without a
 *            spare real-time signal, a count hook reads the monotonic clock
 *            every `check_every` instructions instead.  The process's
 *            signal: the highest real-time signal whose action was the
 *            default, held while any sandbox is open and restored to the
 *            default when the last one closes (lsb_budget_signal() says
 *            which, for the log);
 *   C loops  library functions that loop in C without running VM
 *            instructions, where no hook runs, are replaced by guarded
 *            versions: table.sort counts its comparisons, table.concat,
 *            string.rep and string.format work in pieces, and all three
 *            read the clock as they go and stop when the budget is spent;
 *            find/match/gmatch/gsub refuse matching whose worst case could
 *            outlast the budget, table.insert/remove/move shifts longer than
 *            the memory cap allows, cjson texts over 1 MiB;
 *   reach    scripts see only: string, table, math, utf8, a reduced cjson,
 *            the libraries the embedder registers, and the base functions
 *            pairs ipairs type tostring tonumber pcall error select next
 *            assert setmetatable getmetatable.  No io, os, package, require,
 *            debug, load*, dofile, string.dump, collectgarbage, rawset,
 *            coroutine.  Code is loaded as text only (mode "t");
 *   sharing  every script runs in its own environment table; the shared
 *            libraries are read-only proxies and the string metatable is
 *            hidden, so one script cannot poison another.  Metatables with
 *            __gc are refused: finalizers run with hooks disabled, so a
 *            finalizer could loop forever outside any budget.
 *
 * Every interaction with the state goes through lsb_run(), which calls a C
 * function in protected mode under the time budget and classifies any
 * failure.  The sandbox owns the lua_State; callers borrow it only inside
 * the function they pass to lsb_run().  One sandbox is used by one thread
 * at a time.
 */
#ifndef POSINTENT_LUASANDBOX_H
#define POSINTENT_LUASANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "base/error.h"

/* VM instructions between two clock reads of the count-hook fallback. */
#define LSB_CHECK_EVERY 1000
/* Nesting accepted by cjson.encode / cjson.decode. */
#define LSB_JSON_DEPTH 64
/* Largest text cjson.decode takes and cjson.encode produces. */
#define LSB_JSON_MAX_BYTES (1024 * 1024)
/* Upper bound, in backtracking steps (an estimate that errs high), on one
 * pattern-matching call: LSB_PATTERN_STEPS_PER_MS per millisecond of the
 * run's budget, at most LSB_PATTERN_STEPS.  Lua's matcher runs in C, out of
 * the hook's reach, so the bound is checked before it starts; a slow
 * machine (~20 ns a step) still matches within the budget. */
#define LSB_PATTERN_STEPS_PER_MS 50000.0
#define LSB_PATTERN_STEPS 20000000.0
/* The same for one plain string.find, in bytes compared. */
#define LSB_PLAIN_FIND_BYTES_PER_MS 2000000.0
#define LSB_PLAIN_FIND_BYTES 4000000000.0

/* lsb_limits.budget_signal: how time budgets reach a running script. */
#define LSB_SIGNAL_AUTO 0  /* the highest real-time signal whose action is
                              the default; the count hook when none is     */
#define LSB_SIGNAL_NONE -1 /* no signal at all: the count hook (scripts run
                              about twice as slow)                          */

typedef struct lsb_limits {
  size_t memory_bytes;   /* cap on every allocation of the state (> 0)    */
  unsigned check_every;  /* count-hook fallback: instructions between clock
                            reads; 0: LSB_CHECK_EVERY                      */
  int budget_signal;     /* LSB_SIGNAL_AUTO, LSB_SIGNAL_NONE, or exactly
                            that real-time signal (every sandbox of the
                            process must then name the same one)           */
} lsb_limits;

typedef enum lsb_status {
  LSB_OK = 0,
  LSB_ERR_SCRIPT, /* the script raised an error, or did not compile       */
  LSB_ERR_TIME,   /* the time budget ran out                               */
  LSB_ERR_MEMORY  /* the memory cap was reached                            */
} lsb_status;

/* Why a run failed.  `where` is "chunk:line" when a line is known, else
 * the chunk name; `message` is a sentence that starts with `where`
 * ("scripts/gifts.lua:12: attempt to index a nil value"), at most
 * LSB_MESSAGE_MAX - 1 bytes: a longer one (a script's own error text may
 * be any length) is cut at a character boundary and `truncated` says so,
 * never silently. */
#define LSB_MESSAGE_MAX 256
typedef struct lsb_failure {
  lsb_status status;
  char where[96];
  char message[LSB_MESSAGE_MAX];
  int truncated;       /* 1: message is the start of a longer sentence    */
} lsb_failure;

typedef struct luasandbox luasandbox;

/* Create a sandboxed state with the safe libraries.  Returns 0, or -1 with
 * err: "nomem" when the state cannot be created within the cap, "config"
 * when the budget_signal asked for cannot be had.  *out is owned by the
 * caller: free it with lsb_close(). */
int lsb_open(const lsb_limits *lim, luasandbox **out, pi_error *err);

/* Close the state and free everything.  NULL is a no-op. */
void lsb_close(luasandbox *sb);

/* Call fn(L) in protected mode with `ud` as its only argument (a light
 * userdata at index 1), under a time budget of budget_ms of the calling
 * thread's CPU time (a loaded machine does not spend it).  `chunk` names
 * the script the call is about ("scripts/gifts.lua"); it prefixes messages
 * that carry no position.  fn may call Lua functions with lua_call and
 * raise errors with lua_error; its results are discarded (it reports
 * through ud).  The stack is restored afterwards.  Returns LSB_OK or the
 * failure's status with *f filled (f may be NULL). */
lsb_status lsb_run(luasandbox *sb, lua_CFunction fn, void *ud, const char *chunk,
                   unsigned budget_ms, lsb_failure *f);

/* 1 once a run has hit the memory cap or the time budget (the state is
 * consistent, but the scripts' own data may be half-updated or fill the
 * cap): the caller should rebuild the state. */
int lsb_tainted(const luasandbox *sb);

/* Bytes the state holds now, and its cap. */
size_t lsb_memory_used(const luasandbox *sb);
size_t lsb_memory_limit(const luasandbox *sb);

/* Run a full garbage collection (outside lsb_run). */
void lsb_collect(luasandbox *sb);

/* How the time budget is enforced. */
typedef enum lsb_budget {
  LSB_BUDGET_TIMER = 0, /* default: no hook while within budget; a one-shot
                           timer signals the thread when it is spent, and
                           the handler arms the hook (see luasandbox_budget.c)   */
  LSB_BUDGET_COUNT,     /* a count hook reads the clock every check_every
                           instructions (the fallback; Lua 5.4 then runs
                           every instruction through its hook machinery)  */
  LSB_BUDGET_NONE       /* none: benchmarks only, nothing stops a loop   */
} lsb_budget;

/* The real-time signal the timer mechanism uses in this process, or 0
 * while no sandbox is open or none could be had (count hook in use). */
int lsb_budget_signal(void);

/* Replace the clock (nanoseconds of the thread's CPU time) that every budget decision
 * reads: the count hook, the hook a late signal arms, and the polls of the
 * guarded C loops.  For tests: a clock that advances by itself at each
 * read makes a time-out independent of the machine's speed.  NULL restores
 * the real one.  Process-wide: call it while no sandbox runs. */
void lsb_set_clock(uint64_t (*now_ns)(void));

/* Choose the mechanism (for tests and benchmarks). */
void lsb_set_budget(luasandbox *sb, lsb_budget mode);

/* The mechanism in force: TIMER falls back to COUNT when the process has no
 * real-time signal to spare. */
lsb_budget lsb_get_budget(const luasandbox *sb);

/* Copy len bytes of src into dst[cap] (always NUL-terminated), replacing
 * control characters and invalid UTF-8 by '?' and cutting at a character
 * boundary: script text on its way to a log or a JSON reply. */
void lsb_clean_text(char *dst, size_t cap, const char *src, size_t len);

/* ---- For the function passed to lsb_run (the state is in protected mode;
 *      these may raise Lua errors). ---------------------------------------- */

/* The sandbox a state belongs to. */
luasandbox *lsb_from(lua_State *L);

/* Pop the table on top of the stack and make it the read-only library
 * `name` of every environment created afterwards.  Nested tables become
 * read-only too (to depth 4). */
void lsb_set_library(lua_State *L, const char *name);

/* Replace the table at the top of the stack by a read-only proxy of it
 * (nested tables too).  `name` is used in "cannot modify" errors. */
void lsb_make_readonly(lua_State *L, const char *name);

/* Compile `text` (len bytes) as a text chunk named `chunkname` ("@x.lua"),
 * give it a fresh environment and push the function.  A syntax error, or
 * binary input, raises the compiler's message ("x.lua:3: ..."). */
void lsb_load_text(lua_State *L, const char *chunkname, const char *text,
                   size_t len);

/* Push a fresh environment: the base functions and every library. */
void lsb_push_env(lua_State *L);

#endif
