/* SPDX-License-Identifier: MIT */
/*
 * till_session.c - the till and the plugin (see till_int.h): the one call
 * through api->handle(), reading its replies, beginning a sale, and
 * reloading the store scripts.  The keys (till.c) and the purposes
 * (till_purpose.c) both act through it; it calls neither.
 */
#include "host/till_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define REPLY_MAX (16u << 20)   /* largest reply the till will fetch         */

/* ======================================================================== */
/* plugin                                                                   */

/* Send one event and return its parsed reply (the caller deletes it), or
 * NULL when there is none to show (a message has been said).  The reply
 * buffer grows on POSPLUG_ERR_TOOSMALL and the reply is fetched again with
 * last_reply(), as posplug.h prescribes: the event is never resent. */
cJSON *call(till *t, jsonw *e) {
  if (!jw_ok(e)) {
    if (jw_status_of(e) == JW_TOO_LONG)
      say(t, "that is too long to send (more than %d bytes); nothing was changed",
          EVENT_MAX);
    else
      say(t, "out of memory for the event; nothing was changed");
    jw_free(e);
    return NULL;
  }
  posplug_error err;
  memset(&err, 0, sizeof err);
  size_t n = 0;
  posplug_status st =
      t->api->handle(t->inst, e->buf, e->len, t->reply, t->reply_cap, &n, &err);
  jw_free(e);
  if (n >= t->reply_cap && n < REPLY_MAX) { /* handled; fetch the reply, never resend */
    char *bigger = realloc(t->reply, n + 1);
    if (bigger == NULL) {
      say(t, "out of memory for a %zu-byte reply", n + 1);
      return NULL;
    }
    t->reply = bigger;
    t->reply_cap = n + 1;
    st = t->api->last_reply(t->inst, t->reply, t->reply_cap, &n);
  }
  if (st == POSPLUG_ERR_TOOSMALL || st == POSPLUG_ERR_MISUSE) {
    say(t, "the plugin's reply could not be read (status %d)", (int)st);
    return NULL;
  }
  cJSON *r = cJSON_ParseWithLength(t->reply, n);
  snprintf(t->last_json, sizeof t->last_json, "%.*s", (int)(n < 2047 ? n : 2047),
           t->reply);
  if (!cJSON_IsObject(r)) {
    cJSON_Delete(r);
    say(t, "the plugin failed: %s", err.message[0] ? err.message : "no reply");
    return NULL;
  }
  snprintf(t->last_type, sizeof t->last_type, "%s", jstr(r, "type"));
  /* A store script failed: the plugin went on without that rule (or
   * refused), and the cashier must know the answer may lack it. */
  const cJSON *se = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "script_errors"), 0);
  if (se) {
    snprintf(t->script_error, sizeof t->script_error, "STORE RULE FAILED: %s %s",
             jstr(se, "hook"), jstr(se, "where"));
    if (!t->tty) {
      fprintf(t->out, "! %s: %s\n", t->script_error, jstr(se, "message"));
      fflush(t->out);
    }
  }
  return r;
}

/* The refusal's code ("reseller_evidence"), or "" when the reply has none. */
const char *err_code(const cJSON *r) {
  return jstr(cJSON_GetObjectItemCaseSensitive(r, "error"), "code");
}

/* The refusal's sentence for the cashier, or "" when the reply has none. */
const char *err_message(const cJSON *r) {
  return jstr(cJSON_GetObjectItemCaseSensitive(r, "error"), "message");
}

/* Say a refusal: "<what>: <the plugin's sentence>". */
void say_refusal(till *t, const char *what, const cJSON *r) {
  say(t, "%s: %s", what, err_message(r));
}

/* Take the lines' purpose, status and treatment from a reply's "lines". */
void apply_lines(till *t, const cJSON *r) {
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "lines"), *l;
  cJSON_ArrayForEach(l, arr) {
    const char *id = jstr(l, "line");
    for (size_t i = 0; i < t->nlines; i++)
      if (strcmp(t->lines[i].id, id) == 0) {
        tline *x = &t->lines[i];
        const char *p = jstr(l, "purpose");
        snprintf(x->purpose, sizeof x->purpose, "%s", strcmp(p, "none") ? p : "");
        const char *s = jstr(l, "status");
        snprintf(x->status, sizeof x->status, "%s", strcmp(s, "none") ? s : "");
        snprintf(x->treatment, sizeof x->treatment, "%s", jstr(l, "treatment"));
      }
  }
}

/* ======================================================================== */
/* the sale and the scripts                                                 */

/* The current local time as RFC 3339 with its UTC offset
 * ("2026-11-20T09:28:00+01:00"): the sale's business day is its date. */
void now_rfc3339(char *out, size_t cap) {
  time_t now = time(NULL);
  struct tm tm;
  char z[16];
  localtime_r(&now, &tm);
  strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  size_t n = strlen(out);
  if (strftime(z, sizeof z, "%z", &tm) == 5)
    snprintf(out + n, cap - n, "%c%c%c:%c%c", z[0], z[1], z[2], z[3], z[4]);
  else
    snprintf(out + n, cap - n, "Z");
}

/* A fresh attempt key for a sale into key[33]: 128 random bits as hex
 * (docs/events.md, "Attempt keys").  The plugin tells this till's sale
 * from another till's under the same ids by it, also when the till
 * resends a completion after a restart.  getrandom() first, /dev/urandom
 * when the kernel lacks it; with neither, "" (the key is optional: the
 * sale is then judged by its content, as before keys existed). */
static void new_attempt(char key[33]) {
  unsigned char raw[16];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  if (got < sizeof raw) {
    FILE *f = fopen("/dev/urandom", "rb");
    got = f ? fread(raw, 1, sizeof raw, f) : 0;
    if (f) fclose(f);
  }
  key[0] = '\0';
  if (got < sizeof raw) return;
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof raw; i++) {
    key[2 * i] = hex[raw[i] >> 4];
    key[2 * i + 1] = hex[raw[i] & 15];
  }
  key[32] = '\0';
}

/* Begin a sale when none is open.  Ids are "<terminal>-<start epoch>-<n>";
 * should one be recorded already (two tills started in the same second),
 * the next number is taken.  Returns 0, or -1 (said why). */
int ensure_sale(till *t) {
  if (t->open) return 0;
  for (int attempt = 0; attempt < 100; attempt++) {
    char at[40], id[160], key[33];
    jsonw e = {0};
    snprintf(id, sizeof id, "%s-%lld-%ld", t->terminal, t->epoch, ++t->seq);
    if (strlen(id) >= sizeof t->sale) {
      say(t, "terminal id %s is too long to build sale ids from", t->terminal);
      return -1;
    }
    now_rfc3339(at, sizeof at);
    event_start(&e, "sale.begin", id);
    jw_kstr(&e, "store", t->store);
    jw_kstr(&e, "terminal", t->terminal);
    jw_kstr(&e, "cashier", t->cashier);
    jw_kstr(&e, "at", at);
    if (t->currency[0]) jw_kstr(&e, "currency", t->currency);
    new_attempt(key);
    if (key[0]) jw_kstr(&e, "attempt", key);
    jw_end_object(&e);
    cJSON *r = call(t, &e);
    if (r == NULL) return -1;
    int ok = jbool(r, "ok");
    int taken = !ok && strcmp(err_code(r), "already_recorded") == 0;
    if (!ok && !taken) say_refusal(t, "cannot begin a sale", r);
    cJSON_Delete(r);
    if (ok) {
      reset_sale(t);
      t->open = 1;
      memcpy(t->sale, id, strlen(id) + 1);
      memcpy(t->attempt, key, sizeof t->attempt);
      return 0;
    }
    if (!taken) return -1;
  }
  say(t, "cannot find a free sale number for terminal %s", t->terminal);
  return -1;
}

/* S, or SIGHUP: recompile the store scripts.  A failure leaves the old
 * scripts active (the plugin's promise) and is kept on screen: a till that
 * is restarted later would refuse the same scripts. */
void reload_scripts(till *t, const char *why) {
  posplug_error err;
  memset(&err, 0, sizeof err);
  if (t->api->reload(t->inst, &err) == POSPLUG_OK) {
    t->scripts_note[0] = '\0';
    say(t, "Store scripts reloaded (%s)%s.", why,
        t->open ? "; the open sale goes on with them" : "");
    return;
  }
  snprintf(t->scripts_note, sizeof t->scripts_note, "SCRIPTS NOT RELOADED: %s",
           err.where[0] ? err.where : "see the log");
  say(t, "Store scripts NOT reloaded (%s): %s. The old scripts stay active; fix the "
         "script (posintent script check) and press S, or the till will not start "
         "again.",
      why, err.message[0] ? err.message : "the plugin gave no reason");
}
