/* SPDX-License-Identifier: MIT */
/* test_report.c - reports and exports (report.h, csvout.h).
 *
 * The databases are filled through the recording path the till uses
 * (taxid verdicts, decide(), store_record_sale / store_record_void), and
 * every expected figure is computed here, in C, from the sales that were
 * fed in: the tests never re-run the reports' SQL.  The EC Sales List
 * files are compared byte for byte with tests/expected/, written by hand
 * from HMRC's and ELSTER's published formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "report/csvout.h"
#include "report/fxrates.h"
#include "decision/decide.h"
#include "script/hooks.h"
#include "config/manifest.h"
#include "posplug.h"
#include "report/report.h"
#include "store/store.h"
#include "taxid/taxid.h"
#include "base/utf8.h"
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------- */

static void tempdir(char *buf, size_t cap) {
  const char *tmp = getenv("TMPDIR");
  snprintf(buf, cap, "%s/posintent-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  assert_non_null(mkdtemp(buf));
}

static void rmtree(const char *path) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  assert_int_equal(system(cmd), 0);
}

/* An in-memory output stream and what was written to it. */
typedef struct membuf {
  char *text;
  size_t len;
  FILE *f;
} membuf;

static void mb_open(membuf *m) {
  m->text = NULL;
  m->len = 0;
  m->f = open_memstream(&m->text, &m->len);
  assert_non_null(m->f);
}

static void mb_close(membuf *m) {
  assert_int_equal(fclose(m->f), 0);
  m->f = NULL;
}

static void mb_free(membuf *m) {
  free(m->text);
  m->text = NULL;
}

/* Warnings a report sends, collected for assertions. */
typedef struct warnings {
  char text[2048];
  int n;
} warnings;

static void collect_warning(void *ctx, const char *msg) {
  warnings *w = ctx;
  w->n++;
  size_t used = strlen(w->text);
  snprintf(w->text + used, sizeof w->text - used, "%s\n", msg);
}

static report_out out_to(membuf *m, sink_format fmt, warnings *w) {
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = m->f;
  o.format = fmt;
  o.warn = w ? collect_warning : NULL;
  o.warn_ctx = w;
  o.label = "test";
  return o;
}

/* A minimal RFC 4180 reader for checking what the reports write: fields
 * split on commas, quoted fields with doubled quotes, records ended by
 * CRLF (a bare LF outside quotes fails the test). */
#define CSV_ROWS 200
#define CSV_COLS 64
typedef struct csv {
  size_t nrows;
  size_t ncols[CSV_ROWS];
  char *cell[CSV_ROWS][CSV_COLS];
} csv;

static void csv_parse(const char *t, csv *c) {
  memset(c, 0, sizeof *c);
  size_t n = strlen(t), i = 0;
  while (i < n) {
    assert_true(c->nrows < CSV_ROWS);
    size_t r = c->nrows++;
    for (;;) {
      assert_true(c->ncols[r] < CSV_COLS);
      char *f = malloc(n + 1);
      assert_non_null(f);
      size_t o = 0;
      if (t[i] == '"') {
        for (i++;; i++) {
          assert_true(i < n);
          if (t[i] == '"') {
            if (t[i + 1] == '"') {
              f[o++] = '"';
              i++;
            } else {
              i++;
              break;
            }
          } else {
            f[o++] = t[i];
          }
        }
      } else {
        while (i < n && t[i] != ',' && t[i] != '\r' && t[i] != '\n') f[o++] = t[i++];
      }
      f[o] = '\0';
      c->cell[r][c->ncols[r]++] = f;
      if (i < n && t[i] == ',') {
        i++;
        continue;
      }
      assert_true(i + 1 < n + 1 && t[i] == '\r' && t[i + 1] == '\n');
      i += 2;
      break;
    }
  }
}

static void csv_free(csv *c) {
  for (size_t r = 0; r < c->nrows; r++)
    for (size_t k = 0; k < c->ncols[r]; k++) free(c->cell[r][k]);
}

/* Index of a column in the header row, failing the test when absent. */
static size_t col(const csv *c, const char *name) {
  for (size_t k = 0; k < c->ncols[0]; k++)
    if (strcmp(c->cell[0][k], name) == 0) return k;
  fail_msg("no column %s", name);
  return 0;
}

/* ---- the test's own view of money (independent of money.c) ---------------- */

static int exponent_of(const char *currency) {
  if (strcmp(currency, "JPY") == 0) return 0;
  if (strcmp(currency, "BHD") == 0) return 3;
  return 2; /* EUR, GBP, USD */
}

static void amount(int64_t minor, const char *currency, char *buf, size_t cap) {
  int e = exponent_of(currency);
  int64_t p = e == 0 ? 1 : e == 2 ? 100 : 1000;
  int64_t mag = minor < 0 ? -minor : minor;
  if (e == 0)
    snprintf(buf, cap, "%s%lld", minor < 0 ? "-" : "", (long long)mag);
  else
    snprintf(buf, cap, "%s%lld.%0*lld", minor < 0 ? "-" : "", (long long)(mag / p), e,
             (long long)(mag % p));
}

/* ---- feeding sales through the recording path ----------------------------- */

enum { KEEP = 0, VOID_AFTER = 1, VOID_OPEN = 2 };

typedef struct tline {
  purpose p;           /* PURPOSE_NONE: the sale's purpose */
  int64_t net, tax;
  const char *recipient;
  int gift_receipt;
} tline;

typedef struct tsale {
  const char *store, *id, *day, *currency;
  purpose p;
  const char *customer; /* NULL: anonymous */
  const char *vat;      /* evidence as typed, or NULL */
  int voided;
  const char *recipient; /* a whole-sale gift tag */
  int gift_receipt;
  const char *meta;
  tline l[4];
} tsale;

static size_t nlines(const tsale *t) {
  size_t n = 0;
  while (n < 4 && (t->l[n].net || t->l[n].tax)) n++;
  return n;
}

static void config(plugin_config *cfg, const char *store_id, const char *country,
                   const char *currency) {
  manifest_default_config(cfg);
  snprintf(cfg->store_id, sizeof cfg->store_id, "%s", store_id);
  snprintf(cfg->store_country, sizeof cfg->store_country, "%s", country);
  snprintf(cfg->currency, sizeof cfg->currency, "%s", currency);
  cfg->resale = RESALE_WARN;
  cfg->durability = DURABILITY_NORMAL;
}

static void record(store *st, const plugin_config *cfg, const tsale *t) {
  sale s;
  sale_init(&s);
  pi_error err;
  pi_error_clear(&err);
  snprintf(s.store, sizeof s.store, "%s", t->store);
  snprintf(s.terminal, sizeof s.terminal, "T1");
  snprintf(s.id, sizeof s.id, "%s", t->id);
  snprintf(s.cashier, sizeof s.cashier, "c1");
  snprintf(s.at, sizeof s.at, "%sT10:00:00+01:00", t->day);
  snprintf(s.currency, sizeof s.currency, "%s", t->currency);
  s.purpose = t->p;
  if (t->recipient) {
    s.gift.tagged = 1;
    s.gift.gift_receipt = t->gift_receipt;
    snprintf(s.gift.recipient_name, sizeof s.gift.recipient_name, "%s", t->recipient);
  }
  for (size_t i = 0; i < nlines(t); i++) {
    sale_line l;
    memset(&l, 0, sizeof l);
    snprintf(l.line, sizeof l.line, "L%zu", i + 1);
    snprintf(l.sku, sizeof l.sku, "SKU%zu", i + 1);
    snprintf(l.name, sizeof l.name, "Item %zu", i + 1);
    l.qty_milli = 1000;
    l.unit_price = t->l[i].net;
    l.net = t->l[i].net;
    l.tax = t->l[i].tax;
    assert_int_equal(sale_put_line(&s, &l, &err), 0);
    sale_line *put = &s.lines[s.nlines - 1];
    put->purpose = t->l[i].p;
    if (t->l[i].recipient) {
      put->gift.tagged = 1;
      put->gift.gift_receipt = t->l[i].gift_receipt;
      snprintf(put->gift.recipient_name, sizeof put->gift.recipient_name, "%s",
               t->l[i].recipient);
    }
  }
  if (t->customer || t->vat) {
    s.customer.present = 1;
    snprintf(s.customer.name, sizeof s.customer.name, "%s", t->customer ? t->customer : "");
    snprintf(s.customer.id, sizeof s.customer.id, "id-%s", t->customer ? t->customer : "");
    if (t->vat) {
      evidence *e = &s.customer.ev[0];
      e->kind = TAXID_VAT;
      snprintf(e->input, sizeof e->input, "%s", t->vat);
      taxid_check_vat(t->vat, strlen(t->vat), NULL, &e->verdict);
      s.customer.nev = 1;
    }
  }
  decision d;
  decide(&s, cfg, &d);
  int64_t net = 0, tax = 0;
  sale_totals(&s, &net, &tax);
  store_rec rc;
  if (t->voided == VOID_OPEN) {
    rc = store_record_void(st, &s, (purpose)cfg->default_purpose, s.store, s.terminal,
                           s.id, "left", s.at, "{}", &err);
  } else {
    rc = store_record_sale(st, &s, &d, (purpose)cfg->default_purpose, net + tax,
                           "[{\"type\":\"cash\"}]", t->meta, s.at, "{}", &err);
    if (rc == STORE_REC_DONE && t->voided == VOID_AFTER)
      rc = store_record_void(st, NULL, (purpose)cfg->default_purpose, s.store,
                             s.terminal, s.id, "refund", s.at, "{}", &err);
  }
  if (rc != STORE_REC_DONE) fail_msg("recording %s: %s", t->id, err.message);
  sale_free(&s);
}

typedef struct db {
  char dir[512];
  char path[600];
  store *st; /* read-only, for the reports */
} db;

static void build(db *d, const plugin_config *cfg, const tsale *sales, size_t n) {
  tempdir(d->dir, sizeof d->dir);
  snprintf(d->path, sizeof d->path, "%s/pos.db", d->dir);
  store *w;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(d->path, STORE_READWRITE, cfg, &w, &err)) fail_msg("%s", err.message);
  for (size_t i = 0; i < n; i++) record(w, cfg, &sales[i]);
  store_close(w);
  if (store_open(d->path, STORE_READONLY, NULL, &d->st, &err)) fail_msg("%s", err.message);
}

static void destroy(db *d) {
  store_close(d->st);
  rmtree(d->dir);
}

/* ---- the main data set ---------------------------------------------------- */

#define P_OWN PURPOSE_OWN_USE
#define P_GIFT PURPOSE_GIFT
#define P_RESALE PURPOSE_RESALE

/* A Berlin store (DE).  Huber KG buys in two currencies; one basket is for
 * own use with one line for resale and one gift; two sales are voided
 * (after and before completion); one is before the range, one in another
 * store; one reseller's VAT number fails its check digit and its name
 * starts with "=", one gives no number at all; JPY and BHD sales. */
static const tsale main_sales[] = {
    {"berlin", "S01", "2024-01-10", "EUR", P_RESALE, "Huber KG", "ATU13585627", KEEP,
     NULL, 0, NULL, {{0, 10000, 0, NULL, 0}, {0, 2550, 0, NULL, 0}}},
    {"berlin", "S02", "2024-02-11", "GBP", P_RESALE, "Huber KG", "ATU13585627", KEEP,
     NULL, 0, NULL, {{0, 5000, 1000, NULL, 0}}},
    {"berlin", "S03", "2024-03-12", "EUR", P_OWN, "Huber KG", "ATU13585627", KEEP, NULL,
     0, NULL,
     {{0, 999, 190, NULL, 0}, {P_RESALE, 4000, 0, NULL, 0}, {P_GIFT, 1500, 285, "Oma", 1}}},
    {"berlin", "S04", "2024-03-13", "EUR", P_RESALE, "Huber KG", "ATU13585627",
     VOID_AFTER, NULL, 0, NULL, {{0, 77700, 0, NULL, 0}}},
    {"berlin", "S05", "2024-03-14", "EUR", P_RESALE, "Huber KG", "ATU13585627",
     VOID_OPEN, NULL, 0, NULL, {{0, 88800, 0, NULL, 0}}},
    {"berlin", "S06", "2023-12-31", "EUR", P_RESALE, "Huber KG", "ATU13585627", KEEP,
     NULL, 0, NULL, {{0, 12300, 0, NULL, 0}}},
    {"hamburg", "S07", "2024-04-01", "EUR", P_RESALE, "Huber KG (HH)", "ATU13585627",
     KEEP, NULL, 0, NULL, {{0, 100, 19, NULL, 0}}},
    {"berlin", "S08", "2024-05-05", "EUR", P_RESALE, "=cmd|' /C calc'!A0", "DE136695977",
     KEEP, NULL, 0, NULL, {{0, 2000, 380, NULL, 0}, {0, 3000, 570, NULL, 0}}},
    {"berlin", "S09", "2024-05-06", "EUR", P_RESALE, "Walk-in Trader", NULL, KEEP, NULL,
     0, NULL, {{0, 1234, 234, NULL, 0}}},
    {"berlin", "S10", "2024-06-07", "JPY", P_RESALE, "Sakura Shoji", "NL004495445B01",
     KEEP, NULL, 0, NULL, {{0, 1500, 150, NULL, 0}, {0, 3000, 300, NULL, 0}}},
    {"berlin", "S11", "2024-07-08", "BHD", P_RESALE, "Gulf Traders", "FI20774740", KEEP,
     NULL, 0, NULL, {{0, 12345, 1234, NULL, 0}}},
    {"berlin", "S12", "2024-08-09", "EUR", P_OWN, NULL, NULL, KEEP, NULL, 0,
     "{\"loyalty\":\"gold\",\"points\":12}", {{0, 5000, 950, NULL, 0}}},
    {"berlin", "S13", "2024-08-10", "EUR", P_GIFT, "Anna", NULL, KEEP, "Ben", 0, NULL,
     {{0, 2500, 475, NULL, 0}}},
    {"berlin", "S14", "2024-12-31", "EUR", P_RESALE, "Huber KG", "ATU13585627", KEEP,
     NULL, 0, NULL, {{0, 1, 0, NULL, 0}}},
    {"berlin", "S15", "2024-09-02", "EUR", P_RESALE, "Kiosk Berlin", "DE136695976", KEEP,
     NULL, 0, NULL, {{0, 4242, 806, NULL, 0}}},
};
#define NMAIN (sizeof main_sales / sizeof main_sales[0])

/* What the tax office matches, written by hand for each number above. */
typedef struct ident {
  const char *input, *compact, *country, *verdict;
} ident;
static const ident idents[] = {
    {"ATU13585627", "ATU13585627", "AT", "valid"},
    {"DE136695977", "DE136695977", "DE", "invalid:bad_check_digit"},
    {"NL004495445B01", "NL004495445B01", "NL", "valid"},
    {"FI20774740", "FI20774740", "FI", "valid"},
    {"DE136695976", "DE136695976", "DE", "valid"},
};

static const ident *ident_of(const char *input) {
  for (size_t i = 0; i < sizeof idents / sizeof idents[0]; i++)
    if (strcmp(idents[i].input, input) == 0) return &idents[i];
  fail_msg("no identity for %s", input);
  return NULL;
}

static purpose line_purpose(const tsale *t, size_t i) {
  if (t->l[i].p != PURPOSE_NONE) return t->l[i].p;
  return t->p != PURPOSE_NONE ? t->p : PURPOSE_OWN_USE;
}

static int counted(const tsale *t, const char *from, const char *to, const char *store_id) {
  return t->voided == KEEP && strcmp(t->day, from) >= 0 && strcmp(t->day, to) <= 0 &&
         (store_id == NULL || strcmp(t->store, store_id) == 0);
}

/* One expected reseller row, accumulated from the fed sales. */
typedef struct exp_row {
  char id[48], kind[8], verdict[48], name[160], country[4], currency[4], store[16];
  long sales, lines;
  int64_t net, tax;
  char first[11], last[11];
} exp_row;

static size_t expected_resellers(const char *from, const char *to, const char *store_id,
                                 exp_row *rows, size_t cap) {
  size_t n = 0;
  for (size_t k = 0; k < NMAIN; k++) {
    const tsale *t = &main_sales[k];
    if (!counted(t, from, to, store_id)) continue;
    const ident *id = t->vat ? ident_of(t->vat) : NULL;
    long lines = 0;
    int64_t net = 0, tax = 0;
    for (size_t i = 0; i < nlines(t); i++)
      if (line_purpose(t, i) == PURPOSE_RESALE) {
        lines++;
        net += t->l[i].net;
        tax += t->l[i].tax;
      }
    if (lines == 0) continue;
    exp_row key;
    memset(&key, 0, sizeof key);
    snprintf(key.id, sizeof key.id, "%s", id ? id->compact : "");
    snprintf(key.kind, sizeof key.kind, "%s", id ? "vat" : "");
    snprintf(key.verdict, sizeof key.verdict, "%s", id ? id->verdict : "missing");
    snprintf(key.country, sizeof key.country, "%s", id ? id->country : "");
    snprintf(key.currency, sizeof key.currency, "%s", t->currency);
    snprintf(key.store, sizeof key.store, "%s", t->store);
    exp_row *r = NULL;
    for (size_t i = 0; i < n; i++)
      if (strcmp(rows[i].id, key.id) == 0 && strcmp(rows[i].currency, key.currency) == 0 &&
          strcmp(rows[i].store, key.store) == 0 &&
          strcmp(rows[i].verdict, key.verdict) == 0 &&
          (id || strcmp(rows[i].name, t->customer) == 0))
        r = &rows[i];
    if (r == NULL) {
      assert_true(n < cap);
      r = &rows[n++];
      *r = key;
      snprintf(r->first, sizeof r->first, "%s", t->day);
    }
    r->sales++;
    r->lines += lines;
    r->net += net;
    r->tax += tax;
    if (strcmp(t->day, r->first) < 0) snprintf(r->first, sizeof r->first, "%s", t->day);
    if (strcmp(t->day, r->last) >= 0) {
      snprintf(r->last, sizeof r->last, "%s", t->day);
      snprintf(r->name, sizeof r->name, "%s", t->customer ? t->customer : "");
    }
  }
  return n;
}

/* The CSV report must hold exactly the expected rows (any order). */
static void check_reseller_csv(const char *text, const exp_row *rows, size_t n) {
  csv c;
  csv_parse(text, &c);
  static const char *const header[] = {"identifier", "kind",  "verdict", "name",
                                       "country",    "currency", "store", "sales",
                                       "lines",      "net",   "tax",     "first_sale",
                                       "last_sale",  "returned_net", "returned_tax",
                                       "verification", "consultation"};
  assert_int_equal(c.ncols[0], 17);
  for (size_t k = 0; k < 17; k++) assert_string_equal(c.cell[0][k], header[k]);
  assert_int_equal(c.nrows - 1, n);
  for (size_t i = 0; i < n; i++) {
    const exp_row *e = &rows[i];
    size_t found = 0;
    for (size_t r = 1; r < c.nrows; r++) {
      char **f = c.cell[r];
      const char *name = f[3][0] == '\'' ? f[3] + 1 : f[3]; /* neutralised */
      if (strcmp(f[0], e->id) || strcmp(f[5], e->currency) || strcmp(f[2], e->verdict) ||
          strcmp(f[6], e->store))
        continue;
      if (e->id[0] == '\0' && strcmp(name, e->name) != 0) continue;
      found = r;
    }
    if (!found)
      fail_msg("no row for %s %s %s %s", e->id, e->currency, e->verdict, e->store);
    char **f = c.cell[found];
    char buf[64];
    assert_string_equal(f[1], e->kind);
    assert_string_equal(f[3][0] == '\'' ? f[3] + 1 : f[3], e->name);
    assert_string_equal(f[4], e->country);
    snprintf(buf, sizeof buf, "%ld", e->sales);
    assert_string_equal(f[7], buf);
    snprintf(buf, sizeof buf, "%ld", e->lines);
    assert_string_equal(f[8], buf);
    amount(e->net, e->currency, buf, sizeof buf);
    assert_string_equal(f[9], buf);
    amount(e->tax, e->currency, buf, sizeof buf);
    assert_string_equal(f[10], buf);
    assert_string_equal(f[11], e->first);
    assert_string_equal(f[12], e->last);
  }
  csv_free(&c);
}

static int setup_main(void **state) {
  static db d;
  plugin_config cfg;
  config(&cfg, "berlin", "DE", "EUR");
  build(&d, &cfg, main_sales, NMAIN);
  *state = &d;
  return 0;
}

static int teardown_db(void **state) {
  destroy(*state);
  return 0;
}

static void run_resellers(db *d, const report_query *q, sink_format fmt, membuf *m) {
  mb_open(m);
  report_out o = out_to(m, fmt, NULL);
  pi_error err;
  pi_error_clear(&err);
  int rc = report_resellers(d->st, q, &o, &err);
  mb_close(m);
  if (rc) fail_msg("report_resellers: %s", err.message);
}

/* ---- reseller report ------------------------------------------------------ */

static void resellers_match_fed_sales(void **state) {
  db *d = *state;
  report_query q = {"2024-01-01", "2024-12-31", NULL, 0, REPORT_BY_NONE};
  membuf m;
  run_resellers(d, &q, SINK_CSV, &m);
  exp_row rows[32];
  size_t n = expected_resellers(q.from, q.to, NULL, rows, 32);
  assert_int_equal(n, 8);
  check_reseller_csv(m.text, rows, n);
  /* Spot checks written out by hand, in case both sides share a mistake. */
  /* Huber KG bought in Berlin and in Hamburg: one row per store, so that
   * a report_row hook's per-store column is right (issue 17.7). */
  assert_non_null(strstr(m.text, "ATU13585627,vat,valid,Huber KG,AT,EUR,berlin,3,4,165.51,"
                                 "0.00,2024-01-10,2024-12-31,0.00,0.00,unverified,\r\n"));
  assert_non_null(strstr(m.text, "ATU13585627,vat,valid,Huber KG (HH),AT,EUR,hamburg,1,1,"
                                 "1.00,0.19,2024-04-01,2024-04-01,0.00,0.00,unverified,\r\n"));
  assert_non_null(strstr(m.text, "ATU13585627,vat,valid,Huber KG,AT,GBP,berlin,1,1,50.00,10.00,"
                                 "2024-02-11,2024-02-11,0.00,0.00,unverified,\r\n"));
  assert_non_null(strstr(m.text, "NL004495445B01,vat,valid,Sakura Shoji,NL,JPY,berlin,1,2,4500,"
                                 "450,"));
  assert_non_null(strstr(m.text, "FI20774740,vat,valid,Gulf Traders,FI,BHD,berlin,1,1,12.345,"
                                 "1.234,"));
  /* Invalid evidence is listed, flagged, and its name cannot run as a
   * formula in a spreadsheet. */
  assert_non_null(strstr(m.text, "DE136695977,vat,invalid:bad_check_digit,"
                                 "\"'=cmd|' /C calc'!A0\",DE,EUR,berlin,1,2,50.00,9.50,"));
  assert_non_null(strstr(m.text, ",,missing,Walk-in Trader,,EUR,berlin,1,1,12.34,2.34,"));
  mb_free(&m);
}

static void resellers_filter_store_and_range(void **state) {
  db *d = *state;
  const char *ranges[][2] = {{"2024-01-01", "2024-12-31"}, {"2023-12-31", "2024-03-31"},
                             {"2024-04-01", "2024-04-01"}, {"2024-12-31", "2024-12-31"}};
  const char *stores[] = {NULL, "berlin", "hamburg", "nowhere"};
  for (size_t r = 0; r < 4; r++)
    for (size_t s = 0; s < 4; s++) {
      report_query q = {ranges[r][0], ranges[r][1], stores[s], 0, REPORT_BY_NONE};
      membuf m;
      run_resellers(d, &q, SINK_CSV, &m);
      exp_row rows[32];
      size_t n = expected_resellers(q.from, q.to, q.store_id, rows, 32);
      check_reseller_csv(m.text, rows, n);
      mb_free(&m);
    }
}

static void resellers_detail_one_row_per_resale_line(void **state) {
  db *d = *state;
  report_query q = {"2024-01-01", "2024-12-31", NULL, 1, REPORT_BY_NONE};
  membuf m;
  run_resellers(d, &q, SINK_CSV, &m);
  csv c;
  csv_parse(m.text, &c);
  assert_int_equal(c.ncols[0], 19);
  /* Each line names its tax treatment, to follow it back (issue 18.5). */
  size_t kt = col(&c, "treatment");
  for (size_t r = 1; r < c.nrows; r++)
    assert_true(strcmp(c.cell[r][kt], "standard") == 0 ||
                strcmp(c.cell[r][kt], "exempt_resale") == 0 ||
                strcmp(c.cell[r][kt], "reverse_charge") == 0);
  long want = 0;
  int64_t net_eur = 0;
  for (size_t k = 0; k < NMAIN; k++) {
    const tsale *t = &main_sales[k];
    if (!counted(t, q.from, q.to, NULL)) continue;
    for (size_t i = 0; i < nlines(t); i++)
      if (line_purpose(t, i) == PURPOSE_RESALE) {
        want++;
        if (strcmp(t->currency, "EUR") == 0) net_eur += t->l[i].net;
      }
  }
  assert_int_equal(c.nrows - 1, want);
  /* Sum the EUR lines back from the text, in cents. */
  size_t kc = col(&c, "currency"), kn = col(&c, "net"), ks = col(&c, "sale"),
         kl = col(&c, "line");
  int64_t got = 0;
  for (size_t r = 1; r < c.nrows; r++) {
    if (strcmp(c.cell[r][kc], "EUR") != 0) continue;
    long long units = 0, cents = 0;
    assert_int_equal(sscanf(c.cell[r][kn], "%lld.%lld", &units, &cents), 2);
    got += units * 100 + cents;
  }
  assert_int_equal(got, net_eur);
  /* The mixed basket contributes its resale line only: line L2 of S03. */
  int s03 = 0;
  for (size_t r = 1; r < c.nrows; r++)
    if (strcmp(c.cell[r][ks], "S03") == 0) {
      s03++;
      assert_string_equal(c.cell[r][kl], "L2");
    }
  assert_int_equal(s03, 1);
  csv_free(&c);
  mb_free(&m);
}

static void resellers_json_and_table(void **state) {
  db *d = *state;
  report_query q = {"2024-01-01", "2024-12-31", NULL, 0, REPORT_BY_NONE};
  membuf m;
  run_resellers(d, &q, SINK_JSON, &m);
  cJSON *a = cJSON_Parse(m.text);
  assert_non_null(a);
  assert_int_equal(cJSON_GetArraySize(a), 8);
  int seen = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, a) {
    if (strcmp(cJSON_GetObjectItem(r, "currency")->valuestring, "BHD") != 0) continue;
    seen = 1;
    /* JSON keeps the raw name (no spreadsheet here) and exact numbers. */
    assert_string_equal(cJSON_GetObjectItem(r, "identifier")->valuestring, "FI20774740");
    assert_true(cJSON_GetObjectItem(r, "net")->valuedouble == 12.345);
    assert_true(cJSON_GetObjectItem(r, "sales")->valuedouble == 1);
  }
  assert_true(seen);
  assert_non_null(strstr(m.text, "\"name\":\"=cmd|' /C calc'!A0\""));
  assert_non_null(strstr(m.text, "\"net\":12.345,"));
  cJSON_Delete(a);
  mb_free(&m);

  run_resellers(d, &q, SINK_TABLE, &m);
  assert_true(strncmp(m.text, "identifier", 10) == 0);
  assert_non_null(strstr(m.text, "\n----------"));
  size_t lines = 0;
  for (const char *p = m.text; *p; p++) lines += *p == '\n';
  /* header, rule, 8 rows, rule, a total per currency (EUR GBP JPY BHD) */
  assert_int_equal(lines, 2 + 8 + 1 + 4);
  mb_free(&m);
}

static void resellers_empty_report(void **state) {
  db *d = *state;
  report_query q = {"2030-01-01", "2030-12-31", NULL, 0, REPORT_BY_NONE};
  membuf m;
  run_resellers(d, &q, SINK_CSV, &m);
  assert_string_equal(m.text, "identifier,kind,verdict,name,country,currency,store,sales,"
                              "lines,net,tax,first_sale,last_sale,returned_net,"
                              "returned_tax,verification,consultation\r\n");
  mb_free(&m);
  run_resellers(d, &q, SINK_JSON, &m);
  assert_string_equal(m.text, "[]\n");
  mb_free(&m);
}

static void resellers_refuse_bad_queries(void **state) {
  db *d = *state;
  const report_query bad[] = {
      {"2024-12-31", "2024-01-01", NULL, 0, REPORT_BY_NONE},
      {"2024-02-30", NULL, NULL, 0, REPORT_BY_NONE},
      {NULL, "2024-1-1", NULL, 0, REPORT_BY_NONE},
      {"yesterday", NULL, NULL, 0, REPORT_BY_NONE},
  };
  const char *fields[] = {"--from", "--from", "--to", "--from"};
  for (size_t i = 0; i < 4; i++) {
    membuf m;
    mb_open(&m);
    report_out o = out_to(&m, SINK_CSV, NULL);
    pi_error err;
    pi_error_clear(&err);
    assert_int_equal(report_resellers(d->st, &bad[i], &o, &err), -1);
    assert_string_equal(err.code, "usage");
    assert_string_equal(err.field, fields[i]);
    mb_close(&m);
    assert_int_equal(m.len, 0); /* nothing written */
    mb_free(&m);
  }
}

/* ---- through the engine -------------------------------------------------- */

/* The whole path: host events into the engine (tests/data/test.manifest: a
 * DE store, EUR, resale evidence policy "warn"), then the reports. */
static void send(engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send(engine *e, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  cJSON_Delete(tu_ok(e, "%s", buf));
}

static void begin_sale(engine *e, const char *id, const char *day) {
  send(e, "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\",\"terminal\":\"T1\","
          "\"cashier\":\"c\",\"at\":\"%sT10:00:00+01:00\"}",
       id, day);
}

static void add_line(engine *e, const char *sale_id, const char *line, int net, int tax) {
  send(e, "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"%s\",\"sku\":\"X\","
          "\"name\":\"Item\",\"qty\":1,\"unit_price\":%d,\"net\":%d,\"tax\":%d}",
       sale_id, line, net + tax, net, tax);
}

static void through_the_engine(void **state) {
  (void)state;
  char dir[512], path[600];
  tu_tempdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/e.db", dir);
  engine *e = tu_engine(path, "\"policy\":{\"resale_evidence\":\"warn\"}");
  /* E1: a French reseller, two resale lines (reverse charge). */
  begin_sale(e, "E1", "2024-03-04");
  add_line(e, "E1", "L1", 10050, 0);
  add_line(e, "E1", "L2", 4950, 0);
  send(e, "{\"type\":\"sale.customer\",\"sale\":\"E1\",\"customer\":{\"name\":\"Dupont\","
          "\"org\":true,\"vat\":\"FR 40 303 265 045\"}}");
  send(e, "{\"type\":\"sale.tag\",\"sale\":\"E1\",\"purpose\":\"resale\"}");
  send(e, "{\"type\":\"sale.complete\",\"sale\":\"E1\",\"total\":15000}");
  /* E2: own use, one line for resale to the same buyer. */
  begin_sale(e, "E2", "2024-03-05");
  add_line(e, "E2", "L1", 2000, 380);
  add_line(e, "E2", "L2", 1000, 0);
  send(e, "{\"type\":\"sale.customer\",\"sale\":\"E2\",\"customer\":{\"name\":\"Dupont\","
          "\"vat\":\"FR40303265045\"}}");
  send(e, "{\"type\":\"sale.tag\",\"sale\":\"E2\",\"purpose\":\"own_use\"}");
  send(e, "{\"type\":\"sale.tag\",\"sale\":\"E2\",\"line\":\"L2\",\"purpose\":\"resale\"}");
  send(e, "{\"type\":\"sale.complete\",\"sale\":\"E2\",\"total\":3380}");
  /* E3: resale without evidence (warn policy), E4: voided afterwards, today,
   * long after its business day. */
  begin_sale(e, "E3", "2024-03-06");
  add_line(e, "E3", "L1", 700, 133);
  send(e, "{\"type\":\"sale.tag\",\"sale\":\"E3\",\"purpose\":\"resale\"}");
  send(e, "{\"type\":\"sale.complete\",\"sale\":\"E3\",\"total\":833}");
  begin_sale(e, "E4", "2024-03-07");
  add_line(e, "E4", "L1", 99900, 0);
  send(e, "{\"type\":\"sale.customer\",\"sale\":\"E4\",\"customer\":{\"name\":\"Dupont\","
          "\"vat\":\"FR40303265045\"}}");
  send(e, "{\"type\":\"sale.tag\",\"sale\":\"E4\",\"purpose\":\"resale\"}");
  send(e, "{\"type\":\"sale.complete\",\"sale\":\"E4\",\"total\":99900}");
  send(e, "{\"type\":\"sale.void\",\"sale\":\"E4\",\"reason\":\"refund\"}");
  engine_close(e);

  store *st;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(path, STORE_READONLY, NULL, &st, &err)) fail_msg("%s", err.message);
  report_query q = {"2024-03-01", "2024-03-31", NULL, 0, REPORT_BY_NONE};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  assert_int_equal(report_resellers(st, &q, &o, &err), 0);
  mb_close(&m);
  assert_string_equal(m.text,
                      "identifier,kind,verdict,name,country,currency,store,sales,lines,net,"
                      "tax,first_sale,last_sale,returned_net,returned_tax,verification,"
                      "consultation\r\n"
                      ",,missing,,,EUR,shop-1,1,1,7.00,1.33,2024-03-06,2024-03-06,0.00,"
                      "0.00,,\r\n"
                      "FR40303265045,vat,valid,Dupont,FR,EUR,shop-1,2,3,160.00,0.00,2024-03-04,"
                      "2024-03-05,0.00,0.00,unverified,\r\n");
  mb_free(&m);
  /* The ZM: 150.00 + 10.00 + 999.00, the own-use line left out.  E4 was
   * voided on a later day (today), so it stays in March as filed and is a
   * credit in the void's period (tests/test_period.c checks the credit). */
  report_identity id;
  assert_int_equal(report_identity_load(st, &id, &err), 0);
  assert_string_equal(id.country, "DE");
  report_period p;
  assert_int_equal(report_period_parse("2024-03", &p, &err), 0);
  mb_open(&m);
  o = out_to(&m, SINK_CSV, NULL);
  assert_int_equal(report_ec_sales_list(st, &p, NULL, &id, ECSL_ZM, &o, &err), 0);
  mb_close(&m);
  assert_string_equal(m.text, "#v3.0\r\nUSt-IdNr.,Betrag(EUR),Art der Leistung\r\n"
                              "FR40303265045,1159,L\r\n");
  mb_free(&m);
  store_close(st);
  tu_rmtree(dir);
}

/* A total that does not fit 64 bits is an error naming the total, never a
 * wrapped figure: two lines of 2^62 minor units (written into the database
 * behind the till's back; the till itself caps a line far lower) on the
 * same day and purpose add up to 2^63. */
/* Totals per currency (issue 18.4), worked out by hand from main_sales:
 * the resale lines of 2024's counted sales (S04, S05 voided, S06 in 2023).
 * EUR: S01 100.00 + 25.50, S03 40.00, S07 1.00 (tax 0.19), S08 20.00 +
 * 30.00 (3.80 + 5.70), S09 12.34 (2.34), S14 0.01, S15 42.42 (8.06) =
 * 271.27, tax 20.09.  GBP S02 50.00 (10.00), BHD S11 12.345 (1.234), JPY
 * S10 1500 + 3000 (150 + 300).  In the order the currencies first come
 * (rows sorted by kind, identifier, currency): EUR, GBP, BHD, JPY. */
static void totals_per_currency(void **state) {
  db *d = *state;
  report_query q = {"2024-01-01", "2024-12-31", NULL, 0, REPORT_BY_NONE};
  const char *want = "Total,,,,,EUR,,,,271.27,20.09,,,0.00,0.00,,\r\n"
                     "Total,,,,,GBP,,,,50.00,10.00,,,0.00,0.00,,\r\n"
                     "Total,,,,,BHD,,,,12.345,1.234,,,0.000,0.000,,\r\n"
                     "Total,,,,,JPY,,,,4500,450,,,0,0,,\r\n";
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  o.totals = 1;
  pi_error err;
  if (report_resellers(d->st, &q, &o, &err)) fail_msg("%s", err.message);
  mb_close(&m);
  size_t n = strlen(m.text), w = strlen(want);
  assert_true(n > w);
  if (strcmp(m.text + n - w, want) != 0) fail_msg("got:\n%s", m.text);
  mb_free(&m);
  /* Without --totals the CSV is data only: a column's sum is the range's. */
  run_resellers(d, &q, SINK_CSV, &m);
  assert_null(strstr(m.text, "Total"));
  mb_free(&m);
  /* JSON: the same rows, as objects. */
  mb_open(&m);
  o = out_to(&m, SINK_JSON, NULL);
  o.totals = 1;
  if (report_resellers(d->st, &q, &o, &err)) fail_msg("%s", err.message);
  mb_close(&m);
  assert_non_null(strstr(m.text, "{\"identifier\":\"Total\",\"kind\":null,\"verdict\":null,"
                                 "\"name\":null,\"country\":null,\"currency\":\"JPY\","
                                 "\"store\":null,\"sales\":null,\"lines\":null,\"net\":4500,"
                                 "\"tax\":450,"));
  mb_free(&m);
  /* The table always totals, under a rule. */
  run_resellers(d, &q, SINK_TABLE, &m);
  assert_non_null(strstr(m.text, "\nTotal "));
  assert_non_null(strstr(m.text, "  271.27  20.09"));
  mb_free(&m);
}

static void sums_that_overflow_are_refused(void **state) {
  (void)state;
  char dir[512], path[600];
  tu_tempdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/o.db", dir);
  engine *e = tu_engine(path, NULL);
  for (int i = 1; i <= 2; i++) {
    char id[8];
    snprintf(id, sizeof id, "O%d", i);
    begin_sale(e, id, "2024-03-04");
    add_line(e, id, "L1", 1000, 0);
    send(e, "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":1000}", id);
  }
  engine_close(e);
  sqlite3 *sdb;
  assert_int_equal(sqlite3_open(path, &sdb), SQLITE_OK);
  assert_int_equal(sqlite3_exec(sdb, "UPDATE lines SET net = 4611686018427387904", NULL,
                                NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(sdb);
  store *st;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(path, STORE_READONLY, NULL, &st, &err)) fail_msg("%s", err.message);
  const report_by bys[] = {REPORT_BY_NONE, REPORT_BY_DAY, REPORT_BY_MONTH};
  for (size_t i = 0; i < sizeof bys / sizeof bys[0]; i++) {
    report_query q = {"2024-01-01", "2024-12-31", NULL, 0, bys[i]};
    membuf m;
    mb_open(&m);
    report_out o = out_to(&m, SINK_CSV, NULL);
    pi_error_clear(&err);
    assert_int_equal(report_purposes(st, &q, &o, &err), -1);
    mb_close(&m);
    assert_string_equal(err.code, "overflow");
    assert_string_equal(err.field, "net");
    assert_non_null(strstr(err.message, "EUR own_use"));
    /* Nothing was written that could pass for a total. */
    assert_null(m.text ? strstr(m.text, "own_use") : NULL);
    mb_free(&m);
  }
  store_close(st);
  tu_rmtree(dir);
}

/* ---- report_row hooks ----------------------------------------------------- */

static void write_script(const char *dir, const char *name, const char *text) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* Counts warnings and errors (not the information that scripts loaded). */
static void count_log(void *ctx, int level, const char *msg) {
  (void)msg;
  if (level >= POSPLUG_LOG_WARN) (*(int *)ctx)++;
}

static hooks *open_hooks(const char *dir, int fail_closed, plugin_config *cfg, int *logs) {
  manifest_default_config(cfg);
  snprintf(cfg->scripts.dir, sizeof cfg->scripts.dir, "%s", dir);
  cfg->scripts.fail_closed = fail_closed;
  hooks_env env;
  memset(&env, 0, sizeof env);
  env.cfg = cfg;
  env.log = count_log;
  env.log_ctx = logs;
  hooks *h = NULL;
  pi_error err;
  pi_error_clear(&err);
  if (hooks_open(&env, &h, &err)) fail_msg("hooks_open: %s (%s)", err.message, err.field);
  return h;
}

static void report_row_hooks_add_columns(void **state) {
  db *d = *state;
  char dir[512];
  tempdir(dir, sizeof dir);
  /* The row a hook sees: text, counts as numbers, amounts as exact strings. */
  write_script(dir, "columns.lua",
               "return {\n"
               "  report_row = function(row, report)\n"
               "    assert(type(row.sales) == 'number' and type(row.net) == 'string')\n"
               "    return { region = row.country == 'AT' and 'alpine' or 'other',\n"
               "             repeat_buyer = row.sales >= 2,\n"
               "             seen = tostring(row.store) .. ':' .. tostring(report) }\n"
               "  end\n"
               "}\n");
  plugin_config cfg;
  int logs = 0;
  hooks *h = open_hooks(dir, 1, &cfg, &logs);
  report_query q = {"2024-01-01", "2024-12-31", NULL, 0, REPORT_BY_NONE};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  o.hooks = h;
  pi_error err;
  pi_error_clear(&err);
  if (report_resellers(d->st, &q, &o, &err)) fail_msg("%s", err.message);
  mb_close(&m);
  csv c;
  csv_parse(m.text, &c);
  assert_int_equal(c.ncols[0], 20);
  assert_string_equal(c.cell[0][17], "region");
  assert_string_equal(c.cell[0][18], "repeat_buyer");
  assert_string_equal(c.cell[0][19], "seen");
  assert_int_equal(c.nrows, 9);
  for (size_t r = 1; r < c.nrows; r++) {
    assert_int_equal(c.ncols[r], 20);
    const char *region = strcmp(c.cell[r][4], "AT") == 0 ? "alpine" : "other";
    assert_string_equal(c.cell[r][17], region);
    assert_string_equal(c.cell[r][18], atoi(c.cell[r][7]) >= 2 ? "true" : "false");
    /* The hook knows the row's store and which report it serves. */
    char seen[64];
    snprintf(seen, sizeof seen, "%s:resellers", c.cell[r][6]);
    assert_string_equal(c.cell[r][19], seen);
  }
  assert_int_equal(logs, 0);
  csv_free(&c);
  mb_free(&m);
  /* Every report's rows carry their store: purposes too (issue 17.7). */
  q.by = REPORT_BY_MONTH;
  mb_open(&m);
  o = out_to(&m, SINK_CSV, NULL);
  o.hooks = h;
  if (report_purposes(d->st, &q, &o, &err)) fail_msg("%s", err.message);
  mb_close(&m);
  csv_parse(m.text, &c);
  size_t kst = col(&c, "store"), kseen = col(&c, "seen");
  assert_true(c.nrows > 2);
  int hamburg = 0;
  for (size_t r = 1; r < c.nrows; r++) {
    char seen[64];
    snprintf(seen, sizeof seen, "%s:purposes", c.cell[r][kst]);
    assert_string_equal(c.cell[r][kseen], seen);
    hamburg += strcmp(c.cell[r][kst], "hamburg") == 0;
  }
  assert_int_equal(hamburg, 1); /* S07, April */
  assert_int_equal(logs, 0);
  csv_free(&c);
  mb_free(&m);
  hooks_close(h);
  rmtree(dir);
}

static void report_row_hook_failures(void **state) {
  db *d = *state;
  char dir[512];
  tempdir(dir, sizeof dir);
  write_script(dir, "broken.lua",
               "return { report_row = function(row) error('no such column') end }\n");
  report_query q = {"2024-01-01", "2024-12-31", NULL, 0, REPORT_BY_NONE};
  for (int closed = 0; closed < 2; closed++) {
    plugin_config cfg;
    int logs = 0;
    hooks *h = open_hooks(dir, closed, &cfg, &logs);
    membuf m;
    mb_open(&m);
    report_out o = out_to(&m, SINK_CSV, NULL);
    o.hooks = h;
    pi_error err;
    pi_error_clear(&err);
    int rc = report_resellers(d->st, &q, &o, &err);
    mb_close(&m);
    assert_true(logs > 0); /* logged with the script's file:line */
    if (closed) {
      /* fail_closed: no report without the scripts, and not half of one. */
      assert_int_equal(rc, -1);
      assert_string_equal(err.code, "script");
      assert_int_equal(m.len, 0);
    } else {
      /* fail_open: the report, without the hook's columns. */
      assert_int_equal(rc, 0);
      exp_row rows[32];
      check_reseller_csv(m.text, rows, expected_resellers(q.from, q.to, NULL, rows, 32));
    }
    mb_free(&m);
    hooks_close(h);
  }
  rmtree(dir);
}

/* ---- purposes and gifts --------------------------------------------------- */

static const char *status_of(purpose p) {
  return p == P_OWN ? "consumer" : p == P_GIFT ? "customer" : "reseller";
}

static const char *purpose_text(purpose p) {
  return p == P_OWN ? "own_use" : p == P_GIFT ? "gift" : "resale";
}

static void purposes_match_fed_sales(void **state) {
  db *d = *state;
  report_query q = {"2024-01-01", "2024-12-31", NULL, 0, REPORT_BY_NONE};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  pi_error err;
  assert_int_equal(report_purposes(d->st, &q, &o, &err), 0);
  mb_close(&m);
  csv c;
  csv_parse(m.text, &c);
  size_t kp = col(&c, "period"), kc = col(&c, "currency"), ku = col(&c, "purpose"),
         kst = col(&c, "status"), ks = col(&c, "sales"), kl = col(&c, "lines"),
         kn = col(&c, "net"), kt = col(&c, "tax"), kso = col(&c, "store");
  size_t groups = 0;
  const char *currencies[] = {"EUR", "GBP", "JPY", "BHD"};
  const char *stores[] = {"berlin", "hamburg"};
  const purpose ps[] = {P_OWN, P_GIFT, P_RESALE};
  for (size_t so = 0; so < 2; so++)
  for (size_t ci = 0; ci < 4; ci++)
    for (size_t pi = 0; pi < 3; pi++) {
      long sales = 0, lines = 0;
      int64_t net = 0, tax = 0;
      for (size_t k = 0; k < NMAIN; k++) {
        const tsale *t = &main_sales[k];
        if (!counted(t, q.from, q.to, stores[so]) || strcmp(t->currency, currencies[ci]))
          continue;
        int any = 0;
        for (size_t i = 0; i < nlines(t); i++)
          if (line_purpose(t, i) == ps[pi]) {
            any = 1;
            lines++;
            net += t->l[i].net;
            tax += t->l[i].tax;
          }
        sales += any;
      }
      if (sales == 0) continue;
      groups++;
      size_t hit = 0;
      for (size_t r = 1; r < c.nrows; r++)
        if (strcmp(c.cell[r][kc], currencies[ci]) == 0 &&
            strcmp(c.cell[r][kso], stores[so]) == 0 &&
            strcmp(c.cell[r][ku], purpose_text(ps[pi])) == 0)
          hit = r;
      if (!hit)
        fail_msg("no row for %s %s %s", stores[so], currencies[ci], purpose_text(ps[pi]));
      char buf[64];
      assert_string_equal(c.cell[hit][kp], "2024-01-01/2024-12-31");
      assert_string_equal(c.cell[hit][kst], status_of(ps[pi]));
      snprintf(buf, sizeof buf, "%ld", sales);
      assert_string_equal(c.cell[hit][ks], buf);
      snprintf(buf, sizeof buf, "%ld", lines);
      assert_string_equal(c.cell[hit][kl], buf);
      amount(net, currencies[ci], buf, sizeof buf);
      assert_string_equal(c.cell[hit][kn], buf);
      amount(tax, currencies[ci], buf, sizeof buf);
      assert_string_equal(c.cell[hit][kt], buf);
    }
  assert_int_equal(c.nrows - 1, groups);
  csv_free(&c);
  mb_free(&m);
}

static void purposes_by_month(void **state) {
  db *d = *state;
  report_query q = {"2024-01-01", "2024-12-31", "berlin", 0, REPORT_BY_MONTH};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  pi_error err;
  assert_int_equal(report_purposes(d->st, &q, &o, &err), 0);
  mb_close(&m);
  /* March: S03 only (S04 and S05 voided): own use 9.99, resale 40.00 and a
   * gift of 15.00, each one sale and one line. */
  assert_non_null(strstr(m.text, "2024-03,berlin,EUR,gift,customer,1,1,15.00,2.85,0,0.00,0.00\r\n"));
  assert_non_null(strstr(m.text, "2024-03,berlin,EUR,own_use,consumer,1,1,9.99,1.90,0,0.00,0.00\r\n"));
  assert_non_null(strstr(m.text, "2024-03,berlin,EUR,resale,reseller,1,1,40.00,0.00,0,0.00,0.00\r\n"));
  assert_null(strstr(m.text, "2024-04,")); /* S07 is in Hamburg */
  mb_free(&m);
}

static void purposes_by_iso_week(void **state) {
  (void)state;
  /* 2021-01-03 (a Sunday) belongs to 2020-W53, 2021-01-04 to 2021-W01,
   * 2024-12-30 to 2025-W01. */
  static const tsale weeks[] = {
      {"w", "A", "2021-01-03", "EUR", P_OWN, NULL, NULL, KEEP, NULL, 0, NULL,
       {{0, 100, 0, NULL, 0}}},
      {"w", "B", "2021-01-04", "EUR", P_OWN, NULL, NULL, KEEP, NULL, 0, NULL,
       {{0, 200, 0, NULL, 0}}},
      {"w", "C", "2024-12-30", "EUR", P_OWN, NULL, NULL, KEEP, NULL, 0, NULL,
       {{0, 300, 0, NULL, 0}}},
  };
  db d;
  plugin_config cfg;
  config(&cfg, "w", "DE", "EUR");
  build(&d, &cfg, weeks, 3);
  report_query q = {NULL, NULL, NULL, 0, REPORT_BY_WEEK};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  pi_error err;
  assert_int_equal(report_purposes(d.st, &q, &o, &err), 0);
  mb_close(&m);
  assert_string_equal(m.text, "period,store,currency,purpose,status,sales,lines,net,tax,"
                              "returns,returned_net,returned_tax\r\n"
                              "2020-W53,w,EUR,own_use,consumer,1,1,1.00,0.00,0,0.00,0.00\r\n"
                              "2021-W01,w,EUR,own_use,consumer,1,1,2.00,0.00,0,0.00,0.00\r\n"
                              "2025-W01,w,EUR,own_use,consumer,1,1,3.00,0.00,0,0.00,0.00\r\n");
  mb_free(&m);
  /* No bucket and an open range: one period, the days the figures cover
   * (the first and last business day counted), never "../.." (issue
   * 18.4).  A half-open range keeps its given end. */
  q.by = REPORT_BY_NONE;
  mb_open(&m);
  o = out_to(&m, SINK_CSV, NULL);
  assert_int_equal(report_purposes(d.st, &q, &o, &err), 0);
  mb_close(&m);
  assert_string_equal(m.text, "period,store,currency,purpose,status,sales,lines,net,tax,"
                              "returns,returned_net,returned_tax\r\n"
                              "2021-01-03/2024-12-30,w,EUR,own_use,consumer,3,3,6.00,0.00,0,"
                              "0.00,0.00\r\n");
  mb_free(&m);
  q.from = "2021-01-04";
  mb_open(&m);
  o = out_to(&m, SINK_CSV, NULL);
  assert_int_equal(report_purposes(d.st, &q, &o, &err), 0);
  mb_close(&m);
  assert_non_null(strstr(m.text, "\r\n2021-01-04/2024-12-30,w,EUR,own_use,consumer,2,2,5.00,"));
  mb_free(&m);
  q.from = NULL;
  q.to = "2021-01-04";
  mb_open(&m);
  o = out_to(&m, SINK_CSV, NULL);
  assert_int_equal(report_purposes(d.st, &q, &o, &err), 0);
  mb_close(&m);
  assert_non_null(strstr(m.text, "\r\n2021-01-03/2021-01-04,w,EUR,own_use,consumer,2,2,3.00,"));
  mb_free(&m);
  destroy(&d);
}

static void gifts_list_recipients(void **state) {
  db *d = *state;
  report_query q = {"2024-01-01", "2024-12-31", NULL, 0, REPORT_BY_NONE};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  pi_error err;
  assert_int_equal(report_gifts(d->st, &q, &o, &err), 0);
  mb_close(&m);
  assert_string_equal(m.text,
                      "date,store,terminal,sale,currency,recipient,gift_receipt,lines,"
                      "net,tax,return,returned_net,returned_tax\r\n"
                      "2024-03-12,berlin,T1,S03,EUR,Oma,true,1,15.00,2.85,,0.00,0.00\r\n"
                      "2024-08-10,berlin,T1,S13,EUR,Ben,false,1,25.00,4.75,,0.00,0.00\r\n");
  mb_free(&m);
}

/* ---- export --------------------------------------------------------------- */

static void export_jsonl_has_every_sale(void **state) {
  db *d = *state;
  report_query q = {NULL, NULL, NULL, 0, REPORT_BY_NONE};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_JSONL, NULL);
  pi_error err;
  assert_int_equal(report_export(d->st, &q, &o, &err), 0);
  mb_close(&m);
  size_t sales = 0, voided = 0, lines = 0;
  int64_t net_eur = 0, want_net_eur = 0;
  size_t want_lines = 0;
  for (size_t k = 0; k < NMAIN; k++) {
    want_lines += nlines(&main_sales[k]);
    if (strcmp(main_sales[k].currency, "EUR") == 0)
      for (size_t i = 0; i < nlines(&main_sales[k]); i++)
        want_net_eur += main_sales[k].l[i].net;
  }
  char *save = NULL;
  for (char *line = strtok_r(m.text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    cJSON *s = cJSON_Parse(line);
    if (s == NULL) fail_msg("not JSON: %s", line);
    sales++;
    if (cJSON_IsObject(cJSON_GetObjectItem(s, "voided"))) voided++;
    const char *cur = cJSON_GetObjectItem(s, "currency")->valuestring;
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(s, "lines")) {
      lines++;
      /* Numbers in major units; back to cents exactly via the text. */
      if (strcmp(cur, "EUR") == 0)
        net_eur += (int64_t)(cJSON_GetObjectItem(l, "net")->valuedouble * 100 + 0.5);
    }
    if (strcmp(cJSON_GetObjectItem(s, "sale")->valuestring, "S12") == 0) {
      const cJSON *meta = cJSON_GetObjectItem(s, "meta");
      assert_string_equal(cJSON_GetObjectItem(meta, "loyalty")->valuestring, "gold");
    }
    if (strcmp(cJSON_GetObjectItem(s, "sale")->valuestring, "S08") == 0) {
      const cJSON *ev = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "evidence"), 0);
      assert_string_equal(cJSON_GetObjectItem(ev, "compact")->valuestring, "DE136695977");
      assert_true(cJSON_IsFalse(cJSON_GetObjectItem(ev, "valid")));
      assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
                          "bad_check_digit");
      assert_true(cJSON_IsFalse(
          cJSON_GetObjectItem(cJSON_GetObjectItem(s, "reseller"), "valid")));
    }
    cJSON_Delete(s);
  }
  assert_int_equal(sales, NMAIN);
  assert_int_equal(voided, 2);
  assert_int_equal(lines, want_lines);
  assert_int_equal(net_eur, want_net_eur);
  mb_free(&m);
}

static void export_csv_one_row_per_line(void **state) {
  db *d = *state;
  report_query q = {"2024-01-01", "2024-12-31", NULL, 0, REPORT_BY_NONE};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  pi_error err;
  assert_int_equal(report_export(d->st, &q, &o, &err), 0);
  mb_close(&m);
  csv c;
  csv_parse(m.text, &c);
  size_t want = 0;
  for (size_t k = 0; k < NMAIN; k++)
    if (strcmp(main_sales[k].day, q.from) >= 0) want += nlines(&main_sales[k]);
  assert_int_equal(c.nrows - 1, want);
  size_t kv = col(&c, "voided_at"), ks = col(&c, "sale"), km = col(&c, "meta"),
         kn = col(&c, "customer_name");
  for (size_t r = 1; r < c.nrows; r++) {
    assert_int_equal(c.ncols[r], c.ncols[0]);
    const char *id = c.cell[r][ks];
    assert_true((c.cell[r][kv][0] != '\0') ==
                (strcmp(id, "S04") == 0 || strcmp(id, "S05") == 0));
    if (strcmp(id, "S12") == 0)
      assert_string_equal(c.cell[r][km], "{\"loyalty\":\"gold\",\"points\":12}");
    if (strcmp(id, "S08") == 0) assert_string_equal(c.cell[r][kn], "'=cmd|' /C calc'!A0");
  }
  csv_free(&c);
  mb_free(&m);
  /* jsonl and csv only. */
  mb_open(&m);
  o = out_to(&m, SINK_TABLE, NULL);
  pi_error_clear(&err);
  assert_int_equal(report_export(d->st, &q, &o, &err), -1);
  assert_string_equal(err.code, "usage");
  mb_close(&m);
  mb_free(&m);
}

/* ---- EC Sales List -------------------------------------------------------- */

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) fail_msg("cannot read %s", path);
  char *buf = malloc(65536);
  assert_non_null(buf);
  *len = fread(buf, 1, 65535, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

static void assert_same_bytes(const char *got, size_t got_len, const char *expected_file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/expected/%s", POSINTENT_SOURCE_DIR, expected_file);
  size_t len;
  char *want = slurp(path, &len);
  if (got_len != len || memcmp(got, want, len) != 0)
    fail_msg("%s differs:\n--- got ---\n%s\n--- want ---\n%s", expected_file, got, want);
  free(want);
}

/* A Belfast store (XI): EU VAT rules for goods, declared to HMRC. */
static const tsale hmrc_sales[] = {
    /* Two sales to one German buyer: 1000.99 + 233.50 + 10.75 = 1245.24,
     * declared as 1245 (pence dropped); the own-use line is not a supply
     * under reverse charge. */
    {"belfast", "H01", "2024-03-04", "GBP", P_RESALE, "Handel GmbH", "DE136695976", KEEP,
     NULL, 0, NULL, {{0, 100099, 0, NULL, 0}, {0, 23350, 0, NULL, 0}}},
    {"belfast", "H02", "2024-03-15", "GBP", P_OWN, "Handel GmbH", "DE136695976", KEEP,
     NULL, 0, NULL, {{P_RESALE, 1075, 0, NULL, 0}, {0, 9999, 2000, NULL, 0}}},
    /* 567.99 -> 567: rounded down, not to the nearest pound. */
    {"belfast", "H03", "2024-03-20", "GBP", P_RESALE, "Dupont SARL", "FR40303265045",
     KEEP, NULL, 0, NULL, {{0, 56799, 0, NULL, 0}}},
    /* 0.50 rounds to 0, which HMRC refuses: left out with a warning. */
    {"belfast", "H04", "2024-03-21", "GBP", P_RESALE, "Papadopoulos", "EL094259216", KEEP,
     NULL, 0, NULL, {{0, 50, 0, NULL, 0}}},
    /* Voided, out of the period, home country, invalid, not EU. */
    {"belfast", "H05", "2024-03-22", "GBP", P_RESALE, "Huber KG", "ATU13585627",
     VOID_AFTER, NULL, 0, NULL, {{0, 250000, 0, NULL, 0}}},
    {"belfast", "H06", "2024-04-01", "GBP", P_RESALE, "Huber KG", "ATU13585627", KEEP,
     NULL, 0, NULL, {{0, 30000, 0, NULL, 0}}},
    {"belfast", "H07", "2024-03-05", "GBP", P_RESALE, "Ulster Ltd", "XI123456782", KEEP,
     NULL, 0, NULL, {{0, 70000, 14000, NULL, 0}}},
    {"belfast", "H08", "2024-03-06", "GBP", P_RESALE, "Typo GmbH", "DE136695977", KEEP,
     NULL, 0, NULL, {{0, 80000, 16000, NULL, 0}}},
    {"belfast", "H09", "2024-03-07", "GBP", P_RESALE, "London Ltd", "GB980780684", KEEP,
     NULL, 0, NULL, {{0, 90000, 18000, NULL, 0}}},
    /* February: in the quarter. */
    {"belfast", "H10", "2024-02-29", "GBP", P_RESALE, "Van Dijk BV", "NL004495445B01",
     KEEP, NULL, 0, NULL, {{0, 4200, 0, NULL, 0}}},
};

static int setup_hmrc(void **state) {
  static db d;
  plugin_config cfg;
  config(&cfg, "belfast", "XI", "GBP");
  snprintf(cfg.store_vat, sizeof cfg.store_vat, "XI123456782");
  snprintf(cfg.contact_name, sizeof cfg.contact_name, "A & N Other");
  build(&d, &cfg, hmrc_sales, sizeof hmrc_sales / sizeof hmrc_sales[0]);
  *state = &d;
  return 0;
}

static int run_ecsl(db *d, const char *period, ecsl_format fmt, membuf *m, warnings *w,
                    pi_error *err) {
  report_identity id;
  pi_error_clear(err);
  assert_int_equal(report_identity_load(d->st, &id, err), 0);
  report_period p;
  assert_int_equal(report_period_parse(period, &p, err), 0);
  mb_open(m);
  report_out o = out_to(m, SINK_CSV, w);
  int rc = report_ec_sales_list(d->st, &p, NULL, &id, fmt, &o, err);
  mb_close(m);
  return rc;
}

static void hmrc_file_matches_hand_written(void **state) {
  db *d = *state;
  membuf m;
  warnings w;
  memset(&w, 0, sizeof w);
  pi_error err;
  if (run_ecsl(d, "2024-Q1", ECSL_HMRC, &m, &w, &err)) fail_msg("%s", err.message);
  assert_same_bytes(m.text, m.len, "esl_hmrc_2024q1.csv");
  /* Two things to review (check.h), each naming its sale: H04's 0.50
   * left out, and H07's buyer giving the store's own VAT number. */
  assert_int_equal(w.n, 2);
  assert_non_null(strstr(w.text, "esl_rounds_to_zero: EL094259216: the 2024-01-01 total "
                                 "0.50 GBP (sales H04) is 0 in whole pounds"));
  assert_non_null(strstr(w.text, "own_vat_number: sale H07 (store belfast, terminal T1, "
                                 "2024-03-05): the customer's identifier XI123456782 is "
                                 "the store's own VAT number"));
  mb_free(&m);
  /* March alone: H10 (February) drops out, the period field stays 03. */
  memset(&w, 0, sizeof w);
  if (run_ecsl(d, "2024-03", ECSL_HMRC, &m, &w, &err)) fail_msg("%s", err.message);
  assert_null(strstr(m.text, "NL,"));
  assert_non_null(strstr(m.text, "\r\n123456782,000,2024,03,GBP,A and N Other,0\r\n"));
  mb_free(&m);
}

static void ecsl_csv_has_exact_amounts(void **state) {
  db *d = *state;
  membuf m;
  pi_error err;
  if (run_ecsl(d, "2024-Q1", ECSL_CSV, &m, NULL, &err)) fail_msg("%s", err.message);
  assert_string_equal(m.text, "country,vat_number,currency,sales,lines,net,supply\r\n"
                              "DE,136695976,GBP,2,3,1245.24,goods\r\n"
                              "EL,094259216,GBP,1,1,0.50,goods\r\n"
                              "FR,40303265045,GBP,1,1,567.99,goods\r\n"
                              "NL,004495445B01,GBP,1,1,42.00,goods\r\n");
  mb_free(&m);
}

static void zm_refuses_pounds_and_writes_nothing(void **state) {
  db *d = *state;
  membuf m;
  pi_error err;
  assert_int_equal(run_ecsl(d, "2024-Q1", ECSL_ZM, &m, NULL, &err), -1);
  assert_string_equal(err.code, "ecsl");
  assert_non_null(strstr(err.message, "GBP"));
  assert_int_equal(m.len, 0);
  mb_free(&m);
}

static void hmrc_needs_the_store_identity(void **state) {
  db *d = *state;
  report_period p;
  pi_error err;
  assert_int_equal(report_period_parse("2024-03", &p, &err), 0);
  struct {
    const char *vat, *branch, *contact, *country, *field;
  } cases[] = {
      {"XI12345678", "000", "X", "GB", "store_vat"},   /* 8 digits */
      {"DE136695976", "000", "X", "DE", "store_vat"},  /* not UK */
      {"XI123456782", "1", "X", "GB", "branch"},
      {"XI123456782", "000", "", "GB", "contact_name"},
      {"", "000", "X", "", "store_country"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    report_identity id;
    memset(&id, 0, sizeof id);
    snprintf(id.vat, sizeof id.vat, "%s", cases[i].vat);
    snprintf(id.branch, sizeof id.branch, "%s", cases[i].branch);
    snprintf(id.contact, sizeof id.contact, "%s", cases[i].contact);
    snprintf(id.country, sizeof id.country, "%s", cases[i].country);
    membuf m;
    mb_open(&m);
    report_out o = out_to(&m, SINK_CSV, NULL);
    pi_error_clear(&err);
    assert_int_equal(report_ec_sales_list(d->st, &p, NULL, &id, ECSL_HMRC, &o, &err), -1);
    assert_string_equal(err.field, cases[i].field);
    mb_close(&m);
    assert_int_equal(m.len, 0);
    mb_free(&m);
  }
}

/* A Berlin store: the Zusammenfassende Meldung. */
static const tsale zm_sales[] = {
    /* 100.50 -> 101: half away from zero. */
    {"berlin", "Z01", "2024-03-01", "EUR", P_RESALE, "Huber KG", "ATU13585627", KEEP, NULL,
     0, NULL, {{0, 10050, 0, NULL, 0}}},
    /* 99.49 + 0.01 = 99.50 -> 100: the total is rounded, not each sale. */
    {"berlin", "Z02", "2024-03-02", "EUR", P_RESALE, "Dupont SARL", "FR40303265045", KEEP,
     NULL, 0, NULL, {{0, 9949, 0, NULL, 0}}},
    {"berlin", "Z03", "2024-03-03", "EUR", P_RESALE, "Dupont SARL", "FR40303265045", KEEP,
     NULL, 0, NULL, {{0, 1, 0, NULL, 0}}},
    {"berlin", "Z04", "2024-03-04", "EUR", P_RESALE, "Papadopoulos", "EL094259216", KEEP,
     NULL, 0, NULL, {{0, 200000, 0, NULL, 0}}},
    /* Northern Ireland trades goods under EU rules. */
    {"berlin", "Z05", "2024-03-05", "EUR", P_RESALE, "Ulster Ltd", "XI123456782", KEEP,
     NULL, 0, NULL, {{0, 1000, 0, NULL, 0}}},
    /* Home country, and a 49-cent rest: 0.49 -> 0 stays out (domestic). */
    {"berlin", "Z06", "2024-03-06", "EUR", P_RESALE, "Kiosk Berlin", "DE136695976", KEEP,
     NULL, 0, NULL, {{0, 49, 9, NULL, 0}}},
    /* Voided, and the next month. */
    {"berlin", "Z07", "2024-03-07", "EUR", P_RESALE, "Huber KG", "ATU13585627", VOID_OPEN,
     NULL, 0, NULL, {{0, 99900, 0, NULL, 0}}},
    {"berlin", "Z08", "2024-04-01", "EUR", P_RESALE, "Huber KG", "ATU13585627", KEEP, NULL,
     0, NULL, {{0, 99900, 0, NULL, 0}}},
};

static void zm_file_matches_hand_written(void **state) {
  (void)state;
  db d;
  plugin_config cfg;
  config(&cfg, "berlin", "DE", "EUR");
  build(&d, &cfg, zm_sales, sizeof zm_sales / sizeof zm_sales[0]);
  membuf m;
  pi_error err;
  if (run_ecsl(&d, "2024-03", ECSL_ZM, &m, NULL, &err)) fail_msg("%s", err.message);
  assert_same_bytes(m.text, m.len, "zm_2024_03.csv");
  mb_free(&m);
  destroy(&d);
}

/* ---- the CLI ---------------------------------------------------------------- */

/* Run the posintent binary with `args` (shell words) in the directory of
 * `out` (so that no ./plugin.manifest is picked up), stdout into `out`,
 * stderr discarded; returns the exit status. */
static int cli(const char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cli(const char *out, const char *fmt, ...) {
  char args[1024], cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char dir[700];
  snprintf(dir, sizeof dir, "%s", out);
  char *slash = strrchr(dir, '/');
  assert_non_null(slash);
  *slash = '\0';
  snprintf(cmd, sizeof cmd, "cd '%s' && %s/posintent %s > '%s' 2>/dev/null", dir,
           POSINTENT_BINARY_DIR, args, out);
  int st = system(cmd);
  assert_true(WIFEXITED(st));
  return WEXITSTATUS(st);
}

static void cli_exit_statuses(void **state) {
  db *d = *state;
  char bin[1024];
  snprintf(bin, sizeof bin, "%s/posintent", POSINTENT_BINARY_DIR);
  if (access(bin, X_OK) != 0) skip();
  char out[700];
  snprintf(out, sizeof out, "%s/out.txt", d->dir);
  const char *db_arg = d->path;
  /* Usage errors: 2. */
  assert_int_equal(cli(out, "--db '%s' report resellers --from 2024-12-31 --to 2024-01-01",
                       db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report resellers --format xml", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report resellers --from 2024-02-30", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report resellers --from", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report resellers --period 2024-01", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report purposes --by year", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report ec-sales-list --period 2024-13", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report ec-sales-list --period 2024-Q1 --format pdf",
                       db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report ec-sales-list", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report bogus", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' report", db_arg), 2);
  assert_int_equal(cli(out, "--db '%s' export --format table", db_arg), 2);
  /* An empty report is a report: 0, with its header. */
  assert_int_equal(cli(out, "--db '%s' report gifts --from 2030-01-01 --to 2030-01-31",
                       db_arg), 0);
  size_t len;
  char *text = slurp(out, &len);
  assert_string_equal(text, "date,store,terminal,sale,currency,recipient,gift_receipt,"
                            "lines,net,tax,return,returned_net,returned_tax\r\n");
  free(text);
  /* The filing, byte for byte, through the CLI. */
  assert_int_equal(cli(out, "--db '%s' report ec-sales-list --period 2024-Q1 --format hmrc",
                       db_arg), 0);
  text = slurp(out, &len);
  assert_same_bytes(text, len, "esl_hmrc_2024q1.csv");
  free(text);
  /* A filing that cannot be made (pounds into the ZM): 3, nothing out. */
  assert_int_equal(cli(out, "--db '%s' report ec-sales-list --period 2024-Q1 --format zm",
                       db_arg), 3);
  text = slurp(out, &len);
  assert_int_equal(len, 0);
  free(text);
  /* No database: 3. */
  assert_int_equal(cli(out, "--db '%s/none.db' report resellers", d->dir), 3);
  /* Help: 0, man-style. */
  assert_int_equal(cli(out, "report --help"), 0);
  text = slurp(out, &len);
  assert_non_null(strstr(text, "SYNOPSIS"));
  assert_non_null(strstr(text, "EXIT STATUS"));
  assert_non_null(strstr(text, "EXAMPLES"));
  free(text);
  assert_int_equal(cli(out, "export --help"), 0);
  /* jsonl export through the CLI: one line per sale of the quarter. */
  assert_int_equal(cli(out, "--db '%s' export --from 2024-01-01 --to 2024-03-31", db_arg),
                   0);
  text = slurp(out, &len);
  size_t lines = 0;
  for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
  assert_int_equal(lines, 9); /* H01-H05, H07-H10: H06 is in April */
  free(text);
}

/* An EC Sales List is one store's filing: another store's identity is
 * refused against a database, and nothing is written (issue 11). */
static void ecsl_refuses_another_stores_identity(void **state) {
  db *d = *state; /* belfast, XI, XI123456782 */
  report_period p;
  pi_error err;
  assert_int_equal(report_period_parse("2024-Q1", &p, &err), 0);
  struct {
    const char *store, *country, *vat, *field;
  } cases[] = {
      {"berlin", "DE", "DE136695976", "store_country"}, /* a German manifest */
      {"belfast", "GB", "GB123456782", "store_country"},
      {"belfast", "XI", "XI999999973", "store_vat"},
      {"derry", "XI", "XI123456782", "store_id"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    report_identity id;
    assert_int_equal(report_identity_load(d->st, &id, &err), 0);
    snprintf(id.store_id, sizeof id.store_id, "%s", cases[i].store);
    snprintf(id.country, sizeof id.country, "%s", cases[i].country);
    snprintf(id.vat, sizeof id.vat, "%s", cases[i].vat);
    /* (hmrc checks the identity's own shape first: a DE number is not a
     * UK registration, which says enough.) */
    for (ecsl_format f = ECSL_ZM; f <= ECSL_CSV; f++) {
      membuf m;
      mb_open(&m);
      report_out o = out_to(&m, SINK_CSV, NULL);
      pi_error_clear(&err);
      int rc = report_ec_sales_list(d->st, &p, NULL, &id, f, &o, &err);
      mb_close(&m);
      if (rc != -1) fail_msg("case %zu format %d was filed", i, (int)f);
      assert_string_equal(err.code, "store_mismatch");
      assert_string_equal(err.field, cases[i].field);
      assert_int_equal(m.len, 0);
      mb_free(&m);
    }
  }
  /* The same registration written differently is the same. */
  report_identity id;
  assert_int_equal(report_identity_load(d->st, &id, &err), 0);
  snprintf(id.vat, sizeof id.vat, "xi 123 456 782");
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_CSV, NULL);
  assert_int_equal(report_ec_sales_list(d->st, &p, NULL, &id, ECSL_CSV, &o, &err), 0);
  mb_close(&m);
  mb_free(&m);
  /* Through the CLI: a German manifest against this Northern Irish
   * database exits 3 with nothing on stdout (it used to write an empty ZM
   * and exit 0). */
  char bin[1024];
  snprintf(bin, sizeof bin, "%s/posintent", POSINTENT_BINARY_DIR);
  if (access(bin, X_OK) != 0) skip();
  char out[700];
  snprintf(out, sizeof out, "%s/out.txt", d->dir);
  assert_int_equal(cli(out, "--db '%s' --manifest '%s/tests/data/test.manifest' report"
                            " ec-sales-list --period 2024-Q1 --format zm",
                       d->path, POSINTENT_SOURCE_DIR),
                   3);
  size_t len;
  char *text = slurp(out, &len);
  assert_int_equal(len, 0);
  free(text);
}

/* Stores under one VAT registration may share a database (meta names the
 * last one opened): a store with sales in it is that database's; a store
 * without any is not. */
static void ecsl_knows_the_stores_of_a_database(void **state) {
  db *d = *state; /* berlin (the meta's store) and hamburg */
  report_identity id;
  report_period p;
  pi_error err;
  assert_int_equal(report_identity_load(d->st, &id, &err), 0);
  assert_string_equal(id.store_id, "berlin");
  assert_int_equal(report_period_parse("2024-Q2", &p, &err), 0);
  const char *stores[] = {"berlin", "hamburg", "nowhere"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(id.store_id, sizeof id.store_id, "%s", stores[i]);
    membuf m;
    mb_open(&m);
    report_out o = out_to(&m, SINK_CSV, NULL);
    pi_error_clear(&err);
    int rc = report_ec_sales_list(d->st, &p, NULL, &id, ECSL_CSV, &o, &err);
    mb_close(&m);
    if (i < 2) {
      if (rc) fail_msg("%s: %s", stores[i], err.message);
    } else {
      assert_int_equal(rc, -1);
      assert_string_equal(err.code, "store_mismatch");
      assert_string_equal(err.field, "store_id");
      assert_non_null(strstr(err.message, "nowhere"));
      assert_int_equal(m.len, 0);
    }
    mb_free(&m);
  }
}

/* ---- rounding, periods, identity ------------------------------------------ */

static void rounding_rules(void **state) {
  (void)state;
  assert_int_equal(report_hmrc_pounds(56799), 567);
  assert_int_equal(report_hmrc_pounds(100), 1);
  assert_int_equal(report_hmrc_pounds(99), 0);
  assert_int_equal(report_hmrc_pounds(-1299), -12);
  assert_int_equal(report_zm_euros(10050), 101);
  assert_int_equal(report_zm_euros(10049), 100);
  assert_int_equal(report_zm_euros(-10050), -101);
  assert_int_equal(report_zm_euros(-10049), -100);
  assert_int_equal(report_zm_euros(0), 0);
}

static void periods(void **state) {
  (void)state;
  report_period p;
  pi_error err;
  assert_int_equal(report_period_parse("2024-02", &p, &err), 0);
  assert_string_equal(p.from, "2024-02-01");
  assert_string_equal(p.to, "2024-02-29");
  assert_int_equal(p.month, 2);
  assert_int_equal(report_period_parse("2023-02", &p, &err), 0);
  assert_string_equal(p.to, "2023-02-28");
  assert_int_equal(report_period_parse("2024-Q4", &p, &err), 0);
  assert_string_equal(p.from, "2024-10-01");
  assert_string_equal(p.to, "2024-12-31");
  assert_int_equal(p.month, 12);
  assert_int_equal(p.quarter, 4);
  assert_int_equal(report_period_parse("2024-q2", &p, &err), 0);
  assert_int_equal(p.month, 6);
  const char *bad[] = {"2024-13", "2024-00", "2024-Q5", "2024-Q0", "24-01", "2024-1",
                       "2024/01", "", "2024-01-01", "0000-01", "abcd-01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pi_error_clear(&err);
    if (report_period_parse(bad[i], &p, &err) != -1) fail_msg("accepted %s", bad[i]);
    assert_string_equal(err.code, "usage");
    assert_string_equal(err.field, "--period");
  }
  ecsl_format f;
  assert_int_equal(ecsl_format_parse("zm", &f), 0);
  assert_int_equal(f, ECSL_ZM);
  assert_int_equal(ecsl_format_parse("ZM", &f), -1);
  report_by by;
  assert_int_equal(report_by_parse("week", &by), 0);
  assert_int_equal(by, REPORT_BY_WEEK);
  assert_int_equal(report_by_parse("year", &by), -1);
}

static void identity_from_meta_table(void **state) {
  db *d = *state;
  report_identity id;
  pi_error err;
  assert_int_equal(report_identity_load(d->st, &id, &err), 0);
  assert_string_equal(id.store_id, "belfast");
  assert_string_equal(id.country, "XI");
  assert_string_equal(id.vat, "XI123456782");
  assert_string_equal(id.branch, "000");
  assert_string_equal(id.contact, "A & N Other");
  assert_string_equal(id.currency, "GBP");
}

/* ---- the sink ------------------------------------------------------------- */

static char *field(const char *s, int numeric) {
  static char buf[256];
  memset(buf, 0, sizeof buf); /* fmemopen writes no NUL when nothing is written */
  FILE *f = fmemopen(buf, sizeof buf, "w");
  assert_non_null(f);
  assert_int_equal(csv_write_field(f, s, numeric), 0);
  fclose(f);
  return buf;
}

static void csv_fields(void **state) {
  (void)state;
  /* Formula starts: neutralised with a leading apostrophe, inside quotes. */
  assert_string_equal(field("=SUM(A1:A9)", 0), "\"'=SUM(A1:A9)\"");
  assert_string_equal(field("-A1", 0), "\"'-A1\"");
  assert_string_equal(field("-1+1", 0), "\"'-1+1\"");
  assert_string_equal(field("+49 30 1234", 0), "\"'+49 30 1234\"");
  assert_string_equal(field("-1.", 0), "\"'-1.\"");
  assert_string_equal(field("-", 0), "\"'-\"");
  /* A plain signed number cannot start a formula: the guard leaves an
   * identifier such as "-1" or "+0042" as it is (issue 18.6). */
  assert_string_equal(field("+1", 0), "+1");
  assert_string_equal(field("-1", 0), "-1");
  assert_string_equal(field("+0042", 0), "+0042");
  assert_string_equal(field("-3.5", 0), "-3.5");
  assert_string_equal(field("@cmd", 0), "\"'@cmd\"");
  assert_string_equal(field("\tx", 0), "\"'\tx\"");
  assert_string_equal(field("\rx", 0), "\"'\rx\"");
  /* Numbers stay numbers. */
  assert_string_equal(field("-12.50", 1), "-12.50");
  /* Quoting only when needed; quotes doubled; line breaks kept inside. */
  assert_string_equal(field("plain", 0), "plain");
  assert_string_equal(field("a,b", 0), "\"a,b\"");
  assert_string_equal(field("say \"hi\"", 0), "\"say \"\"hi\"\"\"");
  assert_string_equal(field("two\r\nlines", 0), "\"two\r\nlines\"");
  assert_string_equal(field("=a\"b", 0), "\"'=a\"\"b\"");
  assert_string_equal(field("", 0), "");
  assert_string_equal(field("a=b", 0), "a=b");
  /* UTF-8 passes; broken UTF-8 becomes U+FFFD. */
  assert_string_equal(field("Müller", 0), "Müller");
  assert_string_equal(field("a\xff" "b", 0), "a\xEF\xBF\xBD" "b");
  assert_string_equal(field("\xC3", 0), "\xEF\xBF\xBD");
  assert_string_equal(field("\xED\xA0\x80", 0), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void sink_formats(void **state) {
  (void)state;
  const char *cols[] = {"name", "n", "amount", "flag", "note"};
  cell row[5] = {cell_text("=x,\"y\"\n"), cell_int(-3), cell_amount(-1050, 2),
                 cell_bool(1), cell_null()};
  const char *want[] = {
      "name,n,amount,flag,note\r\n\"'=x,\"\"y\"\"\n\",-3,-10.50,true,\r\n",
      "[\n{\"name\":\"=x,\\\"y\\\"\\n\",\"n\":-3,\"amount\":-10.50,\"flag\":true,"
      "\"note\":null}\n]\n",
      "{\"name\":\"=x,\\\"y\\\"\\n\",\"n\":-3,\"amount\":-10.50,\"flag\":true,"
      "\"note\":null}\n",
      "name      n  amount  flag  note\n"
      "-------  --  ------  ----  ----\n"
      "=x,\"y\"   -3  -10.50  true  \n"};
  for (int f = 0; f < 4; f++) {
    membuf m;
    mb_open(&m);
    sink *s;
    pi_error err;
    assert_int_equal(sink_open(m.f, (sink_format)f, &s, &err), 0);
    assert_int_equal(sink_columns(s, cols, 5, &err), 0);
    assert_int_equal(sink_row(s, row, 5, &err), 0);
    assert_int_equal(sink_finish(s, &err), 0);
    sink_free(s);
    mb_close(&m);
    if (strcmp(m.text, want[f]) != 0) fail_msg("format %d:\n%s", f, m.text);
    mb_free(&m);
  }
  sink_format sf;
  assert_int_equal(sink_format_parse("jsonl", &sf), 0);
  assert_int_equal(sf, SINK_JSONL);
  assert_int_equal(sink_format_parse("xml", &sf), -1);
}

/* The CSV dialects (issue 18.6), written out by hand: RFC 4180 stays the
 * default byte for byte; excel keeps identifiers that a spreadsheet would
 * read as numbers text (="094259216"); excel-de also splits on ';' and
 * writes a decimal comma; --bom puts EF BB BF before the header. */
static void sink_csv_dialects(void **state) {
  (void)state;
  const char *cols[] = {"vat_number", "sale", "name", "net", "qty", "n"};
  cell row[6] = {cell_id("094259216"), cell_id("S1"),      cell_text("Ober, \"K\"; =1"),
                 cell_amount(-123450, 2), (cell){CELL_NUMBER, "1.5", 0, 0},
                 cell_int(7)};
  cell row2[6] = {cell_id("0123456789"), cell_id("-7"), cell_text("-5"),
                  cell_amount(5, 0),     cell_null(),   cell_int(-2)};
  static const struct {
    csv_style style;
    const char *want;
  } cases[] = {
      {{CSV_RFC4180, 0},
       "vat_number,sale,name,net,qty,n\r\n"
       "094259216,S1,\"Ober, \"\"K\"\"; =1\",-1234.50,1.5,7\r\n"
       "0123456789,-7,-5,5,,-2\r\n"},
      {{CSV_EXCEL, 0},
       "vat_number,sale,name,net,qty,n\r\n"
       "\"=\"\"094259216\"\"\",S1,\"Ober, \"\"K\"\"; =1\",-1234.50,1.5,7\r\n"
       "\"=\"\"0123456789\"\"\",\"=\"\"-7\"\"\",-5,5,,-2\r\n"},
      {{CSV_EXCEL_DE, 1},
       "\xEF\xBB\xBFvat_number;sale;name;net;qty;n\r\n"
       "\"=\"\"094259216\"\"\";S1;\"Ober, \"\"K\"\"; =1\";-1234,50;1,5;7\r\n"
       "\"=\"\"0123456789\"\"\";\"=\"\"-7\"\"\";-5;5;;-2\r\n"},
      {{CSV_RFC4180, 1},
       "\xEF\xBB\xBFvat_number,sale,name,net,qty,n\r\n"
       "094259216,S1,\"Ober, \"\"K\"\"; =1\",-1234.50,1.5,7\r\n"
       "0123456789,-7,-5,5,,-2\r\n"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    membuf m;
    mb_open(&m);
    sink *s;
    pi_error err;
    assert_int_equal(sink_open(m.f, SINK_CSV, &s, &err), 0);
    sink_set_style(s, &cases[k].style);
    assert_int_equal(sink_columns(s, cols, 6, &err), 0);
    assert_int_equal(sink_row(s, row, 6, &err), 0);
    assert_int_equal(sink_row(s, row2, 6, &err), 0);
    assert_int_equal(sink_finish(s, &err), 0);
    sink_free(s);
    mb_close(&m);
    if (strcmp(m.text, cases[k].want) != 0)
      fail_msg("case %zu:\n%s\nwant:\n%s", k, m.text, cases[k].want);
    mb_free(&m);
  }
  /* Other formats: an identifier is a string like any text. */
  membuf m;
  mb_open(&m);
  sink *s;
  pi_error err;
  assert_int_equal(sink_open(m.f, SINK_JSONL, &s, &err), 0);
  assert_int_equal(sink_columns(s, cols, 6, &err), 0);
  assert_int_equal(sink_row(s, row, 6, &err), 0);
  assert_int_equal(sink_finish(s, &err), 0);
  sink_free(s);
  mb_close(&m);
  assert_non_null(strstr(m.text, "{\"vat_number\":\"094259216\",\"sale\":\"S1\","));
  mb_free(&m);
  csv_dialect d;
  assert_int_equal(csv_dialect_parse("excel-de", &d), 0);
  assert_int_equal(d, CSV_EXCEL_DE);
  assert_int_equal(csv_dialect_parse("rfc4180", &d), 0);
  assert_int_equal(d, CSV_RFC4180);
  assert_int_equal(csv_dialect_parse("excel_de", &d), -1);
}

static void sink_refuses_misuse(void **state) {
  (void)state;
  membuf m;
  mb_open(&m);
  sink *s;
  pi_error err;
  assert_int_equal(sink_open(m.f, SINK_CSV, &s, &err), 0);
  cell one = cell_int(1);
  assert_int_equal(sink_row(s, &one, 1, &err), -1); /* no columns yet */
  const char *empty[] = {"a", ""};
  assert_int_equal(sink_columns(s, empty, 2, &err), -1);
  const char *many[SINK_COLUMNS_MAX + 1];
  for (size_t i = 0; i <= SINK_COLUMNS_MAX; i++) many[i] = "c";
  assert_int_equal(sink_columns(s, many, SINK_COLUMNS_MAX + 1, &err), -1);
  assert_string_equal(err.code, "too_many_columns");
  const char *two[] = {"a", "b"};
  assert_int_equal(sink_columns(s, two, 2, &err), 0);
  assert_int_equal(sink_columns(s, two, 2, &err), -1);
  assert_int_equal(sink_row(s, &one, 1, &err), -1); /* 1 cell for 2 columns */
  assert_int_equal(sink_finish(s, &err), 0);
  cell r2[2] = {cell_int(1), cell_int(2)};
  assert_int_equal(sink_row(s, r2, 2, &err), -1); /* after finish */
  sink_free(s);
  mb_close(&m);
  assert_string_equal(m.text, "a,b\r\n");
  mb_free(&m);
  sink_free(NULL);
}

static void sink_reports_write_errors(void **state) {
  (void)state;
  FILE *full = fopen("/dev/full", "w");
  if (full == NULL) skip();
  setvbuf(full, NULL, _IONBF, 0);
  sink *s;
  pi_error err;
  assert_int_equal(sink_open(full, SINK_CSV, &s, &err), 0);
  const char *cols[] = {"a"};
  assert_int_equal(sink_columns(s, cols, 1, &err), -1);
  assert_string_equal(err.code, "io");
  sink_free(s);
  fclose(full);
}

static void report_write_error_is_an_error(void **state) {
  db *d = *state;
  FILE *full = fopen("/dev/full", "w");
  if (full == NULL) skip();
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = full;
  o.format = SINK_CSV;
  report_query q = {NULL, NULL, NULL, 0, REPORT_BY_NONE};
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(report_resellers(d->st, &q, &o, &err), -1);
  assert_string_equal(err.code, "io");
  o.format = SINK_JSONL;
  pi_error_clear(&err);
  assert_int_equal(report_export(d->st, &q, &o, &err), -1);
  assert_string_equal(err.code, "io");
  fclose(full);
}

/* A database whose lines table is gone: every report says "storage". */
static void database_errors_are_reported(void **state) {
  (void)state;
  db d;
  plugin_config cfg;
  config(&cfg, "berlin", "DE", "EUR");
  build(&d, &cfg, main_sales, 2);
  sqlite3 *raw;
  assert_int_equal(sqlite3_open(d.path, &raw), SQLITE_OK);
  assert_int_equal(sqlite3_exec(raw, "DROP TABLE lines", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(raw);
  report_query q = {NULL, NULL, NULL, 0, REPORT_BY_NONE};
  int (*const fns[])(store *, const report_query *, const report_out *, pi_error *) = {
      report_resellers, report_purposes, report_gifts, report_export};
  for (size_t i = 0; i < 4; i++) {
    membuf m;
    mb_open(&m);
    report_out o = out_to(&m, i == 3 ? SINK_JSONL : SINK_CSV, NULL);
    pi_error err;
    pi_error_clear(&err);
    assert_int_equal(fns[i](d.st, &q, &o, &err), -1);
    assert_string_equal(err.code, "storage");
    assert_non_null(strstr(err.message, "lines"));
    mb_close(&m);
    mb_free(&m);
  }
  destroy(&d);
}

/* Text that is not UTF-8 can only come from a hand-edited database; every
 * output stays valid UTF-8 (and valid JSON) with U+FFFD in its place. */
static void invalid_utf8_is_replaced(void **state) {
  (void)state;
  db d;
  plugin_config cfg;
  config(&cfg, "berlin", "DE", "EUR");
  build(&d, &cfg, main_sales, 1);
  sqlite3 *raw;
  assert_int_equal(sqlite3_open(d.path, &raw), SQLITE_OK);
  assert_int_equal(sqlite3_exec(raw,
                                "UPDATE sales SET customer_name ="
                                " CAST(X'48FF4B47' AS TEXT)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(raw);
  report_query q = {NULL, NULL, NULL, 0, REPORT_BY_NONE};
  membuf m;
  mb_open(&m);
  report_out o = out_to(&m, SINK_JSONL, NULL);
  pi_error err;
  assert_int_equal(report_export(d.st, &q, &o, &err), 0);
  mb_close(&m);
  cJSON *j = cJSON_Parse(m.text);
  assert_non_null(j);
  const cJSON *customer = cJSON_GetObjectItem(j, "customer");
  assert_string_equal(cJSON_GetObjectItem(customer, "name")->valuestring,
                      "H\xEF\xBF\xBDKG");
  cJSON_Delete(j);
  mb_free(&m);
  run_resellers(&d, &q, SINK_CSV, &m);
  assert_non_null(strstr(m.text, ",H\xEF\xBF\xBDKG,"));
  mb_free(&m);
  assert_true(utf8_valid("Müller"));
  assert_false(utf8_valid("M\xFCller"));
  char *fixed = utf8_repair("M\xFCller");
  assert_string_equal(fixed, "M\xEF\xBF\xBDller");
  free(fixed);
  destroy(&d);
}

/* --rates (issue 18.3): amounts to pence at a rate, exactly, half away
 * from zero; each figure worked out by hand. */
static void fx_pence_are_exact(void **state) {
  (void)state;
  pi_error err;
  int64_t p;
  fx_rate eur = {.currency = "EUR", .units = 1156400}; /* 1.1564 per pound */
  /* 123.45 / 1.1564 = 106.7537... pounds */
  assert_int_equal(fx_to_pence(12345, 2, &eur, &p, &err), 0);
  assert_int_equal(p, 10675);
  assert_int_equal(fx_to_pence(-12345, 2, &eur, &p, &err), 0);
  assert_int_equal(p, -10675);
  /* 1156.40 / 1.1564 = 1000 exactly */
  assert_int_equal(fx_to_pence(115640, 2, &eur, &p, &err), 0);
  assert_int_equal(p, 100000);
  /* half a penny: 0.01 at 2.0 is 0.005 pounds, away from zero */
  fx_rate two = {.currency = "EUR", .units = 2000000};
  assert_int_equal(fx_to_pence(1, 2, &two, &p, &err), 0);
  assert_int_equal(p, 1);
  assert_int_equal(fx_to_pence(-1, 2, &two, &p, &err), 0);
  assert_int_equal(p, -1);
  /* just under half: 0.01 at 2.000001 is 0.0049999... pounds */
  fx_rate over = {.currency = "EUR", .units = 2000001};
  assert_int_equal(fx_to_pence(1, 2, &over, &p, &err), 0);
  assert_int_equal(p, 0);
  /* JPY (no decimals): 18500 yen at 185 is 100 pounds; BHD (3): 1.000
   * at 0.5 is 2 pounds */
  fx_rate jpy = {.currency = "JPY", .units = 185000000};
  assert_int_equal(fx_to_pence(18500, 0, &jpy, &p, &err), 0);
  assert_int_equal(p, 10000);
  fx_rate bhd = {.currency = "BHD", .units = 500000};
  assert_int_equal(fx_to_pence(1000, 3, &bhd, &p, &err), 0);
  assert_int_equal(p, 200);
  /* Past what minor * 10^8 holds in 64 bits, still exact: 90 trillion
   * cents at 1.0 */
  fx_rate one = {.currency = "USD", .units = 1000000};
  assert_int_equal(fx_to_pence(INT64_C(9000000000000000), 2, &one, &p, &err), 0);
  assert_int_equal(p, INT64_C(9000000000000000));
  /* A result past 64 bits fails, never wraps: 2^62 cents at 0.000001 */
  fx_rate tiny = {.currency = "USD", .units = 1};
  assert_int_equal(fx_to_pence(INT64_C(1) << 62, 2, &tiny, &p, &err), -1);
  assert_string_equal(err.code, "overflow");
}

int main(void) {
  const struct CMUnitTest main_tests[] = {
      cmocka_unit_test(resellers_match_fed_sales),
      cmocka_unit_test(resellers_filter_store_and_range),
      cmocka_unit_test(ecsl_knows_the_stores_of_a_database),
      cmocka_unit_test(resellers_detail_one_row_per_resale_line),
      cmocka_unit_test(resellers_json_and_table),
      cmocka_unit_test(resellers_empty_report),
      cmocka_unit_test(totals_per_currency),
      cmocka_unit_test(resellers_refuse_bad_queries),
      cmocka_unit_test(report_row_hooks_add_columns),
      cmocka_unit_test(report_row_hook_failures),
      cmocka_unit_test(purposes_match_fed_sales),
      cmocka_unit_test(purposes_by_month),
      cmocka_unit_test(gifts_list_recipients),
      cmocka_unit_test(export_jsonl_has_every_sale),
      cmocka_unit_test(export_csv_one_row_per_line),
      cmocka_unit_test(report_write_error_is_an_error),
  };
  const struct CMUnitTest hmrc_tests[] = {
      cmocka_unit_test(hmrc_file_matches_hand_written),
      cmocka_unit_test(ecsl_csv_has_exact_amounts),
      cmocka_unit_test(zm_refuses_pounds_and_writes_nothing),
      cmocka_unit_test(hmrc_needs_the_store_identity),
      cmocka_unit_test(identity_from_meta_table),
      cmocka_unit_test(cli_exit_statuses),
      cmocka_unit_test(ecsl_refuses_another_stores_identity),
  };
  const struct CMUnitTest plain_tests[] = {
      cmocka_unit_test(zm_file_matches_hand_written),
      cmocka_unit_test(purposes_by_iso_week),
      cmocka_unit_test(rounding_rules),
      cmocka_unit_test(periods),
      cmocka_unit_test(csv_fields),
      cmocka_unit_test(sink_formats),
      cmocka_unit_test(sink_csv_dialects),
      cmocka_unit_test(sink_refuses_misuse),
      cmocka_unit_test(sink_reports_write_errors),
      cmocka_unit_test(database_errors_are_reported),
      cmocka_unit_test(invalid_utf8_is_replaced),
      cmocka_unit_test(through_the_engine),
      cmocka_unit_test(sums_that_overflow_are_refused),
      cmocka_unit_test(fx_pence_are_exact),
  };
  int failed = cmocka_run_group_tests_name("reports", main_tests, setup_main, teardown_db);
  failed +=
      cmocka_run_group_tests_name("ec_sales_list", hmrc_tests, setup_hmrc, teardown_db);
  failed += cmocka_run_group_tests_name("report_units", plain_tests, NULL, NULL);
  return failed;
}
