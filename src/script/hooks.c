/* SPDX-License-Identifier: MIT */
/* hooks.c - store scripts: loading the scripts directory, calling each hook
 * of each script in file-name order, the failure policy, reset and reload.
 * Tables are built and read in hooks_table.c, the pos library is
 * hooks_pos.c's, and the Lua state is luasandbox.c's. */
#include "script/hooks.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "script/hooks_int.h"
#include "script/luasandbox.h"
#include "posplug.h"

#define HOOKS_SCRIPTS_MAX 64   /* scripts in one directory                   */
#define HOOKS_RETRY_MS 10000   /* between attempts to rebuild a broken state */
#define HOOKS_SETUP_MS 1000    /* budget for building the pos library        */

/* One script file as read from disk; kept so that a reset can rebuild the
 * state from exactly the text that is active, whatever the disk now says. */
typedef struct source {
  char file[64];              /* "gifts.lua"                                */
  char chunk[LUA_IDSIZE];     /* "scripts/gifts.lua": what Lua's messages say */
  char *text;
  size_t len;
} source;

/* One compiled set of scripts: a Lua state and each script's hooks. */
typedef struct generation {
  luasandbox *sb;
  int (*ref)[HOOK_COUNT];     /* registry references, LUA_NOREF if absent   */
  int *policy;                /* each script's on_error: 1 fail_closed,
                                 0 fail_open, -1 the store's               */
} generation;

struct hooks {
  hooks_env env;
  source *src;
  size_t nsrc;
  generation *gen;            /* NULL while nsrc > 0: broken, see `broken`  */
  char broken[256];
  int64_t broken_at;
  hooks_pos pos;              /* what the pos library sees (hooks_pos.c)    */
  hooks_failure fail[HOOKS_FAILURES_MAX]; /* since hooks_clear_failures   */
  size_t nfail, morefail;
  /* Scratch space for answers, reused by every call: too large to clear or
   * allocate per call (a status per possible line). */
  total_answer total;
  buyer_status st[SALE_LINES_MAX];
};

/* A script's blocks name it in their field: the chunk name always fits. */
_Static_assert(LUA_IDSIZE <= sizeof ((block *)0)->field, "block.field holds a chunk name");

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The load budget is the loading thread's CPU time, as every script
 * budget is (luasandbox_budget.c says why). */
static int64_t cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hlog(const hooks *h, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void hlog(const hooks *h, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pi_logv(h->env.log, h->env.log_ctx, level, fmt, ap);
  va_end(ap);
}

static const script_limits *limits(const hooks *h) { return &h->env.cfg->scripts; }

/* ------------------------------------------------------------------------ */
/* Reading the scripts directory                                             */

static void free_sources(source *src, size_t n) {
  for (size_t i = 0; i < n && src; i++) free(src[i].text);
  free(src);
}

static int cmp_source(const void *a, const void *b) {
  return strcmp(((const source *)a)->file, ((const source *)b)->file);
}

/* "scripts" for "/etc/posintent/scripts/" (the last component). */
static void dir_label(const char *dir, char *out, size_t cap) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  size_t b = n;
  while (b > 0 && dir[b - 1] != '/') b--;
  snprintf(out, cap, "%.*s", (int)(n - b), dir + b);
}

/* Read one script, refusing more than the configured size. */
static int read_source(const char *dir, source *s, size_t max, pi_error *err) {
  char path[MANIFEST_PATH_MAX + 80];
  snprintf(path, sizeof path, "%s/%s", dir, s->file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    return pi_fail(err, PI_E_SCRIPT, s->chunk, "%s: cannot read: %s", s->chunk,
                   strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return pi_fail(err, PI_E_SCRIPT, s->chunk, "%s: not a regular file", s->chunk);
  }
  if ((size_t)st.st_size > max) {
    close(fd);
    return pi_fail(err, PI_E_SCRIPT, s->chunk,
                   "%s: %lld bytes is over the %zu KiB limit for a script "
                   "(config.scripts.max_file_kb)",
                   s->chunk, (long long)st.st_size, max >> 10);
  }
  s->text = malloc(max + 1);
  if (s->text == NULL) {
    close(fd);
    return pi_fail(err, PI_E_NOMEM, s->chunk, "out of memory reading %s", s->chunk);
  }
  size_t got = 0;
  ssize_t r = 0;
  /* The file may grow after fstat: read at most one byte past the cap. */
  while (got <= max && (r = read(fd, s->text + got, max + 1 - got)) > 0)
    got += (size_t)r;
  int e = errno;
  close(fd);
  if (r < 0)
    return pi_fail(err, PI_E_SCRIPT, s->chunk, "%s: cannot read: %s", s->chunk,
                   strerror(e));
  if (got > max)
    return pi_fail(err, PI_E_SCRIPT, s->chunk, "%s: over the %zu KiB limit", s->chunk,
                   max >> 10);
  s->len = got;
  return 0;
}

/* The *.lua files of the directory, sorted by name (bytewise), with their
 * names set and their text not yet read. */
static int list_sources(const script_limits *lim, source **out, size_t *nout,
                        pi_error *err) {
  *out = NULL;
  *nout = 0;
  char label[64];
  dir_label(lim->dir, label, sizeof label);
  DIR *d = opendir(lim->dir);
  if (d == NULL)
    return pi_fail(err, PI_E_SCRIPT, "config.scripts.dir",
                   "cannot open the scripts directory %s: %s", lim->dir,
                   strerror(errno));
  source *src = calloc(HOOKS_SCRIPTS_MAX, sizeof *src);
  size_t n = 0;
  int rc = src ? 0 : pi_fail(err, PI_E_NOMEM, "", "out of memory");
  struct dirent *de;
  while (rc == 0 && (de = readdir(d)) != NULL) {
    size_t len = strlen(de->d_name);
    if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".lua") != 0)
      continue;
    if (n == HOOKS_SCRIPTS_MAX) {
      rc = pi_fail(err, PI_E_SCRIPT, "config.scripts.dir",
                   "more than %d scripts in %s", HOOKS_SCRIPTS_MAX, lim->dir);
      break;
    }
    /* Messages name a script as Lua does ("scripts/gifts.lua:12"); Lua
     * abbreviates names past LUA_IDSIZE - 1 bytes, so keep them shorter. */
    if (len >= sizeof src[n].file || len >= LUA_IDSIZE) {
      rc = pi_fail(err, PI_E_SCRIPT, "config.scripts.dir",
                   "script file name %.40s... is longer than %d bytes", de->d_name,
                   LUA_IDSIZE - 1);
      break;
    }
    memcpy(src[n].file, de->d_name, len + 1);
    size_t ll = strlen(label);
    char *ch = src[n].chunk;
    if (ll + 1 + len < sizeof src[n].chunk) {
      memcpy(ch, label, ll);
      ch[ll] = '/';
      memcpy(ch + ll + 1, de->d_name, len + 1);
    } else {
      memcpy(ch, de->d_name, len + 1);
    }
    n++;
  }
  closedir(d);
  if (rc) {
    free(src);
    return -1;
  }
  qsort(src, n, sizeof *src, cmp_source);
  *out = src;
  *nout = n;
  return 0;
}

/* Every script of the directory, read. */
static int read_sources(const hooks *h, source **out, size_t *nout, pi_error *err) {
  const script_limits *lim = limits(h);
  source *src;
  size_t n;
  if (list_sources(lim, &src, &n, err)) return -1;
  for (size_t i = 0; i < n; i++)
    if (read_source(lim->dir, &src[i], lim->max_file_bytes, err)) {
      free_sources(src, n);
      return -1;
    }
  *out = src;
  *nout = n;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Compiling a generation                                                    */

typedef struct load_ctx {
  const source *src;
  int *ref;
  int *policy;
} load_ctx;

/* Run the chunk; it must return a table of known hooks. */
static int load_script(lua_State *L) {
  load_ctx *c = lua_touserdata(L, 1);
  char name[LUA_IDSIZE + 2];
  snprintf(name, sizeof name, "@%s", c->src->chunk);
  lsb_load_text(L, name, c->src->text, c->src->len);
  lua_call(L, 0, 1);
  if (lua_type(L, -1) != LUA_TTABLE)
    return luaL_error(L, "%s: a script must return a table of hook functions, not %s",
                      c->src->chunk, luaL_typename(L, -1));
  int t = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int id = lua_type(L, -2) == LUA_TSTRING ? hook_parse(lua_tostring(L, -2)) : -1;
    if (id < 0 && lua_type(L, -2) == LUA_TSTRING &&
        strcmp(lua_tostring(L, -2), "on_error") == 0) {
      /* The script's own failure policy, beside its hooks. */
      const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
      if (strcmp(v, "fail_open") != 0 && strcmp(v, "fail_closed") != 0)
        return luaL_error(L, "%s: on_error must be \"fail_open\" or \"fail_closed\"",
                          c->src->chunk);
      *c->policy = strcmp(v, "fail_closed") == 0;
      lua_pop(L, 1);
      continue;
    }
    if (id < 0)
      return luaL_error(L, "%s: unknown hook '%s' (on_sale_begin, on_tag, "
                           "validate_party, classify, on_total, on_complete, "
                           "report_row, on_return; and on_error)",
                        c->src->chunk,
                        lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?");
    if (lua_type(L, -1) != LUA_TFUNCTION)
      return luaL_error(L, "%s: %s must be a function, not %s", c->src->chunk,
                        hook_name((hook_id)id), luaL_typename(L, -1));
    lua_pushvalue(L, -1);
    c->ref[id] = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
  }
  return 0;
}

static void free_gen(generation *g) {
  if (g == NULL) return;
  lsb_close(g->sb);
  free(g->ref);
  free(g->policy);
  free(g);
}

/* Lua's message for the commonest slip of an admin who knows Lua from
 * elsewhere says only that print is nil: say what to use instead. */
static void add_hint(lsb_failure *f) {
  if (strstr(f->message, "(global 'print')") == NULL) return;
  size_t n = strlen(f->message);
  int w = snprintf(f->message + n, sizeof f->message - n,
                   "; store scripts have no print: use pos.log(\"info\", text)");
  if (w < 0 || (size_t)w >= sizeof f->message - n) f->truncated = 1;
}

/* A new state with every script of src loaded, within load_ms in all. */
static int build(hooks *h, const source *src, size_t n, generation **out,
                 pi_error *err) {
  const script_limits *lim = limits(h);
  *out = NULL;
  generation *g = calloc(1, sizeof *g);
  if (g) g->ref = malloc((n ? n : 1) * sizeof *g->ref);
  if (g) g->policy = malloc((n ? n : 1) * sizeof *g->policy);
  if (g == NULL || g->ref == NULL || g->policy == NULL) {
    if (g) {
      free(g->ref);
      free(g->policy);
    }
    free(g);
    return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    g->policy[i] = -1;
    for (int k = 0; k < HOOK_COUNT; k++) g->ref[i][k] = LUA_NOREF;
  }
  lsb_limits ll = {lim->memory_bytes, 0, lim->budget_signal};
  lsb_failure f;
  if (lsb_open(&ll, &g->sb, err)) goto fail;
  if (lsb_run(g->sb, hooks_pos_setup, &h->pos, "pos", HOOKS_SETUP_MS, &f) != LSB_OK) {
    pi_fail(err, PI_E_NOMEM, "", "cannot build the pos library: %s", f.message);
    goto fail;
  }
  int64_t start = cpu_ms();
  for (size_t i = 0; i < n; i++) {
    int64_t spent = cpu_ms() - start;
    if (spent >= (int64_t)lim->load_ms) {
      pi_fail(err, PI_E_SCRIPT, src[i].chunk,
              "%s: loading the scripts went over their time budget of %u ms "
              "(config.scripts.load_ms)",
              src[i].chunk, lim->load_ms);
      goto fail;
    }
    load_ctx c = {&src[i], g->ref[i], &g->policy[i]};
    h->pos.current = src[i].chunk;
    h->pos.logged = 0;
    lsb_status st = lsb_run(g->sb, load_script, &c, src[i].chunk,
                            (unsigned)((int64_t)lim->load_ms - spent), &f);
    h->pos.current = NULL;
    if (st == LSB_ERR_TIME) {
      /* The run's own budget was what remained of load_ms: name the setting
         the admin wrote, not that remainder. */
      pi_fail(err, PI_E_SCRIPT, f.where,
              "%s: loading the scripts went over their time budget of %u ms "
              "(config.scripts.load_ms)",
              f.where[0] ? f.where : src[i].chunk, lim->load_ms);
      goto fail;
    }
    if (st != LSB_OK) {
      add_hint(&f);
      pi_fail(err, PI_E_SCRIPT, f.where, "%s", f.message);
      goto fail;
    }
  }
  *out = g;
  return 0;
fail:
  h->pos.current = NULL;
  free_gen(g);
  return -1;
}

/* Rebuild the state from the active sources: after a time-out or memory
 * overrun the scripts' own data may be half-updated or fill the cap. */
static void reset(hooks *h, const char *why) {
  generation *g;
  pi_error e;
  pi_error_clear(&e);
  hlog(h, POSPLUG_LOG_WARN, "store scripts: resetting the Lua state (%s)", why);
  free_gen(h->gen);
  h->gen = NULL;
  if (build(h, h->src, h->nsrc, &g, &e) == 0) {
    h->gen = g;
    return;
  }
  snprintf(h->broken, sizeof h->broken, "%s", e.message);
  h->broken_at = mono_ms();
  hlog(h, POSPLUG_LOG_ERROR, "store scripts are disabled: %s", e.message);
}

int hooks_open(const hooks_env *env, hooks **out, pi_error *err) {
  *out = NULL;
  hooks *h = calloc(1, sizeof *h);
  if (h == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  h->env = *env;
  h->pos.env = &h->env;
  if (env->cfg->scripts.dir[0] != '\0' &&
      (read_sources(h, &h->src, &h->nsrc, err) ||
       (h->nsrc > 0 && build(h, h->src, h->nsrc, &h->gen, err)))) {
    hooks_close(h);
    return -1;
  }
  int sig = h->gen ? lsb_budget_signal() : -1;
  if (sig == 0 && limits(h)->budget_signal == LSB_SIGNAL_NONE)
    hlog(h, POSPLUG_LOG_INFO, "store scripts: time budgets use a count hook, as "
                              "config.scripts.budget_signal \"none\" asks; no signal "
                              "is taken, and scripts run slower");
  else if (sig == 0)
    hlog(h, POSPLUG_LOG_WARN, "store scripts: no real-time signal is free; time "
                              "budgets use a count hook, and scripts run slower");
  else if (sig > 0) /* posplug.h: the plugin logs which signal it took */
    hlog(h, POSPLUG_LOG_INFO, "store scripts: time budgets use real-time signal %d "
                              "(SIGRTMIN+%d) while scripts are loaded",
         sig, sig - SIGRTMIN);
  *out = h;
  return 0;
}

int hooks_reload(hooks *h, pi_error *err) {
  if (limits(h)->dir[0] == '\0') return 0;
  source *src;
  size_t n;
  generation *g = NULL;
  if (read_sources(h, &src, &n, err)) goto fail;
  if (n > 0 && build(h, src, n, &g, err)) {
    free_sources(src, n);
    goto fail;
  }
  free_gen(h->gen);
  free_sources(h->src, h->nsrc);
  h->gen = g;
  h->src = src;
  h->nsrc = n;
  hlog(h, POSPLUG_LOG_INFO, "store scripts reloaded: %zu script%s", n,
       n == 1 ? "" : "s");
  return 0;
fail:
  hlog(h, POSPLUG_LOG_ERROR, "store scripts not reloaded, the old ones stay active: %s",
       err ? err->message : "");
  return -1;
}

void hooks_close(hooks *h) {
  if (h == NULL) return;
  free_gen(h->gen);
  free_sources(h->src, h->nsrc);
  free(h);
}

size_t hooks_script_count(const hooks *h) { return h ? h->nsrc : 0; }

int hooks_check_dir(const hooks_env *env, hooks_check_fn report, void *ctx,
                    pi_error *err) {
  hooks h;
  memset(&h, 0, sizeof h);
  h.env = *env;
  h.pos.env = &h.env;
  source *src;
  size_t n;
  int failures = 0;
  if (list_sources(limits(&h), &src, &n, err)) return -1;
  for (size_t i = 0; i < n; i++) {
    pi_error e;
    generation *g = NULL;
    unsigned mask = 0;
    pi_error_clear(&e);
    if (read_source(limits(&h)->dir, &src[i], limits(&h)->max_file_bytes, &e) == 0 &&
        build(&h, &src[i], 1, &g, &e) == 0) {
      for (int k = 0; k < HOOK_COUNT; k++)
        if (g->ref[0][k] != LUA_NOREF) mask |= 1u << k;
      report(ctx, src[i].chunk, mask, NULL);
    } else {
      failures++;
      report(ctx, src[i].chunk, 0, &e);
    }
    free_gen(g);
  }
  free_sources(src, n);
  return failures;
}

/* ------------------------------------------------------------------------ */
/* Calling hooks                                                             */

/* on_complete: the merged answer of every script so far. */
typedef struct meta_acc {
  cJSON *root;
  size_t cap;   /* bytes the caller can store, with the NUL */
} meta_acc;

/* Everything one hook call needs and answers; one per hooks_* entry. */
typedef struct call {
  hooks *h;
  const source *src;
  int ref;
  purpose dflt;
  const sale *s;
  tag *t;
  const decision *d;
  const char *role;
  const party *p;
  const gift_info *g;
  cJSON *row;
  const char *report;  /* report_row: the report's name, or NULL */
  meta_acc *acc;
  /* answers of the current script */
  int refused;
  char msg[HT_MESSAGE_MAX];
  int amended;
  tag amend;
  int has_total;
  total_answer *total; /* h->total */
  buyer_status *st;    /* h->st    */
  cJSON *json;         /* meta or columns; owned by the call */
  /* on_return */
  const cJSON *rsale, *ret;
  hooks_return_answer *rans;
  return_answer_in rin;
} call;

static void trace(const hooks *h, hook_id id, const source *src, cJSON *answer) {
  if (h->env.trace && answer) {
    char *text = cJSON_PrintUnformatted(answer);
    if (text) h->env.trace(h->env.trace_ctx, hook_name(id), src->file, text);
    free(text);
  }
  cJSON_Delete(answer);
}

static cJSON *answer(const char *result) {
  cJSON *a = cJSON_CreateObject();
  if (a) cJSON_AddStringToObject(a, "result", result);
  return a;
}

static int refuse(call *c, pi_error *err) {
  pi_fail(err, PI_E_REFUSED, c->src->chunk, "%s", c->msg);
  return HOOK_REFUSE;
}

const hooks_failure *hooks_failures(const hooks *h, size_t *n, size_t *more) {
  *n = h ? h->nfail : 0;
  *more = h ? h->morefail : 0;
  return h ? h->fail : NULL;
}

void hooks_clear_failures(hooks *h) {
  if (h) h->nfail = h->morefail = 0;
}

_Static_assert(HOOKS_MESSAGE_MAX == LSB_MESSAGE_MAX &&
                   HOOKS_MESSAGE_MAX == SALE_SCRIPT_MESSAGE_MAX,
               "a failure's sentence is kept whole from the sandbox to the record");

/* Keep a failure for the reply (hooks_failures). */
static void note_failure(hooks *h, hook_id id, const lsb_failure *f, int closed) {
  if (h->nfail == HOOKS_FAILURES_MAX) {
    h->morefail++;
    return;
  }
  hooks_failure *x = &h->fail[h->nfail++];
  snprintf(x->hook, sizeof x->hook, "%s", hook_name(id));
  snprintf(x->where, sizeof x->where, "%s", f->where);
  snprintf(x->message, sizeof x->message, "%s", f->message);
  x->truncated = f->truncated;
  x->closed = closed;
}

/* The failure policy of the script being run: its own on_error, else the
 * store's. */
static int policy_closed(const call *c) {
  const hooks *h = c->h;
  if (h->gen && c->src) {
    int own = h->gen->policy[c->src - h->src];
    if (own >= 0) return own;
  }
  return limits(h)->fail_closed;
}

/* A failed run: log it with file:line, trace it, reset a tainted state and
 * apply the policy. */
static int failed(call *c, hook_id id, const lsb_failure *f_in, pi_error *err) {
  hooks *h = c->h;
  lsb_failure hinted = *f_in;
  const lsb_failure *f = &hinted;
  add_hint(&hinted);
  int closed = policy_closed(c);
  note_failure(h, id, f, closed);
  static const char *const kinds[] = {"ok", "script", "time", "memory"};
  hlog(h, POSPLUG_LOG_ERROR, "store script failed in %s: %s (%s: %s)", hook_name(id),
       f->message, closed ? "fail_closed" : "fail_open",
       closed ? "the action is refused" : "ignored");
  if (h->env.trace) {
    cJSON *a = answer("error");
    cJSON_AddStringToObject(a, "kind", kinds[f->status]);
    cJSON_AddStringToObject(a, "where", f->where);
    cJSON_AddStringToObject(a, "message", f->message);
    cJSON_AddStringToObject(a, "policy", closed ? "fail_closed" : "fail_open");
    trace(h, id, c->src, a);
  }
  if (f->status != LSB_ERR_SCRIPT || lsb_tainted(h->gen->sb)) reset(h, f->message);
  if (!closed) return HOOK_PASS;
  pi_fail(err, PI_E_REFUSED, f->where,
          "A store rule could not be checked, so this step is refused; ask the "
          "store admin (%s failed: %s)",
          hook_name(id), f->message);
  return HOOK_REFUSE;
}

/* 1 when scripts can run; otherwise *rc is the result to give at once. */
static int ready(hooks *h, pi_error *err, int *rc) {
  *rc = HOOK_PASS;
  if (h == NULL || h->nsrc == 0) return 0;
  if (h->gen == NULL && mono_ms() - h->broken_at >= HOOKS_RETRY_MS)
    reset(h, "retrying after an earlier failure");
  if (h->gen) return 1;
  if (limits(h)->fail_closed) {
    pi_fail(err, PI_E_REFUSED, "scripts", "store scripts are unavailable: %s", h->broken);
    *rc = HOOK_REFUSE;
  }
  return 0;
}

/* After a call: a state that keeps most of its cap after a full collection
 * would fail the next call, so rebuild it now. */
static void settle(hooks *h) {
  if (h->gen == NULL) return;
  size_t lim = lsb_memory_limit(h->gen->sb);
  if (lsb_memory_used(h->gen->sb) <= lim / 4 * 3) return;
  lsb_collect(h->gen->sb);
  size_t used = lsb_memory_used(h->gen->sb);
  if (used <= lim / 4 * 3) return;
  char why[96];
  snprintf(why, sizeof why, "scripts hold %zu KiB of the %zu KiB cap", used >> 10,
           lim >> 10);
  reset(h, why);
}

/* Applies one script's answer; returns a HOOK_* code (pi_fail's -1 is
 * HOOK_FAIL). */
typedef int (*apply_fn)(call *c, hook_id id, pi_error *err);

/* Run trampoline `tr` for every script that defines hook `id`, in order,
 * applying each answer with `apply`; stop at the first refusal. */
static int each_script(call *c, hook_id id, lua_CFunction tr, apply_fn apply,
                       pi_error *err) {
  hooks *h = c->h;
  int rc;
  if (!ready(h, err, &rc)) return rc;
  for (size_t i = 0; i < h->nsrc && rc == HOOK_PASS && h->gen; i++) {
    c->ref = h->gen->ref[i][id];
    if (c->ref == LUA_NOREF) continue;
    c->src = &h->src[i];
    c->refused = c->amended = c->has_total = 0;
    c->msg[0] = '\0';
    if (c->json == NULL &&
        (id == HOOK_ON_COMPLETE || id == HOOK_REPORT_ROW || id == HOOK_ON_RETURN)) {
      c->json = cJSON_CreateObject();
      if (c->json == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
    }
    h->pos.current = c->src->chunk;
    h->pos.logged = 0;
    lsb_failure f;
    lsb_status st = lsb_run(h->gen->sb, tr, c, c->src->chunk, limits(h)->hook_ms, &f);
    h->pos.current = NULL;
    h->pos.line = 0;
    rc = st == LSB_OK ? apply(c, id, err) : failed(c, id, &f, err);
    cJSON_Delete(c->json);
    c->json = NULL;
  }
  settle(h);
  return rc;
}

/* Push the hook function of the current script, and note its first line:
 * the place errors in its answer point to. */
static void push_fn(lua_State *L, const call *c) {
  lua_Debug ar;
  lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
  lua_pushvalue(L, -1);
  c->h->pos.line = lua_getinfo(L, ">S", &ar) ? ar.linedefined : 0;
}

/* A trampoline's first steps: its call (the light userdata at 1), the
 * key names table (*keys: its stack index) and the hook function, pushed
 * in the order every hook's arguments expect. */
static call *tr_begin(lua_State *L, int *keys) {
  call *c = lua_touserdata(L, 1);
  *keys = ht_push_keys(L);
  push_fn(L, c);
  return c;
}

/* Default refusal sentence. */
static void default_refusal(const call *c, char *buf, size_t cap) {
  snprintf(buf, cap, "refused by store script %s", c->src->file);
}

/* nil/true pass; false,"message" or "message" refuse; else an error. */
static void read_verdict(lua_State *L, call *c, const char *hook) {
  char dflt[96];
  default_refusal(c, dflt, sizeof dflt);
  int r = ht_read_refusal(L, lua_gettop(L) - 1, 2, hook, dflt, c->msg);
  char v[64];
  if (r == 2)
    ht_error(L, "%s must return nil, true, or false and a message, not %s", hook,
             ht_value_text(L, -2, v, sizeof v));
  c->refused = r;
}

static int apply_verdict(call *c, hook_id id, pi_error *err) {
  if (c->h->env.trace) {
    cJSON *a = answer(c->refused ? "refuse" : "pass");
    if (c->refused) cJSON_AddStringToObject(a, "message", c->msg);
    trace(c->h, id, c->src, a);
  }
  return c->refused ? refuse(c, err) : HOOK_PASS;
}

/* ---- on_sale_begin ------------------------------------------------------ */

static int tr_sale_begin(lua_State *L) {
  int keys;
  call *c = tr_begin(L, &keys);
  ht_push_sale(L, keys, c->s, c->dflt);
  lua_call(L, 1, 2);
  read_verdict(L, c, "on_sale_begin");
  return 0;
}

/* Start a call: nothing at all when there are no scripts to run. */
#define BEGIN_CALL(hk, sl, e)                                                  \
  int rc_;                                                                     \
  if (!ready((hk), (e), &rc_)) return rc_;                                     \
  call call_ = {.h = (hk),                                                     \
                .s = (sl),                                                     \
                .dflt = (purpose)(hk)->env.cfg->default_purpose,               \
                .total = &(hk)->total,                                         \
                .st = (hk)->st};                                               \
  call *c = &call_

int hooks_on_sale_begin(hooks *h, const sale *s, pi_error *err) {
  BEGIN_CALL(h, s, err);
  return each_script(c, HOOK_ON_SALE_BEGIN, tr_sale_begin, apply_verdict, err);
}

/* ---- on_tag ------------------------------------------------------------- */

static int tr_tag(lua_State *L) {
  int keys;
  call *c = tr_begin(L, &keys);
  ht_push_sale(L, keys, c->s, c->dflt);
  ht_push_tag(L, keys, c->t);
  lua_call(L, 2, 2);
  char dflt[96];
  default_refusal(c, dflt, sizeof dflt);
  int r = ht_read_refusal(L, lua_gettop(L) - 1, 2, "on_tag", dflt, c->msg);
  if (r == 2) {
    c->amend = *c->t;
    ht_read_tag(L, lua_gettop(L) - 1, &c->amend);
    c->amended = 1;
  }
  c->refused = r == 1;
  return 0;
}

static cJSON *tag_json(const tag *t) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "purpose", purpose_name(t->purpose));
  if (t->line[0]) cJSON_AddStringToObject(o, "line", t->line);
  if (t->purpose == PURPOSE_GIFT) {
    cJSON *r = cJSON_AddObjectToObject(o, "recipient");
    cJSON_AddStringToObject(r, "name", t->gift.recipient_name);
    cJSON_AddStringToObject(r, "contact", t->gift.recipient_contact);
    cJSON_AddStringToObject(o, "message", t->gift.message);
    if (t->gift.gift_receipt >= 0)
      cJSON_AddBoolToObject(o, "gift_receipt", t->gift.gift_receipt);
  }
  return o;
}

static int apply_tag(call *c, hook_id id, pi_error *err) {
  if (!c->amended) return apply_verdict(c, id, err);
  *c->t = c->amend;
  if (c->h->env.trace) {
    cJSON *a = answer("amend");
    cJSON_AddItemToObject(a, "tag", tag_json(c->t));
    trace(c->h, id, c->src, a);
  }
  return HOOK_PASS;
}

int hooks_on_tag(hooks *h, const sale *s, tag *t, pi_error *err) {
  BEGIN_CALL(h, s, err);
  c->t = t;
  return each_script(c, HOOK_ON_TAG, tr_tag, apply_tag, err);
}

/* ---- validate_party ----------------------------------------------------- */

static int tr_party(lua_State *L) {
  int keys;
  call *c = tr_begin(L, &keys);
  if (c->p)
    ht_push_customer(L, keys, c->p, c->s->at);
  else
    ht_push_recipient(L, keys, c->g);
  ht_push_sale(L, keys, c->s, c->dflt);
  lua_call(L, 2, 2);
  read_verdict(L, c, "validate_party");
  return 0;
}

int hooks_validate_party(hooks *h, const sale *s, const char *role, const party *p,
                         const gift_info *g, pi_error *err) {
  int is_customer = role && strcmp(role, "customer") == 0;
  if ((is_customer && p == NULL) || (!is_customer && g == NULL))
    return pi_fail(err, PI_E_INTERNAL, "", "validate_party needs a party or a gift");
  BEGIN_CALL(h, s, err);
  c->role = role;
  c->p = is_customer ? p : NULL;
  c->g = is_customer ? NULL : g;
  return each_script(c, HOOK_VALIDATE_PARTY, tr_party, apply_verdict, err);
}

/* ---- classify ----------------------------------------------------------- */

/* One budget covers all of a script's calls for the sale's lines. */
static int tr_classify(lua_State *L) {
  call *c = lua_touserdata(L, 1);
  int keys = ht_push_keys(L);
  ht_push_sale(L, keys, c->s, c->dflt);
  int sale_t = lua_gettop(L);
  /* The line tables, kept apart from sale.lines (which the script may
   * change) so that every line is asked about exactly once. */
  lua_getfield(L, sale_t, "lines");
  int lines = lua_gettop(L);
  lua_createtable(L, (int)c->s->nlines, 0);
  int copy = lua_gettop(L);
  for (size_t i = 1; i <= c->s->nlines; i++) {
    lua_rawgeti(L, lines, (lua_Integer)i);
    lua_rawseti(L, copy, (lua_Integer)i);
  }
  for (size_t i = 0; i < c->s->nlines; i++) {
    push_fn(L, c);
    lua_pushvalue(L, sale_t);
    lua_rawgeti(L, copy, (lua_Integer)i + 1);
    lua_call(L, 2, 1);
    c->st[i] = ht_read_status(L, -1, c->s->lines[i].line);
    lua_pop(L, 1);
  }
  return 0;
}

static int apply_classify(call *c, hook_id id, pi_error *err) {
  (void)err;
  sale *s = (sale *)c->s; /* hooks_classify was given a mutable sale */
  cJSON *lines = c->h->env.trace ? cJSON_CreateObject() : NULL;
  for (size_t i = 0; i < s->nlines; i++) {
    if (c->st[i] == STATUS_NONE) continue;
    s->lines[i].status_override = c->st[i];
    if (lines) cJSON_AddStringToObject(lines, s->lines[i].line, status_name(c->st[i]));
  }
  if (lines) {
    cJSON *a = answer(lines->child ? "classify" : "pass");
    if (lines->child)
      cJSON_AddItemToObject(a, "lines", lines);
    else
      cJSON_Delete(lines);
    trace(c->h, id, c->src, a);
  }
  return HOOK_PASS;
}

int hooks_classify(hooks *h, sale *s, pi_error *err) {
  for (size_t i = 0; i < s->nlines; i++) s->lines[i].status_override = STATUS_NONE;
  BEGIN_CALL(h, s, err);
  return each_script(c, HOOK_CLASSIFY, tr_classify, apply_classify, err);
}

/* ---- on_total ----------------------------------------------------------- */

/* The number of d's prompts that survive the drops of answer t. */
static size_t prompts_kept(const decision *d, const total_answer *t) {
  size_t kept = 0;
  for (size_t i = 0; i < d->nprompts; i++) {
    int dropped = 0;
    for (size_t k = 0; k < t->ndrop && !dropped; k++)
      dropped = strcmp(d->prompts[i].id, t->drop[k]) == 0;
    kept += !dropped;
  }
  return kept;
}

/* An on_total answer must fit the decision whole: what earlier scripts and
 * the built-in rules put there plus what this one adds.  One that does not
 * is this script's error (logged, in the reply's script_errors, and under
 * fail_closed a refusal); nothing of it is applied, nothing is dropped. */
static void check_total_fits(lua_State *L, const decision *d, const total_answer *t) {
  size_t prompts = prompts_kept(d, t);
  if (prompts + t->nprompts > DECIDE_PROMPTS_MAX)
    ht_error(L, "on_total: the decision holds at most %d prompts; it has %zu and this "
                "answer adds %zu",
             DECIDE_PROMPTS_MAX, prompts, t->nprompts);
  if (d->nreceipt + t->nreceipt > DECIDE_RECEIPT_MAX)
    ht_error(L, "on_total: the decision holds at most %d receipt lines; it has %zu and "
                "this answer adds %zu",
             DECIDE_RECEIPT_MAX, d->nreceipt, t->nreceipt);
  if (d->nblocks + t->nblocks > DECIDE_BLOCKS_MAX)
    ht_error(L, "on_total: the decision holds at most %d blocks; it has %zu and this "
                "answer adds %zu",
             DECIDE_BLOCKS_MAX, d->nblocks, t->nblocks);
}

static int tr_total(lua_State *L) {
  int keys;
  call *c = tr_begin(L, &keys);
  ht_push_sale(L, keys, c->s, c->dflt);
  ht_push_decision(L, keys, c->d);
  lua_call(L, 2, 1);
  if (!lua_isnil(L, -1)) {
    ht_read_total(L, lua_gettop(L), c->total);
    check_total_fits(L, c->d, c->total);
    c->has_total = 1;
  }
  return 0;
}

static cJSON *total_json(const total_answer *t) {
  cJSON *a = answer("amend");
  if (t->nprompts) {
    cJSON *arr = cJSON_AddArrayToObject(a, "prompts");
    for (size_t i = 0; i < t->nprompts; i++) {
      cJSON *p = cJSON_CreateObject();
      cJSON_AddStringToObject(p, "id", t->prompts[i].id);
      cJSON_AddStringToObject(p, "text", t->prompts[i].text);
      if (t->prompts[i].field[0])
        cJSON_AddStringToObject(p, "field", t->prompts[i].field);
      if (t->prompts[i].line[0]) cJSON_AddStringToObject(p, "line", t->prompts[i].line);
      cJSON_AddItemToArray(arr, p);
    }
  }
  if (t->nreceipt) {
    cJSON *arr = cJSON_AddArrayToObject(a, "receipt");
    for (size_t i = 0; i < t->nreceipt; i++)
      cJSON_AddItemToArray(arr, cJSON_CreateString(t->receipt[i]));
  }
  if (t->has_treatment)
    cJSON_AddStringToObject(a, "treatment", treatment_name(t->treatment));
  if (t->ndrop) {
    cJSON *arr = cJSON_AddArrayToObject(a, "drop_prompts");
    for (size_t i = 0; i < t->ndrop; i++)
      cJSON_AddItemToArray(arr, cJSON_CreateString(t->drop[i]));
  }
  if (t->nblocks) {
    cJSON *arr = cJSON_AddArrayToObject(a, "block");
    for (size_t i = 0; i < t->nblocks; i++)
      cJSON_AddItemToArray(arr, cJSON_CreateString(t->blocks[i]));
  }
  return a;
}

static int apply_total(call *c, hook_id id, pi_error *err) {
  (void)err;
  decision *d = (decision *)c->d; /* hooks_on_total was given a mutable one */
  const total_answer *t = c->total;
  if (!c->has_total) {
    if (c->h->env.trace) trace(c->h, id, c->src, answer("pass"));
    return HOOK_PASS;
  }
  int full = 0;
  /* Drops first, so that a script replaces a prompt by dropping its id and
   * adding its own.  tr_total checked that the whole answer fits. */
  for (size_t i = 0; i < t->ndrop; i++) decision_drop_prompt(d, t->drop[i]);
  for (size_t i = 0; i < t->nprompts; i++) full |= decision_add_prompt(d, &t->prompts[i]);
  for (size_t i = 0; i < t->nreceipt; i++) full |= decision_add_receipt(d, t->receipt[i]);
  for (size_t i = 0; i < t->nblocks; i++)
    full |= decision_add_block(d, "script", c->src->chunk, t->blocks[i]);
  assert(!full);
  (void)full;
  if (t->has_treatment) d->treatment = t->treatment;
  if (c->h->env.trace) trace(c->h, id, c->src, total_json(t));
  return HOOK_PASS;
}

int hooks_on_total(hooks *h, const sale *s, decision *d, pi_error *err) {
  BEGIN_CALL(h, s, err);
  c->d = d;
  return each_script(c, HOOK_ON_TOTAL, tr_total, apply_total, err);
}

/* ---- on_complete -------------------------------------------------------- */

static int tr_complete(lua_State *L) {
  int keys;
  call *c = tr_begin(L, &keys);
  ht_push_sale(L, keys, c->s, c->dflt);
  ht_push_decision(L, keys, c->d);
  lua_call(L, 2, 1);
  if (!lua_isnil(L, -1)) ht_read_meta(L, lua_gettop(L), c->json);
  return 0;
}

/* Printed size of `o`, or SIZE_MAX when it cannot be printed. */
static size_t printed_size(const cJSON *o) {
  char *text = cJSON_PrintUnformatted(o);
  size_t n = text ? strlen(text) : SIZE_MAX;
  free(text);
  return n;
}

static int apply_complete(call *c, hook_id id, pi_error *err) {
  meta_acc *acc = c->acc;
  if (c->json->child == NULL) {
    if (c->h->env.trace) trace(c->h, id, c->src, answer("pass"));
    return HOOK_PASS;
  }
  /* Merge into a copy, so that an answer that makes the whole too large
   * is dropped as a whole.  Later scripts override earlier keys. */
  cJSON *merged = cJSON_Duplicate(acc->root, 1);
  if (merged == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  for (cJSON *m = c->json->child; m; m = m->next) {
    cJSON *copy = cJSON_Duplicate(m, 1);
    if (copy == NULL || (cJSON_HasObjectItem(merged, m->string)
                             ? !cJSON_ReplaceItemInObjectCaseSensitive(merged, m->string,
                                                                       copy)
                             : !cJSON_AddItemToObject(merged, m->string, copy))) {
      cJSON_Delete(copy);
      cJSON_Delete(merged);
      return pi_fail(err, PI_E_NOMEM, "", "out of memory");
    }
  }
  if (printed_size(merged) >= acc->cap) {
    cJSON_Delete(merged);
    lsb_failure f = {LSB_ERR_SCRIPT, "", "", 0};
    snprintf(f.where, sizeof f.where, "%s", c->src->chunk);
    int w = snprintf(f.message, sizeof f.message,
                     "%s: on_complete: the stored fields would exceed %zu bytes",
                     c->src->chunk, acc->cap - 1);
    f.truncated = w < 0 || (size_t)w >= sizeof f.message;
    return failed(c, id, &f, err);
  }
  cJSON_Delete(acc->root);
  acc->root = merged;
  if (c->h->env.trace) {
    cJSON *a = answer("meta");
    cJSON_AddItemToObject(a, "meta", cJSON_Duplicate(c->json, 1));
    trace(c->h, id, c->src, a);
  }
  return HOOK_PASS;
}

int hooks_on_complete(hooks *h, const sale *s, const decision *d, char *meta,
                      size_t cap, pi_error *err) {
  if (cap > 0) meta[0] = '\0';
  BEGIN_CALL(h, s, err);
  meta_acc acc = {cJSON_CreateObject(), cap};
  if (acc.root == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  c->d = d;
  c->acc = &acc;
  int rc = each_script(c, HOOK_ON_COMPLETE, tr_complete, apply_complete, err);
  if (rc == HOOK_PASS && acc.root->child) {
    char *text = cJSON_PrintUnformatted(acc.root);
    if (text == NULL)
      rc = pi_fail(err, PI_E_NOMEM, "", "out of memory");
    else
      snprintf(meta, cap, "%s", text);
    free(text);
  }
  cJSON_Delete(acc.root);
  return rc;
}

/* ---- on_return ---------------------------------------------------------- */

static int tr_return(lua_State *L) {
  call *c = lua_touserdata(L, 1);
  push_fn(L, c);
  ht_push_json(L, c->rsale, 0);
  ht_push_json(L, c->ret, 0);
  lua_call(L, 2, 2);
  char dflt[96];
  default_refusal(c, dflt, sizeof dflt);
  int r = ht_read_refusal(L, lua_gettop(L) - 1, 2, "on_return", dflt, c->msg);
  c->rin.nreceipt = 0;
  if (r == 2) {
    ht_read_return(L, lua_gettop(L) - 1, &c->rin, c->json);
    /* The answer fits whole, or it is this script's error: nothing cut. */
    if (c->rans->nreceipt + c->rin.nreceipt > HOOKS_RETURN_RECEIPT_MAX)
      ht_error(L, "on_return: a return holds at most %d receipt lines; it has %zu and "
                  "this answer adds %zu",
               HOOKS_RETURN_RECEIPT_MAX, c->rans->nreceipt, c->rin.nreceipt);
    c->amended = 1;
  }
  c->refused = r == 1;
  return 0;
}

static int apply_return(call *c, hook_id id, pi_error *err) {
  if (!c->amended) return apply_verdict(c, id, err);
  meta_acc *acc = c->acc;
  cJSON *merged = NULL;
  if (c->json->child) {
    /* Merged into a copy, so that an answer that makes the whole too large
     * is dropped as a whole, as on_complete's; later scripts' keys win. */
    merged = cJSON_Duplicate(acc->root, 1);
    if (merged == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
    for (cJSON *m = c->json->child; m; m = m->next) {
      cJSON *copy = cJSON_Duplicate(m, 1);
      if (copy == NULL || (cJSON_HasObjectItem(merged, m->string)
                               ? !cJSON_ReplaceItemInObjectCaseSensitive(merged, m->string,
                                                                         copy)
                               : !cJSON_AddItemToObject(merged, m->string, copy))) {
        cJSON_Delete(copy);
        cJSON_Delete(merged);
        return pi_fail(err, PI_E_NOMEM, "", "out of memory");
      }
    }
    if (printed_size(merged) >= acc->cap) {
      cJSON_Delete(merged);
      lsb_failure f = {LSB_ERR_SCRIPT, "", "", 0};
      snprintf(f.where, sizeof f.where, "%s", c->src->chunk);
      int w = snprintf(f.message, sizeof f.message,
                       "%s: on_return: the stored fields would exceed %zu bytes",
                       c->src->chunk, acc->cap - 1);
      f.truncated = w < 0 || (size_t)w >= sizeof f.message;
      return failed(c, id, &f, err);
    }
    cJSON_Delete(acc->root);
    acc->root = merged;
  }
  hooks_return_answer *ans = c->rans;
  assert(ans->nreceipt + c->rin.nreceipt <= HOOKS_RETURN_RECEIPT_MAX); /* tr_return */
  for (size_t i = 0; i < c->rin.nreceipt; i++)
    memcpy(ans->receipt[ans->nreceipt++], c->rin.receipt[i], sizeof ans->receipt[0]);
  if (c->h->env.trace) {
    cJSON *a = answer("amend");
    if (c->rin.nreceipt) {
      cJSON *arr = cJSON_AddArrayToObject(a, "receipt");
      for (size_t i = 0; i < c->rin.nreceipt; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(c->rin.receipt[i]));
    }
    if (c->json->child) cJSON_AddItemToObject(a, "meta", cJSON_Duplicate(c->json, 1));
    trace(c->h, id, c->src, a);
  }
  return HOOK_PASS;
}

int hooks_on_return(hooks *h, const cJSON *sold, const cJSON *ret,
                    hooks_return_answer *ans, pi_error *err) {
  memset(ans, 0, sizeof *ans);
  BEGIN_CALL(h, NULL, err);
  meta_acc acc = {cJSON_CreateObject(), sizeof ans->meta};
  if (acc.root == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  c->rsale = sold;
  c->ret = ret;
  c->rans = ans;
  c->acc = &acc;
  int rc = each_script(c, HOOK_ON_RETURN, tr_return, apply_return, err);
  if (rc == HOOK_PASS && acc.root->child) {
    char *text = cJSON_PrintUnformatted(acc.root);
    if (text == NULL)
      rc = pi_fail(err, PI_E_NOMEM, "", "out of memory");
    else
      snprintf(ans->meta, sizeof ans->meta, "%s", text);
    free(text);
  }
  if (rc != HOOK_PASS) memset(ans, 0, sizeof *ans);
  cJSON_Delete(acc.root);
  return rc;
}

/* ---- report_row --------------------------------------------------------- */

static int tr_report(lua_State *L) {
  call *c = lua_touserdata(L, 1);
  push_fn(L, c);
  ht_push_json(L, c->row, 0);
  if (c->report)
    lua_pushstring(L, c->report);
  else
    lua_pushnil(L);
  lua_call(L, 2, 1);
  if (!lua_isnil(L, -1)) ht_read_columns(L, lua_gettop(L), c->row, c->json);
  return 0;
}

static int apply_report(call *c, hook_id id, pi_error *err) {
  cJSON *row = c->row;
  if (c->h->env.trace) {
    cJSON *a = answer(c->json->child ? "columns" : "pass");
    if (c->json->child) cJSON_AddItemToObject(a, "columns", cJSON_Duplicate(c->json, 1));
    trace(c->h, id, c->src, a);
  }
  while (c->json->child) {
    cJSON *m = cJSON_DetachItemViaPointer(c->json, c->json->child);
    if (!cJSON_AddItemToObject(row, m->string, m)) {
      cJSON_Delete(m);
      return pi_fail(err, PI_E_NOMEM, "", "out of memory");
    }
  }
  return HOOK_PASS;
}

int hooks_report_row_in(hooks *h, cJSON *row, const char *report, pi_error *err) {
  BEGIN_CALL(h, NULL, err);
  c->row = row;
  c->report = report;
  return each_script(c, HOOK_REPORT_ROW, tr_report, apply_report, err);
}

int hooks_report_row(hooks *h, cJSON *row, pi_error *err) {
  return hooks_report_row_in(h, row, NULL, err);
}
