/* SPDX-License-Identifier: MIT */
/*
 * cmd_taxid.c - `posintent taxid check`: bulk offline check of VAT numbers,
 * EORI numbers and US resale certificates (the rules are in src/taxid*.c).
 *
 * Reading standard input uses one fixed buffer: a line longer than
 * TAXID_LINE_MAX bytes is reported as too_long (its first bytes shown) and
 * the rest of it is skipped, so memory stays bounded whatever the input.
 */
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

typedef struct run_opts {
  taxid_kind kind;
  const char *country; /* --country, or NULL */
  const char *date;    /* --date, or NULL   */
  int json;
  int any_invalid;
  int io_error;
} run_opts;

/* Writes the input for a TSV field (see OUTPUT in the help). */
static void put_tsv_input(FILE *out, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c == '\\') fputs("\\\\", out);
    else if (c == '\t') fputs("\\t", out);
    else if (c == '\n') fputs("\\n", out);
    else if (c == '\r') fputs("\\r", out);
    else if (c < 0x20 || c == 0x7f) fprintf(out, "\\x%02X", (unsigned)c);
    else if (c < 0x80) putc(c, out);
    else {
      size_t k = utf8_decode(s + i, n - i, NULL);
      if (k == 0) {
        fprintf(out, "\\x%02X", (unsigned)c);
      } else {
        fwrite(p + i, 1, k, out);
        i += k;
        continue;
      }
    }
    i++;
  }
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
    put_tsv_input(stdout, input, n);
    if (truncated) fputs("...", stdout);
    printf("\t%d\t%s\t%s\t%s\n", r->valid, r->compact, r->country, taxid_reason_code(r->reason));
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

/* One number per line from in; returns 0, or -1 on a read error. */
static int check_stream(run_opts *o, FILE *in) {
  char buf[65536];
  char line[TAXID_LINE_MAX];
  size_t n = 0;
  int overflow = 0, pending = 0;
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
    for (size_t k = 0; k < got; k++) {
      char c = buf[k];
      if (c == '\n') {
        if (overflow) {
          too_long(o, line, n);
        } else {
          if (n > 0 && line[n - 1] == '\r') n--;
          check_one(o, line, n);
        }
        n = 0;
        overflow = 0;
        pending = 0;
        continue;
      }
      pending = 1;
      if (n < sizeof line) line[n++] = c;
      else overflow = 1;
    }
  }
  if (ferror(in)) return -1;
  if (pending) { /* last line without a newline */
    if (overflow) {
      too_long(o, line, n);
    } else {
      if (n > 0 && line[n - 1] == '\r') n--;
      check_one(o, line, n);
    }
  }
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
        fflush(stdout);
        fputs("posintent taxid: error reading standard input\n", stderr);
        return EXIT_RUNTIME;
      }
    } else {
      check_one(&o, a, strlen(a));
    }
  }
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
