/* SPDX-License-Identifier: MIT */
/* test_luasandbox.c - the sandboxed Lua state: what scripts can reach, the
 * memory cap, the time budget, the guarded library functions, and failure
 * of every allocation while the state is built. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "script/luasandbox.h"

#define MiB (1024u * 1024u)

typedef struct chunk {
  const char *src;
  char result[512]; /* the chunk's first result, when a string or number */
} chunk;

/* Load src as "t/x.lua", run it, keep its first result as text. */
static int run_chunk(lua_State *L) {
  chunk *c = lua_touserdata(L, 1);
  lsb_load_text(L, "@t/x.lua", c->src, strlen(c->src));
  lua_call(L, 0, 1);
  int t = lua_type(L, -1);
  if (t == LUA_TSTRING || t == LUA_TNUMBER)
    snprintf(c->result, sizeof c->result, "%s", lua_tostring(L, -1));
  else
    snprintf(c->result, sizeof c->result, "(%s)", lua_typename(L, t));
  return 0;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Run src with a budget; returns the status, fills f and c. */
static lsb_status run_ms(luasandbox *sb, const char *src, unsigned ms, chunk *c,
                         lsb_failure *f) {
  c->src = src;
  c->result[0] = '\0';
  return lsb_run(sb, run_chunk, c, "t/x.lua", ms, f);
}

/* A budget no test's finite work can reach, on any machine, however
 * loaded or slowed down (valgrind): tests that are not about time use it,
 * so that only the limit they are about can trip. */
#define OUT_OF_REACH_MS 600000u

/* The budget of run(): out of reach, or the hooks' default, 50 ms, for the
 * tests about time (setup_timed), which only run work that never ends. */
static unsigned budget_ms = OUT_OF_REACH_MS;

static lsb_status run(luasandbox *sb, const char *src, chunk *c, lsb_failure *f) {
  return run_ms(sb, src, budget_ms, c, f);
}

/* Run src; it must succeed and return `want`. */
static void expect_result(luasandbox *sb, const char *src, const char *want) {
  chunk c;
  lsb_failure f;
  lsb_status st = run(sb, src, &c, &f);
  if (st != LSB_OK) fail_msg("%s: failed: %s", src, f.message);
  if (strcmp(c.result, want) != 0) fail_msg("%s: got %s, want %s", src, c.result, want);
}

/* Run src; it must fail with `status` and a message containing `part`. */
static void expect_failure(luasandbox *sb, const char *src, lsb_status status,
                           const char *part) {
  chunk c;
  lsb_failure f;
  lsb_status st = run(sb, src, &c, &f);
  if (st != status) fail_msg("%s: status %d (%s), want %d", src, st, f.message, status);
  if (strstr(f.message, part) == NULL)
    fail_msg("%s: message \"%s\" lacks \"%s\"", src, f.message, part);
}

static int setup(void **state) {
  lsb_limits lim = {32 * MiB, 0, LSB_SIGNAL_AUTO};
  budget_ms = OUT_OF_REACH_MS;
  luasandbox *sb;
  pi_error err;
  if (lsb_open(&lim, &sb, &err)) return -1;
  *state = sb;
  return 0;
}

/* For the tests about the time budget: 50 ms, as the hooks have. */
static int setup_timed(void **state) {
  int rc = setup(state);
  budget_ms = 50;
  return rc;
}

static int teardown(void **state) {
  lsb_close(*state);
  return 0;
}

/* ---- reach ---------------------------------------------------------------- */

static void offers_only_the_safe_globals(void **state) {
  luasandbox *sb = *state;
  static const char *const present[] = {
      "pairs",  "ipairs", "type",  "tostring", "tonumber", "pcall", "error",
      "select", "next",   "assert", "getmetatable", "setmetatable", "string",
      "table",  "math",   "utf8",  "cjson",    NULL};
  static const char *const absent[] = {
      "io",       "os",       "package", "require",  "debug",   "load",
      "loadfile", "dofile",   "loadstring", "collectgarbage", "rawset", "rawget",
      "rawequal", "rawlen",   "coroutine", "print",  "_G",      "getfenv",
      "setfenv",  "xpcall",   "module",  "newproxy", "warn",    NULL};
  char src[128];
  for (int i = 0; present[i]; i++) {
    snprintf(src, sizeof src, "return type(%s)", present[i]);
    chunk c;
    lsb_failure f;
    assert_int_equal(run(sb, src, &c, &f), LSB_OK);
    if (strcmp(c.result, "nil") == 0) fail_msg("%s is missing", present[i]);
  }
  for (int i = 0; absent[i]; i++) {
    snprintf(src, sizeof src, "return type(%s)", absent[i]);
    expect_result(sb, src, "nil");
  }
  expect_result(sb, "return type(string.dump)", "nil");
  expect_result(sb, "return type(('x').dump)", "nil");
  expect_result(sb, "return type(cjson.decode_max_depth)", "nil");
  expect_result(sb, "return type(cjson.new)", "nil");
  expect_result(sb, "return cjson.encode({a={1,2}})", "{\"a\":[1,2]}");
  expect_result(sb, "return type(cjson.null)", "userdata");
}

static void libraries_are_read_only(void **state) {
  luasandbox *sb = *state;
  expect_failure(sb, "string.upper = nil", LSB_ERR_SCRIPT,
                 "t/x.lua:1: attempt to modify read-only table 'string'");
  expect_failure(sb, "table.insert(math, 1)", LSB_ERR_SCRIPT,
                 "attempt to modify read-only table 'math'");
  expect_failure(sb, "setmetatable(utf8, {})", LSB_ERR_SCRIPT,
                 "cannot change a protected metatable");
  expect_failure(sb, "cjson.null = 1", LSB_ERR_SCRIPT, "read-only table 'cjson'");
  /* Still usable as tables: enumeration, length, ipairs, methods. */
  expect_result(sb, "local n = 0 for k, v in pairs(string) do n = n + 1 end "
                    "return n > 10 and 'many' or 'few'",
                "many");
  expect_result(sb, "return tostring(getmetatable(string))", "false");
  expect_result(sb, "local f, s = pairs(math) return tostring(s == math)", "true");
  expect_result(sb, "return ('abc'):upper() .. string.format('%d', 7)", "ABC7");
  expect_result(sb, "return next(string) == nil and 'raw-empty' or 'leak'", "raw-empty");
}

static void string_metatable_is_hidden(void **state) {
  luasandbox *sb = *state;
  expect_result(sb, "return tostring(getmetatable(''))", "false");
  expect_failure(sb, "getmetatable('').__index = {}", LSB_ERR_SCRIPT,
                 "attempt to index a boolean value");
  expect_result(sb, "return ('x'):rep(3)", "xxx");
}

static int two_envs(lua_State *L) {
  int *same = lua_touserdata(L, 1);
  lsb_load_text(L, "@t/a.lua", "x = 1 tostring = nil return 0", 29);
  lua_call(L, 0, 0);
  lsb_load_text(L, "@t/b.lua", "return type(x) .. type(tostring)", 32);
  lua_call(L, 0, 1);
  *same = strcmp(lua_tostring(L, -1), "nilfunction") != 0;
  return 0;
}

static void every_chunk_has_its_own_environment(void **state) {
  int leaked = -1;
  assert_int_equal(lsb_run(*state, two_envs, &leaked, "t", OUT_OF_REACH_MS, NULL), LSB_OK);
  assert_int_equal(leaked, 0);
}

static void binary_chunks_are_refused(void **state) {
  luasandbox *sb = *state;
  expect_failure(sb, "\x1bLuaT\x00\x19\x93\r\n\x1a\n", LSB_ERR_SCRIPT,
                 "attempt to load a binary chunk");
  expect_failure(sb, "return (", LSB_ERR_SCRIPT, "t/x.lua:1:");
}

/* ---- errors ---------------------------------------------------------------- */

static void non_string_errors_are_named_with_their_line(void **state) {
  luasandbox *sb = *state;
  expect_failure(sb, "\n\nerror({})", LSB_ERR_SCRIPT,
                 "t/x.lua:3: (error object is a table value)");
  expect_failure(sb, "error(setmetatable({}, {__tostring = function() while true do end end}))",
                 LSB_ERR_SCRIPT, "(error object is a table value)");
  expect_failure(sb, "error(nil)", LSB_ERR_SCRIPT, "(error object is a nil value)");
  expect_failure(sb, "error('plain', 0)", LSB_ERR_SCRIPT, "t/x.lua: plain");
  chunk c;
  lsb_failure f;
  assert_int_equal(run(sb, "\nlocal x = nil\nreturn x.y", &c, &f), LSB_ERR_SCRIPT);
  assert_string_equal(f.where, "t/x.lua:3");
}

static void messages_are_clean_text(void **state) {
  luasandbox *sb = *state;
  expect_failure(sb, "error('a\\0b\\27[2J\\255c', 0)", LSB_ERR_SCRIPT, "a?b?[2J?c");
  char out[8];
  lsb_clean_text(out, sizeof out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8);
  assert_string_equal(out, "\xc3\xa9\xc3\xa9\xc3\xa9"); /* cut at a character */
}

/* ---- time ------------------------------------------------------------------ */

static void stops_every_loop(luasandbox *sb) {
  static const char *const loops[] = {
      "while true do end",
      "while true do pcall(function() while true do end end) end",
      "local function f(d) if d == 0 then while true do end end "
      "while true do pcall(f, d - 1) end end f(8)",
      "while true do pcall(error, 'again') end",
      "setmetatable({}, {__index = function() while true do end end}).x = 1 "
      "return setmetatable({}, {__index = function() while true do end end}).x",
      "string.gsub(('x'):rep(10), '.', function() while true do end end)",
      "table.sort({3, 2, 1}, function() while true do end end)",
      "tostring(setmetatable({}, {__tostring = function() while true do end end}))",
      "local t = {} for i = 1, 1e9 do t[i % 100] = i end",
      NULL};
  for (int i = 0; loops[i]; i++) {
    double t0 = now_ms();
    expect_failure(sb, loops[i], LSB_ERR_TIME, "time budget of 50 ms exceeded");
    double ms = now_ms() - t0;
    /* Never before the budget is spent (how long after depends on the
     * machine's load: not asserted). */
    if (ms < 45) fail_msg("%s: stopped after %.1f ms", loops[i], ms);
    /* The next run has its full budget and no hook left over. */
    chunk c;
    lsb_failure f;
    assert_int_equal(run_ms(sb, "local n = 0 for i = 1, 1000 do n = n + i end return n",
                            OUT_OF_REACH_MS, &c, &f),
                     LSB_OK);
    assert_string_equal(c.result, "500500");
  }
  assert_true(lsb_tainted(sb));
}

static void budget_stops_loops_even_under_pcall(void **state) {
  luasandbox *sb = *state;
  /* This process has real-time signals to spare: the timer is used. */
  assert_int_equal(lsb_get_budget(sb), LSB_BUDGET_TIMER);
  stops_every_loop(sb);
}

static void count_hook_fallback_stops_them_too(void **state) {
  luasandbox *sb = *state;
  lsb_set_budget(sb, LSB_BUDGET_COUNT);
  assert_int_equal(lsb_get_budget(sb), LSB_BUDGET_COUNT);
  stops_every_loop(sb);
}

static void budget_works_with_the_signal_blocked(void **state) {
  /* A host may block every signal in its threads. */
  sigset_t all, old;
  sigfillset(&all);
  assert_int_equal(pthread_sigmask(SIG_BLOCK, &all, &old), 0);
  expect_failure(*state, "while true do end", LSB_ERR_TIME, "time budget");
  sigset_t now;
  pthread_sigmask(SIG_SETMASK, NULL, &now);
  assert_int_equal(memcmp(&now, &all, sizeof now) == 0 || sigismember(&now, SIGRTMAX), 1);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

typedef struct thread_run {
  luasandbox *sb;
  lsb_status st;
} thread_run;

static void *loop_in_thread(void *arg) {
  thread_run *r = arg;
  chunk c;
  lsb_failure f;
  r->st = run(r->sb, "while true do end", &c, &f);
  return NULL;
}

static void budget_follows_the_calling_thread(void **state) {
  /* The host may call from any thread, one call at a time. */
  thread_run r = {*state, LSB_OK};
  expect_failure(*state, "while true do end", LSB_ERR_TIME, "time budget");
  for (int i = 0; i < 2; i++) {
    pthread_t t;
    r.st = LSB_OK;
    assert_int_equal(pthread_create(&t, NULL, loop_in_thread, &r), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(r.st, LSB_ERR_TIME);
  }
  expect_failure(*state, "while true do end", LSB_ERR_TIME, "time budget");
}

static void time_failure_names_the_line(void **state) {
  chunk c;
  lsb_failure f;
  assert_int_equal(run(*state, "local a = 1\n\nwhile true do a = a + 1 end", &c, &f),
                   LSB_ERR_TIME);
  assert_string_equal(f.where, "t/x.lua:3");
}

static void budget_can_be_switched_off(void **state) {
  luasandbox *sb = *state;
  lsb_set_budget(sb, LSB_BUDGET_NONE);
  chunk c = {"local n = 0 for i = 1, 3000000 do n = n + 1 end return n", ""};
  /* A finite loop simply completes, however small the budget. */
  assert_int_equal(lsb_run(sb, run_chunk, &c, "t", 1, NULL), LSB_OK);
  assert_string_equal(c.result, "3000000");
  lsb_set_budget(sb, LSB_BUDGET_TIMER);
  expect_failure(sb, "while true do end", LSB_ERR_TIME, "time budget");
}

/* Ignored bits of the signal mask a child exec'd now starts with
 * (/proc/PID/status "SigIgn", as the child reads it for itself). */
static unsigned long long child_ignored_signals(void) {
  int fd[2];
  assert_int_equal(pipe(fd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    execl("/bin/grep", "grep", "^SigIgn:", "/proc/self/status", (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  char buf[128] = "";
  ssize_t n = read(fd[0], buf, sizeof buf - 1);
  close(fd[0]);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_true(n > 8);
  buf[n] = '\0';
  return strtoull(buf + strlen("SigIgn:"), NULL, 16);
}

/* The last sandbox to close gives the signal back as it found it: a child
 * the host execs afterwards must not inherit it ignored. */
static void the_signal_is_given_back_as_found(void **state) {
  (void)state;
  budget_ms = 50;
  assert_int_equal(lsb_budget_signal(), 0); /* no sandbox is open */
  lsb_limits lim = {32 * MiB, 0, LSB_SIGNAL_AUTO};
  luasandbox *a, *b;
  pi_error err;
  assert_int_equal(lsb_open(&lim, &a, &err), 0);
  int sig = lsb_budget_signal();
  assert_true(sig >= SIGRTMIN && sig <= SIGRTMAX);
  assert_int_equal(lsb_open(&lim, &b, &err), 0);
  assert_int_equal(lsb_budget_signal(), sig); /* one signal per process */
  struct sigaction now;
  assert_int_equal(sigaction(sig, NULL, &now), 0);
  assert_true(now.sa_flags & SA_SIGINFO);
  expect_failure(a, "while true do end", LSB_ERR_TIME, "time budget"); /* it fires */
  lsb_close(a);
  assert_int_equal(sigaction(sig, NULL, &now), 0);
  assert_true(now.sa_flags & SA_SIGINFO); /* still b's */
  lsb_close(b);
  assert_int_equal(lsb_budget_signal(), 0);
  assert_int_equal(sigaction(sig, NULL, &now), 0);
  assert_false(now.sa_flags & SA_SIGINFO);
  assert_true(now.sa_handler == SIG_DFL);
  assert_int_equal(child_ignored_signals() >> (sig - 1) & 1, 0);
  /* And taken again by the next sandbox. */
  assert_int_equal(lsb_open(&lim, &a, &err), 0);
  assert_int_equal(lsb_budget_signal(), sig);
  lsb_close(a);
}

/* The budget is CPU time: a call that waits (here the C function waits
 * 300 ms, as a descheduled thread on a loaded machine would) and then runs
 * a little Lua is within a 100 ms budget, under the timer and under the
 * count hook alike.  A wall-clock budget fails both: the timer fires during
 * the wait, and the count hook reads a clock 300 ms on. */
static int wait_then_run(lua_State *L) {
  struct timespec d = {0, 300 * 1000000L};
  while (nanosleep(&d, &d) != 0 && errno == EINTR)
    ;
  luaL_loadstring(L, "local x = 0 for i = 1, 5000 do x = x + i end return x");
  lua_call(L, 0, 1);
  return 0;
}

static void the_budget_is_cpu_time_not_waiting(void **state) {
  (void)state;
  lsb_limits lim = {32 * MiB, 100, LSB_SIGNAL_AUTO};
  luasandbox *sb;
  pi_error err;
  assert_int_equal(lsb_open(&lim, &sb, &err), 0);
  lsb_failure f;
  assert_int_equal(lsb_get_budget(sb), LSB_BUDGET_TIMER);
  assert_int_equal(lsb_run(sb, wait_then_run, NULL, "t", 100, &f), LSB_OK);
  lsb_set_budget(sb, LSB_BUDGET_COUNT);
  assert_int_equal(lsb_run(sb, wait_then_run, NULL, "t", 100, &f), LSB_OK);
  /* And work is still stopped, under both. */
  expect_failure(sb, "while true do end", LSB_ERR_TIME, "time budget");
  lsb_set_budget(sb, LSB_BUDGET_TIMER);
  expect_failure(sb, "while true do end", LSB_ERR_TIME, "time budget");
  lsb_close(sb);
}

/* A host that replaces the budget's handler after the scripts loaded gets
 * an error at the next call, never a script that runs for ever (alarm()
 * ends the test if it hangs); putting the handler back makes calls work. */
static void host_handler(int sig) { (void)sig; }

static void a_replaced_handler_is_an_error_not_a_hang(void **state) {
  (void)state;
  budget_ms = 50;
  lsb_limits lim = {32 * MiB, 0, LSB_SIGNAL_AUTO};
  luasandbox *sb;
  pi_error err;
  assert_int_equal(lsb_open(&lim, &sb, &err), 0);
  int sig = lsb_budget_signal();
  assert_true(sig >= SIGRTMIN && sig <= SIGRTMAX);
  struct sigaction host, ours;
  memset(&host, 0, sizeof host);
  host.sa_handler = host_handler;
  sigemptyset(&host.sa_mask);
  assert_int_equal(sigaction(sig, &host, &ours), 0);
  alarm(60);
  expect_failure(sb, "while true do end", LSB_ERR_TIME, "replaced the plugin's handler");
  expect_failure(sb, "return 1", LSB_ERR_TIME, "replaced the plugin's handler");
  alarm(0);
  assert_int_equal(sigaction(sig, &ours, NULL), 0);
  expect_failure(sb, "while true do end", LSB_ERR_TIME, "time budget of");
  lsb_close(sb);
}

/* The host's choice of signal (config.scripts.budget_signal): "none" takes
 * none and still stops a loop; a named one is taken exactly, refused when
 * it has a handler or when the process's sandboxes use another. */
static void the_host_chooses_the_signal(void **state) {
  (void)state;
  budget_ms = 50;
  assert_int_equal(lsb_budget_signal(), 0); /* no sandbox is open */
  lsb_limits none = {32 * MiB, 0, LSB_SIGNAL_NONE};
  luasandbox *a, *b;
  pi_error err;
  assert_int_equal(lsb_open(&none, &a, &err), 0);
  assert_int_equal(lsb_budget_signal(), 0);
  assert_int_equal(lsb_get_budget(a), LSB_BUDGET_COUNT);
  expect_failure(a, "while true do end", LSB_ERR_TIME, "time budget");
  lsb_close(a);

  int want = SIGRTMIN + 3;
  lsb_limits named = {32 * MiB, 0, want};
  assert_int_equal(lsb_open(&named, &a, &err), 0);
  assert_int_equal(lsb_budget_signal(), want);
  assert_int_equal(lsb_get_budget(a), LSB_BUDGET_TIMER);
  expect_failure(a, "while true do end", LSB_ERR_TIME, "time budget");
  lsb_limits other = {32 * MiB, 0, want + 1};
  assert_int_equal(lsb_open(&other, &b, &err), -1);
  assert_string_equal(err.code, "config");
  assert_string_equal(err.field, "config.scripts.budget_signal");
  assert_non_null(strstr(err.message, "already use signal"));
  lsb_limits any = {32 * MiB, 0, LSB_SIGNAL_AUTO};
  assert_int_equal(lsb_open(&any, &b, &err), 0); /* auto joins it */
  assert_int_equal(lsb_budget_signal(), want);
  lsb_close(b);
  lsb_close(a);
  assert_int_equal(lsb_budget_signal(), 0);

  struct sigaction ign, old;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  assert_int_equal(sigaction(want, &ign, &old), 0);
  assert_int_equal(lsb_open(&named, &a, &err), -1);
  assert_non_null(strstr(err.message, "already has a handler or is ignored"));
  assert_int_equal(sigaction(want, &old, NULL), 0);
  lsb_limits bad = {32 * MiB, 0, SIGUSR1};
  assert_int_equal(lsb_open(&bad, &a, &err), -1);
  assert_non_null(strstr(err.message, "not a real-time signal"));
  assert_int_equal(lsb_budget_signal(), 0);
}

/* ---- memory ---------------------------------------------------------------- */

static void memory_cap_holds(void **state) {
  luasandbox *sb = *state;
  expect_failure(sb, "local s = 'x' while true do s = s .. s end", LSB_ERR_MEMORY,
                 "memory limit of 32 MiB exceeded");
  expect_failure(sb, "local t, x = {}, ('x'):rep(1024):rep(1024) "
                    "for i = 1, 1000 do t[i] = x .. i end",
                 LSB_ERR_MEMORY, "t/x.lua:1: memory limit");
  assert_true(lsb_memory_used(sb) <= lsb_memory_limit(sb));
  lsb_collect(sb);
  assert_true(lsb_memory_used(sb) < 1 * MiB);
  expect_result(sb, "return #('x'):rep(1000)", "1000");
}

static void memory_error_caught_by_pcall_stays_capped(void **state) {
  luasandbox *sb = *state;
  chunk c;
  lsb_failure f;
  /* The budget out of reach: filling 32 MiB can end only on the cap. */
  lsb_status st = run_ms(sb,
                         "local keep, y = {}, ('y'):rep(65536) "
                         "local ok = pcall(function() while true do "
                         "keep[#keep + 1] = y .. #keep end end) "
                         "return tostring(ok) .. ' ' .. #keep",
                         OUT_OF_REACH_MS, &c, &f);
  if (st != LSB_OK) fail_msg("failed: %s", f.message);
  assert_int_equal(strncmp(c.result, "false ", 6), 0);
  assert_true(atoi(c.result + 6) > 400); /* ~32 MiB of 64 KiB strings were held */
  assert_true(lsb_memory_used(sb) <= lsb_memory_limit(sb));
}

/* Torture: build the state and run a script under every cap from far too
 * small upwards, so that each allocation of the setup fails in turn.  Every
 * attempt must end cleanly (ASan / valgrind watch for leaks and crashes). */
static void every_allocation_may_fail(void **state) {
  (void)state;
  int opened = 0;
  for (size_t cap = 1024; cap < 160 * 1024; cap += 256) {
    lsb_limits lim = {cap, 0, LSB_SIGNAL_AUTO};
    luasandbox *sb = NULL;
    pi_error err;
    if (lsb_open(&lim, &sb, &err)) {
      assert_null(sb);
      assert_string_equal(err.code, "nomem");
      continue;
    }
    opened++;
    chunk c = {"local t = {} for i = 1, 200 do t[i] = {i, tostring(i)} end "
               "return cjson.encode(t):len()",
               ""};
    lsb_failure f;
    lsb_status st = lsb_run(sb, run_chunk, &c, "t/x.lua", OUT_OF_REACH_MS, &f);
    assert_true(st == LSB_OK || st == LSB_ERR_MEMORY);
    lsb_close(sb);
  }
  assert_true(opened > 0);
}

/* ---- guarded functions -------------------------------------------------------- */

static void string_rep_is_guarded(void **state) {
  luasandbox *sb = *state;
  /* 2^50 turns of a C loop in stock Lua: returning at all is the proof. */
  expect_result(sb, "return #string.rep('', 1 << 50) + #(''):rep(1 << 50, '')", "0");
  expect_failure(sb, "return ('x'):rep(1 << 40)", LSB_ERR_SCRIPT,
                 "resulting string too large");
  expect_result(sb, "return ('ab'):rep(3, '-')", "ab-ab-ab");
}

static void costly_patterns_are_refused(void **state) {
  luasandbox *sb = *state;
  expect_failure(sb, "return (('a'):rep(30000)):find('a*a*a*b')", LSB_ERR_SCRIPT,
                 "is too costly");
  expect_failure(sb, "return (('a'):rep(1000):rep(4000)):find(('a'):rep(20000) .. 'b', 1, true)",
                 LSB_ERR_SCRIPT, "is too costly");
  expect_failure(sb, "for x in (('a'):rep(30000)):gmatch('a-a-b') do end",
                 LSB_ERR_SCRIPT, "is too costly");
  expect_failure(sb, "return (('('):rep(30000)):gsub('%b()', '')", LSB_ERR_SCRIPT,
                 "is too costly");
  /* Everyday patterns on everyday strings pass. */
  expect_result(sb, "return ('  Anna Schmidt  '):match('^%s*(.-)%s*$')", "Anna Schmidt");
  expect_result(sb, "return ('DE 136 695 976'):gsub('%s', '')", "DE136695976");
  expect_result(sb, "local n = 0 for k, v in ('a=1;b=2;c=3'):gmatch('(%w+)=(%w+)') "
                    "do n = n + v end return n",
                "6");
  expect_result(sb, "return ('SPIRIT-GIN'):find('^SPIRIT%-')", "1");
  expect_result(sb, "return (('x'):rep(100000) .. 'needle'):find('needle', 1, true)",
                "100001");
  expect_result(sb, "return select('#', string.find('abc', 'b', 10))", "1");
}

static void table_shifts_are_bounded(void **state) {
  luasandbox *sb = *state;
  expect_failure(sb, "table.move({}, 1, math.maxinteger, 2)", LSB_ERR_SCRIPT,
                 "too many elements to move");
  /* (With math.maxinteger itself the end wraps and stock Lua loops not at
   * all; one less is the length that would loop 2^63 times.) */
  expect_failure(sb, "table.insert(setmetatable({}, {__len = function() "
                     "return math.maxinteger - 1 end}), 1, 'x')",
                 LSB_ERR_SCRIPT, "table too long to shift");
  expect_failure(sb, "table.remove(setmetatable({}, {__len = function() "
                     "return math.maxinteger end}), 1)",
                 LSB_ERR_SCRIPT, "table too long to shift");
  expect_result(sb, "local t = {1, 2, 3} table.insert(t, 1, 0) table.insert(t, 9) "
                    "local r = table.remove(t, 2) return table.concat(t, ',') .. '/' .. r",
                "0,2,3,9/1");
  expect_result(sb, "return table.concat(table.move({1, 2, 3}, 1, 3, 2), ',')", "1,1,2,3");
  expect_failure(sb, "table.insert({}, 5, 'x')", LSB_ERR_SCRIPT, "position out of bounds");
}

static void finalizers_are_refused(void **state) {
  expect_failure(*state, "setmetatable({}, {__gc = function() end})", LSB_ERR_SCRIPT,
                 "__gc metamethods are not allowed");
  expect_result(*state, "return getmetatable(setmetatable({}, {__mode = 'k'})).__mode",
                "k");
}

static void cjson_is_bounded(void **state) {
  luasandbox *sb = *state;
  expect_result(sb, "local v, e = cjson.decode(('['):rep(100000)) return e",
                "Found too many nested data structures (65) at character 65");
  expect_result(sb, "local t = {} local c = t for i = 1, 200 do c[1] = {} c = c[1] end "
                    "local s, e = cjson.encode(t) return e",
                "Cannot serialise, excessive nesting (65)");
  expect_result(sb, "local t = {'xxxxxxxx'} for i = 1, 40 do t = {t, t} end "
                    "local s, e = cjson.encode(t) return e",
                "JSON text would exceed 1048576 bytes");
  expect_result(sb, "local v, e = cjson.decode('NaN') return tostring(v)", "nil");
  expect_result(sb, "local v, e = cjson.decode(('x'):rep(1000):rep(2000)) return e",
                "JSON text of 2000000 bytes is over the 1048576-byte limit");
  expect_result(sb, "return tostring(cjson.decode('{\"a\":[1,2,{\"b\":null}]}').a[3].b "
                    "== cjson.null)",
                "true");
}

/* ---- the budget inside C loops --------------------------------------------- */

/* A clock that advances 10 ms at every read: with the count hook set to
 * fire almost never, the only reads are the guarded C loops' polls, so a
 * 50 ms budget runs out on the fifth poll of a loop, on any machine. */
static uint64_t fake_ns;
static uint64_t fake_clock(void) { return fake_ns += 10000000u; }

static int setup_fake_clock(void **state) {
  lsb_limits lim = {32 * MiB, 1000000000u, LSB_SIGNAL_AUTO};
  luasandbox *sb;
  pi_error err;
  if (lsb_open(&lim, &sb, &err)) return -1;
  lsb_set_budget(sb, LSB_BUDGET_COUNT);
  lsb_set_clock(fake_clock);
  budget_ms = 50;
  *state = sb;
  return 0;
}

static int teardown_fake_clock(void **state) {
  lsb_set_clock(NULL);
  return teardown(state);
}

/* Each of these loops in C for far more than five polls' worth of work and
 * then returns 'done': before the guards polled, nothing read the clock
 * until the call had finished. */
static void budget_stops_c_loops_while_they_run(void **state) {
  luasandbox *sb = *state;
  static const struct {
    const char *src, *where;
  } loops[] = {
      {"local t = {} for i = 1, 20000 do t[i] = (i * 7919) % 10007 end\n"
       "table.sort(t) return 'done'", "t/x.lua:2"},
      {"local t = {} for i = 1, 20000 do t[i] = (i * 7919) % 10007 end\n"
       "table.sort(t, math.ult) return 'done'", "t/x.lua:2"},
      {"local t = {} for i = 1, 300000 do t[i] = 'x' end\n"
       "return #table.concat(t, '') > 0 and 'done'", "t/x.lua:2"},
      {"\nreturn #string.rep('x', 8 << 20) > 0 and 'done'", "t/x.lua:2"},
      {"\nreturn #('ab'):rep(4 << 20, ',') > 0 and 'done'", "t/x.lua:2"},
      {"local t = {} for i = 1, 2000 do t[i] = i end\n"
       "return #string.format(('%d '):rep(2000), table.unpack(t)) > 0 and 'done'",
       "t/x.lua:2"},
  };
  for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
    chunk c;
    lsb_failure f;
    lsb_status st = run(sb, loops[i].src, &c, &f);
    if (st != LSB_ERR_TIME)
      fail_msg("%s: status %d (%s %s), want a time-out", loops[i].src, st, c.result,
               f.message);
    assert_string_equal(f.where, loops[i].where);
    assert_non_null(strstr(f.message, "time budget of 50 ms exceeded"));
  }
  /* Within budget the guarded versions give the originals' results. */
  lsb_set_budget(sb, LSB_BUDGET_NONE);
  expect_result(sb, "local t = {3, 1, 2} table.sort(t) return table.concat(t, ',')", "1,2,3");
  expect_result(sb, "local t = {3, -1, 2} table.sort(t, math.ult) return table.concat(t, ',')",
                "2,3,-1");
  expect_result(sb, "local t = {'b', 'a'} table.sort(t, function(x, y) return x > y end) "
                    "return table.concat(t)", "ba");
  expect_result(sb, "return table.concat({1, 2.5, 'x'}, '-', 2, 3)", "2.5-x");
  expect_result(sb, "return table.concat({}, 'x') .. table.concat({1, 2}, ', ', 3)", "");
  expect_failure(sb, "table.concat({1, {}, 3})", LSB_ERR_SCRIPT,
                 "invalid value (at index 2) in table for 'concat'");
  expect_result(sb, "return ('ab'):rep(3, '-') .. ('x'):rep(1) .. ('x'):rep(0, '-')",
                "ab-ab-abx");
  expect_result(sb, "local s = ('abc'):rep(500000, '--') return #s .. s:sub(-7)",
                "2499998bc--abc");
  expect_result(sb, "local t = {} for i = 1, 100 do t[i] = i end "
                    "local s = string.format(('%03d|'):rep(100) .. '%%', table.unpack(t)) "
                    "return #s .. s:sub(1, 8) .. s:sub(-5)",
                "401001|002|100|%");
  expect_failure(sb, "return string.format(('%d'):rep(40), 1)", LSB_ERR_SCRIPT, "no value");
}

/* Lua's matcher runs in C: a pattern is refused when its worst case could
 * outlast the budget (here 50 ms), not only past a fixed bound. */
static void costly_patterns_are_refused_within_the_budget(void **state) {
  luasandbox *sb = *state;
  /* Runs of 50 ms that the clock cannot end (the refusal is about the
   * budget's size, and a slow machine must not trip the clock first). */
  lsb_set_budget(sb, LSB_BUDGET_NONE);
  budget_ms = 50;
  expect_failure(sb, "return (('a'):rep(3000)):find('a*b')", LSB_ERR_SCRIPT,
                 "is too costly");
  expect_failure(sb, "return (('a'):rep(1 << 20)):find(('a'):rep(200) .. 'b', 1, true)",
                 LSB_ERR_SCRIPT, "is too costly");
  /* A longer budget allows more. */
  budget_ms = OUT_OF_REACH_MS;
  expect_result(sb, "return tostring((('a'):rep(3000)):find('a*b'))", "nil");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(offers_only_the_safe_globals, setup, teardown),
      cmocka_unit_test_setup_teardown(libraries_are_read_only, setup, teardown),
      cmocka_unit_test_setup_teardown(string_metatable_is_hidden, setup, teardown),
      cmocka_unit_test_setup_teardown(every_chunk_has_its_own_environment, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(binary_chunks_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(non_string_errors_are_named_with_their_line, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(messages_are_clean_text, setup, teardown),
      cmocka_unit_test_setup_teardown(budget_stops_loops_even_under_pcall, setup_timed,
                                      teardown),
      cmocka_unit_test_setup_teardown(time_failure_names_the_line, setup_timed, teardown),
      cmocka_unit_test_setup_teardown(count_hook_fallback_stops_them_too, setup_timed, teardown),
      cmocka_unit_test_setup_teardown(budget_works_with_the_signal_blocked, setup_timed, teardown),
      cmocka_unit_test_setup_teardown(budget_follows_the_calling_thread, setup_timed, teardown),
      cmocka_unit_test_setup_teardown(budget_can_be_switched_off, setup_timed, teardown),
      cmocka_unit_test(the_signal_is_given_back_as_found),
      cmocka_unit_test(the_budget_is_cpu_time_not_waiting),
      cmocka_unit_test(a_replaced_handler_is_an_error_not_a_hang),
      cmocka_unit_test(the_host_chooses_the_signal),
      cmocka_unit_test_setup_teardown(memory_cap_holds, setup, teardown),
      cmocka_unit_test_setup_teardown(memory_error_caught_by_pcall_stays_capped, setup,
                                      teardown),
      cmocka_unit_test(every_allocation_may_fail),
      cmocka_unit_test_setup_teardown(string_rep_is_guarded, setup, teardown),
      cmocka_unit_test_setup_teardown(costly_patterns_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(table_shifts_are_bounded, setup, teardown),
      cmocka_unit_test_setup_teardown(finalizers_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(cjson_is_bounded, setup, teardown),
      cmocka_unit_test_setup_teardown(budget_stops_c_loops_while_they_run,
                                      setup_fake_clock, teardown_fake_clock),
      cmocka_unit_test_setup_teardown(costly_patterns_are_refused_within_the_budget, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
