/* SPDX-License-Identifier: MIT */
/*
 * csvout.h - writing report rows: RFC 4180 CSV, JSON, JSON lines, a table.
 *
 * A report hands rows of typed cells to a "sink"; the sink writes them in
 * the chosen format as they come, so a report of a million rows needs no
 * more memory than a report of ten.  (The table format is the one
 * exception: it holds the first SINK_TABLE_SAMPLE rows to size its
 * columns, then streams.)
 *
 * Output rules, the same in every format:
 *   - UTF-8 out: bytes that are not valid UTF-8 are replaced by U+FFFD.
 *   - Amounts are exact decimals in major units with the currency's
 *     exponent ("12.34" EUR, "1500" JPY, "1.250" BHD), never floats.
 *   - CSV follows RFC 4180 (CRLF line ends, a header row, fields with
 *     comma, quote, CR or LF quoted, quotes doubled) and neutralises
 *     spreadsheet formulas: a text cell that starts with =, +, -, @, tab or
 *     carriage return is written as '... inside quotes, so a spreadsheet
 *     shows it as text instead of evaluating it; a text that is a plain
 *     signed number ("-12", "+3.5") cannot start a formula and is left as
 *     it is.  Amount and integer cells are numbers and are never altered.
 *   - A CSV dialect (csv_style) may ask for a spreadsheet's conventions
 *     instead of RFC 4180's: "excel" (comma, decimal point) or "excel-de"
 *     (semicolon, decimal comma), in both of which identifier cells
 *     (CELL_ID) that a spreadsheet would read as a number are written as
 *     the formula ="0123" so that they stay text; and a byte-order mark.
 *     RFC 4180 stays the default, byte for byte.
 */
#ifndef POSINTENT_CSVOUT_H
#define POSINTENT_CSVOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

#define SINK_COLUMNS_MAX 64     /* columns in one report, hooks' included */
#define SINK_NAME_MAX 64        /* bytes of one column name, NUL included */
#define SINK_TABLE_SAMPLE 200   /* rows the table format holds for sizing */

typedef enum sink_format {
  SINK_CSV = 0, /* RFC 4180 with a header row                              */
  SINK_JSON,    /* one JSON array of objects, streamed                     */
  SINK_JSONL,   /* one JSON object per line                                */
  SINK_TABLE    /* aligned columns for a terminal                          */
} sink_format;

/* "csv", "json", "jsonl", "table" -> the format.  Returns 0, or -1 when the
 * name is unknown. */
int sink_format_parse(const char *name, sink_format *out);

typedef enum cell_kind {
  CELL_NULL = 0, /* empty in CSV and tables, null in JSON                  */
  CELL_TEXT,     /* text (neutralised in CSV)                              */
  CELL_INT,      /* a count or other integer                               */
  CELL_AMOUNT,   /* minor units + exponent, printed in major units         */
  CELL_BOOL,     /* true / false                                           */
  CELL_NUMBER,   /* text known to be a JSON number ("1.5e3"), kept as is   */
  CELL_JSON,     /* JSON text: raw in JSON output, text elsewhere          */
  CELL_ID        /* an identifier (VAT number, sale, store): text, kept
                    text in a spreadsheet dialect ("0123" keeps its zero) */
} cell_kind;

/* One value of a row.  Strings are borrowed for the call only. */
typedef struct cell {
  cell_kind kind;
  const char *text;  /* TEXT, NUMBER, JSON; NULL is written as CELL_NULL */
  int64_t num;       /* INT, BOOL (0/1), AMOUNT (minor units)           */
  int exponent;      /* AMOUNT: the currency's minor-unit exponent      */
} cell;

/* Cell constructors, for brevity at call sites. */
cell cell_null(void);
cell cell_text(const char *s);
cell cell_id(const char *s);   /* CELL_ID, or CELL_NULL for NULL        */
cell cell_int(int64_t n);
cell cell_amount(int64_t minor, int exponent);
cell cell_bool(int b);

/* How CSV is written.  The default (all zero) is RFC 4180. */
typedef enum csv_dialect {
  CSV_RFC4180 = 0, /* ',' and '.', CRLF: what programs read               */
  CSV_EXCEL,       /* ',' and '.', identifiers kept text                  */
  CSV_EXCEL_DE     /* ';' and decimal ',', identifiers kept text: what a
                      German spreadsheet splits into columns and reads as
                      numbers                                             */
} csv_dialect;

typedef struct csv_style {
  csv_dialect dialect;
  int bom;             /* 1: the file starts with a UTF-8 byte-order mark
                          (EF BB BF), which Excel needs to read UTF-8     */
} csv_style;

/* "rfc4180", "excel", "excel-de" -> the dialect.  0, or -1 when unknown. */
int csv_dialect_parse(const char *name, csv_dialect *out);

typedef struct sink sink;

/* Create a sink writing to `out` (borrowed; the caller closes it).
 * Returns 0, or -1 with err (out of memory). */
int sink_open(FILE *out, sink_format fmt, sink **out_sink, pi_error *err);

/* Write CSV in `style` (copied) instead of RFC 4180; only before
 * sink_columns.  Other formats ignore it (the CLI refuses the options for
 * them). */
void sink_set_style(sink *s, const csv_style *style);

/* Declare the columns, once, before the first row.  The names are copied.
 * CSV writes its header row here.  Returns 0, or -1 with err when there
 * are more than SINK_COLUMNS_MAX columns, a name is empty or longer than
 * SINK_NAME_MAX - 1 bytes, or writing fails. */
int sink_columns(sink *s, const char *const *names, size_t n, pi_error *err);

/* 1 once sink_columns succeeded. */
int sink_has_columns(const sink *s);

/* Number of declared columns. */
size_t sink_ncolumns(const sink *s);

/* Write one row of exactly sink_ncolumns() cells.  Returns 0, or -1 with
 * err (wrong cell count, columns not declared, write error, no memory). */
int sink_row(sink *s, const cell *cells, size_t n, pi_error *err);

/* Before the total rows: the table format draws a rule (its held rows
 * are written first); the others write nothing.  Returns 0 or -1 with
 * err. */
int sink_separator(sink *s, pi_error *err);

/* Write what the format needs at the end (JSON's closing bracket, the
 * table's held rows), flush, and report any write error that happened on
 * the way.  Returns 0 or -1 with err.  Rows after this are refused. */
int sink_finish(sink *s, pi_error *err);

/* Free the sink (not its FILE).  NULL is a no-op. */
void sink_free(sink *s);

/* Where escaped text goes: emit(ctx, bytes, n) returns 0, or -1 to stop. */
typedef int (*text_put_fn)(void *ctx, const void *bytes, size_t n);

/* Write `s` as one RFC 4180 CSV field (quoted when needed, formulas
 * neutralised unless `numeric`).  Invalid UTF-8 becomes U+FFFD.  Returns 0,
 * or -1 when the stream reports an error. */
int csv_write_field(FILE *out, const char *s, int numeric);

/* The same through `emit` (the sink uses it to build a row in memory). */
int csv_escape_to(text_put_fn emit, void *ctx, const char *s, int numeric);

/* Format a cell as plain text into buf[cap] (what a table or CSV shows,
 * before quoting).  Returns the length or -1 when cap is too small. */
int cell_format(const cell *c, char *buf, size_t cap);

#endif
