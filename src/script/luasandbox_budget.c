/* SPDX-License-Identifier: MIT */
/* luasandbox_budget.c - the sandbox's time budget: a one-shot timer per
 * thread that signals the running thread when the budget is spent, the
 * real-time signal the process lends it, the hook that then stops the
 * script, and the count hook when no signal or timer can be had (or the
 * host asks for none).  See luasandbox_int.h.
 *
 * Why CPU time: a budget is spent by the script, not by the machine.  The
 * budget counts the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID),
 * both in the timer and in every clock read, so a till whose machine is
 * loaded (a back-office sync, a second till on the same box) never fails a
 * script that is within its budget, and a runaway script is still stopped
 * after about its budget of work.  A sandboxed script has no way to wait
 * (no io, no os.execute, no sleep), so its CPU time and its wall time only
 * differ by what other processes take. */
#define _GNU_SOURCE /* SIGEV_THREAD_ID: a timer that signals one thread */
#include "script/luasandbox_int.h"

#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NEVER UINT64_MAX

/* ------------------------------------------------------------------------ */
/* The hook                                                                  */

static uint64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The clock every budget decision reads (lsb_set_clock). */
static uint64_t (*clock_ns)(void) = thread_cpu_ns;

static uint64_t now_ns(void) { return clock_ns(); }

void lsb_set_clock(uint64_t (*now)(void)) { clock_ns = now ? now : thread_cpu_ns; }

/* Why not simply a count hook: in Lua 5.4 any count (or line) hook puts the
 * VM in "trap" mode, where every instruction goes through luaG_traceexec
 * whatever the count: scripts run 45% to 120% slower.  So while a script is
 * within its budget no hook is set at all.  A one-shot POSIX timer signals
 * the running thread when the budget is spent, and the handler arms the
 * hook with lua_sethook, which Lua allows in a signal handler (lua.c stops
 * a script on Ctrl-C the same way).  The hook then reads the clock and
 * raises.  When no signal or timer can be had, the count hook is the
 * fallback: correct, only slower.
 *
 * Why re-raise forever: a script can catch the budget error with pcall and
 * loop again.  Once the budget is spent the hook is re-armed to fire on
 * *every* instruction, so the first instruction after any pcall returns
 * raises again, in the caller, until the error leaves the script. */
static void budget_hook(lua_State *L, lua_Debug *ar) {
  luasandbox *sb = lsb_from(L);
  if (!sb->expired) {
    if (now_ns() < sb->deadline) {
      /* Armed by a late signal of an earlier run: the timer of this run
       * is still pending, so go back to full speed. */
      if (!sb->counting) lua_sethook(L, NULL, 0, 0);
      return;
    }
    sb->expired = 1;
    sb->tainted = 1;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
      snprintf(sb->time_where, sizeof sb->time_where, "%s:%d", ar->short_src,
               ar->currentline);
  }
  lua_pushfstring(L, "%s: time budget of %d ms exceeded",
                  sb->time_where[0] ? sb->time_where : "script", (int)sb->budget_ms);
  lua_error(L);
}

/* Why a poll from C loops as well: library functions such as table.sort
 * or string.rep loop in C, where no hook runs; a sort of 400,000 strings
 * went on for seconds past a 50 ms budget.  Their guarded versions count
 * their work and call this every LSB_WORK_QUANTUM units. */
void lsb_budget_poll(lua_State *L) {
  luasandbox *sb = lsb_from(L);
  sb->work = 0;
  if (!sb->in_run || sb->mode == LSB_BUDGET_NONE) return;
  if (!sb->expired) {
    if (now_ns() < sb->deadline) return;
    sb->expired = 1;
    sb->tainted = 1;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    /* The line of the innermost Lua function: the C functions between it
     * and here (the guard, a comparator) have none. */
    lua_Debug ar;
    for (int level = 0; lua_getstack(L, level, &ar); level++)
      if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
        snprintf(sb->time_where, sizeof sb->time_where, "%s:%d", ar.short_src,
                 ar.currentline);
        break;
      }
  }
  lua_pushfstring(L, "%s: time budget of %d ms exceeded",
                  sb->time_where[0] ? sb->time_where : "script", (int)sb->budget_ms);
  lua_error(L);
}

/* ------------------------------------------------------------------------ */
/* The signal and the timer                                                  */

/* The signal, shared by every sandbox of the process: taken from the top of
 * the real-time range (hosts rarely use those) when its action is the
 * default, installed while any sandbox is open, and given back as it was
 * found when the last one closes. */
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static int sig_users;
static int sig_no;                 /* 0: none available, the count hook is used */
static struct sigaction sig_saved; /* sig_no's action before we took it */
#ifndef sigev_notify_thread_id /* glibc before 2.37 names it only this way */
#define sigev_notify_thread_id _sigev_un._tid
#endif
/* Initial-exec: the signal handler reads tl_running, and a dynamic TLS
 * access (a dlopen'ed library's default model) goes through
 * __tls_get_addr, which may allocate on a thread's first access and is not
 * async-signal-safe.  Static TLS is a fixed offset from the thread pointer;
 * glibc keeps surplus static TLS for dlopen'ed libraries (12 bytes here).
 * It also keeps LeakSanitizer's exit-time scan off GCC 12's misreading of
 * glibc 2.36's dynamic TLS blocks, which crashed its tracer. */
#if defined(__GNUC__)
#define TLS_IE __attribute__((tls_model("initial-exec")))
#else
#define TLS_IE
#endif
static _Thread_local luasandbox *volatile tl_running TLS_IE;
static _Thread_local pid_t tl_tid TLS_IE;

static void on_budget_signal(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)si;
  (void)uc;
  luasandbox *sb = tl_running;
  if (sb && sb->in_run) lua_sethook(sb->L, budget_hook, LUA_MASKCOUNT, 1);
}

/* Take signal s for the budgets when its action is still the default.
 * Returns 1 when taken. */
static int signal_take(int s) {
  struct sigaction old;
  if (sigaction(s, NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
      old.sa_handler != SIG_DFL)
    return 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_budget_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(s, &sa, NULL) != 0) return 0;
  sig_saved = old;
  sig_no = s;
  return 1;
}

/* A share of the process's signal for a new sandbox.  `want` is
 * lsb_limits.budget_signal: LSB_SIGNAL_AUTO takes the highest free one
 * (or none, and the count hook serves), a number takes exactly that one.
 * Returns 0, or -1 with err when the named signal cannot be had: it is not
 * a real-time signal, its action is not the default, or the process's
 * other sandboxes already use another one. */
static int signal_acquire(int want, pi_error *err) {
  pthread_mutex_lock(&sig_lock);
  int rc = 0;
  if (sig_users == 0) {
    sig_no = 0;
    if (want == LSB_SIGNAL_AUTO) {
      for (int s = SIGRTMAX; s >= SIGRTMIN && !signal_take(s); s--)
        ;
    } else if (want < SIGRTMIN || want > SIGRTMAX) {
      rc = pi_fail(err, PI_E_CONFIG, "config.scripts.budget_signal",
                   "signal %d is not a real-time signal (%d to %d on this system)",
                   want, SIGRTMIN, SIGRTMAX);
    } else if (!signal_take(want)) {
      rc = pi_fail(err, PI_E_CONFIG, "config.scripts.budget_signal",
                   "signal %d (SIGRTMIN+%d) already has a handler or is ignored; "
                   "name a free one, or \"auto\" or \"none\"",
                   want, want - SIGRTMIN);
    }
  } else if (want != LSB_SIGNAL_AUTO && want != sig_no) {
    rc = pi_fail(err, PI_E_CONFIG, "config.scripts.budget_signal",
                 "signal %d was asked for, but this process's store scripts already "
                 "use signal %d; every plugin instance of a process must name the "
                 "same one", want, sig_no);
  }
  if (rc == 0) sig_users++;
  pthread_mutex_unlock(&sig_lock);
  return rc;
}

/* 1 while the action of sig_no is still ours (the host may have replaced
 * it since: posplug.h forbids it, and a replaced handler would let a
 * runaway script run for ever). */
static int signal_still_ours(void) {
  struct sigaction cur;
  if (sigaction(sig_no, NULL, &cur) != 0) return 0;
  return (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_budget_signal;
}

static void signal_release(void) {
  pthread_mutex_lock(&sig_lock);
  assert(sig_users > 0);
  if (--sig_users == 0 && sig_no) {
    /* Every timer is deleted by now, but one may have fired at a thread
     * that blocks the signal outside script calls, where it is still
     * pending; the default action would end the process.  Ignoring first
     * discards it (POSIX), then the action we found is restored, so that
     * children exec'd later do not inherit an ignored signal. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(sig_no, &sa, NULL);
    sigaction(sig_no, &sig_saved, NULL);
    sig_no = 0;
  }
  pthread_mutex_unlock(&sig_lock);
}

/* Start the one-shot timer for this run on this thread.  Returns 0, or -1
 * when the count hook must do. */
static int arm_timer(luasandbox *sb, unsigned ms) {
  if (sig_no == 0) return -1;
  if (tl_tid == 0) tl_tid = (pid_t)syscall(SYS_gettid);
  if (!sb->has_timer || sb->timer_tid != tl_tid) {
    if (sb->has_timer) timer_delete(sb->timer);
    sb->has_timer = 0;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = sig_no;
    sev.sigev_notify_thread_id = tl_tid;
    /* The calling thread's CPU clock: see the top of this file. */
    if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &sb->timer) != 0) return -1;
    sb->has_timer = 1;
    sb->timer_tid = tl_tid;
  }
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  its.it_value.tv_sec = ms / 1000;
  its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L + (ms == 0);
  return timer_settime(sb->timer, 0, &its, NULL);
}

static void disarm_timer(luasandbox *sb) {
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  timer_settime(sb->timer, 0, &its, NULL);
}

/* ------------------------------------------------------------------------ */
/* A sandbox's budget, and one run's                                         */

/* ThreadSanitizer holds asynchronous signals back until the thread next
 * calls into libc, which `while true do end` never does: under it the
 * count hook is the default (the signal is still taken and given back). */
#if defined(__SANITIZE_THREAD__)
#define DEFAULT_BUDGET LSB_BUDGET_COUNT
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DEFAULT_BUDGET LSB_BUDGET_COUNT
#endif
#endif
#ifndef DEFAULT_BUDGET
#define DEFAULT_BUDGET LSB_BUDGET_TIMER
#endif

int lsb_budget_open(luasandbox *sb, unsigned check_every, int budget_signal,
                    pi_error *err) {
  sb->check_every = check_every ? check_every : LSB_CHECK_EVERY;
  sb->deadline = NEVER;
  if (budget_signal == LSB_SIGNAL_NONE) {
    sb->mode = LSB_BUDGET_COUNT;
    sb->has_signal = 0;
    return 0;
  }
  sb->mode = DEFAULT_BUDGET;
  if (signal_acquire(budget_signal, err)) return -1;
  sb->has_signal = 1;
  return 0;
}

void lsb_budget_close(luasandbox *sb) {
  if (sb->has_timer) timer_delete(sb->timer);
  if (sb->has_signal) signal_release();
  sb->has_signal = 0;
}

int lsb_budget_start(luasandbox *sb, unsigned budget_ms, lsb_budget_frame *fr) {
  lua_State *L = sb->L;
  /* A host that replaced the handler after the scripts loaded would turn
   * the timer's signal into its own (or the default action, which ends the
   * process): refuse the call instead, every call, until it is put back. */
  if (sb->mode == LSB_BUDGET_TIMER && sb->has_signal && sig_no && !signal_still_ours()) {
    fr->outer = tl_running;
    fr->armed = fr->reblock = 0;
    snprintf(sb->time_where, sizeof sb->time_where, "signal %d", sig_no);
    return -1;
  }
  sb->expired = 0;
  sb->work = 0;
  sb->time_where[0] = '\0';
  sb->budget_ms = budget_ms;
  sb->deadline = now_ns() + (uint64_t)budget_ms * 1000000u;
  fr->outer = tl_running;
  tl_running = sb;
  sb->in_run = 1;
  /* The host may block signals in its threads: unblock ours for the run. */
  fr->armed = 0;
  fr->reblock = 0;
  sigset_t set;
  if (sb->mode == LSB_BUDGET_TIMER && sb->has_signal && sig_no) {
    sigemptyset(&set);
    sigaddset(&set, sig_no);
    if (pthread_sigmask(SIG_UNBLOCK, &set, &fr->old) == 0) {
      fr->reblock = sigismember(&fr->old, sig_no);
      fr->armed = arm_timer(sb, budget_ms) == 0;
    }
  }
  sb->counting =
      sb->mode == LSB_BUDGET_COUNT || (sb->mode == LSB_BUDGET_TIMER && !fr->armed);
  if (sb->counting) lua_sethook(L, budget_hook, LUA_MASKCOUNT, (int)sb->check_every);
  return 0;
}

void lsb_budget_stop(luasandbox *sb, const lsb_budget_frame *fr) {
  lua_State *L = sb->L;
  if (fr->armed) disarm_timer(sb);
  sb->in_run = 0;
  tl_running = fr->outer;
  if (fr->reblock) pthread_sigmask(SIG_SETMASK, &fr->old, NULL);
  if (lua_gethookmask(L)) lua_sethook(L, NULL, 0, 0);
  sb->deadline = NEVER;
}

/* ------------------------------------------------------------------------ */
/* The mechanism in force                                                    */

int lsb_budget_signal(void) {
  pthread_mutex_lock(&sig_lock);
  int s = sig_no;
  pthread_mutex_unlock(&sig_lock);
  return s;
}

void lsb_set_budget(luasandbox *sb, lsb_budget mode) { sb->mode = mode; }

lsb_budget lsb_get_budget(const luasandbox *sb) {
  return sb->mode == LSB_BUDGET_TIMER && (sig_no == 0 || !sb->has_signal)
             ? LSB_BUDGET_COUNT
             : sb->mode;
}
