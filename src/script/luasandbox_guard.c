/* SPDX-License-Identifier: MIT */
/* luasandbox_guard.c - guarded versions of the library functions that loop
 * in C without running VM instructions, where the time budget's hook cannot
 * stop them: each refuses, before the original runs, work that the budget
 * or the memory cap could not bound.  See luasandbox_int.h. */
#include "script/luasandbox_int.h"

#include <assert.h>
#include <ctype.h>
#include <string.h>

#include <lauxlib.h>
#include <lua-cjson.h>

/* lua-cjson's header declares only the unsafe opener; the Debian library
 * also exports the safe one (decode errors return nil and a message). */
int luaopen_cjson_safe(lua_State *L);

/* ------------------------------------------------------------------------ */
/* Calling the original                                                      */

/* Call the original function (upvalue 1) with every argument. */
static int call_original(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* The same for a light C function (no upvalues of its own, as the string
 * and table libraries have): call it on this very frame, which saves a
 * Lua call per use of a guarded function. */
static int call_direct(lua_State *L) {
  return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

/* Replace t[name] (t at the top) by `guard` closed over the original. */
static void wrap(lua_State *L, const char *name, lua_CFunction guard) {
  lua_getfield(L, -1, name);
  lua_pushcclosure(L, guard, 1);
  lua_setfield(L, -2, name);
}

/* Replace t[name] (t at the top) by `fn`, which reimplements it. */
static void set_fn(lua_State *L, const char *name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

/* ------------------------------------------------------------------------ */
/* string                                                                    */

/* Bytes copied between two polls of the budget by rep and the like. */
#define COPY_CHUNK ((size_t)1 << 20)

/* string.rep, as lstrlib.c's str_rep, but polling the budget.
 * string.rep("", 2^40) loops 2^40 times in C with nothing to copy: no VM
 * instruction runs, so no hook could stop it.  Empty results return at
 * once; results larger than the memory cap are refused before the loop;
 * the rest is copied by doubling what is already written, a mebibyte at
 * most between two polls (a 1 GiB result, under a large cap, is otherwise
 * one uninterruptible loop). */
static int guard_rep(lua_State *L) {
  size_t l, lsep;
  const char *s = luaL_checklstring(L, 1, &l);
  lua_Integer n = luaL_checkinteger(L, 2);
  const char *sep = luaL_optlstring(L, 3, "", &lsep);
  luasandbox *sb = lsb_from(L);
  if (n <= 0 || l + lsep == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  if (l + lsep < l || l + lsep > sb->limit / (lua_Unsigned)n)
    return luaL_error(L, "resulting string too large");
  size_t u = l + lsep; /* the period after the first copy: sep .. s */
  size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, total);
  memcpy(p, s, l);
  size_t done = l;
  if (n > 1) {
    memcpy(p + done, sep, lsep);
    memcpy(p + done + lsep, s, l);
    done += u;
  }
  /* p[l..done) holds whole periods; copy a multiple of u from its start. */
  while (done < total) {
    size_t have = done - l;
    size_t chunk = have <= COPY_CHUNK ? have : COPY_CHUNK / u * u;
    if (chunk == 0) chunk = u; /* one period is longer than COPY_CHUNK */
    if (chunk > total - done) chunk = total - done;
    assert(chunk % u == 0 && chunk <= have);
    memcpy(p + done, p + l, chunk);
    done += chunk;
    lsb_work(L, sb, chunk / 64 + 1);
  }
  luaL_pushresultsize(&b, total);
  return 1;
}

/* Most conversions, and bytes of format text, per call of the original
 * string.format. */
#define FORMAT_ITEMS 32
#define FORMAT_TEXT 65536

/* string.format in pieces: Lua's loops over the format in C, and one item
 * may take microseconds ('%.99f' of 1e308), so a format of 100,000 items
 * ran for seconds.  A short format goes to the original at once; a long
 * one is cut after at most FORMAT_ITEMS conversions or FORMAT_TEXT bytes,
 * at an item's end, each piece formatted by the original with its own
 * arguments, the budget polled between pieces. */
static int guard_format(lua_State *L) {
  size_t lf;
  const char *f = luaL_checklstring(L, 1, &lf);
  int top = lua_gettop(L);
  if (top <= FORMAT_ITEMS + 1 && lf <= FORMAT_TEXT) return call_direct(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  size_t at = 0;
  int arg = 2;
  while (at < lf) {
    size_t end = at;
    int items = 0;
    while (end < lf && items < FORMAT_ITEMS && end - at < FORMAT_TEXT) {
      if (f[end++] != '%' || end == lf) continue;
      if (f[end] == '%') { /* "%%": text */
        end++;
        continue;
      }
      /* Flags, width, precision, then the conversion (lstrlib.c
       * getformat); a malformed one is the original's to refuse. */
      end += strspn(f + end, "-+#0 123456789.");
      if (end < lf) end++;
      items++;
    }
    /* The original, on this piece and its arguments (missing ones are the
     * original's to refuse, as "no value"). */
    int nargs = arg + items <= top + 1 ? items : top + 1 - arg;
    luaL_checkstack(L, nargs + 3, "string.format");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushlstring(L, f + at, end - at);
    for (int i = 0; i < nargs; i++) lua_pushvalue(L, arg + i);
    lua_call(L, nargs + 1, 1);
    luaL_addvalue(&b);
    arg += items;
    at = end;
    lsb_budget_poll(L);
  }
  luaL_pushresult(&b); /* as the original, extra arguments are ignored */
  return 1;
}

/* Lua's character classes (lstrlib.c match_class), for the estimate. */
static int class_match(int c, int cl) {
  int res;
  switch (tolower(cl)) {
  case 'a': res = isalpha(c); break;
  case 'c': res = iscntrl(c); break;
  case 'd': res = isdigit(c); break;
  case 'g': res = isgraph(c); break;
  case 'l': res = islower(c); break;
  case 'p': res = ispunct(c); break;
  case 's': res = isspace(c); break;
  case 'u': res = isupper(c); break;
  case 'w': res = isalnum(c); break;
  case 'x': res = isxdigit(c); break;
  default: return cl == c;
  }
  return isupper(cl) ? !res : res != 0;
}

/* [set] with p at '[' and ec at its ']' (lstrlib.c matchbracketclass). */
static int set_match(int c, const char *p, const char *ec) {
  int sig = 1;
  if (p[1] == '^') {
    sig = 0;
    p++;
  }
  while (++p < ec) {
    if (*p == '%') {
      p++;
      if (class_match(c, (unsigned char)*p)) return sig;
    } else if (p[1] == '-' && p + 2 < ec) {
      p += 2;
      if ((unsigned char)p[-2] <= c && c <= (unsigned char)*p) return sig;
    } else if ((unsigned char)*p == c) {
      return sig;
    }
  }
  return !sig;
}

/* End of the single-character class at p, or NULL when malformed (Lua
 * will then raise its own error). */
static const char *class_end(const char *p, const char *pe) {
  if (*p == '%') return p + 2 <= pe ? p + 2 : NULL;
  if (*p != '[') return p + 1;
  const char *q = p + 1;
  if (q < pe && *q == '^') q++;
  for (;;) {
    if (q >= pe) return NULL;
    if (*q++ == '%' && q < pe) q++;
    if (q >= pe) return NULL;
    if (*q == ']') return q + 1;
  }
}

static int single_match(int c, const char *p, const char *ep) {
  switch (*p) {
  case '.': return 1;
  case '%': return class_match(c, (unsigned char)p[1]);
  case '[': return set_match(c, p, ep - 1);
  default: return (unsigned char)*p == c;
  }
}

/* Longest run of subject characters the class [p, ep) matches.  Past
 * 64 KiB the subject is not scanned: the run is taken as the whole. */
static double longest_run(const char *s, size_t n, const char *p, const char *ep) {
  if (*p == '.' || n > 65536) return (double)n;
  size_t best = 0, run = 0;
  for (size_t i = 0; i < n; i++) {
    run = single_match((unsigned char)s[i], p, ep) ? run + 1 : 0;
    if (run > best) best = run;
  }
  return (double)best;
}

/* An upper bound on the backtracking steps of Lua's matcher for pattern
 * p[lp] over subject s[n]: each start position times, for every quantified
 * item, one more than the longest run it can match (the branches
 * max_expand/min_expand may try), times 2 per '?', times n+1 for each %b
 * and back-reference (a scan per attempt).  Lua patterns have no
 * alternation, so this product bounds the search tree.  It stops counting
 * once past the limit. */
static double pattern_cost(const char *s, size_t n, const char *p, size_t lp,
                           int may_anchor, double cap) {
  const char *pe = p + lp;
  double cost = (double)n + 1.0;
  if (may_anchor && lp > 0 && *p == '^') {
    cost = 1.0;
    p++;
  }
  while (p < pe && cost <= cap) {
    if (*p == '(' || *p == ')') {
      p++;
      continue;
    }
    if (*p == '$' && p + 1 == pe) break;
    if (*p == '%' && p + 1 < pe) {
      if (p[1] == 'b') {
        cost *= (double)n + 1.0;
        p += 4;
        continue;
      }
      if (p[1] == 'f') {
        p += 2;
        const char *e = p < pe ? class_end(p, pe) : NULL;
        if (e == NULL) break;
        p = e;
        continue;
      }
      if (isdigit((unsigned char)p[1])) {
        cost *= (double)n + 1.0;
        p += 2;
        continue;
      }
    }
    const char *ep = class_end(p, pe);
    if (ep == NULL) break;
    char q = ep < pe ? *ep : '\0';
    if (q == '*' || q == '+' || q == '-') {
      cost *= longest_run(s, n, p, ep) + 1.0;
      ep++;
    } else if (q == '?') {
      cost *= 2.0;
      ep++;
    }
    p = ep;
  }
  return cost;
}

/* lstrlib.c posrelatI: a 1-based start position clipped to [1, len+1]. */
static size_t start_pos(lua_Integer pos, size_t len) {
  if (pos > 0) return (size_t)pos;
  if (pos == 0 || pos < -(lua_Integer)len) return 1;
  return len + (size_t)pos + 1;
}

static int no_specials(const char *p, size_t lp) {
  for (size_t i = 0; i < lp; i++)
    if (strchr("^$*+?.([%-", p[i]) != NULL && p[i] != '\0') return 0;
  return 1;
}

/* The largest amount of matching work one call may do: `per_ms` for each
 * millisecond of the run's budget, at most `most`. */
static double match_cap(lua_State *L, double per_ms, double most) {
  double cap = per_ms * (double)lsb_from(L)->budget_ms;
  return cap < most ? cap : most;
}

/* Refuse a find/match/gmatch/gsub whose worst case the budget could not
 * interrupt (Lua's matcher runs in C).  `init_arg` is the index of the
 * optional start position (0 for none); find also has `plain`. */
static int check_pattern(lua_State *L, int init_arg, int is_find, int may_anchor) {
  size_t ls, lp;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  size_t init = init_arg ? start_pos(luaL_optinteger(L, init_arg, 1), ls) : 1;
  if (init > ls + 1) return 0; /* the original returns nil at once */
  size_t n = ls - (init - 1);
  if (is_find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
    /* Plain search: memchr + memcmp at every candidate position. */
    double bytes = lp > n ? 0.0 : ((double)(n - lp) + 1.0) * (double)lp;
    if (bytes > match_cap(L, LSB_PLAIN_FIND_BYTES_PER_MS, LSB_PLAIN_FIND_BYTES))
      return luaL_error(L, "string.find: a %d-byte search in a %d-byte string "
                           "is too costly",
                        (int)lp, (int)n);
    return 0;
  }
  /* Cheap first: every quantifier, %b or back-reference multiplies the
   * work by at most n+1, and there are at most as many as such bytes. */
  double cap = match_cap(L, LSB_PATTERN_STEPS_PER_MS, LSB_PATTERN_STEPS);
  double bound = (double)n + 1.0 < 2.0 ? 2.0 : (double)n + 1.0, worst = bound;
  for (size_t i = 0; i < lp && worst <= cap; i++)
    if (strchr("*+-?%", p[i]) && p[i] != '\0') worst *= bound;
  if (worst <= cap) return 0;
  if (pattern_cost(s + init - 1, n, p, lp, may_anchor, cap) > cap)
    return luaL_error(L, "pattern '%s' is too costly on a %d-byte string "
                         "(simplify it or split the string)",
                      lp > 40 ? "(long pattern)" : p, (int)n);
  return 0;
}

/* string.find, match, gmatch and gsub: the pattern checked, then the
 * original called.  The arguments are check_pattern's: the index of the
 * init argument (0: none), whether it is find (which has `plain`), and
 * whether the pattern may be anchored with '^'. */
#define PATTERN_GUARD(fn, init_arg, is_find, may_anchor)                     \
  static int guard_##fn(lua_State *L) {                                      \
    check_pattern(L, init_arg, is_find, may_anchor);                         \
    return call_direct(L);                                                   \
  }
PATTERN_GUARD(find, 3, 1, 1)
PATTERN_GUARD(match, 3, 0, 1)
PATTERN_GUARD(gmatch, 3, 0, 0)
PATTERN_GUARD(gsub, 0, 0, 1)
#undef PATTERN_GUARD

/* ------------------------------------------------------------------------ */
/* table                                                                     */

/* Most elements a real table can hold under the cap (one TValue each);
 * a border (#t) past this is a sparse table, and shifting it would loop
 * in C for as long as the border is large. */
static lua_Integer shift_max(lua_State *L) {
  return (lua_Integer)(lsb_from(L)->limit / 16);
}

/* table.insert, as ltablib.c's tinsert, with the shift bounded. */
static int guard_insert(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer e = luaL_len(L, 1);
  e = (lua_Integer)((lua_Unsigned)e + 1u); /* first empty element */
  lua_Integer pos;
  switch (lua_gettop(L)) {
  case 2: pos = e; break;
  case 3:
    pos = luaL_checkinteger(L, 2);
    luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2,
                  "position out of bounds");
    /* Unsigned: e may have wrapped past the largest integer, as in Lua. */
    if (e > pos && (lua_Unsigned)e - (lua_Unsigned)pos > (lua_Unsigned)shift_max(L))
      return luaL_error(L, "table.insert: table too long to shift");
    for (lua_Integer i = e; i > pos; i--) {
      lua_geti(L, 1, i - 1);
      lua_seti(L, 1, i);
    }
    break;
  default: return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos);
  return 0;
}

/* table.remove, as ltablib.c's tremove, with the shift bounded. */
static int guard_remove(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer size = luaL_len(L, 1);
  lua_Integer pos = luaL_optinteger(L, 2, size);
  if (pos != size)
    luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
                  "position out of bounds");
  if (pos < size && (lua_Unsigned)size - (lua_Unsigned)pos > (lua_Unsigned)shift_max(L))
    return luaL_error(L, "table.remove: table too long to shift");
  lua_geti(L, 1, pos);
  for (; pos < size; pos++) {
    lua_geti(L, 1, pos + 1);
    lua_seti(L, 1, pos);
  }
  lua_pushnil(L);
  lua_seti(L, 1, pos);
  return 1;
}

/* table.move(a, 1, 2^62, 2) moves nils in C for ever. */
static int guard_move(lua_State *L) {
  lua_Integer f = luaL_checkinteger(L, 2);
  lua_Integer e = luaL_checkinteger(L, 3);
  if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= (lua_Unsigned)shift_max(L))
    return luaL_error(L, "table.move: too many elements to move");
  return call_direct(L);
}

/* table.sort's default order, counted: ltablib.c's sort compares in C. */
static int sort_lt(lua_State *L) {
  lsb_work(L, lsb_from(L), 1);
  lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
  return 1;
}

/* A C function given as the order (math.ult, string.find...), counted. */
static int sort_call(lua_State *L) {
  lsb_work(L, lsb_from(L), 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

/* table.sort with every comparison made in C counted, so that the budget
 * stops a sort of a million elements (seconds) while it runs: without an
 * order, or with a C function as the order, the original gets a counting
 * C comparator instead.  A Lua order function runs VM instructions, where
 * the hook reaches it. */
static int guard_sort(lua_State *L) {
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_pushcfunction(L, sort_lt);
  } else if (lua_iscfunction(L, 2)) {
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, sort_call, 1);
    lua_replace(L, 2);
  }
  return call_direct(L);
}

/* One element of table.concat into b (ltablib.c addfield). */
static void concat_field(lua_State *L, luaL_Buffer *b, lua_Integer i, luasandbox *sb) {
  size_t len;
  lua_geti(L, 1, i);
  if (!lua_isstring(L, -1))
    luaL_error(L, "invalid value (at index %I) in table for 'concat'", (LUAI_UACINT)i);
  lua_tolstring(L, -1, &len);
  lsb_work(L, sb, len / 64 + 1);
  luaL_addvalue(b);
}

/* table.concat, as ltablib.c's tconcat, counting its pieces: a million
 * elements (numbers each converted by snprintf) took a third of a second
 * in one C loop. */
static int guard_concat(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer last = luaL_len(L, 1);
  size_t lsep;
  const char *sep = luaL_optlstring(L, 2, "", &lsep);
  lua_Integer i = luaL_optinteger(L, 3, 1);
  last = luaL_optinteger(L, 4, last);
  luasandbox *sb = lsb_from(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (; i < last; i++) {
    concat_field(L, &b, i, sb);
    luaL_addlstring(&b, sep, lsep);
    lsb_work(L, sb, lsep / 64);
  }
  if (i == last) concat_field(L, &b, i, sb);
  luaL_pushresult(&b);
  return 1;
}

/* ------------------------------------------------------------------------ */
/* setmetatable                                                              */

/* Finalizers run with debug hooks switched off (lgc.c GCTM), so a __gc
 * that loops could never be stopped: refuse them. */
static int guard_setmetatable(lua_State *L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
      return luaL_error(L, "setmetatable: __gc metamethods are not allowed");
    lua_pop(L, 1);
  }
  return call_direct(L);
}

/* ------------------------------------------------------------------------ */
/* cjson                                                                     */

/* Upper bound of the encoded size of the value at idx, added to *acc;
 * stops (returns 1) once past LSB_JSON_MAX_BYTES.  Raw traversal: no
 * metamethod runs, as in cjson itself.  Too deep is left to cjson, which
 * refuses it before producing more than we counted. */
static int json_bound(lua_State *L, int idx, int depth, size_t *acc) {
  size_t len;
  switch (lua_type(L, idx)) {
  case LUA_TSTRING:
    lua_tolstring(L, idx, &len);
    *acc += 6 * len + 2; /* worst case: every byte escaped as \u00XX */
    break;
  case LUA_TTABLE:
    *acc += 2;
    if (depth > LSB_JSON_DEPTH) return 0;
    luaL_checkstack(L, 4, "cjson.encode");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      int top = lua_gettop(L);
      *acc += 2;
      if (json_bound(L, top - 1, depth + 1, acc) ||
          json_bound(L, top, depth + 1, acc)) {
        lua_pop(L, 2);
        return 1;
      }
      lua_pop(L, 1);
    }
    break;
  default: *acc += 32; break;
  }
  return *acc > LSB_JSON_MAX_BYTES;
}

static int guard_encode(lua_State *L) {
  size_t acc = 0;
  if (lua_gettop(L) == 1 && json_bound(L, 1, 0, &acc)) {
    lua_pushnil(L);
    lua_pushfstring(L, "JSON text would exceed %d bytes", LSB_JSON_MAX_BYTES);
    return 2;
  }
  return call_original(L);
}

/* Decoding allocates outside the Lua cap (cjson's scratch buffer) and would
 * leak that buffer if a Lua allocation failed midway, so refuse input that
 * the remaining memory could not hold: decoded values take at most ~30
 * bytes per input byte ("[{},{},...]"). */
static int guard_decode(lua_State *L) {
  size_t len;
  if (lua_type(L, 1) != LUA_TSTRING) {
    lua_pushnil(L);
    lua_pushliteral(L, "cjson.decode expects a string");
    return 2;
  }
  lua_tolstring(L, 1, &len);
  luasandbox *sb = lsb_from(L);
  if (len > LSB_JSON_MAX_BYTES) {
    lua_pushnil(L);
    lua_pushfstring(L, "JSON text of %d bytes is over the %d-byte limit", (int)len,
                    LSB_JSON_MAX_BYTES);
    return 2;
  }
  if (32 * len + 65536 > sb->limit - sb->used) {
    lua_pushnil(L);
    lua_pushfstring(L, "not enough script memory to decode %d bytes of JSON",
                    (int)len);
    return 2;
  }
  lua_settop(L, 1);
  return call_original(L);
}

/* cjson.safe, configured for strict JSON and limited nesting, exposing only
 * encode, decode and null (its configuration functions would let one script
 * change another's limits). */
void lsb_open_cjson(lua_State *L) {
  static const struct {
    const char *fn;
    int is_bool, arg;
  } conf[] = {{"decode_max_depth", 0, LSB_JSON_DEPTH},
              {"encode_max_depth", 0, LSB_JSON_DEPTH},
              {"decode_invalid_numbers", 1, 0},
              {"encode_invalid_numbers", 1, 0}};
  lua_pushcfunction(L, luaopen_cjson_safe);
  lua_call(L, 0, 1);
  int mod = lua_gettop(L);
  for (size_t i = 0; i < sizeof conf / sizeof conf[0]; i++) {
    lua_getfield(L, mod, conf[i].fn);
    if (conf[i].is_bool)
      lua_pushboolean(L, conf[i].arg);
    else
      lua_pushinteger(L, conf[i].arg);
    lua_call(L, 1, 0);
  }
  lua_createtable(L, 0, 3);
  lua_getfield(L, mod, "encode");
  lua_pushcclosure(L, guard_encode, 1);
  lua_setfield(L, -2, "encode");
  lua_getfield(L, mod, "decode");
  lua_pushcclosure(L, guard_decode, 1);
  lua_setfield(L, -2, "decode");
  lua_getfield(L, mod, "null");
  lua_setfield(L, -2, "null");
  lsb_set_library(L, "cjson");
  lua_pop(L, 1);
}

/* ------------------------------------------------------------------------ */
/* Installing the guards                                                     */

void lsb_guard_base(lua_State *L) { wrap(L, "setmetatable", guard_setmetatable); }

/* One guarded function of a library table: GUARD_WRAP closes the guard
 * over the original (wrap), GUARD_REPLACE puts a reimplementation in its
 * place (set_fn). */
typedef struct guard_entry {
  const char *name;
  lua_CFunction fn;
  enum { GUARD_WRAP, GUARD_REPLACE } how;
} guard_entry;

/* Install guards[0..n) into the library table at the top of the stack. */
static void install(lua_State *L, const guard_entry *guards, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (guards[i].how == GUARD_WRAP)
      wrap(L, guards[i].name, guards[i].fn);
    else
      set_fn(L, guards[i].name, guards[i].fn);
  }
}

void lsb_guard_string(lua_State *L) {
  static const guard_entry guards[] = {
      {"rep", guard_rep, GUARD_REPLACE},  {"format", guard_format, GUARD_WRAP},
      {"find", guard_find, GUARD_WRAP},   {"match", guard_match, GUARD_WRAP},
      {"gmatch", guard_gmatch, GUARD_WRAP}, {"gsub", guard_gsub, GUARD_WRAP}};
  install(L, guards, sizeof guards / sizeof guards[0]);
}

void lsb_guard_table(lua_State *L) {
  static const guard_entry guards[] = {
      {"insert", guard_insert, GUARD_REPLACE}, {"remove", guard_remove, GUARD_REPLACE},
      {"move", guard_move, GUARD_WRAP},        {"sort", guard_sort, GUARD_WRAP},
      {"concat", guard_concat, GUARD_REPLACE}};
  install(L, guards, sizeof guards / sizeof guards[0]);
}
