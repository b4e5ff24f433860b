/* SPDX-License-Identifier: MIT */
/* hooks_table.c - the plain Lua tables hooks receive, and reading their
 * answers back with bounds.  See hooks_int.h and docs/hooks.md. */
#include "script/hooks_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "base/calendar.h"
#include "base/jsonutil.h"
#include "script/luasandbox.h"
#include "base/money.h"
#include "taxid/taxid.h"

static const char *const hook_names[HOOK_COUNT] = {
    "on_sale_begin", "on_tag",      "validate_party", "classify",
    "on_total",      "on_complete", "report_row",     "on_return"};

const char *hook_name(hook_id id) {
  return (unsigned)id < HOOK_COUNT ? hook_names[id] : NULL;
}

int hook_parse(const char *s) {
  for (int i = 0; i < HOOK_COUNT; i++)
    if (strcmp(s, hook_names[i]) == 0) return i;
  return -1;
}

/* ------------------------------------------------------------------------ */
/* C -> Lua                                                                  */

/* Every field name of the hook tables, interned once per Lua state and
 * kept in an array in the registry: setting a field is then an array read
 * and a raw set, instead of lua_setfield's lookup of the C string (a
 * tenth of the cost of a hook call, measured). */
#define HT_KEYS(X)                                                             \
  X(ID, "id") X(STORE, "store") X(TERMINAL, "terminal") X(CASHIER, "cashier")    \
  X(AT, "at") X(CURRENCY, "currency") X(PURPOSE, "purpose") X(NET, "net")        \
  X(TAX, "tax") X(TOTAL, "total") X(LINES, "lines") X(CUSTOMER, "customer")      \
  X(GIFT, "gift") X(LINE, "line") X(SKU, "sku") X(NAME, "name") X(QTY, "qty")    \
  X(UNIT_PRICE, "unit_price") X(STATUS, "status")                                \
  X(TAGGED_PURPOSE, "tagged_purpose") X(RECIPIENT_NAME, "recipient_name")        \
  X(RECIPIENT_CONTACT, "recipient_contact") X(MESSAGE, "message")                \
  X(GIFT_RECEIPT, "gift_receipt") X(KIND, "kind") X(INPUT, "input")              \
  X(STATE, "state") X(EXPIRES, "expires") X(COMPACT, "compact")                  \
  X(COUNTRY, "country") X(VALID, "valid") X(REASON, "reason") X(ROLE, "role")    \
  X(ORG, "org") X(EVIDENCE, "evidence") X(CONTACT, "contact")                    \
  X(RECIPIENT, "recipient") X(TREATMENT, "treatment") X(PROMPTS, "prompts")      \
  X(TEXT, "text") X(FIELD, "field") X(CHOICES, "choices") X(BLOCKS, "blocks")    \
  X(CODE, "code") X(RECEIPT, "receipt") X(RESALE_LINES, "resale_lines")          \
  X(GIFT_LINES, "gift_lines") X(OWN_USE_LINES, "own_use_lines")                  \
  X(UNTAGGED_LINES, "untagged_lines") X(ANSWERS, "answers")                      \
  X(ATTRIBUTES, "attributes") X(ACCOUNT, "account") X(VERSION, "version")        \
  X(DAYS_LEFT, "days_left") X(TAX_RATE_BP, "tax_rate_bp")                      \
  X(TAX_CODE, "tax_code")                                                        \
  /* values that recur in every table */                                         \
  X(V_OWN_USE, "own_use") X(V_GIFT, "gift") X(V_RESALE, "resale")                \
  X(V_CONSUMER, "consumer") X(V_CUSTOMER, "customer") X(V_RESELLER, "reseller")  \
  X(V_VAT, "vat") X(V_EORI, "eori") X(V_RESALE_CERT, "resale_cert")             \
  X(V_RECIPIENT, "recipient")

#define HT_ENUM(id, name) K_##id,
#define HT_NAME(id, name) name,
enum { HT_KEYS(HT_ENUM) K_COUNT };
static const char *const key_names[K_COUNT] = {HT_KEYS(HT_NAME)};

void ht_setup_keys(lua_State *L) {
  lua_createtable(L, K_COUNT, 0);
  for (int i = 0; i < K_COUNT; i++) {
    lua_pushstring(L, key_names[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_rawsetp(L, LUA_REGISTRYINDEX, key_names);
}

int ht_push_keys(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, key_names);
  return lua_gettop(L);
}

/* t[key] = value at the top, t just below it. */
static void set_top(lua_State *L, int keys, int k) {
  lua_rawgeti(L, keys, k + 1);
  lua_insert(L, -2);
  lua_rawset(L, -3);
}

/* Empty strings are left out: a script tests `if sale.customer.name`. */
static void set_str(lua_State *L, int keys, int k, const char *v) {
  if (v == NULL || v[0] == '\0') return;
  lua_rawgeti(L, keys, k + 1);
  lua_pushstring(L, v);
  lua_rawset(L, -3);
}

static void set_int(lua_State *L, int keys, int k, int64_t v) {
  lua_rawgeti(L, keys, k + 1);
  lua_pushinteger(L, (lua_Integer)v);
  lua_rawset(L, -3);
}

static void set_bool(lua_State *L, int keys, int k, int v) {
  lua_rawgeti(L, keys, k + 1);
  lua_pushboolean(L, v);
  lua_rawset(L, -3);
}

/* A value that is one of the cached names (k < 0: leave the field out). */
static void set_name(lua_State *L, int keys, int k, int v) {
  if (v < 0) return;
  lua_rawgeti(L, keys, k + 1);
  lua_rawgeti(L, keys, v + 1);
  lua_rawset(L, -3);
}

static int purpose_key(purpose p) {
  return p == PURPOSE_OWN_USE ? K_V_OWN_USE
         : p == PURPOSE_GIFT  ? K_V_GIFT
         : p == PURPOSE_RESALE ? K_V_RESALE
                               : -1;
}

static int status_key(buyer_status s) {
  return s == STATUS_CONSUMER ? K_V_CONSUMER
         : s == STATUS_CUSTOMER ? K_V_CUSTOMER
         : s == STATUS_RESELLER ? K_V_RESELLER
                                : -1;
}

static int kind_key(taxid_kind k) {
  return k == TAXID_VAT ? K_V_VAT : k == TAXID_EORI ? K_V_EORI
         : k == TAXID_CERT ? K_V_RESALE_CERT : -1;
}

/* -1 (not decided) is left out. */
static void set_tristate(lua_State *L, int keys, int k, int v) {
  if (v >= 0) set_bool(L, keys, k, v);
}

static void push_gift(lua_State *L, int keys, const gift_info *g) {
  lua_createtable(L, 0, 4);
  set_str(L, keys, K_RECIPIENT_NAME, g->recipient_name);
  set_str(L, keys, K_RECIPIENT_CONTACT, g->recipient_contact);
  set_str(L, keys, K_MESSAGE, g->message);
  set_tristate(L, keys, K_GIFT_RECEIPT, g->gift_receipt);
}

/* Quantities are thousandths in C; a script sees 2 or 1.5. */
static void push_qty(lua_State *L, int64_t milli) {
  if (milli % 1000 == 0)
    lua_pushinteger(L, (lua_Integer)(milli / 1000));
  else
    lua_pushnumber(L, (lua_Number)milli / 1000.0);
}

static void push_line(lua_State *L, int keys, const sale *s, const sale_line *l,
                      purpose dflt) {
  purpose eff = sale_line_purpose(s, l, dflt);
  lua_createtable(L, 0, 14);
  set_str(L, keys, K_LINE, l->line);
  set_str(L, keys, K_SKU, l->sku);
  set_str(L, keys, K_NAME, l->name);
  push_qty(L, l->qty_milli);
  set_top(L, keys, K_QTY);
  set_int(L, keys, K_UNIT_PRICE, l->unit_price);
  set_int(L, keys, K_NET, l->net);
  set_int(L, keys, K_TAX, l->tax);
  if (l->has_tax_rate) set_int(L, keys, K_TAX_RATE_BP, l->tax_rate_bp); /* else nil */
  set_str(L, keys, K_TAX_CODE, l->tax_code);                           /* "" : nil */
  set_name(L, keys, K_PURPOSE, purpose_key(eff));
  set_name(L, keys, K_STATUS, status_key(sale_line_status(s, l, dflt)));
  set_name(L, keys, K_TAGGED_PURPOSE, purpose_key(l->purpose));
  const gift_info *g = sale_line_gift(s, l);
  if (eff == PURPOSE_GIFT && g && g->tagged) {
    push_gift(L, keys, g);
    set_top(L, keys, K_GIFT);
  }
  /* Always a table: line.attributes.weight_kg needs no nil check.  Whole
   * numbers are integers in Lua, as quantities are. */
  lua_createtable(L, 0, (int)l->nattrs);
  for (size_t i = 0; i < l->nattrs; i++) {
    const line_attr *a = &l->attrs[i];
    if (!a->is_number)
      lua_pushstring(L, a->text);
    else if (a->number == floor(a->number))
      lua_pushinteger(L, (lua_Integer)a->number);
    else
      lua_pushnumber(L, (lua_Number)a->number);
    lua_setfield(L, -2, a->key);
  }
  set_top(L, keys, K_ATTRIBUTES);
}

/* Days from `day` (the sale's YYYY-MM-DD) to a certificate's expiry: 0 on
 * its last valid day, negative once expired.  Returns 0 with *out set, or
 * -1 when there is no expiry or either date is not a real date. */
static int days_left(const evidence *e, const char *day, long *out) {
  int y, m, d, sy, sm, sd;
  if (e->kind != TAXID_CERT || e->expires[0] == '\0' || day == NULL ||
      cal_parse_date(e->expires, &y, &m, &d) || cal_parse_date(day, &sy, &sm, &sd))
    return -1;
  *out = cal_days_from_civil(y, m, d) - cal_days_from_civil(sy, sm, sd);
  return 0;
}

static void push_evidence(lua_State *L, int keys, const evidence *e, const char *day) {
  lua_createtable(L, 0, 10);
  set_name(L, keys, K_KIND, kind_key(e->kind));
  set_str(L, keys, K_INPUT, e->input);
  set_str(L, keys, K_STATE, e->state);
  set_str(L, keys, K_EXPIRES, e->expires);
  long left;
  if (days_left(e, day, &left) == 0) set_int(L, keys, K_DAYS_LEFT, left);
  set_str(L, keys, K_COMPACT, e->verdict.compact);
  set_str(L, keys, K_COUNTRY, e->verdict.country);
  set_bool(L, keys, K_VALID, e->verdict.valid);
  set_str(L, keys, K_REASON, taxid_reason_code(e->verdict.reason));
  set_str(L, keys, K_MESSAGE, e->verdict.message);
}

void ht_push_customer(lua_State *L, int keys, const party *p, const char *sale_at) {
  /* The sale's day, as the engine judged the evidence against it. */
  char day[11] = "";
  if (sale_at && strlen(sale_at) >= 10) {
    memcpy(day, sale_at, 10);
    day[10] = '\0';
  }
  lua_createtable(L, 0, 7);
  set_name(L, keys, K_ROLE, K_V_CUSTOMER);
  set_str(L, keys, K_ID, p->id);
  set_str(L, keys, K_NAME, p->name);
  set_bool(L, keys, K_ORG, p->org);
  /* The account on file the customer was copied from (docs/accounts.md):
   * which one, and which version of it the sale froze. */
  if (p->account[0]) {
    lua_createtable(L, 0, 2);
    set_str(L, keys, K_ID, p->account);
    set_int(L, keys, K_VERSION, p->account_version);
    set_top(L, keys, K_ACCOUNT);
  }
  size_t n = p->nev < SALE_EVIDENCE_MAX ? p->nev : SALE_EVIDENCE_MAX;
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    push_evidence(L, keys, &p->ev[i], day[0] ? day : NULL);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_top(L, keys, K_EVIDENCE);
}

void ht_push_recipient(lua_State *L, int keys, const gift_info *g) {
  lua_createtable(L, 0, 5);
  set_name(L, keys, K_ROLE, K_V_RECIPIENT);
  set_str(L, keys, K_NAME, g->recipient_name);
  set_str(L, keys, K_CONTACT, g->recipient_contact);
  set_str(L, keys, K_MESSAGE, g->message);
  set_tristate(L, keys, K_GIFT_RECEIPT, g->gift_receipt);
}

void ht_push_sale(lua_State *L, int keys, const sale *s, purpose dflt) {
  int64_t net, tax;
  sale_totals(s, &net, &tax);
  luaL_checkstack(L, 8, "sale table");
  lua_createtable(L, 0, 14);
  set_str(L, keys, K_ID, s->id);
  set_str(L, keys, K_STORE, s->store);
  set_str(L, keys, K_TERMINAL, s->terminal);
  set_str(L, keys, K_CASHIER, s->cashier);
  set_str(L, keys, K_AT, s->at);
  set_str(L, keys, K_CURRENCY, s->currency);
  set_name(L, keys, K_PURPOSE, purpose_key(s->purpose));
  set_int(L, keys, K_NET, net);
  set_int(L, keys, K_TAX, tax);
  set_int(L, keys, K_TOTAL, net + tax);
  lua_createtable(L, (int)s->nlines, 0);
  for (size_t i = 0; i < s->nlines; i++) {
    push_line(L, keys, s, &s->lines[i], dflt);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_top(L, keys, K_LINES);
  if (s->customer.present) {
    ht_push_customer(L, keys, &s->customer, s->at);
    set_top(L, keys, K_CUSTOMER);
  }
  if (s->gift.tagged) {
    push_gift(L, keys, &s->gift);
    set_top(L, keys, K_GIFT);
  }
  /* Always a table, so that sale.answers.age_18 needs no nil check. */
  lua_createtable(L, 0, (int)s->nanswers);
  for (size_t i = 0; i < s->nanswers; i++) {
    lua_pushstring(L, s->answers[i].value);
    lua_setfield(L, -2, s->answers[i].prompt);
  }
  set_top(L, keys, K_ANSWERS);
}

void ht_push_tag(lua_State *L, int keys, const tag *t) {
  lua_createtable(L, 0, 5);
  set_name(L, keys, K_PURPOSE, purpose_key(t->purpose));
  set_str(L, keys, K_LINE, t->line);
  if (t->purpose == PURPOSE_GIFT) {
    if (t->gift.recipient_name[0] || t->gift.recipient_contact[0]) {
      lua_createtable(L, 0, 2);
      set_str(L, keys, K_NAME, t->gift.recipient_name);
      set_str(L, keys, K_CONTACT, t->gift.recipient_contact);
      set_top(L, keys, K_RECIPIENT);
    }
    set_str(L, keys, K_MESSAGE, t->gift.message);
    set_tristate(L, keys, K_GIFT_RECEIPT, t->gift.gift_receipt);
  }
}

void ht_push_decision(lua_State *L, int keys, const decision *d) {
  lua_createtable(L, 0, 8);
  set_str(L, keys, K_TREATMENT, treatment_name(d->treatment));
  lua_createtable(L, (int)d->nprompts, 0);
  for (size_t i = 0; i < d->nprompts; i++) {
    const prompt *p = &d->prompts[i];
    lua_createtable(L, 0, 5);
    set_str(L, keys, K_ID, p->id);
    set_str(L, keys, K_TEXT, p->text);
    set_str(L, keys, K_FIELD, p->field);
    set_str(L, keys, K_LINE, p->line);
    lua_createtable(L, (int)p->nchoices, 0);
    for (size_t c = 0; c < p->nchoices && c < 4; c++) {
      lua_pushstring(L, p->choices[c]);
      lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    set_top(L, keys, K_CHOICES);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_top(L, keys, K_PROMPTS);
  lua_createtable(L, (int)d->nblocks, 0);
  for (size_t i = 0; i < d->nblocks; i++) {
    lua_createtable(L, 0, 3);
    set_str(L, keys, K_CODE, d->blocks[i].code);
    set_str(L, keys, K_MESSAGE, d->blocks[i].message);
    set_str(L, keys, K_FIELD, d->blocks[i].field);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_top(L, keys, K_BLOCKS);
  lua_createtable(L, (int)d->nreceipt, 0);
  for (size_t i = 0; i < d->nreceipt; i++) {
    lua_pushstring(L, d->receipt[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_top(L, keys, K_RECEIPT);
  set_int(L, keys, K_RESALE_LINES, (int64_t)d->resale_lines);
  set_int(L, keys, K_GIFT_LINES, (int64_t)d->gift_lines);
  set_int(L, keys, K_OWN_USE_LINES, (int64_t)d->own_use_lines);
  set_int(L, keys, K_UNTAGGED_LINES, (int64_t)d->untagged_lines);
}

void ht_push_json(lua_State *L, const cJSON *j, int depth) {
  luaL_checkstack(L, 4, "report row");
  if (cJSON_IsString(j)) {
    lua_pushstring(L, j->valuestring);
  } else if (cJSON_IsNumber(j)) {
    double v = j->valuedouble;
    if (v == floor(v) && fabs(v) <= (double)MONEY_MAX)
      lua_pushinteger(L, (lua_Integer)v);
    else
      lua_pushnumber(L, v);
  } else if (cJSON_IsBool(j)) {
    lua_pushboolean(L, cJSON_IsTrue(j));
  } else if ((cJSON_IsArray(j) || cJSON_IsObject(j)) && depth < HT_ROW_DEPTH) {
    int arr = cJSON_IsArray(j);
    lua_newtable(L);
    lua_Integer i = 0;
    for (const cJSON *c = j->child; c; c = c->next) {
      i++;
      ht_push_json(L, c, depth + 1);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
      } else if (arr) {
        lua_rawseti(L, -2, i);
      } else if (c->string) {
        lua_setfield(L, -2, c->string);
      } else {
        lua_pop(L, 1);
      }
    }
  } else {
    lua_pushnil(L); /* null, or nested too deep */
  }
}

/* ------------------------------------------------------------------------ */
/* Lua -> C                                                                  */

/* The hooks_pos of the state (registered by hooks_pos_setup): the script
 * and the line of the hook function being answered. */
static const char origin_key = 0;

void ht_set_origin(lua_State *L, void *pos) {
  lua_pushlightuserdata(L, pos);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &origin_key);
}

void ht_error(lua_State *L, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &origin_key);
  const hooks_pos *p = lua_touserdata(L, -1);
  lua_pop(L, 1);
  /* No Lua frame is left once the hook has returned: the answer's place is
   * the hook function's first line, in the form Lua's own messages use. */
  if (p && p->current && p->line > 0)
    luaL_error(L, "%s:%d: %s", p->current, p->line, msg);
  luaL_error(L, "%s", msg);
}

const char *ht_value_text(lua_State *L, int idx, char *buf, size_t cap) {
  switch (lua_type(L, idx)) {
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    char clean[44];
    lsb_clean_text(clean, sizeof clean, s, n);
    snprintf(buf, cap, "\"%s%s\"", clean, strlen(clean) < n ? "..." : "");
    break;
  }
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx))
      snprintf(buf, cap, "%lld", (long long)lua_tointeger(L, idx));
    else
      snprintf(buf, cap, "%.14g", (double)lua_tonumber(L, idx));
    break;
  case LUA_TBOOLEAN: snprintf(buf, cap, "%s", lua_toboolean(L, idx) ? "true" : "false"); break;
  case LUA_TNIL: snprintf(buf, cap, "nil"); break;
  default: snprintf(buf, cap, "a %s", luaL_typename(L, idx)); break;
  }
  return buf;
}

/* The string at idx, checked: at most cap-1 bytes of UTF-8 text without
 * control characters.  `what` names it in the error. */
static const char *read_text(lua_State *L, int idx, const char *what, size_t cap,
                             size_t *len_out) {
  size_t len;
  char v[64];
  if (lua_type(L, idx) != LUA_TSTRING)
    ht_error(L, "%s must be a string, not %s", what, ht_value_text(L, idx, v, sizeof v));
  const char *s = lua_tolstring(L, idx, &len);
  if (len >= cap)
    ht_error(L, "%s is %zu bytes long; at most %zu: %s", what, len, cap - 1,
             ht_value_text(L, idx, v, sizeof v));
  if (!ju_text_ok(s, len, 0))
    ht_error(L, "%s is not UTF-8 text without control characters: %s", what,
             ht_value_text(L, idx, v, sizeof v));
  if (len_out) *len_out = len;
  return s;
}

static void copy_text(lua_State *L, int idx, const char *what, char *buf, size_t cap) {
  size_t len;
  const char *s = read_text(L, idx, what, cap, &len);
  memcpy(buf, s, len);
  buf[len] = '\0';
}

/* The key at idx when it is a string, else an error naming `where`. */
static const char *string_key(lua_State *L, int idx, const char *where) {
  if (lua_type(L, idx) != LUA_TSTRING) {
    char k[64], v[64];
    ht_error(L, "%s: only named fields are allowed, not [%s] = %s", where,
             ht_value_text(L, idx, k, sizeof k), ht_value_text(L, idx + 1, v, sizeof v));
  }
  return lua_tostring(L, idx);
}

/* An unknown field: its name, its value and the fields there are. */
static void unknown_field(lua_State *L, const char *where, const char *key, int vidx,
                          const char *known) {
  char v[64];
  ht_error(L, "%s: unknown field '%s' = %s (%s)", where, key,
           ht_value_text(L, vidx, v, sizeof v), known);
}

/* The array at idx: keys exactly 1..n (no holes, no named fields), at most
 * `max` entries; returns n.  `hint` (may be NULL) is added when a named
 * field is found: what the admin probably meant. */
static size_t read_array(lua_State *L, int idx, const char *what, size_t max,
                         const char *hint) {
  char v[64], k[72], kv[64];
  if (lua_type(L, idx) != LUA_TTABLE)
    ht_error(L, "%s must be an array, not %s", what, ht_value_text(L, idx, v, sizeof v));
  size_t n = lua_rawlen(L, idx);
  if (n > max) ht_error(L, "%s has %zu entries; at most %zu", what, n, max);
  size_t count = 0;
  luaL_checkstack(L, 3, what);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_Integer i = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
    if (i < 1 || (size_t)i > n) {
      if (lua_type(L, -2) == LUA_TSTRING)
        snprintf(k, sizeof k, "%.40s", lua_tostring(L, -2));
      else
        snprintf(k, sizeof k, "[%s]", ht_value_text(L, -2, kv, sizeof kv));
      ht_error(L, "%s must be an array (1, 2, ... without holes), not a table with "
                  "%s = %s%s%s",
               what, k, ht_value_text(L, -1, v, sizeof v), hint ? "; " : "",
               hint ? hint : "");
    }
    count++;
    lua_pop(L, 1);
  }
  for (size_t i = 1; count < n && i <= n; i++) {
    int t = lua_rawgeti(L, idx, (lua_Integer)i);
    lua_pop(L, 1);
    if (t == LUA_TNIL) ht_error(L, "%s has no entry [%zu]: an array has no holes", what, i);
  }
  return n;
}

/* An array of at most `max` strings (read_array's rules) copied into the
 * rows of out[max][stride], each row holding at most stride - 1 bytes
 * (copy_text refuses longer ones, naming "what[i]").  Returns the count. */
static size_t read_text_array(lua_State *L, int idx, const char *what, size_t max,
                              const char *hint, char *out, size_t stride) {
  char name[96];
  size_t n = read_array(L, idx, what, max, hint);
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, idx, (lua_Integer)i + 1);
    snprintf(name, sizeof name, "%s[%zu]", what, i + 1);
    copy_text(L, -1, name, out + i * stride, stride);
    lua_pop(L, 1);
  }
  return n;
}

int ht_read_refusal(lua_State *L, int first, int n, const char *hook,
                    const char *dflt, char *msg) {
  int t = n >= 1 ? lua_type(L, first) : LUA_TNIL;
  char what[64];
  snprintf(what, sizeof what, "%s: the refusal message", hook);
  if (t == LUA_TNIL || (t == LUA_TBOOLEAN && lua_toboolean(L, first))) return 0;
  if (t == LUA_TBOOLEAN) {
    if (n >= 2 && lua_type(L, first + 1) != LUA_TNIL)
      copy_text(L, first + 1, what, msg, HT_MESSAGE_MAX);
    else
      msg[0] = '\0';
  } else if (t == LUA_TSTRING) {
    copy_text(L, first, what, msg, HT_MESSAGE_MAX);
  } else {
    return 2;
  }
  if (msg[0] == '\0') snprintf(msg, HT_MESSAGE_MAX, "%s", dflt);
  return 1;
}

void ht_read_tag(lua_State *L, int idx, tag *t) {
  char v[64];
  if (lua_type(L, idx) != LUA_TTABLE)
    ht_error(L, "on_tag must return nil, true, false and a message, or a table "
                "of amended fields, not %s",
             ht_value_text(L, idx, v, sizeof v));
  tag nt = *t;
  int gift_fields = 0;
  luaL_checkstack(L, 6, "on_tag");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *k = string_key(L, -2, "on_tag");
    int v_ = lua_gettop(L);
    if (strcmp(k, "purpose") == 0) {
      char p[16];
      copy_text(L, v_, "on_tag: purpose", p, sizeof p);
      if (purpose_parse(p, &nt.purpose))
        ht_error(L, "on_tag: purpose must be own_use, gift or resale, not \"%s\"", p);
    } else if (strcmp(k, "message") == 0) {
      copy_text(L, v_, "on_tag: message", nt.gift.message, sizeof nt.gift.message);
      gift_fields = 1;
    } else if (strcmp(k, "gift_receipt") == 0) {
      if (lua_type(L, v_) != LUA_TBOOLEAN)
        ht_error(L, "on_tag: gift_receipt must be true or false, not %s",
                 ht_value_text(L, v_, v, sizeof v));
      nt.gift.gift_receipt = lua_toboolean(L, v_);
      gift_fields = 1;
    } else if (strcmp(k, "recipient") == 0) {
      if (lua_type(L, v_) != LUA_TTABLE)
        ht_error(L, "on_tag: recipient must be a table {name=..., contact=...}, not %s",
                 ht_value_text(L, v_, v, sizeof v));
      lua_pushnil(L);
      while (lua_next(L, v_)) {
        const char *rk = string_key(L, -2, "on_tag: recipient");
        if (strcmp(rk, "name") == 0)
          copy_text(L, -1, "on_tag: recipient.name", nt.gift.recipient_name,
                    sizeof nt.gift.recipient_name);
        else if (strcmp(rk, "contact") == 0)
          copy_text(L, -1, "on_tag: recipient.contact", nt.gift.recipient_contact,
                    sizeof nt.gift.recipient_contact);
        else
          unknown_field(L, "on_tag: recipient", rk, lua_gettop(L), "name, contact");
        lua_pop(L, 1);
      }
      gift_fields = 1;
    } else {
      unknown_field(L, "on_tag", k, v_, "purpose, recipient, message, gift_receipt");
    }
    lua_settop(L, v_ - 1);
  }
  if (nt.purpose != PURPOSE_GIFT) {
    if (gift_fields)
      ht_error(L, "on_tag: recipient, message and gift_receipt belong to gift "
                  "tags only");
    memset(&nt.gift, 0, sizeof nt.gift);
    nt.gift.gift_receipt = -1;
  } else {
    nt.gift.tagged = 1;
  }
  *t = nt;
}

static void read_prompt(lua_State *L, int idx, size_t i, prompt *p) {
  char what[64], v[64];
  memset(p, 0, sizeof *p);
  snprintf(p->id, sizeof p->id, "script");
  snprintf(what, sizeof what, "on_total: prompts[%zu]", i);
  if (lua_type(L, idx) == LUA_TSTRING) {
    copy_text(L, idx, what, p->text, sizeof p->text);
    return;
  }
  if (lua_type(L, idx) != LUA_TTABLE)
    ht_error(L, "%s must be a string or a table {text=..., id=..., field=..., "
                "line=..., choices={...}}, not %s",
             what, ht_value_text(L, idx, v, sizeof v));
  static const struct {
    const char *key;
    size_t off, cap;
  } fields[] = {{"text", offsetof(prompt, text), sizeof p->text},
                {"id", offsetof(prompt, id), sizeof p->id},
                {"field", offsetof(prompt, field), sizeof p->field},
                {"line", offsetof(prompt, line), sizeof p->line}};
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *k = string_key(L, -2, what);
    char fw[96];
    snprintf(fw, sizeof fw, "%s.%s", what, k);
    size_t f = 0;
    while (f < 4 && strcmp(k, fields[f].key) != 0) f++;
    if (f < 4) {
      copy_text(L, -1, fw, (char *)p + fields[f].off, fields[f].cap);
    } else if (strcmp(k, "choices") == 0) {
      int c = lua_gettop(L);
      p->nchoices = read_array(L, c, fw, 4, NULL);
      for (size_t j = 0; j < p->nchoices; j++) {
        char cw[128];
        snprintf(cw, sizeof cw, "%s[%zu]", fw, j + 1);
        lua_rawgeti(L, c, (lua_Integer)j + 1);
        copy_text(L, -1, cw, p->choices[j], sizeof p->choices[j]);
        lua_pop(L, 1);
      }
    } else {
      unknown_field(L, what, k, lua_gettop(L), "text, id, field, line, choices");
    }
    lua_pop(L, 1);
  }
  if (p->text[0] == '\0') ht_error(L, "%s needs a text", what);
}

void ht_read_total(lua_State *L, int idx, total_answer *a) {
  /* Only the counts: the arrays are filled up to them (and are large). */
  a->nprompts = a->nreceipt = a->nblocks = a->ndrop = 0;
  a->has_treatment = 0;
  char what[64];
  if (lua_type(L, idx) != LUA_TTABLE)
    ht_error(L, "on_total must return nil or a table {prompts=..., receipt=..., "
                "treatment=..., block=...}, not %s",
             ht_value_text(L, idx, what, sizeof what));
  luaL_checkstack(L, 8, "on_total");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *k = string_key(L, -2, "on_total");
    int v = lua_gettop(L);
    if (strcmp(k, "prompts") == 0) {
      a->nprompts = read_array(L, v, "on_total: prompts", DECIDE_PROMPTS_MAX,
                               "one prompt needs its own braces: prompts = "
                               "{ { text = ... } }");
      for (size_t i = 0; i < a->nprompts; i++) {
        lua_rawgeti(L, v, (lua_Integer)i + 1);
        read_prompt(L, lua_gettop(L), i + 1, &a->prompts[i]);
        lua_pop(L, 1);
      }
    } else if (strcmp(k, "receipt") == 0) {
      a->nreceipt = read_text_array(L, v, "on_total: receipt", DECIDE_RECEIPT_MAX,
                                    "write receipt = { \"...\" }", a->receipt[0],
                                    sizeof a->receipt[0]);
    } else if (strcmp(k, "treatment") == 0) {
      char t[24];
      copy_text(L, v, "on_total: treatment", t, sizeof t);
      if (treatment_parse(t, &a->treatment))
        ht_error(L, "on_total: treatment must be \"standard\", \"exempt_resale\" or "
                    "\"reverse_charge\", not \"%s\"",
                 t);
      a->has_treatment = 1;
    } else if (strcmp(k, "block") == 0) {
      if (lua_type(L, v) == LUA_TSTRING) {
        copy_text(L, v, "on_total: block", a->blocks[0], sizeof a->blocks[0]);
        a->nblocks = 1;
      } else {
        a->nblocks = read_text_array(L, v, "on_total: block", DECIDE_BLOCKS_MAX,
                                     "write block = \"...\" or block = { \"...\" }",
                                     a->blocks[0], sizeof a->blocks[0]);
      }
    } else if (strcmp(k, "drop_prompts") == 0) {
      a->ndrop = read_text_array(L, v, "on_total: drop_prompts", DECIDE_PROMPTS_MAX,
                                 "write drop_prompts = { \"gift_receipt\" }", a->drop[0],
                                 sizeof a->drop[0]);
    } else {
      unknown_field(L, "on_total", k, v,
                    "prompts, receipt, treatment, block, drop_prompts");
    }
    lua_settop(L, v - 1);
  }
}

buyer_status ht_read_status(lua_State *L, int idx, const char *line) {
  buyer_status st = STATUS_NONE;
  char v[64];
  if (lua_isnil(L, idx)) return STATUS_NONE;
  if (lua_type(L, idx) != LUA_TSTRING || status_parse(lua_tostring(L, idx), &st))
    ht_error(L, "classify must return nil, \"consumer\", \"customer\" or "
                "\"reseller\", not %s (line %s)",
             ht_value_text(L, idx, v, sizeof v), line);
  return st;
}

/* ---- on_complete meta and report columns -------------------------------- */

static int key_ok(const char *k, size_t len) {
  if (len == 0 || len >= HT_KEY_MAX) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = k[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

static int cmp_items(const void *a, const void *b) {
  return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Order an object's members by name, so that answers read from Lua's
 * hash order print the same every time. */
static void sort_members(cJSON *obj) {
  cJSON *items[HT_META_NODES];
  size_t n = 0;
  for (cJSON *c = obj->child; c && n < HT_META_NODES; c = c->next) items[n++] = c;
  if (n < 2) return;
  qsort(items, n, sizeof items[0], cmp_items);
  for (size_t i = 0; i < n; i++) {
    items[i]->next = i + 1 < n ? items[i + 1] : NULL;
    items[i]->prev = i > 0 ? items[i - 1] : items[n - 1]; /* cJSON: head->prev is the tail */
  }
  obj->child = items[0];
}

/* Attach v to parent (under key, or appended to an array); raise on failure
 * after freeing v, so that every node is owned by the caller's root. */
static void attach(lua_State *L, cJSON *parent, const char *key, cJSON *v) {
  int ok = v != NULL && (key ? cJSON_AddItemToObject(parent, key, v)
                             : cJSON_AddItemToArray(parent, v));
  if (!ok) {
    cJSON_Delete(v);
    luaL_error(L, "out of memory storing a script's answer");
  }
}

/* A scalar at idx as a new cJSON node, or NULL when it is not a scalar. */
static cJSON *scalar(lua_State *L, int idx, const char *what, size_t text_cap) {
  char v[64];
  switch (lua_type(L, idx)) {
  case LUA_TSTRING: {
    size_t len;
    read_text(L, idx, what, text_cap, &len);
    return cJSON_CreateString(lua_tostring(L, idx));
  }
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) {
      lua_Integer i = lua_tointeger(L, idx);
      if (i > MONEY_MAX || i < -MONEY_MAX)
        ht_error(L, "%s: integer too large for JSON (beyond 2^53): %s", what,
                 ht_value_text(L, idx, v, sizeof v));
      return cJSON_CreateNumber((double)i);
    } else {
      double d = lua_tonumber(L, idx);
      if (!isfinite(d))
        ht_error(L, "%s: not a finite number: %s", what, ht_value_text(L, idx, v, sizeof v));
      return cJSON_CreateNumber(d);
    }
  case LUA_TBOOLEAN: return cJSON_CreateBool(lua_toboolean(L, idx));
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == NULL) return cJSON_CreateNull(); /* cjson.null */
    break;
  default: break;
  }
  ht_error(L, "%s: %s cannot be stored", what, ht_value_text(L, idx, v, sizeof v));
  return NULL;
}

/* Stored fields (on_complete's answer, on_return's meta): `hook` names
 * the answer in errors ("on_complete", "on_return: meta"). */
static void add_meta(lua_State *L, const char *hook, int idx, cJSON *parent,
                     const char *key, int depth, int *nodes);

/* Members of the table at idx into obj (string keys only). */
static void meta_members(lua_State *L, const char *hook, int idx, cJSON *obj, int depth,
                         int *nodes) {
  char v[64], w[64];
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t kl;
    if (lua_type(L, -2) != LUA_TSTRING)
      ht_error(L, "%s: a table mixes array entries and named fields ([%s] = %s)", hook,
               ht_value_text(L, -2, v, sizeof v), ht_value_text(L, -1, w, sizeof w));
    const char *k = lua_tolstring(L, -2, &kl);
    if (!key_ok(k, kl))
      ht_error(L, "%s: field names are 1 to %d letters, digits, '_', '-' or '.', not %s",
               hook, HT_KEY_MAX - 1, ht_value_text(L, -2, v, sizeof v));
    add_meta(L, hook, lua_gettop(L), obj, k, depth + 1, nodes);
    lua_pop(L, 1);
  }
  sort_members(obj);
}

static void add_meta(lua_State *L, const char *hook, int idx, cJSON *parent,
                     const char *key, int depth, int *nodes) {
  if (++*nodes > HT_META_NODES) ht_error(L, "%s: more than %d values", hook, HT_META_NODES);
  if (lua_type(L, idx) != LUA_TTABLE) {
    char what[112];
    snprintf(what, sizeof what, "%s: %s%s", hook, key ? "field " : "an array entry",
             key ? key : "");
    attach(L, parent, key, scalar(L, idx, what, 1024));
    return;
  }
  if (depth >= HT_META_DEPTH)
    ht_error(L, "%s: tables nested deeper than %d (or a cycle)", hook, HT_META_DEPTH);
  luaL_checkstack(L, 6, hook);
  size_t n = lua_rawlen(L, idx);
  if (n > HT_META_NODES) ht_error(L, "%s: more than %d values", hook, HT_META_NODES);
  if (n == 0) {
    cJSON *obj = cJSON_CreateObject();
    attach(L, parent, key, obj);
    meta_members(L, hook, idx, obj, depth, nodes);
    return;
  }
  /* An array: keys exactly 1..n. */
  char what[96];
  snprintf(what, sizeof what, "%s: an array", hook);
  read_array(L, idx, what, HT_META_NODES, NULL);
  cJSON *arr = cJSON_CreateArray();
  attach(L, parent, key, arr);
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, idx, (lua_Integer)i);
    add_meta(L, hook, lua_gettop(L), arr, NULL, depth + 1, nodes);
    lua_pop(L, 1);
  }
}

void ht_read_meta(lua_State *L, int idx, cJSON *into) {
  char v[64];
  if (lua_type(L, idx) != LUA_TTABLE)
    ht_error(L, "on_complete must return nil or a table of fields, not %s",
             ht_value_text(L, idx, v, sizeof v));
  int nodes = 0;
  luaL_checkstack(L, 6, "on_complete");
  meta_members(L, "on_complete", idx, into, 0, &nodes);
}

void ht_read_return(lua_State *L, int idx, return_answer_in *a, cJSON *meta) {
  char v[64];
  a->nreceipt = 0;
  if (lua_type(L, idx) != LUA_TTABLE)
    ht_error(L, "on_return must return nil, true, false and a message, or a table "
                "{receipt=..., meta=...}, not %s",
             ht_value_text(L, idx, v, sizeof v));
  luaL_checkstack(L, 8, "on_return");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *k = string_key(L, -2, "on_return");
    int v_ = lua_gettop(L);
    if (strcmp(k, "receipt") == 0) {
      a->nreceipt = read_text_array(L, v_, "on_return: receipt", HOOKS_RETURN_RECEIPT_MAX,
                                    "write receipt = { \"...\" }", a->receipt[0],
                                    sizeof a->receipt[0]);
    } else if (strcmp(k, "meta") == 0) {
      if (lua_type(L, v_) != LUA_TTABLE)
        ht_error(L, "on_return: meta must be a table of fields, not %s",
                 ht_value_text(L, v_, v, sizeof v));
      int nodes = 0;
      meta_members(L, "on_return: meta", v_, meta, 0, &nodes);
    } else {
      unknown_field(L, "on_return", k, v_, "receipt, meta");
    }
    lua_settop(L, v_ - 1);
  }
}

void ht_read_columns(lua_State *L, int idx, const cJSON *row, cJSON *into) {
  char v[64], w[64];
  if (lua_type(L, idx) != LUA_TTABLE)
    ht_error(L, "report_row must return nil or a table of columns, not %s",
             ht_value_text(L, idx, v, sizeof v));
  int n = 0;
  luaL_checkstack(L, 6, "report_row");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t kl;
    if (lua_type(L, -2) != LUA_TSTRING)
      ht_error(L, "report_row: column names must be strings, not [%s] = %s",
               ht_value_text(L, -2, v, sizeof v), ht_value_text(L, -1, w, sizeof w));
    const char *k = lua_tolstring(L, -2, &kl);
    if (!key_ok(k, kl))
      ht_error(L, "report_row: column names are 1 to %d letters, digits, '_', "
                  "'-' or '.', not %s",
               HT_KEY_MAX - 1, ht_value_text(L, -2, v, sizeof v));
    if (++n > HT_COLUMNS_MAX)
      ht_error(L, "report_row: more than %d columns", HT_COLUMNS_MAX);
    if (cJSON_GetObjectItemCaseSensitive(row, k) ||
        cJSON_GetObjectItemCaseSensitive(into, k))
      ht_error(L, "report_row may add columns, not replace '%s' (with %s)", k,
               ht_value_text(L, -1, v, sizeof v));
    char what[96];
    snprintf(what, sizeof what, "report_row: column %s", k);
    attach(L, into, k, scalar(L, -1, what, HT_COLUMN_TEXT));
    lua_pop(L, 1);
  }
  sort_members(into);
}
