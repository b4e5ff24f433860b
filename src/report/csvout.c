/* SPDX-License-Identifier: MIT */
/* csvout.c - the row sink: CSV (RFC 4180), JSON, JSON lines and tables. */
#include "report/csvout.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/money.h"
#include "base/utf8.h"

struct sink {
  FILE *out;
  sink_format fmt;
  csv_style style;
  char names[SINK_COLUMNS_MAX][SINK_NAME_MAX];
  size_t ncol;
  int have_columns;
  int finished;
  size_t rows;
  /* Table format: the first rows, held as formatted text to size columns. */
  char **held;          /* held[row * ncol + col], malloc'ed strings     */
  unsigned char *right; /* per column: 1 right-aligned (numbers)         */
  size_t nheld;
  size_t width[SINK_COLUMNS_MAX];
  int table_streaming;  /* 1 once the held rows were written             */
  /* Every format builds a row here and writes it with one fwrite: a CSV
   * row of the export is ~100 small pieces, and one stdio call per piece
   * was most of the export's time.  Grows to the longest row only. */
  char *buf;
  size_t len, cap;
  int nomem;
  jsonw jw; /* JSON formats: the row object, written by the one writer */
};

/* Widest cell a table shows; longer values end in "..." (a table is for
 * reading on a terminal; csv and json carry the full value). */
#define TABLE_CELL_MAX 60

int sink_format_parse(const char *name, sink_format *out) {
  static const char *const names[] = {"csv", "json", "jsonl", "table"};
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, names[i]) == 0) {
      *out = (sink_format)i;
      return 0;
    }
  return -1;
}

int csv_dialect_parse(const char *name, csv_dialect *out) {
  static const char *const names[] = {"rfc4180", "excel", "excel-de"};
  for (int i = 0; i < 3; i++)
    if (name && strcmp(name, names[i]) == 0) {
      *out = (csv_dialect)i;
      return 0;
    }
  return -1;
}

cell cell_null(void) {
  cell c = {CELL_NULL, NULL, 0, 0};
  return c;
}

cell cell_text(const char *s) {
  cell c = {s ? CELL_TEXT : CELL_NULL, s, 0, 0};
  return c;
}

cell cell_id(const char *s) {
  cell c = {s ? CELL_ID : CELL_NULL, s, 0, 0};
  return c;
}

cell cell_int(int64_t n) {
  cell c = {CELL_INT, NULL, n, 0};
  return c;
}

cell cell_amount(int64_t minor, int exponent) {
  cell c = {CELL_AMOUNT, NULL, minor, exponent};
  return c;
}

cell cell_bool(int b) {
  cell c = {CELL_BOOL, NULL, b != 0, 0};
  return c;
}

static int put(FILE *out, const void *p, size_t n) {
  return n == 0 || fwrite(p, 1, n, out) == n ? 0 : -1;
}

/* The characters a spreadsheet reads as the start of a formula. */
static int formula_start(unsigned char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* 1 when `s` is a plain signed decimal number ("-12", "+0042", "-3.5"):
 * a spreadsheet reads it as a number, never as a formula (a formula needs
 * a name, a reference, an operator or a parenthesis after the sign), so
 * the guard leaves it alone.  "-1+1", "-A1", "+49 30" are not. */
static int signed_number(const char *s) {
  if (*s != '+' && *s != '-') return 0;
  s++;
  size_t digits = 0;
  int point = 0;
  for (; *s; s++) {
    if (*s >= '0' && *s <= '9') {
      digits++;
    } else if (*s == '.' && !point && digits) {
      point = 1;
    } else {
      return 0;
    }
  }
  return digits > 0 && s[-1] != '.';
}

/* 1 when a text cell must be neutralised: it can start a formula. */
static int can_start_formula(const char *s) {
  return formula_start((unsigned char)s[0]) && !signed_number(s);
}

/* The one CSV field writer: `s` quoted when it holds a byte of `special`
 * (the separator, '"', CR, LF), quotes doubled, formulas neutralised
 * unless `numeric`, invalid UTF-8 replaced. */
static int escape_field(text_put_fn emit, void *ctx, const char *s, int numeric,
                        const char *special) {
  if (s == NULL || *s == '\0') return 0;
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s);
  int neutralise = !numeric && can_start_formula(s);
  int quote = neutralise || strpbrk(s, special) != NULL;
  if (quote && emit(ctx, "\"", 1)) return -1;
  /* OWASP's advice for CSV injection: a leading apostrophe makes every
   * common spreadsheet treat the cell as text; the quotes keep it one
   * field.  The original characters all stay, so nothing is lost. */
  if (neutralise && emit(ctx, "'", 1)) return -1;
  size_t run = 0; /* bytes of p[i - run .. i) not yet written */
  for (size_t i = 0; i < n;) {
    if (p[i] == '"') {
      if (emit(ctx, p + i - run, run + 1) || emit(ctx, "\"", 1)) return -1;
      run = 0;
      i++;
      continue;
    }
    size_t len = utf8_decode((const char *)p + i, n - i, NULL);
    if (len == 0) {
      if ((run && emit(ctx, p + i - run, run)) || emit(ctx, UTF8_REPLACEMENT, 3)) return -1;
      run = 0;
      i++;
      continue;
    }
    run += len;
    i += len;
  }
  if (run && emit(ctx, p + n - run, run)) return -1;
  if (quote && emit(ctx, "\"", 1)) return -1;
  return 0;
}

int csv_escape_to(text_put_fn emit, void *ctx, const char *s, int numeric) {
  return escape_field(emit, ctx, s, numeric, ",\"\r\n");
}

static int file_put(void *ctx, const void *p, size_t n) { return put(ctx, p, n); }

int csv_write_field(FILE *out, const char *s, int numeric) {
  return csv_escape_to(file_put, out, s, numeric);
}

int cell_format(const cell *c, char *buf, size_t cap) {
  int n;
  switch (c->kind) {
  case CELL_INT:
    n = snprintf(buf, cap, "%lld", (long long)c->num);
    break;
  case CELL_AMOUNT:
    return money_format(c->num, c->exponent, buf, cap);
  case CELL_BOOL:
    n = snprintf(buf, cap, "%s", c->num ? "true" : "false");
    break;
  case CELL_TEXT:
  case CELL_ID:
  case CELL_NUMBER:
  case CELL_JSON:
    n = snprintf(buf, cap, "%s", c->text ? c->text : "");
    break;
  default:
    n = snprintf(buf, cap, "%s", "");
    break;
  }
  return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

int sink_open(FILE *out, sink_format fmt, sink **out_sink, pi_error *err) {
  *out_sink = NULL;
  sink *s = calloc(1, sizeof *s);
  if (s == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  s->out = out;
  s->fmt = fmt;
  *out_sink = s;
  return 0;
}

static int write_fail(pi_error *err) {
  return pi_fail(err, PI_E_IO, "output", "cannot write the report");
}

/* Append to the row buffer (a text_put_fn).  Returns 0, or -1 when memory
 * runs out (remembered, and reported by sb_flush). */
static int sb_put(void *ctx, const void *bytes, size_t n) {
  sink *s = ctx;
  if (s->nomem) return -1;
  if (s->len + n > s->cap) {
    size_t cap = s->cap ? s->cap : 1024;
    while (cap < s->len + n) cap *= 2;
    char *b = realloc(s->buf, cap);
    if (b == NULL) {
      s->nomem = 1;
      return -1;
    }
    s->buf = b;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, bytes, n);
  s->len += n;
  return 0;
}

/* Write what the buffer holds and empty it.  Returns 0 or -1 with err. */
static int sb_flush(sink *s, pi_error *err) {
  if (s->nomem) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  int rc = put(s->out, s->buf, s->len);
  s->len = 0;
  return rc ? write_fail(err) : 0;
}

static int is_number_kind(cell_kind k) {
  return k == CELL_INT || k == CELL_AMOUNT || k == CELL_NUMBER;
}

/* ---- CSV ---------------------------------------------------------------- */

/* The separator and the bytes that make a field quoted, per dialect.  In
 * excel-de a comma is an ordinary character (the decimal comma of
 * "-12,50" must stay unquoted to read as a number). */
static char csv_sep(const sink *s) { return s->style.dialect == CSV_EXCEL_DE ? ';' : ','; }

static const char *csv_special(const sink *s) {
  return s->style.dialect == CSV_EXCEL_DE ? ";\"\r\n" : ",\"\r\n";
}

/* 1 when a spreadsheet would read identifier `t` as a number or a date
 * and lose what makes it an identifier: "094259216" (a Greek VAT number
 * without its prefix) becomes 94259216, "0123456789" (a Belgian one)
 * 123456789, "12-11" a date.  An identifier that starts with a letter is
 * always text. */
static int id_reads_as_number(const char *t) {
  unsigned char c = (unsigned char)t[0];
  if (c >= '0' && c <= '9') return 1;
  return (c == '+' || c == '-' || c == '.') && t[1] >= '0' && t[1] <= '9';
}

/* An identifier kept text in a spreadsheet: the formula ="0123", a string
 * constant that Excel, LibreOffice and Google Sheets show as the text 0123
 * and keep as text when the sheet is saved.  It is built here from the
 * identifier's bytes with every '"' doubled (a string literal cannot call
 * anything), then quoted as a CSV field.  Control characters, which no
 * identifier has, fall back to plain text. */
static int csv_id_as_text(sink *s, const char *t) {
  for (const char *p = t; *p; p++)
    if ((unsigned char)*p < 0x20) return escape_field(sb_put, s, t, 0, csv_special(s));
  if (sb_put(s, "\"=\"\"", 4)) return -1;
  for (const char *p = t; *p; p++)
    if (sb_put(s, p, 1) || (*p == '"' && sb_put(s, "\"\"\"", 3))) return -1;
  return sb_put(s, "\"\"\"", 3);
}

/* A number in the dialect: excel-de writes the decimal point as a comma
 * ("-12,50"), which a German spreadsheet reads as a number. */
static int csv_number(sink *s, const char *num) {
  if (s->style.dialect != CSV_EXCEL_DE || strchr(num, '.') == NULL)
    return escape_field(sb_put, s, num, 1, csv_special(s));
  char buf[64];
  size_t n = strlen(num);
  if (n >= sizeof buf) return escape_field(sb_put, s, num, 1, csv_special(s));
  memcpy(buf, num, n + 1);
  for (size_t i = 0; i < n; i++)
    if (buf[i] == '.') buf[i] = ',';
  return escape_field(sb_put, s, buf, 1, csv_special(s));
}

/* Text cells are escaped and neutralised; numbers are written as they are
 * (in excel-de with a decimal comma); identifiers as text, kept text in a
 * spreadsheet dialect.  The row is built in the buffer and written whole
 * by sb_flush, which also reports an allocation that failed on the way. */
static int csv_row(sink *s, const cell *cells, pi_error *err) {
  char num[48];
  char sep = csv_sep(s);
  for (size_t i = 0; i < s->ncol; i++) {
    if (i) sb_put(s, &sep, 1);
    const cell *c = &cells[i];
    if (c->kind == CELL_NULL) continue;
    if (c->kind == CELL_ID && s->style.dialect != CSV_RFC4180 && c->text &&
        id_reads_as_number(c->text)) {
      csv_id_as_text(s, c->text);
    } else if (c->kind == CELL_TEXT || c->kind == CELL_JSON || c->kind == CELL_ID) {
      escape_field(sb_put, s, c->text, 0, csv_special(s));
    } else if (c->kind == CELL_NUMBER) {
      csv_number(s, c->text);
    } else if (cell_format(c, num, sizeof num) >= 0) {
      csv_number(s, num);
    } else {
      s->len = 0;
      return pi_fail(err, PI_E_INTERNAL, "", "a number does not fit its buffer");
    }
  }
  sb_put(s, "\r\n", 2);
  return sb_flush(s, err);
}

/* ---- JSON --------------------------------------------------------------- */

/* One cell as a JSON value.  Returns 0, or -1 when a number does not
 * fit its buffer (a writer failure is left in s->jw for the caller). */
static int json_value(sink *s, const cell *c) {
  jsonw *w = &s->jw;
  char num[48];
  switch (c->kind) {
  case CELL_TEXT:
  case CELL_ID:
    if (c->text)
      jw_str(w, c->text);
    else
      jw_raw(w, "null");
    return 0;
  case CELL_JSON:
  case CELL_NUMBER:
    /* The caller vouches that the text is JSON (report.c re-prints it
     * through cJSON). */
    jw_raw(w, c->text ? c->text : "null");
    return 0;
  case CELL_BOOL:
    jw_bool(w, c->num != 0);
    return 0;
  case CELL_INT:
  case CELL_AMOUNT:
    if (cell_format(c, num, sizeof num) < 0) return -1;
    jw_raw(w, num);
    return 0;
  default:
    jw_raw(w, "null");
    return 0;
  }
}

/* The row as one JSON object in s->jw.  Returns 0, or -1 with err. */
static int json_object(sink *s, const cell *cells, pi_error *err) {
  jsonw *w = &s->jw;
  jw_reset(w);
  jw_object(w);
  for (size_t i = 0; i < s->ncol; i++) {
    jw_key(w, s->names[i]);
    if (json_value(s, &cells[i]))
      return pi_fail(err, PI_E_INTERNAL, s->names[i], "a number does not fit its buffer");
  }
  jw_end_object(w);
  return jw_fail(w, err, "report");
}

/* ---- table -------------------------------------------------------------- */

/* Display width: code points, which is right for the Latin, Greek and
 * Cyrillic names a till sees; wide CJK glyphs may misalign by a column. */
static size_t display_width(const char *t) { return utf8_count(t, strlen(t)); }

/* Copy `t` cut to TABLE_CELL_MAX code points (ending in "..."), with
 * control characters shown as spaces so a row stays one line. */
static char *table_text(const char *t) {
  size_t n = strlen(t);
  char *r = malloc(n + 4);
  if (r == NULL) return NULL;
  /* More than TABLE_CELL_MAX - 3 characters: the first that many, then
   * "..." (the cut is shown, and a full value is in csv and json). */
  size_t keep = utf8_span(t, n, TABLE_CELL_MAX - 3), o = 0;
  for (size_t i = 0; i < keep; i++) {
    unsigned char c = (unsigned char)t[i];
    r[o++] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
  }
  if (keep < n) {
    memcpy(r + o, "...", 3);
    o += 3;
  }
  r[o] = '\0';
  return r;
}

static int table_line(sink *s, char *const *texts) {
  for (size_t i = 0; i < s->ncol; i++) {
    const char *t = texts[i] ? texts[i] : "";
    size_t w = display_width(t);
    size_t pad = s->width[i] > w ? s->width[i] - w : 0;
    int last = i + 1 == s->ncol;
    if (i && sb_put(s, "  ", 2)) return -1;
    if (s->right[i])
      for (size_t k = 0; k < pad; k++)
        if (sb_put(s, " ", 1)) return -1;
    if (sb_put(s, t, strlen(t))) return -1;
    if (!s->right[i] && !last)
      for (size_t k = 0; k < pad; k++)
        if (sb_put(s, " ", 1)) return -1;
  }
  if (sb_put(s, "\n", 1)) return -1;
  return sb_flush(s, NULL);
}

/* Write the header and the held rows, then free them: from here rows
 * stream with the widths found so far. */
static int table_flush_held(sink *s) {
  char *names[SINK_COLUMNS_MAX];
  for (size_t i = 0; i < s->ncol; i++) names[i] = s->names[i];
  int rc = table_line(s, names);
  for (size_t i = 0; rc == 0 && i < s->ncol; i++) {
    if (i) rc = sb_put(s, "  ", 2);
    for (size_t k = 0; rc == 0 && k < s->width[i]; k++) rc = sb_put(s, "-", 1);
  }
  if (rc == 0) rc = sb_put(s, "\n", 1);
  if (rc == 0) rc = sb_flush(s, NULL);
  for (size_t r = 0; rc == 0 && r < s->nheld; r++)
    rc = table_line(s, s->held + r * s->ncol);
  for (size_t i = 0; i < s->nheld * s->ncol; i++) free(s->held[i]);
  free(s->held);
  s->held = NULL;
  s->nheld = 0;
  s->table_streaming = 1;
  return rc;
}

static int table_row(sink *s, const cell *cells, pi_error *err) {
  char buf[64];
  char *texts[SINK_COLUMNS_MAX];
  for (size_t i = 0; i < s->ncol; i++) {
    const char *t = "";
    if (cells[i].kind != CELL_TEXT && cells[i].kind != CELL_JSON &&
        cells[i].kind != CELL_NUMBER && cells[i].kind != CELL_ID) {
      if (cell_format(&cells[i], buf, sizeof buf) < 0) buf[0] = '\0';
      t = buf;
    } else if (cells[i].text) {
      t = cells[i].text;
    }
    texts[i] = table_text(t);
    if (texts[i] == NULL) {
      for (size_t k = 0; k < i; k++) free(texts[k]);
      return pi_fail(err, PI_E_NOMEM, "", "out of memory");
    }
    if (!s->table_streaming && is_number_kind(cells[i].kind)) s->right[i] = 1;
    size_t w = display_width(texts[i]);
    if (!s->table_streaming && w > s->width[i]) s->width[i] = w;
  }
  if (s->table_streaming) {
    int rc = table_line(s, texts);
    for (size_t i = 0; i < s->ncol; i++) free(texts[i]);
    return rc ? write_fail(err) : 0;
  }
  memcpy(s->held + s->nheld * s->ncol, texts, s->ncol * sizeof texts[0]);
  s->nheld++;
  if (s->nheld == SINK_TABLE_SAMPLE && table_flush_held(s)) return write_fail(err);
  return 0;
}

/* ---- the sink ----------------------------------------------------------- */

void sink_set_style(sink *s, const csv_style *style) {
  assert(!s->have_columns);
  s->style = *style;
}

int sink_columns(sink *s, const char *const *names, size_t n, pi_error *err) {
  if (s->have_columns)
    return pi_fail(err, PI_E_INTERNAL, "", "report columns declared twice");
  if (n == 0 || n > SINK_COLUMNS_MAX)
    return pi_fail(err, PI_E_TOO_MANY_COLUMNS, "",
                   "a report has 1 to %d columns, not %zu", SINK_COLUMNS_MAX, n);
  for (size_t i = 0; i < n; i++) {
    size_t len = names[i] ? strlen(names[i]) : 0;
    if (len == 0 || len >= SINK_NAME_MAX)
      return pi_fail(err, PI_E_BAD_COLUMN, "",
                     "column %zu: a name is 1 to %d bytes", i + 1,
                     SINK_NAME_MAX - 1);
    memcpy(s->names[i], names[i], len + 1);
  }
  s->ncol = n;
  if (s->fmt == SINK_TABLE) {
    s->held = calloc(SINK_TABLE_SAMPLE * n, sizeof *s->held);
    s->right = calloc(n, 1);
    if (s->held == NULL || s->right == NULL)
      return pi_fail(err, PI_E_NOMEM, "", "out of memory");
    for (size_t i = 0; i < n; i++) s->width[i] = display_width(names[i]);
  }
  s->have_columns = 1;
  if (s->fmt == SINK_CSV) {
    char sep = csv_sep(s);
    /* The byte-order mark goes first: Excel reads a CSV file without one
     * in the system's code page, and "Café" becomes "CafÃ©". */
    if (s->style.bom) sb_put(s, "\xEF\xBB\xBF", 3);
    for (size_t i = 0; i < n; i++) {
      if (i) sb_put(s, &sep, 1);
      escape_field(sb_put, s, names[i], 0, csv_special(s));
    }
    sb_put(s, "\r\n", 2);
    return sb_flush(s, err);
  }
  return 0;
}

int sink_has_columns(const sink *s) { return s->have_columns; }

size_t sink_ncolumns(const sink *s) { return s->ncol; }

int sink_row(sink *s, const cell *cells, size_t n, pi_error *err) {
  if (!s->have_columns || s->finished)
    return pi_fail(err, PI_E_INTERNAL, "", "a row outside a report");
  if (n != s->ncol)
    return pi_fail(err, PI_E_INTERNAL, "", "a row of %zu cells for %zu columns", n,
                   s->ncol);
  int rc = 0;
  switch (s->fmt) {
  case SINK_CSV:
    rc = csv_row(s, cells, err);
    break;
  case SINK_JSON:
  case SINK_JSONL:
    rc = json_object(s, cells, err);
    if (rc) break;
    if (s->fmt == SINK_JSON) sb_put(s, s->rows ? ",\n" : "[\n", 2);
    sb_put(s, s->jw.buf, s->jw.len);
    if (s->fmt == SINK_JSONL) sb_put(s, "\n", 1);
    rc = sb_flush(s, err);
    break;
  case SINK_TABLE:
    rc = table_row(s, cells, err);
    break;
  }
  if (rc == 0) s->rows++;
  return rc;
}

int sink_separator(sink *s, pi_error *err) {
  if (s->fmt != SINK_TABLE || !s->have_columns || s->finished) return 0;
  if (!s->table_streaming && table_flush_held(s)) return write_fail(err);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < s->ncol; i++) {
    if (i) rc = sb_put(s, "  ", 2);
    for (size_t k = 0; rc == 0 && k < s->width[i]; k++) rc = sb_put(s, "-", 1);
  }
  if (rc == 0) rc = sb_put(s, "\n", 1);
  if (rc == 0) rc = sb_flush(s, NULL);
  return rc ? write_fail(err) : 0;
}

int sink_finish(sink *s, pi_error *err) {
  if (s->finished) return 0;
  s->finished = 1;
  int rc = 0;
  if (s->fmt == SINK_JSON) {
    sb_put(s, s->rows ? "\n]\n" : "[]\n", 3);
    rc = sb_flush(s, NULL);
  }
  if (s->fmt == SINK_TABLE && s->have_columns && !s->table_streaming)
    rc = table_flush_held(s);
  if (fflush(s->out) != 0 || ferror(s->out)) rc = -1;
  return rc ? write_fail(err) : 0;
}

void sink_free(sink *s) {
  if (s == NULL) return;
  for (size_t i = 0; s->held && i < s->nheld * s->ncol; i++) free(s->held[i]);
  free(s->held);
  free(s->right);
  free(s->buf);
  jw_free(&s->jw);
  free(s);
}
