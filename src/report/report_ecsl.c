/* SPDX-License-Identifier: MIT */
/* report_ecsl.c - the EC Sales List: HMRC bulk CSV, German ZM CSV, CSV.
 *
 * Sources of the two filing formats (docs/reports.md quotes them):
 *   HMRC, "Submitting EC Sales List declarations online using CSVs"
 *     https://www.gov.uk/guidance/submitting-ec-sales-list-declarations-online-using-csvs
 *   HMRC ECSL help, "Total value of supplies" (whole pounds, no pence,
 *     rounded down, no zero values, minus sign for negatives).
 *   ELSTER / BZSt, "Import von Meldelisten zur Zusammenfassenden Meldung"
 *     https://www.elster.de/eportal/helpGlobal?themaGlobal=zmdo_import_eop
 *     and its general CSV guide (first line "#v<version>", then a line of
 *     field names, then one line per record).
 */
#include "report/report.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/money.h"
#include "base/utf8.h"
#include "report/check.h"
#include "report/fxrates.h"
#include "report/report_int.h"
#include "taxid/taxid.h"

int ecsl_format_parse(const char *s, ecsl_format *out) {
  static const char *const names[] = {"hmrc", "zm", "csv"};
  for (int i = 0; i < 3; i++)
    if (s && strcmp(s, names[i]) == 0) {
      *out = (ecsl_format)i;
      return 0;
    }
  return -1;
}

/* HMRC: "Do not include pence in your figure" and "rounded down to the
 * nearest pound sterling": the pence are dropped.  For a negative total
 * (credit notes larger than supplies) dropping the pence moves toward zero
 * as well, so -12.99 is declared as -12: the figure never overstates a
 * credit. */
int64_t report_hmrc_pounds(int64_t pence) { return pence / 100; }

/* ZM: "Betrag in Euro ... eine ganze Zahl".  The import help names no
 * rounding rule; we round commercially (kaufmännisch: half away from zero,
 * the German convention, money_round_major), so the declared figure is the
 * nearest whole euro. */
int64_t report_zm_euros(int64_t cents) { return money_round_major(cents, 2); }

/* Per customer VAT number and currency, the period's supplies less its
 * credits: the rows of REPORT_ECSL_ROWS (report_int.h, which says which
 * sales, voids and returns count where) totalled per customer. */
static const char ecsl_sql[] =
    "SELECT country, vat, currency, count(DISTINCT sid), count(*), sum(net)"
    " FROM (" REPORT_ECSL_ROWS ") GROUP BY country, vat, currency ORDER BY 1, 2, 3";

/* The corrections to period [?1, ?2]: each of its sales voided on a day
 * after the period, with the credit that the void's period declares. */
static const char corrections_sql[] =
    "SELECT s.reseller_country, s.reseller_id, s.currency, " REPORT_VOID_DAY ","
    " s.store, s.terminal, s.sale, s.day, count(*), -sum(l.net)"
    " FROM voids v JOIN sales s ON s.id = v.sale_id"
    " JOIN lines l ON l.sale_id = s.id"
    " WHERE s.day BETWEEN ?1 AND ?2 AND " REPORT_VOID_DAY " > ?2 AND" REPORT_ECSL_LINES
    " GROUP BY s.id ORDER BY 4, 1, 2, s.id";

/* The customer's VAT number without its two-letter prefix. */
static const char *without_prefix(const char *vat, const char *country) {
  if (strlen(vat) > 2 && strncmp(vat, country, 2) == 0) return vat + 2;
  return vat;
}

static int eligible(sqlite3_stmt *q, const char *home) {
  const char *c = report_col_text(q, 0);
  return taxid_other_eu_state(home, c);
}

/* HMRC's contact name, changed only as HMRC requires ("your contact name
 * (mandatory) maximum of 35 characters (do not include the ampersand '&'
 * symbol, for example 'A & N Other Ltd' should be changed to 'A and N
 * Other Ltd')") and as the comma-separated record needs:
 *   - '&' becomes "and", spaced from its neighbours ("A&N" -> "A and N");
 *   - a comma, a double quote or a control character would end or break
 *     the field: it is dropped, leaving one space between the words it
 *     separated ("Daughters, Belfast" -> "Daughters Belfast", never two
 *     spaces);
 *   - at most 35 characters: a longer name is cut on a character
 *     boundary (and trailing spaces removed), and the caller warns.
 * Everything else (apostrophes, accents, the spacing the name already
 * had) stays as written.  Returns 1 when the name was cut, else 0. */
static int hmrc_contact(const char *in, char *out, size_t cap) {
  enum { CHARS = 35 };
  assert(cap >= CHARS * 4 + 1); /* 35 characters of up to 4 bytes fit */
  (void)cap;
  size_t o = 0, chars = 0, n = strlen(in);
  int cut = 0;
  for (size_t i = 0; i < n;) {
    size_t k = utf8_span(in + i, n - i, 1);
    unsigned char c = (unsigned char)in[i];
    int prev_space = o == 0 || out[o - 1] == ' ';
    int next_space = i + k >= n || in[i + k] == ' ';
    const char *put = NULL;
    size_t len = 0, width = 0;
    char sep[8];
    if (c == '&') {
      snprintf(sep, sizeof sep, "%sand%s", prev_space ? "" : " ", next_space ? "" : " ");
      put = sep, len = width = strlen(sep);
    } else if (k == 1 && (c < 0x20 || c == ',' || c == '"' || c == 0x7F)) {
      if (!prev_space && !next_space) put = " ", len = width = 1; /* keep words apart */
    } else {
      put = in + i, len = k, width = 1;
    }
    if (chars + width > CHARS) {
      cut = 1;
      break;
    }
    if (put) {
      memcpy(out + o, put, len);
      o += len;
      chars += width;
    }
    i += k;
  }
  while (cut && o > 0 && out[o - 1] == ' ') o--;
  out[o] = '\0';
  return cut;
}

/* The trader's 9-digit VAT registration number: the store's VAT number
 * without its GB/XI prefix and spaces. */
static int hmrc_vrn(const char *vat, char out[10]) {
  size_t o = 0;
  const char *p = vat;
  if ((strncmp(p, "GB", 2) == 0 || strncmp(p, "XI", 2) == 0)) p += 2;
  for (; *p; p++) {
    if (*p == ' ') continue;
    if (!isdigit((unsigned char)*p) || o == 9) return -1;
    out[o++] = *p;
  }
  out[o] = '\0';
  return o == 9 ? 0 : -1;
}

static int check_identity(ecsl_format fmt, const report_identity *id,
                          const char *home, char vrn[10], char branch[4],
                          pi_error *err) {
  if (home[0] == '\0')
    return pi_fail(err, PI_E_ECSL, "store_country",
                   "the store's country is unknown: give --manifest, or open "
                   "the database once with the plugin");
  if (fmt != ECSL_HMRC) return 0;
  if (hmrc_vrn(id->vat, vrn))
    return pi_fail(err, PI_E_ECSL, "store_vat",
                   "the store's VAT number \"%s\" is not a 9-digit UK VAT "
                   "registration number (config.store_vat)",
                   id->vat);
  const char *b = id->branch[0] ? id->branch : "000";
  if (strlen(b) != 3 || !isdigit((unsigned char)b[0]) ||
      !isdigit((unsigned char)b[1]) || !isdigit((unsigned char)b[2]))
    return pi_fail(err, PI_E_ECSL, "branch",
                   "the branch \"%s\" is not 3 digits (config.branch; \"000\" "
                   "when there is none)",
                   b);
  memcpy(branch, b, 4);
  if (id->contact[0] == '\0')
    return pi_fail(err, PI_E_ECSL, "contact_name",
                   "HMRC requires a contact name: set config.contact_name");
  return 0;
}

/* First pass: every row the filing will hold must be in the filing's
 * currency, and fit its field; checked before a byte is written so that a
 * half file never reaches an upload form. */
static int first_pass(sqlite3 *db, sqlite3_stmt *q, const report_period *p,
                      ecsl_format fmt, const char *home, pi_error *err) {
  const char *want = fmt == ECSL_HMRC ? "GBP" : "EUR";
  size_t lines = 0;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (!eligible(q, home)) continue;
    const char *cur = report_col_text(q, 2);
    if (strcmp(cur, want) != 0)
      return pi_fail(err, PI_E_ECSL, "currency",
                     "sales to %s are in %s; %s declarations are in %s: %s",
                     report_col_text(q, 1), cur, fmt == ECSL_HMRC ? "HMRC" : "ZM", want,
                     fmt == ECSL_HMRC ? "give --rates FILE (HMRC's monthly exchange "
                                        "rates) to convert them, or use --format csv"
                                      : "use --format csv and convert by hand");
    int64_t v = sqlite3_column_int64(q, 5);
    int64_t whole = fmt == ECSL_HMRC ? report_hmrc_pounds(v) : report_zm_euros(v);
    if (whole > 999999999 || whole < -999999999)
      return pi_fail(err, PI_E_ECSL, "value",
                     "the total for %s does not fit the 9-digit value field",
                     report_col_text(q, 1));
    if (fmt != ECSL_HMRC || whole != 0) lines++; /* HMRC leaves a 0 out */
  }
  if (rc != SQLITE_DONE) return report_db_fail(db, err, "reading sales");
  sqlite3_reset(q);
  /* HMRC: "If you haven't made any supplies (or issued any credit notes)
   * in the reporting period, you should not submit an ESL and the ESL
   * Online service (ECSL) will not allow you to submit a nil
   * declaration."  A file of a header alone is such a declaration. */
  if (fmt == ECSL_HMRC && lines == 0)
    return pi_fail(err, PI_E_ECSL_EMPTY, "period",
                   "no supply or credit to declare for %s to %s (or only values "
                   "under one pound, which HMRC refuses as 0): HMRC accepts no nil "
                   "EC Sales List, so no file is written",
                   p->from, p->to);
  return 0;
}

static int put_fail(pi_error *err) {
  return pi_fail(err, PI_E_IO, "output", "cannot write the report");
}

static int write_filing(sqlite3 *db, sqlite3_stmt *q, const report_period *p,
                        const report_identity *id, ecsl_format fmt,
                        const char *home, const char *vrn, const char *branch,
                        const report_out *out, pi_error *err) {
  FILE *f = out->file;
  if (fmt == ECSL_HMRC) {
    char contact[160];
    if (hmrc_contact(id->contact, contact, sizeof contact))
      report_warn(out, "the contact name \"%s\" is longer than the 35 characters "
                       "HMRC allows; the file gives \"%s\" (config.contact_name)",
                  id->contact, contact);
    fprintf(f, "HMRC_VAT_ESL_BULK_SUBMISSION_FILE\r\n%s,%s,%04d,%02d,GBP,%s,0\r\n",
            vrn, branch, p->year, p->month, contact);
  } else {
    /* ELSTER: version line, then the field names, then the records; the
     * country code and the VAT number share one column since CSV v2.0. */
    fputs("#v" REPORT_ZM_CSV_VERSION "\r\nUSt-IdNr.,Betrag(EUR),Art der Leistung\r\n", f);
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (!eligible(q, home)) continue;
    const char *country = report_col_text(q, 0), *vat = report_col_text(q, 1);
    int64_t v = sqlite3_column_int64(q, 5);
    if (fmt == ECSL_HMRC) {
      int64_t pounds = report_hmrc_pounds(v);
      /* HMRC refuses a 0: the line is left out, never silently: the
       * check esl_rounds_to_zero (check.c) has warned, naming its sales,
       * and `posintent check` lists it for review. */
      if (pounds == 0) continue;
      /* Indicator 0: goods.  A till sells goods; services (3) and
       * triangulation (2) are not something it records. */
      fprintf(f, "%s,%s,%lld,0\r\n", country, without_prefix(vat, country),
              (long long)pounds);
    } else {
      /* Art der Leistung L: innergemeinschaftliche Lieferung (goods). */
      fprintf(f, "%s,%lld,L\r\n", vat, (long long)report_zm_euros(v));
    }
  }
  if (rc != SQLITE_DONE) return report_db_fail(db, err, "reading sales");
  if (fflush(f) != 0 || ferror(f)) return put_fail(err);
  return 0;
}

static const char *const csv_columns[] = {"country", "vat_number", "currency",
                                          "sales",   "lines",      "net",
                                          "supply"};

static int write_csv(sqlite3 *db, sqlite3_stmt *q, const char *home,
                     const report_out *out, pi_error *err) {
  report_out plain = *out;
  plain.hooks = NULL; /* a filing's columns are fixed */
  emitter e;
  if (emit_begin(&e, db, &plain, csv_columns, 7, err)) return -1;
  int rc, fail = 0;
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (!eligible(q, home)) continue;
    const char *country = report_col_text(q, 0);
    int ex = report_exponent(out, report_col_text(q, 2));
    cell c[7] = {cell_text(country),
                 cell_id(without_prefix(report_col_text(q, 1), country)),
                 cell_text(report_col_text(q, 2)),
                 cell_int(sqlite3_column_int64(q, 3)),
                 cell_int(sqlite3_column_int64(q, 4)),
                 cell_amount(sqlite3_column_int64(q, 5), ex),
                 cell_text("goods")};
    if (emit_row(&e, c, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading sales") != 0;
  if (!fail && emit_end(&e, err)) fail = 1;
  emit_free(&e);
  return fail ? -1 : 0;
}

/* Two VAT numbers are the same registration when they agree but for
 * spaces, dots and case ("DE 129 273 398" is "de129273398"). */
static int same_vat(const char *a, const char *b) {
  for (;;) {
    while (*a == ' ' || *a == '.') a++;
    while (*b == ' ' || *b == '.') b++;
    if (toupper((unsigned char)*a) != toupper((unsigned char)*b)) return 0;
    if (*a == '\0') return 1;
    a++, b++;
  }
}

/* 1 when the database holds a sale of store `id`, 0 when not, -1. */
static int has_sales_of(sqlite3 *db, const char *id, pi_error *err) {
  sqlite3_stmt *q;
  if (report_prepare(db, "SELECT 1 FROM sales WHERE store = ?1 LIMIT 1", &q, err))
    return -1;
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  if (rc == SQLITE_ROW) return 1;
  return rc == SQLITE_DONE ? 0 : report_db_fail(db, err, "reading sales");
}

/* The filing declares the sales of one VAT registration under the identity
 * `id` (the manifest's, or the database's own).  Refuse to declare a
 * database's sales under another store's identity: a German manifest
 * against a Northern Irish store's database would otherwise file an empty
 * ZM (its sales are in pounds, to the wrong "other" countries) and say
 * nothing.  The database knows whose it is: the plugin writes the store's
 * id, country and VAT number into meta whenever it opens it, and each sale
 * names its store.  Several stores under one VAT registration may share a
 * database (meta then names the last one opened), so a store id other than
 * meta's is accepted when the database holds sales of it.  Returns 0 or -1
 * with err (code "store_mismatch"). */
int report_check_store(store *st, const report_identity *id, pi_error *err) {
  report_identity own;
  if (report_identity_load(st, &own, err)) return -1;
  const char *fix = "give the manifest of the store whose database this is, or "
                    "leave --manifest out to use the database's own identity";
  if (own.country[0] && strcmp(own.country, id->country) != 0)
    return pi_fail(err, PI_E_STORE_MISMATCH, "store_country",
                   "the manifest puts store \"%s\" in %s, but this database was "
                   "written by store \"%s\" in %s: %s",
                   id->store_id, id->country, own.store_id, own.country, fix);
  if (own.vat[0] && id->vat[0] && !same_vat(own.vat, id->vat))
    return pi_fail(err, PI_E_STORE_MISMATCH, "store_vat",
                   "the manifest gives store \"%s\" the VAT number %s, but this "
                   "database was written under %s: %s",
                   id->store_id, id->vat, own.vat, fix);
  if (own.store_id[0] && id->store_id[0] && strcmp(own.store_id, id->store_id) != 0) {
    int has = has_sales_of(store_db(st), id->store_id, err);
    if (has < 0) return -1;
    if (has == 0)
      return pi_fail(err, PI_E_STORE_MISMATCH, "store_id",
                     "the manifest is for store \"%s\", but this database was "
                     "written by store \"%s\" and holds no sale of \"%s\": %s",
                     id->store_id, own.store_id, id->store_id, fix);
  }
  return 0;
}

/* A listing with fixed columns (no report_row hook: the rows are the
 * filing's own), each row of the query one row of cells; the query's
 * first two columns are the customer's country and VAT number, which
 * eligible() judges against the store's home prefix. */
typedef struct listing {
  const char *sql;
  const char *const *columns;
  size_t ncolumns;
  void (*cells)(sqlite3_stmt *q, const report_out *out, cell *c);
  const char *reading; /* what a failed step was reading */
} listing;

static int write_listing(sqlite3 *db, sqlite3_stmt *q, const char *home,
                         const report_out *out, const listing *l, pi_error *err) {
  report_out plain = *out;
  plain.hooks = NULL; /* fixed columns, as for the filing */
  emitter e;
  if (emit_begin(&e, db, &plain, l->columns, l->ncolumns, err)) return -1;
  int rc, fail = 0;
  cell c[16];
  assert(l->ncolumns <= sizeof c / sizeof c[0]);
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (!eligible(q, home)) continue;
    l->cells(q, out, c);
    if (emit_row(&e, c, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, l->reading) != 0;
  if (!fail && emit_end(&e, err)) fail = 1;
  emit_free(&e);
  return fail ? -1 : 0;
}

/* Run listing `l` over period `p` (and store_id, NULL for all). */
static int run_listing(store *st, const report_period *p, const char *store_id,
                       const report_identity *id, const report_out *out,
                       const listing *l, pi_error *err) {
  char home[3];
  taxid_home_prefix(id->vat, id->country, home);
  if (home[0] == '\0')
    return pi_fail(err, PI_E_ECSL, "store_country",
                   "the store's country is unknown: give --manifest, or open "
                   "the database once with the plugin");
  sqlite3 *db = store_db(st);
  if (report_begin_read(db, err)) return -1;
  sqlite3_stmt *q;
  int rc = report_check_store(st, id, err);
  if (rc == 0) rc = report_prepare(db, l->sql, &q, err);
  if (rc == 0) {
    report_bind_range(q, p->from, p->to, store_id);
    rc = write_listing(db, q, home, out, l, err);
    sqlite3_finalize(q);
  }
  report_end_read(db);
  return rc;
}

static const char *const correction_columns[] = {
    "void_day", "country", "vat_number", "currency", "store", "terminal",
    "sale",     "sale_day", "lines",     "net"};

/* The first seven cells of both listings: the day (column 3), the
 * customer's country and VAT number without its prefix (0, 1), the
 * currency (2), and store, terminal and sale (4, 5, 6).  Returns the
 * currency's exponent for the amounts. */
static int customer_cells(sqlite3_stmt *q, const report_out *out, cell *c) {
  const char *country = report_col_text(q, 0);
  c[0] = cell_text(report_col_text(q, 3));
  c[1] = cell_text(country);
  c[2] = cell_id(without_prefix(report_col_text(q, 1), country));
  c[3] = cell_text(report_col_text(q, 2));
  c[4] = cell_id(report_col_text(q, 4));
  c[5] = cell_id(report_col_text(q, 5));
  c[6] = cell_id(report_col_text(q, 6));
  return report_exponent(out, report_col_text(q, 2));
}

static void correction_cells(sqlite3_stmt *q, const report_out *out, cell *c) {
  int ex = customer_cells(q, out, c);
  c[7] = cell_text(report_col_text(q, 7));
  c[8] = cell_int(sqlite3_column_int64(q, 8));
  c[9] = cell_amount(sqlite3_column_int64(q, 9), ex);
}

static const listing corrections = {corrections_sql, correction_columns, 10,
                                    correction_cells, "reading voids"};

int report_ecsl_corrections(store *st, const report_period *p, const char *store_id,
                            const report_identity *id, const report_out *out,
                            pi_error *err) {
  return run_listing(st, p, store_id, id, out, &corrections, err);
}

/* Every line behind the list, in the order of the list's customers, then
 * by the day each counts on, sale and line. */
static const char detail_sql[] =
    "SELECT country, vat, currency, day, store, sterm, sale, line, treatment, record,"
    " ret, net FROM (" REPORT_ECSL_ROWS ")"
    " ORDER BY country, vat, currency, day, sale, record, ret, line";

static const char *const detail_columns[] = {
    "day",  "country",   "vat_number", "currency", "store", "terminal",
    "sale", "line",      "treatment",  "record",   "return", "net"};

static void detail_cells(sqlite3_stmt *q, const report_out *out, cell *c) {
  int ex = customer_cells(q, out, c);
  c[7] = cell_id(report_col_text(q, 7));
  c[8] = cell_text(report_col_text(q, 8));
  c[9] = cell_text(report_col_text(q, 9));
  c[10] = sqlite3_column_type(q, 10) == SQLITE_NULL ? cell_null()
                                                    : cell_id(report_col_text(q, 10));
  c[11] = cell_amount(sqlite3_column_int64(q, 11), ex);
}

static const listing detail = {detail_sql, detail_columns, 12, detail_cells,
                               "reading sales"};

/* ---- sterling at the accountant's rates (--rates) -------------------------- */

/* The pence of one line of the list (a row of detail_sql): GBP as it is,
 * any other currency converted at the rate of the day the line counts on
 * (the sale's, the void's, the return's business day: HMRC's monthly rate
 * of the month of the tax point, VAT Notice 700 section 7).  *used gets
 * the rate (NULL for GBP).  A currency the file has no rate for on that
 * day fails, naming the currency, the day, the sale and the period. */
static int line_pence(sqlite3_stmt *q, const report_period *p, fx_rates *rates,
                      int64_t *pence, fx_rate **used, pi_error *err) {
  const char *cur = report_col_text(q, 2), *day = report_col_text(q, 3);
  int64_t net = sqlite3_column_int64(q, 11);
  *used = NULL;
  if (strcmp(cur, "GBP") == 0) {
    *pence = net;
    return 0;
  }
  int ex = money_exponent(cur);
  fx_rate *r = fx_rate_on(rates, cur, day);
  if (r == NULL || ex < 0)
    return pi_fail(err, PI_E_ECSL, "--rates",
                   "%s has no %s rate for %s (sale %s to %s), which the EC Sales List "
                   "of %s to %s needs: add HMRC's monthly rates for %.7s to the file",
                   rates->path, cur, day, report_col_text(q, 6), report_col_text(q, 1),
                   p->from, p->to, day);
  if (fx_to_pence(net, ex, r, pence, err)) return -1;
  r->used++;
  *used = r;
  return 0;
}

/* One customer of the sterling filing: every currency's lines converted
 * and added up in pence. */
typedef struct fx_customer {
  char country[3];
  char vat[SALE_NAME_MAX];
  int64_t pence;
} fx_customer;

/* The rates that converted something, on stderr (out->warn), so that the
 * accountant sees, and can keep with the filing, which were used. */
static void show_rates(const fx_rates *rates, const report_out *out) {
  for (size_t i = 0; i < rates->n; i++) {
    const fx_rate *r = &rates->r[i];
    if (r->used)
      report_warn(out,
                  "converted %zu %s line%s at %s %s per GBP 1 (%s to %s; %s line %zu)",
                  r->used, r->currency, r->used == 1 ? "" : "s", r->text, r->currency,
                  r->from, r->to, rates->path, r->line);
  }
}

/* The HMRC file with every line in sterling: the lines converted one by
 * one (fx_to_pence: to the penny, half away from zero), added up per
 * customer over every currency, then the pence dropped as for a GBP
 * list.  Everything is totalled before a byte is written. */
static int write_hmrc_fx(sqlite3 *db, sqlite3_stmt *q, const report_period *p,
                         const report_identity *id, const char *home, const char *vrn,
                         const char *branch, fx_rates *rates, const report_out *out,
                         pi_error *err) {
  fx_customer *c = NULL;
  size_t n = 0, cap = 0, lines = 0;
  int rc, fail = 0;
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (!eligible(q, home)) continue;
    const char *country = report_col_text(q, 0), *vat = report_col_text(q, 1);
    int64_t pence;
    fx_rate *used;
    if (line_pence(q, p, rates, &pence, &used, err)) {
      fail = 1;
      break;
    }
    if (n == 0 || strcmp(c[n - 1].country, country) != 0 || strcmp(c[n - 1].vat, vat) != 0) {
      if (strlen(country) >= sizeof c->country || strlen(vat) >= sizeof c->vat) {
        fail = pi_fail(err, PI_E_STORAGE, "database",
                       "a VAT number longer than a till records: %.40s", vat) != 0;
        break;
      }
      if (n == cap) {
        size_t ncap = cap ? cap * 2 : 64;
        fx_customer *g = realloc(c, ncap * sizeof *g);
        if (g == NULL) {
          fail = pi_fail(err, PI_E_NOMEM, "", "out of memory") != 0;
          break;
        }
        c = g, cap = ncap;
      }
      memset(&c[n], 0, sizeof c[n]);
      snprintf(c[n].country, sizeof c[n].country, "%s", country);
      snprintf(c[n].vat, sizeof c[n].vat, "%s", vat);
      n++;
    }
    if (money_add(&c[n - 1].pence, pence)) {
      fail = pi_fail(err, PI_E_OVERFLOW, "value", "the total for %s does not fit 64 bits",
                     vat) != 0;
      break;
    }
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading sales") != 0;
  for (size_t i = 0; !fail && i < n; i++) {
    int64_t pounds = report_hmrc_pounds(c[i].pence);
    if (pounds > 999999999 || pounds < -999999999)
      fail = pi_fail(err, PI_E_ECSL, "value",
                     "the total for %s does not fit the 9-digit value field", c[i].vat) != 0;
    else if (pounds != 0)
      lines++;
    else
      /* HMRC refuses a 0, as for a GBP list (esl_rounds_to_zero): left
       * out, never silently. */
      report_warn(out,
                  "esl_rounds_to_zero: %s: the converted total %lld pence is 0 in whole "
                  "pounds; HMRC refuses a 0 value, so the line is left out of the file: "
                  "review it and declare it by hand if it must be",
                  c[i].vat, (long long)c[i].pence);
  }
  if (!fail && lines == 0)
    fail = pi_fail(err, PI_E_ECSL_EMPTY, "period",
                   "no supply or credit to declare for %s to %s (or only values under one "
                   "pound, which HMRC refuses as 0): HMRC accepts no nil EC Sales List, so "
                   "no file is written",
                   p->from, p->to) != 0;
  if (!fail) {
    FILE *f = out->file;
    char contact[160];
    if (hmrc_contact(id->contact, contact, sizeof contact))
      report_warn(out, "the contact name \"%s\" is longer than the 35 characters "
                       "HMRC allows; the file gives \"%s\" (config.contact_name)",
                  id->contact, contact);
    fprintf(f, "HMRC_VAT_ESL_BULK_SUBMISSION_FILE\r\n%s,%s,%04d,%02d,GBP,%s,0\r\n", vrn,
            branch, p->year, p->month, contact);
    for (size_t i = 0; i < n; i++) {
      int64_t pounds = report_hmrc_pounds(c[i].pence);
      if (pounds != 0)
        fprintf(f, "%s,%s,%lld,0\r\n", c[i].country, without_prefix(c[i].vat, c[i].country),
                (long long)pounds);
    }
    if (fflush(f) != 0 || ferror(f)) fail = put_fail(err) != 0;
  }
  if (!fail) show_rates(rates, out);
  free(c);
  return fail ? -1 : 0;
}

static const char *const detail_fx_columns[] = {
    "day",  "country", "vat_number", "currency", "store",  "terminal", "sale",
    "line", "treatment", "record",   "return",   "net",    "gbp_rate", "net_gbp"};

/* --detail with --rates: each line also with the rate it was converted
 * at (empty for GBP) and its value in pence as the HMRC file adds it up. */
static int write_detail_fx(sqlite3 *db, sqlite3_stmt *q, const report_period *p,
                           const char *home, fx_rates *rates, const report_out *out,
                           pi_error *err) {
  report_out plain = *out;
  plain.hooks = NULL;
  emitter e;
  if (emit_begin(&e, db, &plain, detail_fx_columns, 14, err)) return -1;
  int rc, fail = 0;
  cell c[14];
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (!eligible(q, home)) continue;
    int64_t pence;
    fx_rate *used;
    if (line_pence(q, p, rates, &pence, &used, err)) {
      fail = 1;
      break;
    }
    detail_cells(q, out, c);
    c[12] = used ? (cell){CELL_NUMBER, used->text, 0, 0} : cell_null();
    c[13] = cell_amount(pence, 2);
    if (emit_row(&e, c, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading sales") != 0;
  if (!fail && emit_end(&e, err)) fail = 1;
  emit_free(&e);
  if (!fail) show_rates(rates, out);
  return fail ? -1 : 0;
}

int report_ecsl_detail(store *st, const report_period *p, const char *store_id,
                       const report_identity *id, const report_out *out, pi_error *err) {
  return report_ecsl_detail_fx(st, p, store_id, id, NULL, out, err);
}

int report_ecsl_detail_fx(store *st, const report_period *p, const char *store_id,
                          const report_identity *id, fx_rates *rates,
                          const report_out *out, pi_error *err) {
  if (rates == NULL) return run_listing(st, p, store_id, id, out, &detail, err);
  char home[3];
  taxid_home_prefix(id->vat, id->country, home);
  if (home[0] == '\0')
    return pi_fail(err, PI_E_ECSL, "store_country",
                   "the store's country is unknown: give --manifest, or open "
                   "the database once with the plugin");
  sqlite3 *db = store_db(st);
  if (report_begin_read(db, err)) return -1;
  sqlite3_stmt *q;
  int rc = report_check_store(st, id, err);
  if (rc == 0) rc = report_prepare(db, detail_sql, &q, err);
  if (rc == 0) {
    report_bind_range(q, p->from, p->to, store_id);
    rc = write_detail_fx(db, q, p, home, rates, out, err);
    sqlite3_finalize(q);
  }
  report_end_read(db);
  return rc;
}

int report_ec_sales_list(store *st, const report_period *p,
                         const char *store_id, const report_identity *id,
                         ecsl_format fmt, const report_out *out, pi_error *err) {
  return report_ec_sales_list_fx(st, p, store_id, id, fmt, NULL, out, err);
}

int report_ec_sales_list_fx(store *st, const report_period *p, const char *store_id,
                            const report_identity *id, ecsl_format fmt, fx_rates *rates,
                            const report_out *out, pi_error *err) {
  if (rates && fmt != ECSL_HMRC)
    return pi_fail(err, PI_E_USAGE, "--rates",
                   "--rates converts to sterling for --format hmrc (and --detail); "
                   "the %s list is declared as recorded",
                   fmt == ECSL_ZM ? "zm" : "csv");
  if (fmt != ECSL_CSV && (out->csv.dialect != CSV_RFC4180 || out->csv.bom))
    return pi_fail(err, PI_E_USAGE, "--csv-dialect",
                   "--format %s is the authority's layout, byte for byte; "
                   "--csv-dialect and --bom apply to --format csv",
                   fmt == ECSL_HMRC ? "hmrc" : "zm");
  char home[3], vrn[10] = "", branch[4] = "000";
  taxid_home_prefix(id->vat, id->country, home);
  if (check_identity(fmt, id, home, vrn, branch, err)) return -1;
  sqlite3 *db = store_db(st);
  if (report_begin_read(db, err)) return -1;
  sqlite3_stmt *q;
  int rc = report_check_store(st, id, err);
  /* What needs review before this list is filed (check.h), as warnings:
   * the period's sales and its list. */
  check_scope cs = {p->from, p->to, store_id, id, p, fmt, rates != NULL};
  if (rc == 0) rc = check_warn(st, &cs, CHECK_SALE_RULES | CHECK_ESL_RULES, out, err);
  if (rc == 0) rc = report_prepare(db, rates ? detail_sql : ecsl_sql, &q, err);
  if (rc == 0) {
    report_bind_range(q, p->from, p->to, store_id);
    if (rates)
      rc = write_hmrc_fx(db, q, p, id, home, vrn, branch, rates, out, err);
    else if (fmt == ECSL_CSV)
      rc = write_csv(db, q, home, out, err);
    else if ((rc = first_pass(db, q, p, fmt, home, err)) == 0)
      rc = write_filing(db, q, p, id, fmt, home, vrn, branch, out, err);
    sqlite3_finalize(q);
  }
  report_end_read(db);
  return rc;
}
