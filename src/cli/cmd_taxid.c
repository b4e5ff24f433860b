/* SPDX-License-Identifier: MIT */
/*
 * cmd_taxid.c - `posintent taxid check`: bulk offline check of VAT numbers,
 * EORI numbers and US resale certificates (the rules are in src/taxid*.c).
 *
 * Reading standard input uses one fixed buffer: a line longer than
 * TAXID_LINE_MAX bytes is reported as too_long (its first bytes shown) and
 * the rest of it is skipped, so memory stays bounded whatever the input.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/commands.h"
#include "taxid/taxid.h"
#include "base/utf8.h"

#define TAXID_LINE_MAX 1024 /* bytes of one stdin line that are checked  */
#define SHOWN_MAX 64        /* bytes of an over-long line that are shown */

static const char help_text[] =
    "NAME\n"
    "    posintent taxid - check VAT numbers, EORI numbers and US resale certificates\n"
    "\n"
    "SYNOPSIS\n"
    "    posintent taxid check [--kind KIND] [--country CC] [--date YYYY-MM-DD]\n"
    "                          [--json] NUMBER...\n"
    "    posintent taxid check [OPTIONS] -\n"
    "    posintent taxid --help\n"
    "\n"
    "DESCRIPTION\n"
    "    Checks each NUMBER offline: country prefix, characters, length, layout\n"
    "    and check digits, as python-stdnum 1.18 does for VAT numbers.  Spaces,\n"
    "    dots, dashes and slashes are accepted where the country's format has\n"
    "    them, in any letter case.  The argument - reads one number per line\n"
    "    from standard input (CRLF or LF; the last line need not end in a\n"
    "    newline; an empty line is reported as empty; a line longer than 1024\n"
    "    bytes is reported as too_long without being checked).  This is the\n"
    "    bulk check to run over an exported customer list.\n"
    "\n"
    "OPTIONS\n"
    "    --kind KIND\n"
    "        vat   (default) a VAT number with its country prefix: EU member\n"
    "              states (EL for Greece, GR accepted), XI, GB, CH (CHE-...\n"
    "              MWST) and NO (... MVA).\n"
    "        eori  an EORI number: issuing state code (GR for Greece, XI, GB)\n"
    "              and up to 15 letters and digits (GB/XI: 12 to 15 digits).\n"
    "        cert  a US resale certificate written STATE:NUMBER or\n"
    "              STATE:NUMBER:YYYY-MM-DD (expiry date).\n"
    "        any   a VAT number when the input parses as one (known prefix,\n"
    "              right characters and length), otherwise an EORI number.\n"
    "              Beware: a VAT number with a digit missing is then accepted\n"
    "              as an EORI number of the same state; use --json to see\n"
    "              which kind each line was taken as.\n"
    "    --country CC\n"
    "        The VAT country prefix given separately; the numbers may then\n"
    "        omit it.  Implies --kind vat.\n"
    "    --date YYYY-MM-DD\n"
    "        Sale date against which certificate expiry is judged (default:\n"
    "        today).\n"
    "    --json\n"
    "        Print one JSON object per line instead of tab-separated values.\n"
    "    -h, --help\n"
    "        Print this help and exit.\n"
    "\n"
    "OUTPUT\n"
    "    One line per input, tab-separated:\n"
    "        INPUT  VALID  COMPACT  COUNTRY  REASON\n"
    "    VALID is 1 or 0.  COMPACT is the form to store, prefix included\n"
    "    (DE136695976, EL094259216, TX:1-23-4567890); for an invalid input it\n"
    "    is the normalised attempt, or empty.  COUNTRY is the VAT prefix, the\n"
    "    EORI issuing state or the US state.  REASON is empty when valid, else\n"
    "    one of: empty, unknown_country, bad_length, bad_characters,\n"
    "    bad_check_digit, bad_format, expired, bad_date, too_long.\n"
    "    In INPUT a backslash, tab, CR, LF and other control bytes are written\n"
    "    as \\\\, \\t, \\r, \\n and \\xHH, as are bytes that are not UTF-8, so a\n"
    "    row is always one line of five fields.  An over-long line shows its\n"
    "    first bytes followed by \"...\".\n"
    "    With --json each line is an object with the members input, valid,\n"
    "    kind, compact, country, reason and message (a sentence for the\n"
    "    cashier), plus embedded_vat and embedded_vat_valid for EORI numbers;\n"
    "    bytes that are not UTF-8 and NUL bytes appear as U+FFFD in input.\n"
    "\n"
    "EXIT STATUS\n"
    "    0  every input was valid\n"
    "    1  at least one input was invalid\n"
    "    2  usage error\n"
    "    3  reading standard input or writing the output failed\n"
    "\n"
    "EXAMPLES\n"
    "    posintent taxid check \"DE 136 695 976\" \"GB 980.7806.84\"\n"
    "    posintent taxid check --country NL 004495445B01\n"
    "    posintent taxid check --kind eori GB980780684000\n"
    "    posintent taxid check --kind cert --date 2025-03-01 TX:1-23-4567890:2025-12-31\n"
    "    cut -f4 customers.tsv | posintent taxid check - > checked.tsv\n"
    "    posintent taxid check --json - < vat_numbers.txt\n";

/*
 * The TSV rows are built here and written in blocks: formatting each row
 * through stdio's printf and putc cost more than the checks themselves
 * (bench/bench_taxid prints the process-level rate).  A row takes at most
 * row_size(n) bytes for an input of n: every input byte escapes to at most
 * 4, and the other fields are bounded by taxid_result's arrays.
 */
#define OUT_BLOCK 65536
#define REASON_MAX 32 /* taxid_reason_code()'s longest is 15 bytes */
/* A row's bytes besides its input: "...", the tabs, VALID, COMPACT, COUNTRY,
   REASON and the newline. */
#define ROW_FIXED (3 + 4 + 1 + sizeof(((taxid_result *)0)->compact) + \
                   sizeof(((taxid_result *)0)->country) + REASON_MAX + 1)

typedef struct run_opts {
  taxid_kind kind;
  const char *country; /* --country, or NULL */
  const char *date;    /* --date, or NULL   */
  int json;
  int any_invalid;
  int io_error;
  size_t out_n;        /* bytes waiting in out */
  char out[OUT_BLOCK]; /* TSV rows not yet written */
} run_opts;

/* Writes the waiting TSV rows to stdout; a short write sets io_error. */
static void out_flush(run_opts *o) {
  if (o->out_n > 0 && fwrite(o->out, 1, o->out_n, stdout) != o->out_n) o->io_error = 1;
  o->out_n = 0;
}

static const char hexdig[] = "0123456789ABCDEF";

/* Appends the input for a TSV field (see OUTPUT in the help) at d; returns
   the end.  d must have room for 4 * n bytes.  Runs of printable ASCII
   other than the backslash, nearly all of a customer list, are copied
   whole. */
static char *put_tsv_input(char *d, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '\\') run++;
    memcpy(d, p + i, run - i);
    d += run - i;
    i = run;
    if (i == n) break;
    unsigned char c = p[i];
    if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
      *d++ = '\\';
      *d++ = c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
    } else {
      size_t k = c >= 0x80 ? utf8_decode(s + i, n - i, NULL) : 0;
      if (k > 0) { /* UTF-8 is kept as it is */
        memcpy(d, p + i, k);
        d += k;
        i += k;
        continue;
      }
      *d++ = '\\'; /* control bytes and bytes that are not UTF-8 */
      *d++ = 'x';
      *d++ = hexdig[c >> 4];
      *d++ = hexdig[c & 15];
    }
    i++;
  }
  return d;
}

/* Appends the NUL-terminated s and then the byte end at d; returns the end. */
static char *put_field(char *d, const char *s, char end) {
  size_t n = strlen(s);
  memcpy(d, s, n);
  d[n] = end;
  return d + n + 1;
}

/* Formats one TSV row (INPUT VALID COMPACT COUNTRY REASON) at d, which has
   room for row_size(n) bytes; returns the end. */
static char *format_row(char *d, const char *input, size_t n, int truncated,
                        const taxid_result *r) {
  d = put_tsv_input(d, input, n);
  if (truncated) d = put_field(d, "...", '\t');
  else *d++ = '\t';
  *d++ = r->valid ? '1' : '0';
  *d++ = '\t';
  d = put_field(d, r->compact, '\t');
  d = put_field(d, r->country, '\t');
  const char *reason = taxid_reason_code(r->reason);
  assert(strlen(reason) < REASON_MAX);
  return put_field(d, reason, '\n');
}

static size_t row_size(size_t n) {
  return 4 * n + ROW_FIXED;
}

static void emit_tsv(run_opts *o, const char *input, size_t n, int truncated,
                     const taxid_result *r) {
  size_t need = row_size(n);
  if (sizeof o->out - o->out_n < need) out_flush(o);
  if (need <= sizeof o->out) {
    char *start = o->out + o->out_n;
    char *end = format_row(start, input, n, truncated, r);
    assert((size_t)(end - start) <= need);
    o->out_n += (size_t)(end - start);
    return;
  }
  /* A command-line argument longer than a block: written whole, as always. */
  char *row = malloc(need);
  if (!row) {
    o->io_error = 1;
    return;
  }
  size_t len = (size_t)(format_row(row, input, n, truncated, r) - row);
  if (fwrite(row, 1, len, stdout) != len) o->io_error = 1;
  free(row);
}

/* The input as a NUL-terminated UTF-8 string for cJSON: invalid bytes and
   NUL become U+FFFD.  dst must hold 3 * n + 1 bytes. */
static void json_input(char *dst, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, o = 0;
  while (i < n) {
    size_t k = p[i] ? utf8_decode(s + i, n - i, NULL) : 0;
    if (k == 0) {
      memcpy(dst + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    } else {
      memcpy(dst + o, p + i, k);
      o += k;
      i += k;
    }
  }
  dst[o] = '\0';
}

static void emit(run_opts *o, const char *input, size_t n, int truncated, const taxid_result *r) {
  if (!r->valid) o->any_invalid = 1;
  if (!o->json) {
    emit_tsv(o, input, n, truncated, r);
    return;
  }
  char text[3 * TAXID_LINE_MAX + 8];
  if (n > TAXID_LINE_MAX) { /* a long argument: show what fits */
    n = TAXID_LINE_MAX;
    truncated = 1;
  }
  json_input(text, input, n);
  if (truncated) strcat(text, "...");
  cJSON *obj = cJSON_CreateObject();
  if (!obj) {
    o->io_error = 1;
    return;
  }
  cJSON_AddStringToObject(obj, "input", text);
  cJSON_AddBoolToObject(obj, "valid", r->valid);
  cJSON_AddStringToObject(obj, "kind", taxid_kind_name(r->kind));
  cJSON_AddStringToObject(obj, "compact", r->compact);
  cJSON_AddStringToObject(obj, "country", r->country);
  cJSON_AddStringToObject(obj, "reason", taxid_reason_code(r->reason));
  cJSON_AddStringToObject(obj, "message", r->message);
  if (r->kind == TAXID_EORI) {
    cJSON_AddBoolToObject(obj, "embedded_vat", r->embedded_vat);
    cJSON_AddBoolToObject(obj, "embedded_vat_valid", r->embedded_vat_valid);
  }
  char *line = cJSON_PrintUnformatted(obj);
  if (line) {
    fputs(line, stdout);
    putchar('\n');
    cJSON_free(line);
  } else {
    o->io_error = 1;
  }
  cJSON_Delete(obj);
}

static void check_one(run_opts *o, const char *input, size_t n) {
  taxid_result r;
  if (o->country) taxid_check_vat(input, n, o->country, &r);
  else if (o->kind == TAXID_CERT) taxid_check_cert_line(input, n, o->date, &r);
  else taxid_check(input, n, o->kind, &r);
  emit(o, input, n, 0, &r);
}

static void too_long(run_opts *o, const char *line, size_t n) {
  /* Show the first bytes, cut at a UTF-8 character boundary. */
  size_t shown = utf8_cut(line, n, SHOWN_MAX);
  taxid_result r;
  memset(&r, 0, sizeof r);
  r.kind = o->country ? TAXID_VAT : o->kind;
  r.reason = TAXID_TOO_LONG;
  snprintf(r.message, sizeof r.message, "This line is longer than %d bytes; it was not checked.",
           TAXID_LINE_MAX);
  emit(o, line, shown, 1, &r);
}

/* One line of input without its LF: a CR before the LF is dropped; a line
   that overflowed is reported as too_long with its first bytes. */
static void line_done(run_opts *o, const char *s, size_t n, int overflow) {
  if (overflow) {
    too_long(o, s, n);
    return;
  }
  if (n > 0 && s[n - 1] == '\r') n--;
  check_one(o, s, n);
}

/* One number per line from in; returns 0, or -1 on a read error.  A line
   that lies whole in the read buffer is checked in place; only a line cut
   by the buffer's end is gathered in line[], which keeps its first
   TAXID_LINE_MAX bytes. */
static int check_stream(run_opts *o, FILE *in) {
  char buf[65536];
  char line[TAXID_LINE_MAX];
  size_t n = 0;            /* bytes of the current line in line[] */
  int overflow = 0;        /* the current line is longer than line[] */
  int pending = 0;         /* a line has begun and not yet ended */
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
    const char *p = buf, *end = buf + got;
    while (p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t len = (size_t)((nl ? nl : end) - p);
      if (!pending && nl && len <= TAXID_LINE_MAX) {
        line_done(o, p, len, 0);
      } else {
        size_t take = len < sizeof line - n ? len : sizeof line - n;
        memcpy(line + n, p, take);
        n += take;
        if (take < len) overflow = 1;
        pending = 1;
        if (nl) {
          line_done(o, line, n, overflow);
          n = 0;
          overflow = 0;
          pending = 0;
        }
      }
      if (!nl) break;
      p = nl + 1;
    }
  }
  if (ferror(in)) return -1;
  if (pending) line_done(o, line, n, overflow); /* the last line had no LF */
  return 0;
}

#define TAXID_HINT "posintent help taxid"

/* A usage error of `taxid check`: "posintent: taxid check: <before><arg><after>
 * (try 'posintent help taxid')", one line; returns EXIT_USAGE. */
static int usage_error(const char *before, const char *arg, const char *after) {
  cliargs a;
  cliargs_init(&a, "posintent", "taxid check", TAXID_HINT, 0, NULL, 0);
  return cliargs_usage(&a, "%s%s%s", before, arg, after);
}

static int valid_date(const char *s) {
  taxid_result r;
  /* Reuse the library's date rules: a certificate expiring on that day. */
  return taxid_check_cert("TX", "1", 1, s, s, &r);
}

static int cmd_check(int argc, char **argv) {
  run_opts o;
  memset(&o, 0, sizeof o);
  o.kind = TAXID_VAT; /* the common case, and the strict one */
  int kind_given = 0, first_number = -1, stdin_count = 0, options_done = 0;
  cliargs args;
  cliargs_init(&args, "posintent", "taxid check", TAXID_HINT, argc, argv, 1);
  for (; cliargs_cur(&args); args.i++) {
    const char *a = cliargs_cur(&args);
    if (options_done || a[0] != '-' || strcmp(a, "-") == 0) {
      if (first_number < 0) first_number = args.i;
      if (strcmp(a, "-") == 0 && !options_done) stdin_count++;
      continue;
    }
    int f;
    if (strcmp(a, "--") == 0) {
      options_done = 1;
    } else if (cliargs_is_help(a)) {
      fputs(help_text, stdout);
      return 0;
    } else if ((f = cliargs_flag(&args, "--json")) != 0) {
      if (f < 0) return EXIT_USAGE;
      o.json = 1;
    } else if (cliargs_is(&args, "--kind")) {
      const char *v = cliargs_value(&args);
      if (!v) return EXIT_USAGE;
      if (taxid_kind_parse(v, &o.kind) != 0)
        return usage_error("unknown --kind '", v, "' (use vat, eori, cert or any)");
      kind_given = 1;
    } else if (cliargs_is(&args, "--country")) {
      const char *v = cliargs_value(&args);
      if (!v) return EXIT_USAGE;
      taxid_result r;
      taxid_check_vat("", 0, v, &r);
      if (r.reason == TAXID_UNKNOWN_COUNTRY)
        return usage_error("--country '", v, "' is not a VAT country prefix");
      o.country = v;
    } else if (cliargs_is(&args, "--date")) {
      const char *v = cliargs_value(&args);
      if (!v) return EXIT_USAGE;
      if (!valid_date(v))
        return usage_error("--date '", v, "' is not a date written YYYY-MM-DD");
      o.date = v;
    } else {
      return cliargs_unknown(&args);
    }
  }
  if (o.country && kind_given && o.kind != TAXID_VAT)
    return usage_error("", "--country", " applies to VAT numbers only");
  if (first_number < 0) return usage_error("no NUMBER given (use - to read standard input)", "", "");
  if (stdin_count > 1) return usage_error("- may be given only once", "", "");

  options_done = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!options_done && a[0] == '-' && strcmp(a, "-") != 0) {
      if (strcmp(a, "--") == 0) options_done = 1;
      else if ((strcmp(a, "--kind") == 0 || strcmp(a, "--country") == 0 ||
                strcmp(a, "--date") == 0))
        i++; /* skip its value */
      continue;
    }
    if (!options_done && strcmp(a, "-") == 0) {
      if (check_stream(&o, stdin) != 0) {
        out_flush(&o);
        fflush(stdout);
        fputs("posintent taxid: error reading standard input\n", stderr);
        return EXIT_RUNTIME;
      }
    } else {
      check_one(&o, a, strlen(a));
    }
  }
  out_flush(&o);
  if (fflush(stdout) != 0 || ferror(stdout) || o.io_error) {
    fputs("posintent taxid: error writing the output\n", stderr);
    return EXIT_RUNTIME;
  }
  return o.any_invalid ? 1 : 0;
}

/* `posintent taxid ...` (declared in cli/commands.h): argv[0] is "taxid",
   argv[1] the subcommand; g is unused.  Writes results to stdout, errors
   and usage to stderr, reads stdin for "-".  Returns the exit status: 0 all
   valid, 1 any invalid, EXIT_USAGE, or EXIT_RUNTIME on an I/O error.
   argv is only read. */
int cmd_taxid(const cli_globals *g, int argc, char **argv) {
  (void)g;
  cliargs a;
  cliargs_init(&a, "posintent", "taxid", TAXID_HINT, argc, argv, 1);
  if (argc < 2) return cliargs_usage(&a, "which subcommand? check");
  const char *sub = argv[1];
  if (cliargs_is_help(sub) || strcmp(sub, "help") == 0) {
    fputs(help_text, stdout);
    return 0;
  }
  if (strcmp(sub, "check") == 0) return cmd_check(argc - 1, argv + 1);
  return cliargs_usage(&a, "unknown subcommand '%s' (check)", sub);
}
