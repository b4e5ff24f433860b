/* SPDX-License-Identifier: MIT */
/*
 * till_purpose.c - what the goods are for (see till_int.h): the tags G, R
 * and O on a line or the whole sale, a gift's details (D), the customer
 * and the identifier that makes a buyer a reseller (C, and R's question),
 * a customer account on file (A),
 * and the plugin's questions about them when the sale is paid.
 *
 * The till only routes: each answer goes to the plugin as sale.tag or
 * sale.customer, and what the plugin replies is what the screen shows.
 */
#include "host/till_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* ======================================================================== */
/* words                                                                    */

static int ends_with_stop(const char *s) {
  size_t n = strlen(s);
  return n > 0 && (s[n - 1] == '.' || s[n - 1] == '!' || s[n - 1] == '?');
}

/* ======================================================================== */
/* tags                                                                     */

static void scope_name(const till *t, const scope *sc, char *out, size_t cap) {
  if (sc->whole)
    snprintf(out, cap, "whole sale");
  else
    snprintf(out, cap, "%s %s", t->lines[sc->index].id, t->lines[sc->index].it->name);
}

/* Send sale.tag for the scope; gift details ride along with a gift tag.
 * Returns the reply (caller deletes) or NULL. */
static cJSON *send_tag(till *t, const scope *sc, const char *purpose, const gift *g) {
  jsonw e = {0};
  event_start(&e, "sale.tag", t->sale);
  jw_kstr(&e, "purpose", purpose);
  if (!sc->whole) jw_kstr(&e, "line", t->lines[sc->index].id);
  if (strcmp(purpose, "gift") == 0 && g) {
    if (g->recipient[0] || g->contact[0]) {
      jw_key(&e, "recipient");
      jw_object(&e);
      if (g->recipient[0]) jw_kstr(&e, "name", g->recipient);
      if (g->contact[0]) jw_kstr(&e, "contact", g->contact);
      jw_end_object(&e);
    }
    if (g->message[0]) jw_kstr(&e, "message", g->message);
    if (g->receipt >= 0) jw_kbool(&e, "gift_receipt", g->receipt);
  }
  jw_end_object(&e);
  return call(t, &e);
}

/* After an accepted tag: remember it and take the lines from the reply. */
static void tagged(till *t, const scope *sc, const char *purpose, const gift *g,
                   const cJSON *r) {
  gift none;
  memset(&none, 0, sizeof none);
  none.receipt = -1;
  int is_gift = strcmp(purpose, "gift") == 0;
  if (sc->whole) {
    snprintf(t->sale_tag, sizeof t->sale_tag, "%s", purpose);
    t->sale_gift = is_gift && g ? *g : none;
  } else {
    tline *l = &t->lines[sc->index];
    snprintf(l->tag, sizeof l->tag, "%s", purpose);
    l->g = is_gift && g ? *g : none;
  }
  apply_lines(t, r);
  t->have_total = 0;
}

static gift *scope_gift(till *t, const scope *sc) {
  return sc->whole ? &t->sale_gift : &t->lines[sc->index].g;
}

static const char *scope_tag(const till *t, const scope *sc) {
  return sc->whole ? t->sale_tag : t->lines[sc->index].tag;
}

/* G or O (and R once evidence is on file): one event, no questions.
 * Contract in till_int.h. */
tag_result tag_simple(till *t, const scope *sc, const char *purpose) {
  gift *g = strcmp(scope_tag(t, sc), "gift") == 0 ? scope_gift(t, sc) : NULL;
  gift keep;
  if (g) keep = *g; /* a gift re-tagged keeps its recipient and message */
  cJSON *r = send_tag(t, sc, purpose, g ? &keep : NULL);
  if (r == NULL) return TAG_FAILED;
  char what[200];
  scope_name(t, sc, what, sizeof what);
  int ok = jbool(r, "ok");
  if (ok) {
    tagged(t, sc, purpose, g ? &keep : NULL, r);
    const cJSON *warn =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "warnings"), 0);
    say(t, "%s: %s (buyer: %s)%s%s%s", what, purpose_word(purpose), status_of(purpose),
        strcmp(purpose, "gift") == 0 ? ". D adds recipient, message, gift receipt" : "",
        cJSON_IsString(warn) ? ". Warning: " : "",
        cJSON_IsString(warn) ? warn->valuestring : "");
  } else if (strcmp(err_code(r), "reseller_evidence") != 0) {
    say_refusal(t, what, r);
  }
  tag_result code = ok ? TAG_DONE
                  : strcmp(err_code(r), "reseller_evidence") == 0 ? TAG_NEEDS_EVIDENCE
                                                                  : TAG_FAILED;
  cJSON_Delete(r);
  return code;
}

/* ======================================================================== */
/* customer and identifiers                                                 */

/* Is this "YYYY-MM-DD"-shaped? */
static int date_shaped(const char *s) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return 0;
  return 1;
}

/* Send sale.customer with the customer's name and one identifier of the
 * given kind ("vat", "eori" or "resale_cert"); fills t->cust from the
 * reply.  Returns 0 when the plugin took the customer (valid identifier or
 * not), -1 otherwise (said why). */
static int send_customer_as(till *t, const char *kind, const char *ident) {
  jsonw e = {0};
  event_start(&e, "sale.customer", t->sale);
  jw_key(&e, "customer");
  jw_object(&e);
  if (t->cust.name[0]) jw_kstr(&e, "name", t->cust.name);
  if (ident[0]) jw_kbool(&e, "org", 1);
  if (strcmp(kind, "resale_cert") == 0) {
    /* "CA:number[:YYYY-MM-DD]" */
    char buf[160], state[3] = {ident[0], ident[1], '\0'};
    snprintf(buf, sizeof buf, "%s", ident + 3);
    char *last = strrchr(buf, ':'), *expires = NULL;
    if (last && date_shaped(trim(last + 1))) {
      *last = '\0';
      expires = trim(last + 1);
    }
    state[0] = (char)toupper((unsigned char)state[0]);
    state[1] = (char)toupper((unsigned char)state[1]);
    jw_key(&e, "resale_cert");
    jw_object(&e);
    jw_kstr(&e, "state", state);
    jw_kstr(&e, "number", trim(buf));
    if (expires) jw_kstr(&e, "expires", expires);
    jw_end_object(&e);
  } else if (ident[0]) {
    jw_kstr(&e, kind, ident);
  }
  jw_end_object(&e);
  jw_end_object(&e);
  cJSON *r = call(t, &e);
  if (r == NULL) return -1;
  if (!jbool(r, "ok")) {
    say_refusal(t, "customer not taken", r);
    cJSON_Delete(r);
    return -1;
  }
  const cJSON *ev =
      cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "evidence"), 0);
  customer *c = &t->cust;
  snprintf(c->ident, sizeof c->ident, "%s", ident);
  snprintf(c->kind, sizeof c->kind, "%s", ident[0] ? kind : "");
  snprintf(c->compact, sizeof c->compact, "%s", ev ? jstr(ev, "compact") : "");
  snprintf(c->verdict, sizeof c->verdict, "%s", ev ? jstr(ev, "message") : "");
  c->valid = jbool(r, "reseller_evidence");
  cJSON_Delete(r);
  t->have_total = 0;
  return 0;
}

/* Which identifier was typed.  "EORI ..." is an EORI; "XX:..." is a US
 * resale certificate (no VAT number contains a colon); anything else is a
 * VAT number unless it has more letters and digits than any VAT number
 * (14; Swiss "CHE...MWST" aside), as the EORI "FR 303265045 00017" has.
 * The till must not fall back from a refused VAT number to an EORI: EORI
 * formats are so loose that a mistyped VAT number would pass as one.  The
 * plugin judges whichever form is sent; the till only routes. */
static int send_identifier(till *t, char *typed) {
  char *s = trim(typed);
  if (strncasecmp(s, "eori", 4) == 0 && (s[4] == ' ' || s[4] == ':'))
    return send_customer_as(t, "eori", trim(s + 5));
  if (isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) && s[2] == ':')
    return send_customer_as(t, "resale_cert", s);
  size_t alnum = 0;
  for (const char *p = s; *p; p++) alnum += isalnum((unsigned char)*p) != 0;
  int eori = alnum > 14 && strncasecmp(s, "CH", 2) != 0;
  return send_customer_as(t, eori ? "eori" : "vat", s);
}

static void say_customer(till *t) {
  const customer *c = &t->cust;
  if (c->kind[0] == '\0')
    say(t, "customer: %s", c->name);
  else if (c->valid)
    say(t, "customer: %s%s%s %s valid", c->name, c->name[0] ? ", " : "",
        strcmp(c->kind, "resale_cert") == 0 ? "resale certificate" : c->kind,
        c->compact);
  else
    say(t, "customer: %s%s%s not valid: %s", c->name, c->name[0] ? ", " : "",
        c->kind, c->verdict);
}

/* Ask for an identifier until the plugin accepts one or the cashier gives
 * up (an empty answer).  With `purpose_scope`, tag it resale each time and
 * re-ask with the refusal's sentence (the validator's); without, stop at a
 * valid identifier. */
static ask_result ask_identifier(till *t, const scope *purpose_scope) {
  for (;;) {
    char buf[130];
    if (!read_text(t, "VAT, EORI or CA:certificate (empty cancels): ", buf, sizeof buf) ||
        trim(buf)[0] == '\0')
      return ASK_CANCELLED;
    if (send_identifier(t, buf)) return ASK_FAILED;
    if (purpose_scope == NULL) {
      if (t->cust.valid) {
        say_customer(t);
        return ASK_DONE;
      }
      say(t, "%s: %s%s Type it again.", t->cust.ident, t->cust.verdict,
          ends_with_stop(t->cust.verdict) ? "" : ".");
      continue;
    }
    cJSON *r = send_tag(t, purpose_scope, "resale", NULL);
    if (r == NULL) return ASK_FAILED;
    char what[200];
    scope_name(t, purpose_scope, what, sizeof what);
    if (jbool(r, "ok")) {
      tagged(t, purpose_scope, "resale", NULL, r);
      say(t, "%s: resale (buyer: reseller), %s %s", what,
          strcmp(t->cust.kind, "resale_cert") == 0 ? "certificate" : t->cust.kind,
          t->cust.compact);
      cJSON_Delete(r);
      return ASK_DONE;
    }
    int again = strcmp(err_code(r), "reseller_evidence") == 0;
    if (again)
      say(t, "%s%s Type it again.", err_message(r),
          ends_with_stop(err_message(r)) ? "" : ".");
    else
      say_refusal(t, what, r);
    cJSON_Delete(r);
    if (!again) return ASK_FAILED;
  }
}

/* R: tag resale at once when a valid identifier is on file, else ask for
 * one.  Contract in till_int.h. */
ask_result do_resale(till *t, const scope *sc) {
  if (t->cust.valid) {
    tag_result tr = tag_simple(t, sc, "resale");
    if (tr != TAG_NEEDS_EVIDENCE) return tr == TAG_DONE ? ASK_DONE : ASK_FAILED;
  }
  ask_result rc = ask_identifier(t, sc);
  if (rc == ASK_CANCELLED) say(t, "resale cancelled; nothing changed");
  return rc;
}

/* ======================================================================== */
/* gift details and customer keys                                           */

/* D: recipient, contact, message, gift receipt; makes the scope a gift. */
void gift_details(till *t, const scope *sc) {
  gift g;
  if (strcmp(scope_tag(t, sc), "gift") == 0)
    g = *scope_gift(t, sc);
  else {
    memset(&g, 0, sizeof g);
    g.receipt = -1;
  }
  char name[sizeof g.recipient], contact[sizeof g.contact], message[sizeof g.message];
  if (!read_text(t, "Gift for (recipient's name, Enter to skip): ", name, sizeof name) ||
      !read_text(t, "Recipient's e-mail or phone (Enter to skip): ", contact,
                 sizeof contact) ||
      !read_text(t, "Gift message (Enter to skip): ", message, sizeof message)) {
    say(t, "gift details cancelled; nothing changed");
    return;
  }
  int yn = ask_key(t, "Gift receipt? [y/n, Enter = ask at payment]: ", "yn", '-');
  if (yn == 0) {
    say(t, "gift details cancelled; nothing changed");
    return;
  }
  if (trim(name)[0]) snprintf(g.recipient, sizeof g.recipient, "%s", trim(name));
  if (trim(contact)[0]) snprintf(g.contact, sizeof g.contact, "%s", trim(contact));
  if (trim(message)[0]) snprintf(g.message, sizeof g.message, "%s", trim(message));
  if (yn != '-') g.receipt = yn == 'y';
  cJSON *r = send_tag(t, sc, "gift", &g);
  if (r == NULL) return;
  char what[200];
  scope_name(t, sc, what, sizeof what);
  if (jbool(r, "ok")) {
    tagged(t, sc, "gift", &g, r);
    say(t, "%s: gift%s%s%s", what, g.recipient[0] ? " for " : "", g.recipient,
        g.receipt == 1   ? ", gift receipt"
        : g.receipt == 0 ? ", no gift receipt"
                         : "");
  } else {
    say_refusal(t, what, r);
  }
  cJSON_Delete(r);
}

/* C: who is buying; an identifier is validated at once. */
void set_customer(till *t) {
  char name[sizeof t->cust.name], ident[130];
  if (!read_text(t, "Customer name (Enter to skip): ", name, sizeof name)) return;
  if (!read_text(t, "VAT, EORI or CA:certificate (Enter for none): ", ident,
                 sizeof ident))
    return;
  if (trim(name)[0] == '\0' && trim(ident)[0] == '\0') {
    say(t, "no customer given; nothing changed");
    return;
  }
  if (ensure_sale(t)) return;
  customer before = t->cust;
  snprintf(t->cust.name, sizeof t->cust.name, "%s", trim(name));
  if (send_identifier(t, ident)) {
    t->cust = before;
    return;
  }
  say_customer(t);
}

/* ======================================================================== */
/* an account on file                                                       */

/* Put `id` first among the accounts named lately (once; the oldest drops
 * off past ACCOUNTS_RECENT). */
static void remember_account(till *t, const char *id) {
  size_t i = 0;
  while (i < t->nrecent && strcmp(t->recent[i], id) != 0) i++;
  if (i == t->nrecent && t->nrecent < ACCOUNTS_RECENT) t->nrecent++;
  if (i == ACCOUNTS_RECENT) i = ACCOUNTS_RECENT - 1;
  memmove(t->recent[1], t->recent[0], i * sizeof t->recent[0]);
  snprintf(t->recent[0], sizeof t->recent[0], "%s", id);
}

/* Send sale.customer {"account": id}.  Returns 0 with t->cust the
 * account's copy, or -1 (said why; t->cust unchanged). */
static int send_account(till *t, const char *id) {
  jsonw e = {0};
  event_start(&e, "sale.customer", t->sale);
  jw_key(&e, "customer");
  jw_object(&e);
  jw_kstr(&e, "account", id);
  jw_end_object(&e);
  jw_end_object(&e);
  cJSON *r = call(t, &e);
  if (r == NULL) return -1;
  if (!jbool(r, "ok")) {
    char what[120];
    snprintf(what, sizeof what, "account %s not taken", id);
    say_refusal(t, what, r);
    cJSON_Delete(r);
    return -1;
  }
  /* The first piece of evidence stands for the customer on screen, as for
   * a typed identifier; reseller_evidence says whether any backs resale. */
  const cJSON *ev =
      cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "evidence"), 0);
  customer *c = &t->cust;
  memset(c, 0, sizeof *c);
  snprintf(c->account, sizeof c->account, "%s", id);
  int64_t version = 0;
  jint(r, "account_version", INT64_C(1) << 52, &version);
  c->account_version = (long long)version;
  snprintf(c->name, sizeof c->name, "%s", id);
  if (ev) {
    snprintf(c->ident, sizeof c->ident, "%s", jstr(ev, "input"));
    snprintf(c->kind, sizeof c->kind, "%s", jstr(ev, "kind"));
    snprintf(c->compact, sizeof c->compact, "%s", jstr(ev, "compact"));
    snprintf(c->verdict, sizeof c->verdict, "%s", jstr(ev, "message"));
  }
  c->valid = jbool(r, "reseller_evidence");
  /* The account's default purpose became the whole sale's tag. */
  const char *applied = jstr(r, "purpose");
  if (applied[0]) snprintf(t->sale_tag, sizeof t->sale_tag, "%s", applied);
  cJSON_Delete(r);
  t->have_total = 0;
  return 0;
}

/* A: contract in till_int.h. */
void set_account(till *t) {
  char prompt[80 + ACCOUNTS_RECENT * ACCOUNT_ID_LEN];
  size_t len = (size_t)snprintf(prompt, sizeof prompt, "Account id");
  for (size_t i = 0; i < t->nrecent; i++)
    len += (size_t)snprintf(prompt + len, sizeof prompt - len, "%s %zu %s",
                            i ? "," : " or", i + 1, t->recent[i]);
  snprintf(prompt + len, sizeof prompt - len, " (Enter cancels): ");
  char buf[ACCOUNT_ID_LEN + 1];
  int picked;
  if (!read_text_or_pick(t, prompt, buf, sizeof buf, t->nrecent, &picked)) return;
  char id[ACCOUNT_ID_LEN];
  snprintf(id, sizeof id, "%s", picked >= 0 ? t->recent[picked] : trim(buf));
  if (id[0] == '\0') {
    say(t, "no account named; nothing changed");
    return;
  }
  if (ensure_sale(t)) return;
  if (send_account(t, id)) return;
  remember_account(t, id);
  const customer *c = &t->cust;
  if (c->kind[0] == '\0')
    say(t, "customer: account %s (version %lld)%s%s", id, c->account_version,
        t->sale_tag[0] ? ", whole sale " : "", t->sale_tag[0] ? purpose_word(t->sale_tag) : "");
  else
    say(t, "customer: account %s (version %lld), %s %s %s%s%s", id, c->account_version,
        strcmp(c->kind, "resale_cert") == 0 ? "resale certificate" : c->kind, c->compact,
        c->valid ? "valid" : "NOT VALID", t->sale_tag[0] ? ", whole sale " : "",
        t->sale_tag[0] ? purpose_word(t->sale_tag) : "");
}

/* ======================================================================== */
/* prompts at payment                                                       */

/* Answer the gift_receipt prompt: every gift tag not yet decided is sent
 * again with the answer (a tag replaces the scope's gift details whole, so
 * the recipient and message go along). */
static int answer_gift_receipt(till *t, int yes) {
  for (size_t i = 0; i <= t->nlines; i++) {
    scope sc = {.whole = i == t->nlines, .index = i};
    if (strcmp(scope_tag(t, &sc), "gift") != 0 || scope_gift(t, &sc)->receipt >= 0)
      continue;
    gift g = *scope_gift(t, &sc);
    g.receipt = yes;
    cJSON *r = send_tag(t, &sc, "gift", &g);
    if (r == NULL) return -1;
    int ok = jbool(r, "ok");
    if (ok)
      tagged(t, &sc, "gift", &g, r);
    else
      say_refusal(t, "gift receipt not set", r);
    cJSON_Delete(r);
    if (!ok) return -1;
  }
  return 0;
}

/* Send sale.answer.  Returns 0, or -1 (said why). */
static int send_answer(till *t, const char *id, const char *value) {
  jsonw e = {0};
  event_start(&e, "sale.answer", t->sale);
  jw_kstr(&e, "prompt", id);
  jw_kstr(&e, "value", value);
  jw_end_object(&e);
  cJSON *r = call(t, &e);
  if (r == NULL) return -1;
  int ok = jbool(r, "ok");
  if (ok)
    say(t, "answered %s: %s", id, value);
  else
    say_refusal(t, "answer not taken", r);
  cJSON_Delete(r);
  return ok ? 0 : -1;
}

/* A store script's question.  With choices whose first letters differ, one
 * key answers (the letter; "[y]es/[n]o"); other choices are typed out; a
 * question without choices takes a line of text.  Returns 1 answered, -1
 * cancelled or refused (said why). */
static int answer_script_prompt(till *t, const cJSON *p) {
  const char *id = jstr(p, "id");
  const char *choice[4];
  size_t n = 0;
  int distinct = 1;
  char keys[5] = "", q[300];
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(p, "choices")) {
    if (n == 4 || !cJSON_IsString(c) || c->valuestring[0] == '\0') continue;
    int k = tolower((unsigned char)c->valuestring[0]);
    if (strchr(keys, k)) distinct = 0;
    keys[n] = (char)k;
    keys[n + 1] = '\0';
    choice[n++] = c->valuestring;
  }
  const char *value = NULL;
  char line[257];
  if (n && distinct) {
    size_t len = (size_t)snprintf(q, sizeof q, "%s [", jstr(p, "text"));
    for (size_t i = 0; i < n && len < sizeof q; i++)
      len += (size_t)snprintf(q + len, sizeof q - len, "%s%c", i ? "/" : "", keys[i]);
    if (len < sizeof q) snprintf(q + len, sizeof q - len, "]: ");
    int k = ask_key(t, q, keys, 0);
    if (k == 0) return -1;
    value = choice[strchr(keys, k) - keys];
  } else {
    size_t len = (size_t)snprintf(q, sizeof q, "%s", jstr(p, "text"));
    for (size_t i = 0; i < n && len < sizeof q; i++)
      len += (size_t)snprintf(q + len, sizeof q - len, "%s%s", i ? "/" : " [", choice[i]);
    if (len < sizeof q) snprintf(q + len, sizeof q - len, "%s", n ? "]: " : ": ");
    for (;;) {
      if (!read_text(t, q, line, sizeof line) || trim(line)[0] == '\0') return -1;
      value = trim(line);
      size_t i = 0;
      while (i < n && strcmp(choice[i], value) != 0) i++;
      if (n == 0 || i < n) break;
      say(t, "please answer one of the choices shown");
    }
  }
  if (send_answer(t, id, value)) return -1;
  if (t->nanswered < LIST_MAX)
    snprintf(t->answered[t->nanswered++], sizeof t->answered[0], "%s", id);
  return 1;
}

static int answered_now(const till *t, const char *id) {
  for (size_t i = 0; i < t->nanswered; i++)
    if (strcmp(t->answered[i], id) == 0) return 1;
  return 0;
}

/* Answer what the plugin asks.  Contract in till_int.h. */
prompts_result answer_prompts(till *t, const cJSON *total) {
  int answered = 0;
  const cJSON *p;
  cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(total, "prompts")) {
    const char *id = jstr(p, "id");
    if (strcmp(id, "gift_receipt") == 0) {
      int yn = ask_key(t, "Print a gift receipt? [y/n]: ", "yn", 0);
      if (yn == 0 || answer_gift_receipt(t, yn == 'y')) return PROMPTS_STOPPED;
      answered = 1;
    } else if (strcmp(id, "reseller_id") == 0) {
      say(t, "%s", jstr(p, "text"));
      if (ask_identifier(t, NULL) != ASK_DONE) return PROMPTS_STOPPED;
      answered = 1;
    } else if (strcmp(id, "purpose") == 0) {
      int k = ask_key(t, "Purpose of the untagged lines? [g/r/o]: ", "gro", 0);
      scope whole = {.whole = 1, .index = 0};
      if (k == 0) return PROMPTS_STOPPED;
      if (k == 'r' ? do_resale(t, &whole) != ASK_DONE
                   : tag_simple(t, &whole, k == 'g' ? "gift" : "own_use") != TAG_DONE)
        return PROMPTS_STOPPED;
      answered = 1;
    } else if (!answered_now(t, id)) {
      if (answer_script_prompt(t, p) < 0) return PROMPTS_STOPPED;
      answered = 1;
    }
  }
  return answered ? PROMPTS_ANSWERED : PROMPTS_NONE;
}
