/* SPDX-License-Identifier: MIT */
/* hooks_pos.c - the `pos` library store scripts see: pos.log, pos.now,
 * pos.taxid.check and the read-only pos.config (docs/hooks.md). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "base/log.h"
#include "script/hooks_int.h"
#include "script/luasandbox.h"
#include "posplug.h"
#include "taxid/taxid.h"

#define HOOKS_LOG_LINES 20 /* pos.log lines per script per call */
#define HOOKS_LOG_TEXT 400 /* bytes of one pos.log line         */

static void plog(const hooks_pos *p, int level, const char *who, const char *msg) {
  pi_logf(p->env->log, p->env->log_ctx, level, "%s: %s", who, msg);
}

static int pos_log(lua_State *L) {
  /* pi_log_level_names is indexed by level: the option's index is it. */
  int lv = luaL_checkoption(L, 1, NULL, pi_log_level_names);
  size_t len;
  const char *msg = luaL_checklstring(L, 2, &len);
  hooks_pos *p = lua_touserdata(L, lua_upvalueindex(1));
  const char *who = p->current ? p->current : "script";
  /* A script logging in a loop must not flood the till's log. */
  if (p->logged++ == HOOKS_LOG_LINES)
    plog(p, POSPLUG_LOG_WARN, who, "further pos.log lines of this call suppressed");
  if (p->logged > HOOKS_LOG_LINES) return 0;
  char clean[HOOKS_LOG_TEXT];
  lsb_clean_text(clean, sizeof clean, msg, len);
  plog(p, POSPLUG_LOG_DEBUG + lv, who, clean);
  return 0;
}

static int pos_now(lua_State *L) {
  const hooks_pos *p = lua_touserdata(L, lua_upvalueindex(1));
  int64_t ms;
  if (p->env->now_ms) {
    ms = p->env->now_ms(p->env->now_ctx);
  } else {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  }
  lua_pushinteger(L, (lua_Integer)ms);
  return 1;
}

static void set_str(lua_State *L, const char *key, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, key);
}

/* pos.taxid.check(number [, kind]): the C validator's verdict. */
static int pos_taxid_check(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  taxid_kind kind = TAXID_ANY;
  if (!lua_isnoneornil(L, 2) && taxid_kind_parse(luaL_checkstring(L, 2), &kind))
    return luaL_argerror(L, 2, "kind must be \"vat\", \"eori\", \"cert\" or \"any\"");
  taxid_result r;
  taxid_check(s, len, kind, &r);
  lua_createtable(L, 0, 6);
  lua_pushboolean(L, r.valid);
  lua_setfield(L, -2, "valid");
  set_str(L, "kind", taxid_kind_name(r.kind));
  set_str(L, "compact", r.compact);
  set_str(L, "country", r.country);
  set_str(L, "reason", taxid_reason_code(r.reason));
  set_str(L, "message", r.message);
  return 1;
}

static void push_config(lua_State *L, const plugin_config *c) {
  static const char *const resale[] = {"block", "warn"};
  static const char *const gift[] = {"offer", "always", "never"};
  lua_createtable(L, 0, 10);
  set_str(L, "store_id", c->store_id);
  set_str(L, "store_country", c->store_country);
  set_str(L, "currency", c->currency);
  set_str(L, "store_vat", c->store_vat);
  set_str(L, "default_purpose", c->default_purpose == PURPOSE_NONE
                                    ? "ask"
                                    : purpose_name((purpose)c->default_purpose));
  set_str(L, "resale_evidence", resale[c->resale == RESALE_WARN]);
  set_str(L, "gift_receipt", gift[(unsigned)c->gift_receipt % 3]);
  set_str(L, "on_error", c->scripts.fail_closed ? "fail_closed" : "fail_open");
  lua_newtable(L);
  lua_Integer n = 0;
  for (int k = TAXID_VAT; k <= TAXID_CERT; k++)
    if (c->accepted_evidence & (1u << k)) {
      lua_pushstring(L, taxid_kind_name((taxid_kind)k));
      lua_rawseti(L, -2, ++n);
    }
  lua_setfield(L, -2, "accepted_evidence");
}

int hooks_pos_setup(lua_State *L) {
  hooks_pos *p = lua_touserdata(L, 1);
  lua_createtable(L, 0, 4);
  lua_pushlightuserdata(L, p);
  lua_pushcclosure(L, pos_log, 1);
  lua_setfield(L, -2, "log");
  lua_pushlightuserdata(L, p);
  lua_pushcclosure(L, pos_now, 1);
  lua_setfield(L, -2, "now");
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, pos_taxid_check);
  lua_setfield(L, -2, "check");
  lua_setfield(L, -2, "taxid");
  push_config(L, p->env->cfg);
  lua_setfield(L, -2, "config");
  lsb_set_library(L, "pos"); /* pos, pos.taxid and pos.config read-only */
  ht_setup_keys(L);
  ht_set_origin(L, p);
  return 0;
}
