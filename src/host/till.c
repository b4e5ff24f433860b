/* SPDX-License-Identifier: MIT */
/*
 * till.c - an interactive terminal till over the posplug ABI (see till.h):
 * the keys.
 *
 * till_run() sets the session up, then reads keys until Q or the end of
 * input; every key goes to on_key(), which acts on the open sale through
 * the plugin.  This file holds what the keys do to the sale (add, remove,
 * total, pay, void); the rest is in the files that till_int.h lists, from
 * the top down: what the goods are for (till_purpose.c), the keyboard
 * (till_term.c), the plugin session (till_session.c), the display
 * (till_screen.c), the sale as held (till_sale.c), the files read
 * (till_catalogue.c) and JSON (till_json.c).  Each calls only files below
 * it.
 */
#include "host/till.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/till_int.h"

/* ======================================================================== */
/* the sale                                                                 */

static void keep_visible(till *t) {
  if (t->cursor < t->top) t->top = t->cursor;
  if (t->cursor >= t->top + WIN) t->top = t->cursor - WIN + 1;
}

/* The purpose a line has until the plugin says otherwise. */
static void local_purpose(till *t, tline *l) {
  const char *p = l->tag[0] ? l->tag : t->sale_tag[0] ? t->sale_tag : t->dflt;
  snprintf(l->purpose, sizeof l->purpose, "%s", p);
  snprintf(l->status, sizeof l->status, "%s", status_of(p));
}

/* "3*101" or "4006381333931": add the item as a new line. */
static void add_item(till *t, const char *entry) {
  int64_t qty = 1;
  const char *code = entry, *star = strchr(entry, '*');
  if (star) {
    char *end;
    long q = strtol(entry, &end, 10);
    if (end != star || q < 1 || q > QTY_MAX) {
      say(t, "\"%s\": type a quantity from 1 to %d, then *, then the code", entry,
          QTY_MAX);
      return;
    }
    qty = q;
    code = star + 1;
  }
  const item *it = find_item(t, code);
  if (it == NULL) {
    say(t, "no item %s in the catalogue (? lists the keys; the codes are on screen "
           "while no sale is open)",
        code);
    return;
  }
  if (t->nlines == LINES_MAX) {
    say(t, "this sale has %d lines, the most the till holds: pay or void it",
        LINES_MAX);
    return;
  }
  if (ensure_sale(t)) return;
  tline *l = &t->lines[t->nlines];
  memset(l, 0, sizeof *l);
  snprintf(l->id, sizeof l->id, "L%d", t->next_line);
  l->it = it;
  l->qty = qty;
  l->g.receipt = -1;
  jsonw e = {0};
  event_start(&e, "sale.line", t->sale);
  jw_kstr(&e, "line", l->id);
  jw_kstr(&e, "sku", it->sku);
  jw_kstr(&e, "name", it->name);
  jw_kint(&e, "qty", qty);
  jw_kint(&e, "unit_price", it->net + it->tax);
  jw_kint(&e, "net", qty * it->net);
  jw_kint(&e, "tax", qty * it->tax);
  jw_end_object(&e);
  cJSON *r = call(t, &e);
  if (r == NULL) return;
  if (!jbool(r, "ok")) {
    say_refusal(t, "item not added", r);
    cJSON_Delete(r);
    return;
  }
  cJSON_Delete(r);
  t->next_line++;
  t->nlines++;
  local_purpose(t, l);
  t->cursor = t->nlines - 1;
  keep_visible(t);
  t->have_total = 0;
  char unit[32], amount[32], total[32];
  int64_t net, tax;
  sale_totals(t, &net, &tax);
  money_text(it->net + it->tax, t->exponent, unit, sizeof unit);
  money_text(qty * (it->net + it->tax), t->exponent, amount, sizeof amount);
  money_text(net + tax, t->exponent, total, sizeof total);
  say(t, "+ %zu %s %s  %" PRId64 " x %s = %s  (sale total %s %s)",
      t->cursor - t->top + 1, l->id, it->name, qty, unit, amount, total, t->currency);
}

static void remove_line(till *t, size_t i) {
  jsonw e = {0};
  event_start(&e, "sale.line", t->sale);
  jw_kstr(&e, "line", t->lines[i].id);
  jw_kbool(&e, "remove", 1);
  jw_end_object(&e);
  cJSON *r = call(t, &e);
  if (r == NULL) return;
  if (!jbool(r, "ok")) {
    say_refusal(t, "line not removed", r);
    cJSON_Delete(r);
    return;
  }
  cJSON_Delete(r);
  char id[16];
  snprintf(id, sizeof id, "%s", t->lines[i].id);
  memmove(&t->lines[i], &t->lines[i + 1], (t->nlines - i - 1) * sizeof t->lines[0]);
  t->nlines--;
  if (t->cursor >= t->nlines && t->nlines) t->cursor = t->nlines - 1;
  if (t->top > t->cursor) t->top = t->cursor;
  keep_visible(t);
  t->have_total = 0;
  say(t, "%s removed", id);
}

/* Send sale.total and keep what it says.  Returns the reply (caller
 * deletes) or NULL (said why). */
static cJSON *do_total(till *t) {
  jsonw e = {0};
  event_start(&e, "sale.total", t->sale);
  jw_end_object(&e);
  cJSON *r = call(t, &e);
  if (r == NULL) return NULL;
  if (!jbool(r, "ok")) {
    say_refusal(t, "no total", r);
    cJSON_Delete(r);
    return NULL;
  }
  apply_lines(t, r);
  t->nprompts = t->nblocks = t->nreceipt = 0;
  const cJSON *x;
  cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "prompts")) {
    if (t->nprompts == LIST_MAX) break;
    char choices[80] = "";
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(x, "choices")) {
      size_t n = strlen(choices);
      snprintf(choices + n, sizeof choices - n, "%s%s", n ? "/" : " [",
               cJSON_IsString(c) ? c->valuestring : "?");
    }
    if (choices[0]) strncat(choices, "]", sizeof choices - strlen(choices) - 1);
    snprintf(t->prompts[t->nprompts++], sizeof t->prompts[0], "%s%s", jstr(x, "text"),
             choices);
  }
  cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "blocked")) {
    if (t->nblocks == LIST_MAX) break;
    snprintf(t->blocks[t->nblocks++], sizeof t->blocks[0], "%s", jstr(x, "message"));
  }
  cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "receipt")) {
    if (t->nreceipt == LIST_MAX) break;
    snprintf(t->receipt[t->nreceipt++], sizeof t->receipt[0], "%s",
             cJSON_IsString(x) ? x->valuestring : "");
  }
  snprintf(t->treatment, sizeof t->treatment, "%s", jstr(r, "tax_treatment"));
  t->can_complete = jbool(r, "can_complete");
  t->have_total = 1;
  return r;
}

static void finish_sale(till *t, const char *tender, const cJSON *r) {
  char total[32], rec[400] = "";
  int64_t v = 0;
  jint(r, "total", INT64_C(9007199254740991), &v);
  money_text(v, t->exponent, total, sizeof total);
  const cJSON *x;
  cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "receipt")) {
    size_t n = strlen(rec);
    snprintf(rec + n, sizeof rec - n, "%s%s", n ? " | " : "",
             cJSON_IsString(x) ? x->valuestring : "");
  }
  char sale[65];
  snprintf(sale, sizeof sale, "%s", t->sale);
  reset_sale(t);
  say(t, "Sale %s paid: %s %s by %s, recorded.%s%s", sale, total, jstr(r, "currency"),
      tender, rec[0] ? " Receipt: " : "", rec);
}

/* P: total, answer the prompts, take the tender, complete. */
static void do_pay(till *t) {
  if (!t->open || t->nlines == 0) {
    say(t, "nothing to pay: add an item first");
    return;
  }
  cJSON *r = NULL;
  t->nanswered = 0;
  for (int round = 0; round < 6; round++) {
    cJSON_Delete(r);
    if ((r = do_total(t)) == NULL) return;
    prompts_result a = answer_prompts(t, r);
    if (a == PROMPTS_STOPPED) {
      cJSON_Delete(r);
      say(t, "payment stopped; the sale is still open (P to try again)");
      return;
    }
    if (a == PROMPTS_NONE) break;
  }
  cJSON_Delete(r);
  if (!t->can_complete) {
    say(t, "cannot complete yet: %s", t->nblocks ? t->blocks[0] : "the plugin says no");
    return;
  }
  int64_t net, tax;
  char amount[32], q[120];
  sale_totals(t, &net, &tax);
  money_text(net + tax, t->exponent, amount, sizeof amount);
  snprintf(q, sizeof q, "Pay %s %s: k card, c cash, i invoice [Enter = card]: ", amount,
           t->currency);
  int k = ask_key(t, q, "kci", 'k');
  if (k == 0) {
    say(t, "payment cancelled; the sale is still open");
    return;
  }
  const char *tender = k == 'c' ? "cash" : k == 'i' ? "invoice" : "card";
  jsonw e = {0};
  event_start(&e, "sale.complete", t->sale);
  jw_kint(&e, "total", net + tax);
  jw_key(&e, "tenders");
  jw_array(&e);
  jw_object(&e);
  jw_kstr(&e, "type", tender);
  jw_kint(&e, "amount", net + tax);
  jw_end_object(&e);
  jw_end_array(&e);
  /* The sale.begin's key: a completion sent again (P after a failure) is
   * the same attempt at the same sale. */
  if (t->attempt[0]) jw_kstr(&e, "attempt", t->attempt);
  jw_end_object(&e);
  r = call(t, &e);
  if (r == NULL) return;
  if (jbool(r, "ok"))
    finish_sale(t, tender, r);
  else
    say(t, "not recorded: %s (the sale is still open; P to try again)", err_message(r));
  cJSON_Delete(r);
}

/* V: void the open sale (recorded as voided, for the audit trail). */
static void do_void(till *t) {
  if (!t->open) {
    say(t, "no sale is open");
    return;
  }
  char q[120];
  snprintf(q, sizeof q, "Void sale %s? [y/N]: ", t->sale);
  if (ask_key(t, q, "yn", 'n') != 'y') {
    say(t, "not voided");
    return;
  }
  jsonw e = {0};
  event_start(&e, "sale.void", t->sale);
  jw_kstr(&e, "reason", "voided at the till");
  if (t->attempt[0]) jw_kstr(&e, "attempt", t->attempt);
  jw_end_object(&e);
  cJSON *r = call(t, &e);
  if (r == NULL) return;
  if (jbool(r, "ok")) {
    char sale[65];
    snprintf(sale, sizeof sale, "%s", t->sale);
    reset_sale(t);
    say(t, "Sale %s voided.", sale);
  } else {
    say_refusal(t, "not voided", r);
  }
  cJSON_Delete(r);
}

/* ======================================================================== */
/* returns                                                                  */

/* One line of a return as typed: "L1" (one piece) or "L3*0.5". */
typedef struct rline {
  char line[65];
  char qty[16]; /* as typed, checked: digits, at most 3 decimals, above 0 */
} rline;

/* "2", "0.5", "1.250": a quantity above 0 with at most 3 decimals (what
 * sale.return takes) and at most 9 digits before the point, written as a
 * JSON number (no leading zero but "0.5").  1 when good. */
static int qty_ok(const char *q) {
  size_t i = 0, ip = 0, fp = 0;
  int nonzero = 0;
  for (; isdigit((unsigned char)q[i]); i++, ip++)
    if (q[i] != '0') nonzero = 1;
  if (q[i] == '.') {
    for (i++; isdigit((unsigned char)q[i]); i++, fp++)
      if (q[i] != '0') nonzero = 1;
    if (fp == 0) return 0; /* "2." */
  }
  return q[i] == '\0' && ip >= 1 && ip <= 9 && fp <= 3 && nonzero &&
         !(ip > 1 && q[0] == '0');
}

/* The lines typed for a return ("L1 L3*0.5", commas allowed) into
 * out[RETURN_LINES_MAX].  Returns the count, or 0 (said why). */
static size_t parse_return_lines(till *t, char *text, rline *out) {
  size_t n = 0;
  char *save = NULL;
  for (char *tok = strtok_r(text, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
    if (n == RETURN_LINES_MAX) {
      say(t, "one return at the till takes at most %d lines; return the others "
             "in a second return",
          RETURN_LINES_MAX);
      return 0;
    }
    char *star = strchr(tok, '*');
    const char *q = star ? star + 1 : "1";
    if (star) *star = '\0';
    if (tok[0] == '\0' || strlen(tok) >= sizeof out[n].line) {
      say(t, "\"%s\": a line id is 1 to 64 characters, as on the receipt (L1)", tok);
      return 0;
    }
    if (strlen(q) >= sizeof out[n].qty || !qty_ok(q)) {
      say(t, "\"%s\": the quantity after * is a number above 0 with at most 3 "
             "decimals (L3*0.5)",
          q);
      return 0;
    }
    for (size_t i = 0; i < n; i++)
      if (strcmp(out[i].line, tok) == 0) {
        say(t, "line %s is named twice; name each line once with its quantity", tok);
        return 0;
      }
    snprintf(out[n].line, sizeof out[n].line, "%s", tok);
    snprintf(out[n].qty, sizeof out[n].qty, "%s", q);
    n++;
  }
  if (n == 0) say(t, "no line named: nothing was returned");
  return n;
}

/* "14.90" (or "14") in the till's currency into minor units.  Returns 0,
 * or -1 when it is not an amount above 0 with at most `exponent`
 * decimals. */
static int parse_amount(const char *s, int exponent, int64_t *out) {
  int64_t v = 0;
  int decimals = -1;
  if (*s == '\0') return -1;
  for (; *s; s++) {
    if (*s == '.' && decimals < 0) {
      decimals = 0;
      continue;
    }
    if (!isdigit((unsigned char)*s) || v > INT64_C(900719925474099)) return -1;
    v = v * 10 + (*s - '0');
    if (decimals >= 0 && ++decimals > exponent) return -1;
  }
  for (int d = decimals < 0 ? 0 : decimals; d < exponent; d++) v *= 10;
  if (v <= 0) return -1;
  *out = v;
  return 0;
}

/* The reason for a return, as sale.return names it, and its text for
 * "other".  Returns 1, or 0 when the cashier cancelled. */
static int ask_reason(till *t, const char **reason, char *text, size_t cap) {
  int k = ask_key(t, "Why: d damaged, u unwanted, w wrong item, o other: ", "duwo", 0);
  text[0] = '\0';
  if (k == 0) return 0;
  *reason = k == 'd' ? "damaged" : k == 'u' ? "unwanted" : k == 'w' ? "wrong_item" : "other";
  if (k != 'o') return 1;
  return read_text(t, "Reason in words (empty cancels): ", text, cap) && trim(text)[0];
}

/* Send the return; 1 when recorded (said so), 0 when refused for its
 * amount (tenders_mismatch: the caller asks again), -1 otherwise (said
 * why). */
static int send_return(till *t, const char *id, const char *sale, const rline *lines,
                       size_t n, const char *reason, const char *text, const char *tender,
                       int64_t amount) {
  char at[40];
  now_rfc3339(at, sizeof at);
  jsonw e = {0};
  event_start(&e, "sale.return", sale);
  jw_kstr(&e, "store", t->store);
  jw_kstr(&e, "return", id);
  jw_kstr(&e, "at", at);
  jw_key(&e, "lines");
  jw_array(&e);
  for (size_t i = 0; i < n; i++) {
    jw_object(&e);
    jw_kstr(&e, "line", lines[i].line);
    jw_key(&e, "qty");
    jw_raw(&e, lines[i].qty); /* checked by qty_ok: a JSON number */
    jw_end_object(&e);
  }
  jw_end_array(&e);
  jw_kstr(&e, "reason", reason);
  if (text[0]) jw_kstr(&e, "reason_text", text);
  jw_key(&e, "refund");
  jw_array(&e);
  jw_object(&e);
  jw_kstr(&e, "type", tender);
  jw_kint(&e, "amount", amount);
  jw_end_object(&e);
  jw_end_array(&e);
  jw_end_object(&e);
  cJSON *r = call(t, &e);
  if (r == NULL) return -1;
  int rc = -1;
  if (jbool(r, "ok")) {
    char total[32], rec[400] = "";
    int64_t v = 0;
    jint(r, "total", INT64_C(9007199254740991), &v);
    money_text(v, t->exponent, total, sizeof total);
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "receipt")) {
      size_t m = strlen(rec);
      snprintf(rec + m, sizeof rec - m, "%s%s", m ? " | " : "",
               cJSON_IsString(x) ? x->valuestring : "");
    }
    say(t, "Return %s of sale %s: %s %s refunded by %s, recorded.%s%s", id, sale, total,
        jstr(r, "currency"), tender, rec[0] ? " Receipt: " : "", rec);
    rc = 1;
  } else if (strcmp(err_code(r), "tenders_mismatch") == 0) {
    say_refusal(t, "the refund does not match", r);
    rc = 0;
  } else {
    say_refusal(t, "return refused", r);
  }
  cJSON_Delete(r);
  return rc;
}

/* B: bring goods back (sale.return): the sale's id from its receipt, the
 * lines and quantities, why, and the refund.  The plugin prices the lines
 * from the sale as recorded; the refund must pay exactly that, so a wrong
 * amount is refused with the plugin's figure and asked again. */
static void do_return(till *t) {
  if (t->open && t->nlines) {
    say(t, "a sale is open: pay or void it before taking a return");
    return;
  }
  char sale[65], text[257], amount_text[32];
  char *lines_text = malloc(RETURN_LINES_MAX * 80);
  rline *lines = calloc(RETURN_LINES_MAX, sizeof *lines);
  if (lines_text == NULL || lines == NULL) {
    say(t, "out of memory: nothing was returned");
    goto done;
  }
  const char *reason = NULL;
  size_t n;
  if (!read_text(t, "Return: the sale id on the receipt (empty cancels): ", sale,
                 sizeof sale) ||
      trim(sale)[0] == '\0') {
    say(t, "no return");
    goto done;
  }
  memmove(sale, trim(sale), strlen(trim(sale)) + 1);
  if (!read_text(t, "Lines back, e.g. L1 or L1*2 L3*0.5 (empty cancels): ", lines_text,
                 RETURN_LINES_MAX * 80) ||
      trim(lines_text)[0] == '\0') {
    say(t, "no return");
    goto done;
  }
  if ((n = parse_return_lines(t, lines_text, lines)) == 0) goto done;
  if (!ask_reason(t, &reason, text, sizeof text)) {
    say(t, "no return");
    goto done;
  }
  int k = ask_key(t, "Refund: k card, c cash, v voucher [Enter = card]: ", "kcv", 'k');
  if (k == 0) {
    say(t, "no return");
    goto done;
  }
  const char *tender = k == 'c' ? "cash" : k == 'v' ? "voucher" : "card";
  char id[96];
  snprintf(id, sizeof id, "%s-R%lld-%ld", t->terminal, t->epoch, ++t->seq);
  /* The amount may be refused (tenders_mismatch, with the plugin's figure)
   * and typed again; a refused return records nothing, so its id is
   * reused. */
  for (int tries = 0; tries < 3; tries++) {
    char q[120];
    snprintf(q, sizeof q, "Refund amount in %s (as on the receipt; empty cancels): ",
             t->currency);
    int64_t amount;
    if (!read_text(t, q, amount_text, sizeof amount_text) || trim(amount_text)[0] == '\0') {
      say(t, "no return");
      goto done;
    }
    if (parse_amount(trim(amount_text), t->exponent, &amount)) {
      say(t, "\"%s\" is not an amount above 0 with at most %d decimals", trim(amount_text),
          t->exponent);
      continue;
    }
    if (send_return(t, id, sale, lines, n, reason, text, tender, amount) != 0) goto done;
  }
done:
  free(lines);
  free(lines_text);
}

/* ======================================================================== */
/* keys                                                                     */

/* The scope the typed prefix names: "" the highlighted line, "*" the whole
 * sale, "1".."9" the line shown with that number.  Returns 0, or -1 (said
 * why). */
static int scope_of(till *t, scope *sc, int allow_whole) {
  sc->whole = 0;
  sc->index = t->cursor;
  if (strcmp(t->input, "*") == 0) {
    if (!allow_whole) {
      say(t, "that key works on a line, not the whole sale");
      return -1;
    }
    if (!t->open) {
      say(t, "no sale is open: add an item first");
      return -1;
    }
    sc->whole = 1;
    return 0;
  }
  if (t->nlines == 0) {
    say(t, "no line yet: type an item code and Enter first");
    return -1;
  }
  if (t->input[0] == '\0') return 0;
  char *end;
  long n = strtol(t->input, &end, 10);
  if (*end != '\0' || n < 1 || n > WIN || t->top + (size_t)n > t->nlines) {
    say(t, "\"%s\": type the number (1-%zu) shown in front of a line, then the key",
        t->input, t->nlines - t->top < WIN ? t->nlines - t->top : (size_t)WIN);
    return -1;
  }
  sc->index = t->top + (size_t)n - 1;
  t->cursor = sc->index;
  return 0;
}

static void clear_input(till *t) {
  t->ninput = 0;
  t->input[0] = '\0';
}

/* The keys that edit the typed prefix or move the highlight: Enter, Bksp,
 * Esc, the arrows, digits and '*'; blanks are ignored.  Returns 1 when k
 * was one of them (handled), else 0. */
static int edit_key(till *t, int k) {
  if (k == K_ENTER) {
    if (t->ninput) add_item(t, t->input);
    clear_input(t);
    return 1;
  }
  if (k == K_BS) {
    if (t->ninput) t->input[--t->ninput] = '\0';
    return 1;
  }
  if (k == K_ESC) {
    clear_input(t);
    t->show_json = 0;
    return 1;
  }
  if (k == K_UP || k == K_DOWN) {
    if (t->nlines == 0) return 1;
    if (k == K_UP && t->cursor > 0) t->cursor--;
    if (k == K_DOWN && t->cursor + 1 < t->nlines) t->cursor++;
    keep_visible(t);
    return 1;
  }
  if (k < 0 || k >= 0x100) return 1; /* another escape sequence */
  if (isdigit(k) || k == '*') {
    if (t->ninput + 1 < sizeof t->input) {
      t->input[t->ninput++] = (char)k;
      t->input[t->ninput] = '\0';
    }
    return 1;
  }
  return k == ' ' || k == '\t';
}

/* T: total the open sale and say whether it can complete. */
static void total_key(till *t) {
  if (!t->open) {
    say(t, "no sale is open");
    return;
  }
  cJSON *r = do_total(t);
  if (r) {
    say(t, "Total: %s%s", t->can_complete ? "can complete" : "cannot complete yet",
        t->nprompts ? "; the plugin asks (P answers):" : "");
    if (!t->tty) print_sale(t);
  }
  cJSON_Delete(r);
}

/* ?: the help screen (a key closes it), or its text in a transcript. */
static void help_key(till *t) {
  if (t->tty) {
    draw_help(t);
    if (read_key(t) == K_EOF) t->quit = 1;
  } else {
    print_help(t);
  }
}

/* Q: quit, asking first when a sale with lines is open. */
static void quit_key(till *t) {
  if (t->open && t->nlines &&
      ask_key(t, "A sale is open and will not be recorded. Quit? [y/N]: ", "yn", 'n') !=
          'y') {
    say(t, "still here");
    return;
  }
  t->quit = 1;
}

/* The command keys (any case) on the scope the typed prefix names. */
static void command_key(till *t, int k) {
  scope sc;
  switch (toupper(k)) {
  case 'G':
  case 'O':
    if (scope_of(t, &sc, 1) == 0)
      tag_simple(t, &sc, toupper(k) == 'G' ? "gift" : "own_use");
    break;
  case 'R':
    if (scope_of(t, &sc, 1) == 0) do_resale(t, &sc);
    break;
  case 'D':
    if (scope_of(t, &sc, 1) == 0) gift_details(t, &sc);
    break;
  case 'X':
    if (scope_of(t, &sc, 0) == 0) remove_line(t, sc.index);
    break;
  case 'C': set_customer(t); break;
  case 'A': set_account(t); break;
  case 'T': total_key(t); break;
  case 'P': do_pay(t); break;
  case 'V': do_void(t); break;
  case 'B': do_return(t); break;
  case 'S': reload_scripts(t, "S key"); break;
  case 'J':
    t->show_json = !t->show_json;
    if (!t->tty) say(t, "reply to %s: %s", t->last_type, t->last_json);
    break;
  case '?': help_key(t); break;
  case 'Q': quit_key(t); break;
  default:
    say(t, "'%c' is not a till key; ? shows them all", k >= 0x20 && k < 0x7f ? k : '?');
    break;
  }
}

/* One key of the main loop: an edit of the typed prefix, or a command,
 * after which the prefix is cleared. */
static void on_key(till *t, int k) {
  if (edit_key(t, k)) return;
  command_key(t, k);
  clear_input(t);
}

/* ======================================================================== */
/* till_run                                                                 */

static int setup(till *t, const till_options *opt) {
  char why[2048];
  read_manifest(t, opt->manifest_path);
  if (opt->store) snprintf(t->store, sizeof t->store, "%s", opt->store);
  snprintf(t->terminal, sizeof t->terminal, "%s", opt->terminal ? opt->terminal : "T1");
  const char *user = getenv("USER");
  snprintf(t->cashier, sizeof t->cashier, "%s",
           opt->cashier ? opt->cashier : user && user[0] ? user : "till");
  if (t->store[0] == '\0') {
    fprintf(stderr, "pos-host: till: no store id: give --store ID or set "
                    "config.store_id in the manifest\n");
    return 2;
  }
  char path[1100];
  const char *cat = opt->catalogue_path;
  if (cat == NULL) {
    const char *m = opt->manifest_path ? opt->manifest_path : "";
    const char *slash = strrchr(m, '/');
    int dir = slash ? (int)(slash - m + 1) : 0;
    snprintf(path, sizeof path, "%.*scatalogue.json", dir, m);
    cat = path;
  }
  if (read_catalogue(t, cat, why, sizeof why)) {
    fprintf(stderr, "pos-host: till: %s%s\n", why,
            opt->catalogue_path ? "" : " (give one with --catalogue FILE)");
    return 2;
  }
  if (t->currency[0] == '\0') {
    fprintf(stderr, "pos-host: till: no currency in the catalogue or the manifest\n");
    return 2;
  }
  t->reply_cap = 64 * 1024;
  t->reply = malloc(t->reply_cap);
  if (t->reply == NULL) {
    fprintf(stderr, "pos-host: till: out of memory\n");
    return 3;
  }
  return 0;
}

/* The till's one entry point; its contract is in till.h. */
int till_run(const posplug_plugin_api *api, posplug_instance *inst,
             const till_options *opt, FILE *in, FILE *out) {
  if (api == NULL || inst == NULL || opt == NULL || in == NULL || out == NULL) return 2;
  till *t = calloc(1, sizeof *t);
  if (t == NULL) {
    fprintf(stderr, "pos-host: till: out of memory\n");
    return 3;
  }
  t->api = api;
  t->inst = inst;
  t->in = in;
  t->out = out;
  t->tty = opt->tty;
  t->reload = opt->reload;
  t->pending = -1;
  t->epoch = (long long)time(NULL);
  tzset();
  reset_sale(t);
  int rc = setup(t, opt);
  sigset_t oldmask;
  int masked = 0;
  if (rc == 0 && t->tty && t->reload) {
    /* SIGHUP is let in only while waiting for a key (till_term.c). */
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    masked = pthread_sigmask(SIG_BLOCK, &hup, &oldmask) == 0;
    t->waitmask = oldmask;
    sigdelset(&t->waitmask, SIGHUP);
    if (!masked) t->reload = NULL;
  }
  if (rc == 0 && t->tty) {
    t->fd = fileno(in);
    fflush(out);
    if (term_raw(t->fd, fileno(out)) != 0) {
      int e = errno;
      term_cooked();
      fprintf(stderr, "pos-host: till: cannot set up the terminal: %s\n", strerror(e));
      rc = 3;
    } else {
      fputs("\033[H\033[2J", out);
    }
  }
  if (rc == 0) {
    if (!t->tty)
      say(t, "posintent till: store %s, terminal %s, cashier %s, %zu catalogue items, "
             "%s. ? shows the keys.",
          t->store, t->terminal, t->cashier, t->nitems, t->currency);
    while (!t->quit) {
      if (t->tty) draw(t);
      int k = read_key(t);
      if (k == K_EOF) break;
      if (k == K_RELOADED) continue; /* keep the reload's status line */
      if (t->tty) t->msg[0] = '\0';
      on_key(t, k);
    }
    if (t->open && t->nlines)
      say(t, "Sale %s was left open and is not recorded.", t->sale);
    if (t->tty) {
      draw(t);
      term_cooked();
    }
  }
  if (masked) pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
  free(t->items);
  free(t->reply);
  free(t);
  return rc;
}
