/* SPDX-License-Identifier: MIT */
/*
 * till_screen.c - what the till shows (see till_int.h): the status line,
 * the 80x24 screen redrawn after every key on a terminal, and the line
 * transcript written to a pipe.
 *
 * Nothing here changes the sale; everything is drawn from the till as it
 * stands.
 */
#include "host/till_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "base/utf8.h"

#define COLS 79                 /* one less than 80: no auto-wrap surprises  */
#define ROWS 24

/* ======================================================================== */
/* text                                                                     */

/* Copy `s` into dst as exactly `width` columns: cut at a character
 * boundary, padded with spaces.  One code point is taken as one column,
 * which holds for the Latin, Greek and Cyrillic names a till shows. */
static void fit(char *dst, size_t cap, const char *s, size_t width) {
  size_t n = 0, cols = 0, len = strlen(s);
  for (size_t i = 0; i < len && cols < width;) {
    size_t k = utf8_span(s + i, len - i, 1);
    if (n + k + 1 > cap) break; /* a whole character or none */
    for (size_t j = 0; j < k; j++) {
      unsigned char c = (unsigned char)s[i + j];
      dst[n++] = (char)(c < 0x20 ? ' ' : c);
    }
    i += k;
    cols++;
  }
  while (cols < width && n + 1 < cap) {
    dst[n++] = ' ';
    cols++;
  }
  dst[n] = '\0';
}

/* Minor units as a decimal amount: 4380 with exponent 2 is "43.80". */
void money_text(int64_t v, int exponent, char *out, size_t cap) {
  uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p = 1;
  for (int i = 0; i < exponent; i++) p *= 10;
  if (exponent == 0)
    snprintf(out, cap, "%s%" PRIu64, v < 0 ? "-" : "", a);
  else
    snprintf(out, cap, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", a / p, exponent,
             a % p);
}

/* ======================================================================== */
/* status line                                                              */

/* Set the status line; in a transcript it is printed at once. */
void say(till *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->msg, sizeof t->msg, fmt, ap);
  va_end(ap);
  if (!t->tty) {
    fprintf(t->out, "%s\n", t->msg);
    fflush(t->out);
  }
}

/* ======================================================================== */
/* shared by the transcript and the screen                                  */

static const char *const help_text[] = {
    "posintent till - keys (upper or lower case)",
    "",
    "  101 Enter   add catalogue item 101 (a code or a barcode); 3*101 adds three",
    "  G R O       tag the highlighted line: G gift, R resale, O own use",
    "  2 G         tag the line numbered 2 on screen (1-9): two keystrokes",
    "  * G         tag the whole sale (lines tagged on their own keep their tag)",
    "  D  2 D  * D gift details: recipient, contact, message, gift receipt",
    "  R           asks for the VAT number, EORI (\"EORI FR...\") or US resale",
    "              certificate (\"CA:number[:YYYY-MM-DD]\"); a wrong one is",
    "              refused with the reason: type it again, Enter on empty cancels",
    "  C           customer: name and VAT/EORI/certificate, checked at once",
    "  A           account on file: its id, or 1-5 for one named lately",
    "  X  2 X      remove the highlighted / numbered line",
    "  Up Down     move the highlight",
    "  T           total: what the plugin still asks, what blocks, the receipt",
    "  P           pay: answers the plugin's questions, then the tender",
    "  V           void the sale        J  show the plugin's raw reply",
    "  B           bring goods back (a return): the sale id on the receipt,",
    "              lines (L1 or L1*2 L3*0.5), why, the refund and its amount",
    "  S  reload store scripts (as SIGHUP)  Esc clear typing  ? help  Q quit",
    "",
    "Purpose -> buyer status: own use -> consumer, gift -> customer (the",
    "recipient consumes), resale -> reseller (with a valid identifier).",
};

/* One line of the sale as shown: ">2 L2   Enamel mug  1  14.90  gift  customer";
 * the header uses the same widths. */
#define LINE_ROW_FMT "%c%c %-4s %s %3" PRId64 " %10s  %-9s %s"
#define LINE_HEAD "  # line item                         qty     amount  purpose   status"
static void line_row(const till *t, size_t i, char *out, size_t cap) {
  const tline *l = &t->lines[i];
  /* Only the lines on screen have a number key. */
  char key = i >= t->top && i < t->top + WIN ? (char)('1' + (i - t->top)) : ' ';
  char name[200], amount[32], purpose[16];
  fit(name, sizeof name, l->it->name, 28);
  money_text(l->qty * (l->it->net + l->it->tax), t->exponent, amount, sizeof amount);
  /* "*": the purpose comes from the whole sale's tag or the default. */
  snprintf(purpose, sizeof purpose, "%s%s", purpose_word(l->purpose),
           l->tag[0] || l->purpose[0] == '\0' ? "" : "*");
  snprintf(out, cap, LINE_ROW_FMT, i == t->cursor ? '>' : ' ', key, l->id, name, l->qty,
           amount, purpose, l->status[0] ? l->status : "-");
}

/* ======================================================================== */
/* transcript (a pipe)                                                      */

/* The help text, for a transcript. */
void print_help(till *t) {
  for (size_t i = 0; i < sizeof help_text / sizeof help_text[0]; i++)
    fprintf(t->out, "%s\n", help_text[i]);
  fflush(t->out);
}

/* The transcript's picture of the sale, after T. */
void print_sale(till *t) {
  char row[512], total[32];
  int64_t net, tax;
  for (size_t i = 0; i < t->nlines; i++) {
    line_row(t, i, row, sizeof row);
    fprintf(t->out, "  %s\n", row);
  }
  sale_totals(t, &net, &tax);
  money_text(net + tax, t->exponent, total, sizeof total);
  fprintf(t->out, "  total %s %s, can complete: %s, tax treatment: %s\n", total,
          t->currency, t->can_complete ? "yes" : "no", t->treatment);
  for (size_t i = 0; i < t->nprompts; i++)
    fprintf(t->out, "  prompt: %s\n", t->prompts[i]);
  for (size_t i = 0; i < t->nblocks; i++)
    fprintf(t->out, "  blocked: %s\n", t->blocks[i]);
  for (size_t i = 0; i < t->nreceipt; i++)
    fprintf(t->out, "  receipt: %s\n", t->receipt[i]);
  fflush(t->out);
}

/* ======================================================================== */
/* screen (a terminal)                                                      */

typedef struct screen {
  char rows[ROWS][COLS * 4 + 1];
} screen;

static void put(screen *s, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put(screen *s, int r, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  fit(s->rows[r], sizeof s->rows[r], tmp, COLS);
}

/* Wrap `text` over rows [r, r + n) of the screen; returns the rows used. */
static int put_wrapped(screen *s, int r, int n, const char *text) {
  size_t len = strlen(text), off = 0;
  int i;
  for (i = 0; i < n && off < len; i++) {
    char part[COLS + 1];
    size_t k = len - off < COLS ? len - off : COLS;
    if (off + k < len) /* break at a space when there is one */
      for (size_t j = k; j > COLS / 2; j--)
        if (text[off + j] == ' ') {
          k = j;
          break;
        }
    size_t whole = utf8_cut(text + off, len - off, k); /* never inside a character */
    if (whole > 0) k = whole;
    memcpy(part, text + off, k);
    part[k] = '\0';
    put(s, r + i, "%s", part);
    off += k;
    while (text[off] == ' ') off++;
  }
  return i;
}

/* Rows 0-1: who is at the till (or what went wrong with the scripts),
 * then the open sale with its total and customer. */
static void draw_head(const till *t, screen *s, const char *total) {
  if (t->scripts_note[0])
    put(s, 0, "posintent till  %s (S retries)", t->scripts_note);
  else if (t->script_error[0])
    put(s, 0, "posintent till  ! %s", t->script_error);
  else
    put(s, 0, "posintent till  store %s  terminal %s  cashier %s", t->store,
        t->terminal, t->cashier);
  if (t->open) {
    char cust[300] = "";
    const customer *c = &t->cust;
    if (c->name[0] || c->kind[0])
      snprintf(cust, sizeof cust, "  customer: %s%s%s%s", c->name,
               c->name[0] && c->kind[0] ? ", " : "", c->kind[0] ? c->compact : "",
               c->kind[0] ? (c->valid ? " ok" : " NOT VALID") : "");
    put(s, 1, "Sale %s  %s %s%s", t->sale, total, t->currency, cust);
  } else {
    put(s, 1, "No sale open: scan or type an item code, then Enter");
  }
}

/* Rows 2-12: the sale's lines in a window of WIN, or, before the first
 * line, the start of the catalogue. */
static void draw_lines(const till *t, screen *s, const char *total) {
  if (t->nlines) {
    put(s, 2, "%s", LINE_HEAD);
    for (size_t i = t->top; i < t->nlines && i < t->top + WIN; i++) {
      char row[512];
      line_row(t, i, row, sizeof row);
      put(s, 3 + (int)(i - t->top), "%s", row);
    }
    put(s, 12, "%-13s%-13s%-26s total %10s %s", t->top > 0 ? "^ more above" : "",
        t->top + WIN < t->nlines ? "v more below" : "", "* from the whole sale", total,
        t->currency);
    return;
  }
  put(s, 2, "Catalogue (code  item  price):");
  for (size_t i = 0; i < t->nitems && i < WIN; i++) {
    char price[32];
    money_text(t->items[i].net + t->items[i].tax, t->exponent, price, sizeof price);
    put(s, 3 + (int)i, "  %-6s %-32s %10s %s", t->items[i].code, t->items[i].name, price,
        t->currency);
  }
  if (t->nitems > WIN) put(s, 12, "  ... and %zu more", t->nitems - WIN);
}

/* Rows 13-19: what the plugin said: the raw reply (J), or the last
 * sale.total's verdict, prompts, blocks and receipt lines. */
static void draw_plugin(const till *t, screen *s) {
  if (t->show_json) {
    put(s, 13, "Raw reply to %s (J hides):", t->last_type[0] ? t->last_type : "-");
    put_wrapped(s, 14, 6, t->last_json);
  } else if (t->have_total && t->open) {
    put(s, 13, "Plugin, sale.total: %s; tax treatment %s",
        t->can_complete ? "can complete" : "CANNOT complete yet", t->treatment);
    int r = 14;
    /* Prompts and blocks are sentences for the cashier: wrapped, not cut. */
    char text[300];
    for (size_t i = 0; i < t->nprompts && r < 20; i++) {
      snprintf(text, sizeof text, " ? %s", t->prompts[i]);
      r += put_wrapped(s, r, 20 - r, text);
    }
    for (size_t i = 0; i < t->nblocks && r < 20; i++) {
      snprintf(text, sizeof text, " ! %s", t->blocks[i]);
      r += put_wrapped(s, r, 20 - r, text);
    }
    for (size_t i = 0; i < t->nreceipt && r < 20; i++)
      put(s, r++, " receipt: %s", t->receipt[i]);
    if (r == 14) put(s, r, " nothing to ask: P pays");
  } else if (t->open) {
    put(s, 13, "T shows what the plugin still asks (prompts), what blocks the sale");
    put(s, 14, "and the receipt lines; P answers them and pays.");
  }
}

/* Writes the rows in place, each cleared to the end of its line; the last
 * keeps the cursor at the end of what is typed. */
static void flush_screen(till *t, const screen *s) {
  fputs("\033[H", t->out);
  for (int r = 0; r < ROWS; r++) {
    if (r == ROWS - 1) {
      size_t n = strlen(s->rows[r]);
      while (n > 0 && s->rows[r][n - 1] == ' ') n--;
      fprintf(t->out, "%.*s\033[K", (int)n, s->rows[r]);
    } else {
      fprintf(t->out, "%s\033[K\n", s->rows[r]);
    }
  }
  fflush(t->out);
}

/* Redraw the whole 80x24 screen: rows are rewritten in place and cleared
 * to the end of the line, which does not flicker as a full clear does. */
void draw(till *t) {
  screen s;
  for (int r = 0; r < ROWS; r++) put(&s, r, "%s", "");
  if (t->ask == NULL && t->msg[0] == '\0' && t->nlines == 0 && !t->open)
    snprintf(t->msg, sizeof t->msg, "Type an item code and Enter. ? shows every key.");
  char total[32];
  int64_t net, tax;
  sale_totals(t, &net, &tax);
  money_text(net + tax, t->exponent, total, sizeof total);
  draw_head(t, &s, total);
  draw_lines(t, &s, total);
  draw_plugin(t, &s);
  put_wrapped(&s, 20, 2, t->msg);
  put(&s, 22, "G gift R resale O own use (n+key: line n, *+key: sale) D C X T P V B S ? Q");
  if (t->ask)
    put(&s, 23, "%s%s", t->ask, t->askbuf ? t->askbuf : "");
  else
    put(&s, 23, "> %s", t->input);
  flush_screen(t, &s);
}

/* The help text over the whole screen; the caller waits for a key. */
void draw_help(till *t) {
  fputs("\033[H\033[2J", t->out);
  for (size_t i = 0; i < sizeof help_text / sizeof help_text[0]; i++)
    fprintf(t->out, "%s\n", help_text[i]);
  fputs("\nPress any key to go back to the sale.", t->out);
  fflush(t->out);
}
