/* SPDX-License-Identifier: MIT */
/* luasandbox.c - the sandboxed Lua state: allocator with a cap, read-only
 * libraries, per-script environments, loading and running.  The time
 * budget is luasandbox_budget.c's, the guarded library functions are
 * luasandbox_guard.c's (luasandbox_int.h). */
#include "script/luasandbox_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "base/utf8.h"

#define KEY_BASE "posintent.sandbox.base"
#define KEY_LIBS "posintent.sandbox.libs"

luasandbox *lsb_from(lua_State *L) {
  luasandbox *sb;
  memcpy(&sb, lua_getextraspace(L), sizeof sb);
  return sb;
}

/* "chunk:line" of the innermost Lua function on the stack from `level`
 * up, into out[cap]; "" when there is none. */
static void lua_position(lua_State *L, int level, char *out, size_t cap) {
  lua_Debug ar;
  out[0] = '\0';
  for (; lua_getstack(L, level, &ar); level++) {
    if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
      snprintf(out, cap, "%s:%d", ar.short_src, ar.currentline);
      return;
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Memory                                                                    */

/* Where the script was when memory ran out.  Reading the call stack here
 * is safe: the allocator refuses *before* anything is moved, and
 * lua_getstack/lua_getinfo("Sl") only read call frames and prototypes.
 * The line may lag by up to `check_every` instructions (the saved pc is
 * refreshed at calls and hooks), which is close enough to find the bomb. */
static void note_oom(luasandbox *sb) {
  sb->oom = 1;
  if (sb->in_run && sb->oom_where[0] == '\0' && sb->L)
    lua_position(sb->L, 0, sb->oom_where, sizeof sb->oom_where);
}

static void *lsb_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  luasandbox *sb = ud;
  size_t old = ptr ? osize : 0; /* with ptr NULL, osize is a type tag */
  if (nsize == 0) {
    free(ptr);
    sb->used -= old;
    return NULL;
  }
  if (nsize > old && nsize - old > sb->limit - sb->used) {
    note_oom(sb);
    return NULL;
  }
  void *np = ptr ? realloc(ptr, nsize) : malloc(nsize);
  if (np == NULL) {
    if (nsize <= old) return ptr; /* Lua assumes shrinking never fails */
    note_oom(sb);
    return NULL;
  }
  sb->used = sb->used - old + nsize;
  return np;
}

static int panic(lua_State *L) {
  const char *m = lua_tostring(L, -1);
  fprintf(stderr, "posintent: Lua panic outside a protected call: %s\n",
          m ? m : "(no message)");
  abort();
}

/* ------------------------------------------------------------------------ */
/* Read-only tables                                                          */

static int ro_newindex(lua_State *L) {
  return luaL_error(L, "attempt to modify read-only table '%s'",
                    lua_tostring(L, lua_upvalueindex(1)));
}

/* next() over the hidden table, so that pairs(proxy) never hands it out. */
static int ro_next(lua_State *L) {
  lua_settop(L, 2);
  if (lua_next(L, lua_upvalueindex(1))) return 2;
  lua_pushnil(L);
  return 1;
}

static int ro_pairs(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

static int ro_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
  return 1;
}

static void make_readonly(lua_State *L, const char *name, int depth) {
  int real = lua_gettop(L);
  luaL_checkstack(L, 8, "read-only table");
  if (depth < 4) {
    lua_pushnil(L);
    while (lua_next(L, real)) {
      /* A nested table without a metatable gets its own proxy; assigning
       * an existing key during traversal is allowed. */
      if (lua_type(L, -1) == LUA_TTABLE && lua_getmetatable(L, -1)) {
        lua_pop(L, 2); /* already read-only (or not ours to wrap) */
      } else if (lua_type(L, -1) == LUA_TTABLE) {
        make_readonly(L, name, depth + 1);
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, real);
      } else {
        lua_pop(L, 1);
      }
    }
  }
  lua_newtable(L); /* the proxy */
  lua_createtable(L, 0, 5);
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, name);
  lua_pushcclosure(L, ro_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, real);
  lua_pushcclosure(L, ro_next, 1);
  lua_pushcclosure(L, ro_pairs, 1);
  lua_setfield(L, -2, "__pairs");
  lua_pushvalue(L, real);
  lua_pushcclosure(L, ro_len, 1);
  lua_setfield(L, -2, "__len");
  lua_pushboolean(L, 0); /* getmetatable(proxy) == false; cannot be replaced */
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_replace(L, real);
}

void lsb_make_readonly(lua_State *L, const char *name) {
  luaL_checktype(L, -1, LUA_TTABLE);
  make_readonly(L, name, 0);
}

void lsb_set_library(lua_State *L, const char *name) {
  lsb_make_readonly(L, name);
  lua_getfield(L, LUA_REGISTRYINDEX, KEY_LIBS);
  lua_insert(L, -2);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

/* ------------------------------------------------------------------------ */
/* Opening the state                                                         */

/* lsb_run function: what scripts reach.  The base functions and libraries
 * of the header's list, the ones that loop in C guarded, each registered
 * read-only for every environment created afterwards. */
static int setup(lua_State *L) {
  static const char *const base_names[] = {
      "pairs", "ipairs", "type",  "tostring", "tonumber", "pcall",    "error",
      "select", "next",  "assert", "getmetatable", "setmetatable", "_VERSION", NULL};
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, KEY_LIBS);

  /* Base functions: luaopen_base fills the real global table, which no
   * script ever sees; only the listed ones are copied out. */
  luaL_requiref(L, "_G", luaopen_base, 0);
  lua_createtable(L, 0, 16);
  for (int i = 0; base_names[i]; i++) {
    lua_getfield(L, -2, base_names[i]);
    lua_setfield(L, -2, base_names[i]);
  }
  lsb_guard_base(L);
  lua_setfield(L, LUA_REGISTRYINDEX, KEY_BASE);
  lua_pop(L, 1);

  luaL_requiref(L, "string", luaopen_string, 0);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lsb_guard_string(L);
  /* The string metatable's __index is this very table (so s:rep() is
   * guarded too); hide the metatable so no script can reach either. */
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);
  lsb_set_library(L, "string");

  luaL_requiref(L, "table", luaopen_table, 0);
  lsb_guard_table(L);
  lsb_set_library(L, "table");

  luaL_requiref(L, "math", luaopen_math, 0);
  lsb_set_library(L, "math");
  luaL_requiref(L, "utf8", luaopen_utf8, 0);
  lsb_set_library(L, "utf8");
  lsb_open_cjson(L);
  return 0;
}

int lsb_open(const lsb_limits *lim, luasandbox **out, pi_error *err) {
  *out = NULL;
  luasandbox *sb = calloc(1, sizeof *sb);
  if (sb == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  sb->limit = lim->memory_bytes;
  if (lsb_budget_open(sb, lim->check_every, lim->budget_signal, err)) {
    lsb_budget_close(sb);
    free(sb);
    return -1;
  }
  sb->L = lua_newstate(lsb_alloc, sb);
  if (sb->L == NULL) {
    lsb_budget_close(sb);
    free(sb);
    return pi_fail(err, PI_E_NOMEM, "", "cannot create a Lua state within %zu KiB",
                   lim->memory_bytes >> 10);
  }
  memcpy(lua_getextraspace(sb->L), &sb, sizeof sb);
  lua_atpanic(sb->L, panic);
  lsb_failure f;
  if (lsb_run(sb, setup, NULL, "sandbox", 1000, &f) != LSB_OK) {
    lsb_close(sb);
    return pi_fail(err, PI_E_NOMEM, "", "cannot open the script libraries: %s",
                   f.message);
  }
  sb->tainted = 0;
  *out = sb;
  return 0;
}

void lsb_close(luasandbox *sb) {
  if (sb == NULL) return;
  lua_close(sb->L);
  lsb_budget_close(sb);
  free(sb);
}

int lsb_tainted(const luasandbox *sb) { return sb->tainted; }
size_t lsb_memory_used(const luasandbox *sb) { return sb->used; }
size_t lsb_memory_limit(const luasandbox *sb) { return sb->limit; }
void lsb_collect(luasandbox *sb) { lua_gc(sb->L, LUA_GCCOLLECT); }

void lsb_push_env(lua_State *L) {
  luaL_checkstack(L, 6, "environment");
  lua_createtable(L, 0, 24);
  static const char *const keys[] = {KEY_BASE, KEY_LIBS};
  for (int i = 0; i < 2; i++) {
    lua_getfield(L, LUA_REGISTRYINDEX, keys[i]);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -5);
    }
    lua_pop(L, 1);
  }
}

void lsb_load_text(lua_State *L, const char *chunkname, const char *text,
                   size_t len) {
  /* Mode "t": a precompiled (binary) chunk is refused by the loader. */
  if (luaL_loadbufferx(L, text, len, chunkname, "t") != LUA_OK) lua_error(L);
  lsb_push_env(L);
  if (lua_setupvalue(L, -2, 1) == NULL) lua_pop(L, 1);
}

/* ------------------------------------------------------------------------ */
/* Running                                                                   */

/* Message handler: runs where the error was raised, so it can name the
 * line even for error objects that are not strings.  It never calls a
 * metamethod (a __tostring that errors or loops stays uncalled). */
static int msgh(lua_State *L) {
  int t = lua_type(L, 1);
  if (t == LUA_TSTRING) return 1;
  char where[LUA_IDSIZE + 16];
  lua_position(L, 1, where, sizeof where);
  if (t == LUA_TNUMBER)
    lua_pushfstring(L, "%s%s%s", where, where[0] ? ": " : "", lua_tostring(L, 1));
  else
    lua_pushfstring(L, "%s%s(error object is a %s value)", where,
                    where[0] ? ": " : "", lua_typename(L, t));
  return 1;
}

void lsb_clean_text(char *dst, size_t cap, const char *src, size_t len) {
  if (cap == 0) return;
  utf8_clean(dst, cap, src, len, "?", UTF8_NO_CONTROLS);
}

/* Returns 1 when src did not fit whole (dst holds its start). */
static int clean_copy(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  return utf8_clean(dst, cap, src, n, "?", UTF8_NO_CONTROLS) < n;
}

/* Fill f from a failed run.  `where` in a message is the chunk name and a
 * line ("scripts/x.lua:12: ..."); messages without one get the chunk. */
static void describe(luasandbox *sb, int rc, const char *chunk, lsb_failure *f) {
  /* The message may hold any bytes, NULs included: clean it first. */
  char clean[512];
  size_t mlen = 0;
  const char *raw = lua_type(sb->L, -1) == LUA_TSTRING ? lua_tolstring(sb->L, -1, &mlen)
                                                       : NULL;
  f->truncated = 0;
  if (raw)
    f->truncated = utf8_clean(clean, sizeof clean, raw, mlen, "?", UTF8_NO_CONTROLS) < mlen;
  else
    snprintf(clean, sizeof clean, "(error object is not a string)");
  const char *msg = clean;
  char text[sizeof clean + 2 * LUA_IDSIZE];
  const char *where = chunk;
  size_t cl = strlen(chunk);
  if (sb->expired) {
    f->status = LSB_ERR_TIME;
    where = sb->time_where[0] ? sb->time_where : chunk;
    snprintf(text, sizeof text, "%s: time budget of %u ms exceeded", where,
             sb->budget_ms);
  } else if (rc == LUA_ERRMEM || sb->oom) {
    f->status = LSB_ERR_MEMORY;
    sb->tainted = 1;
    where = sb->oom_where[0] ? sb->oom_where : chunk;
    if (sb->limit % (1u << 20) == 0)
      snprintf(text, sizeof text, "%s: memory limit of %zu MiB exceeded", where,
               sb->limit >> 20);
    else
      snprintf(text, sizeof text, "%s: memory limit of %zu KiB exceeded", where,
               sb->limit >> 10);
  } else {
    f->status = LSB_ERR_SCRIPT;
    if (strncmp(msg, chunk, cl) == 0 && msg[cl] == ':') {
      size_t i = cl + 1;
      while (isdigit((unsigned char)msg[i])) i++;
      snprintf(text, sizeof text, "%s", msg);
      if (i > cl + 1 && msg[i] == ':') {
        snprintf(f->where, sizeof f->where, "%.*s", (int)i, msg);
        f->truncated |= clean_copy(f->message, sizeof f->message, text);
        return;
      }
    } else {
      snprintf(text, sizeof text, "%s: %s", chunk, msg);
    }
  }
  clean_copy(f->where, sizeof f->where, where);
  f->truncated |= clean_copy(f->message, sizeof f->message, text);
}

lsb_status lsb_run(luasandbox *sb, lua_CFunction fn, void *ud, const char *chunk,
                   unsigned budget_ms, lsb_failure *f) {
  lua_State *L = sb->L;
  int base = lua_gettop(L);
  sb->oom = 0;
  sb->oom_where[0] = '\0';
  lsb_budget_frame frame;
  lsb_failure local;
  if (f == NULL) f = &local;
  f->truncated = 0;
  if (lsb_budget_start(sb, budget_ms, &frame)) {
    /* Refused before anything ran: no runaway script may go unbounded. */
    f->status = LSB_ERR_TIME;
    snprintf(f->where, sizeof f->where, "%s", chunk);
    snprintf(f->message, sizeof f->message,
             "%s: time budgets cannot be enforced: the host replaced the plugin's "
             "handler of %s, so the script is not run (posplug.h, Signals)",
             chunk, sb->time_where);
    return f->status;
  }
  /* Light C functions and light userdata: pushing them allocates nothing,
   * so nothing here can fail outside the protected call. */
  lua_pushcfunction(L, msgh);
  lua_pushcfunction(L, fn);
  lua_pushlightuserdata(L, ud);
  int rc = lua_pcall(L, 1, 0, base + 1);
  lsb_budget_stop(sb, &frame);
  if (rc == LUA_OK) {
    f->status = LSB_OK;
    f->where[0] = f->message[0] = '\0';
  } else {
    describe(sb, rc, chunk, f);
  }
  lua_settop(L, base);
  return f->status;
}
