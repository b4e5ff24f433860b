/* SPDX-License-Identifier: MIT */
/* check.c - consistency checks of the recorded sales (check.h): the rules
 * the reports warn about and `posintent check` lists. */
#include "report/check.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/money.h"
#include "report/report_int.h"
#include "taxid/taxid.h"

static const char *const rule_names[CHECK_RULES] = {
    "tax_on_untaxed_line", "own_vat_number",    "esl_rounds_to_zero", "esl_under_one_unit",
    "esl_empty",           "zm_too_many_lines", "mixed_currency",
    "evidence_invalid",    "evidence_unverified", "script_failed"};

const char *check_rule_name(check_rule r) {
  return (unsigned)r < CHECK_RULES ? rule_names[r] : "unknown";
}

ecsl_format check_default_format(const report_identity *id) {
  char home[3];
  taxid_home_prefix(id->vat, id->country, home);
  if (strcmp(home, "GB") == 0 || strcmp(home, "XI") == 0) return ECSL_HMRC;
  if (strcmp(home, "DE") == 0) return ECSL_ZM;
  return ECSL_CSV;
}

/* A run: where findings go and how many there were. */
typedef struct run {
  check_fn fn;
  void *ctx;
  size_t found;
} run;

static int emit(run *r, check_finding *f, pi_error *err) {
  r->found++;
  return r->fn(r->ctx, f, err);
}

/* `minor` in major units of `currency` ("34.52"), into buf. */
static const char *amount_text(int64_t minor, const char *currency, char *buf, size_t cap) {
  int e = money_exponent(currency);
  if (money_format(minor, e < 0 ? 2 : e, buf, cap) < 0) snprintf(buf, cap, "?");
  return buf;
}

/* ---- the sale rules ------------------------------------------------------- */

/* Lines whose hint says the store charges no VAT (a valid US resale
 * certificate: exempt_resale; a valid VAT number of another EU state:
 * reverse_charge), but which the host recorded with tax. */
static const char tax_sql[] =
    "SELECT s.day, s.store, s.terminal, s.sale, l.line, l.treatment, s.currency, l.tax,"
    " COALESCE(s.reseller_id, '')"
    " FROM sales s JOIN lines l ON l.sale_id = s.id"
    " WHERE" REPORT_SALES_WHERE
    " AND l.treatment IN ('exempt_resale', 'reverse_charge') AND l.tax <> 0"
    " ORDER BY s.day, s.id, l.seq";

/* Sales whose reseller identifier is the store's own VAT number (?4, and
 * ?5 its GB/XI twin), compared without spaces and dots, in upper case. */
static const char own_sql[] =
    "SELECT s.day, s.store, s.terminal, s.sale, s.reseller_id"
    " FROM sales s WHERE" REPORT_SALES_WHERE
    " AND s.reseller_id IS NOT NULL"
    " AND upper(replace(replace(s.reseller_id, ' ', ''), '.', '')) IN (?4, ?5)"
    " ORDER BY s.day, s.id";

static int tax_rule(sqlite3 *db, const check_scope *s, run *r, pi_error *err) {
  sqlite3_stmt *q;
  if (report_prepare(db, tax_sql, &q, err)) return -1;
  report_bind_range(q, s->from ? s->from : "0000-01-01", s->to ? s->to : "9999-12-31",
                    s->store_id);
  int rc, fail = 0;
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *cur = report_col_text(q, 6);
    char amount[48], msg[512];
    check_finding f = {CHECK_TAX_ON_UNTAXED,
                       report_col_text(q, 0),
                       report_col_text(q, 1),
                       report_col_text(q, 2),
                       report_col_text(q, 3),
                       report_col_text(q, 4),
                       report_col_text(q, 8),
                       cur,
                       sqlite3_column_int64(q, 7),
                       1,
                       msg};
    snprintf(msg, sizeof msg,
             "sale %s (store %s, terminal %s, %s), line %s: %s %s tax on a line with "
             "the %s hint, which carries no VAT of the store: check the line's tax "
             "or its treatment",
             f.sale, f.store, f.terminal, f.day, f.line,
             amount_text(f.amount, cur, amount, sizeof amount), cur,
             report_col_text(q, 5));
    if (emit(r, &f, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading lines") != 0;
  sqlite3_finalize(q);
  return fail ? -1 : 0;
}

/* The store's VAT number as own_sql compares it: upper case, without
 * spaces and dots; `twin` the same registration under the other UK prefix
 * (XI for GB, GB for XI), else a copy. */
static void own_forms(const char *vat, char *norm, char *twin, size_t cap) {
  size_t o = 0;
  for (const char *p = vat; *p && o + 1 < cap; p++)
    if (*p != ' ' && *p != '.') norm[o++] = (char)toupper((unsigned char)*p);
  norm[o] = '\0';
  snprintf(twin, cap, "%s", norm);
  if (strncmp(norm, "GB", 2) == 0) memcpy(twin, "XI", 2);
  else if (strncmp(norm, "XI", 2) == 0) memcpy(twin, "GB", 2);
}

static int own_vat_rule(sqlite3 *db, const check_scope *s, run *r, pi_error *err) {
  if (s->id == NULL || s->id->vat[0] == '\0') return 0; /* nothing to compare */
  char norm[sizeof s->id->vat], twin[sizeof s->id->vat];
  own_forms(s->id->vat, norm, twin, sizeof norm);
  sqlite3_stmt *q;
  if (report_prepare(db, own_sql, &q, err)) return -1;
  report_bind_range(q, s->from ? s->from : "0000-01-01", s->to ? s->to : "9999-12-31",
                    s->store_id);
  sqlite3_bind_text(q, 4, norm, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 5, twin, -1, SQLITE_STATIC);
  int rc, fail = 0;
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    char msg[512];
    check_finding f = {CHECK_OWN_VAT,         report_col_text(q, 0), report_col_text(q, 1),
                       report_col_text(q, 2), report_col_text(q, 3), "",
                       report_col_text(q, 4), "",
                       0,                     0,
                       msg};
    snprintf(msg, sizeof msg,
             "sale %s (store %s, terminal %s, %s): the customer's identifier %s is the "
             "store's own VAT number %s; a shop cannot sell to itself for resale, so the "
             "evidence is no evidence",
             f.sale, f.store, f.terminal, f.day, f.customer, s->id->vat);
    if (emit(r, &f, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading sales") != 0;
  sqlite3_finalize(q);
  return fail ? -1 : 0;
}

/* Resale lines and the latest online check of the VAT number that backs
 * their sale (the chosen evidence): ?4 = 1 those found invalid, ?4 = 0
 * those not valid otherwise, and only when any number was ever checked.
 * CH and NO numbers have no register posintent asks. */
static const char evidence_sql[] =
    "SELECT s.day, s.store, s.terminal, s.sale, l.line, e.compact,"
    " COALESCE(vc.outcome, ''), COALESCE(vc.checked_at, ''), COALESCE(vc.service, '')"
    " FROM sales s JOIN lines l ON l.sale_id = s.id"
    " JOIN evidence e ON e.sale_id = s.id AND e.chosen = 1"
    " LEFT JOIN verifications vc ON vc.id ="
    "  (SELECT max(id) FROM verifications WHERE number = e.compact)"
    " WHERE" REPORT_SALES_WHERE
    " AND l.status = 'reseller' AND e.kind = 'vat' AND e.valid = 1"
    " AND e.country NOT IN ('CH', 'NO')"
    " AND CASE WHEN ?4 THEN vc.outcome = 'invalid'"
    "  ELSE COALESCE(vc.outcome, '') NOT IN ('valid', 'invalid')"
    "   AND EXISTS (SELECT 1 FROM verifications) END"
    " ORDER BY s.day, s.id, l.seq";

static int evidence_rule(sqlite3 *db, const check_scope *s, int invalid, run *r,
                         pi_error *err) {
  sqlite3_stmt *q;
  if (report_prepare(db, evidence_sql, &q, err)) return -1;
  report_bind_range(q, s->from ? s->from : "0000-01-01", s->to ? s->to : "9999-12-31",
                    s->store_id);
  sqlite3_bind_int(q, 4, invalid);
  int rc, fail = 0;
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    char msg[512];
    const char *outcome = report_col_text(q, 6), *at = report_col_text(q, 7),
               *service = report_col_text(q, 8);
    check_finding f = {invalid ? CHECK_EVIDENCE_INVALID : CHECK_EVIDENCE_UNVERIFIED,
                       report_col_text(q, 0), report_col_text(q, 1),
                       report_col_text(q, 2), report_col_text(q, 3),
                       report_col_text(q, 4), report_col_text(q, 5),
                       "", 0, 0, msg};
    if (invalid)
      snprintf(msg, sizeof msg,
               "sale %s (store %s, terminal %s, %s), line %s: resale backed by VAT "
               "number %s, which %s found not registered on %s: the line's treatment "
               "has no evidence",
               f.sale, f.store, f.terminal, f.day, f.line, f.customer,
               strcmp(service, "hmrc") == 0 ? "HMRC" : "VIES", at);
    else
      snprintf(msg, sizeof msg,
               "sale %s (store %s, terminal %s, %s), line %s: resale backed by VAT "
               "number %s, %s (posintent evidence verify)",
               f.sale, f.store, f.terminal, f.day, f.line, f.customer,
               outcome[0] == '\0'                    ? "never verified online"
               : strcmp(outcome, "unavailable") == 0 ? "not verified yet: its register "
                                                       "was unavailable"
                                                     : "refused by its register as input");
    if (emit(r, &f, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading evidence") != 0;
  sqlite3_finalize(q);
  return fail ? -1 : 0;
}

/* Sales recorded with store-script failures (script_errors, schema 11):
 * per sale, how often, and the first failure kept (seq 1: never the row
 * that only counts the rest, which comes last). */
static const char script_sql[] =
    "SELECT s.day, s.store, s.terminal, s.sale,"
    " (SELECT sum(f.count) FROM script_errors f WHERE f.sale_id = s.id),"
    " f1.hook, f1.location, f1.event"
    " FROM sales s JOIN script_errors f1 ON f1.sale_id = s.id AND f1.seq = 1"
    " WHERE" REPORT_SALES_WHERE
    " ORDER BY s.day, s.id";

static int script_rule(sqlite3 *db, const check_scope *s, run *r, pi_error *err) {
  sqlite3_stmt *q;
  if (report_prepare(db, script_sql, &q, err)) return -1;
  report_bind_range(q, s->from ? s->from : "0000-01-01", s->to ? s->to : "9999-12-31",
                    s->store_id);
  int rc, fail = 0;
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    char msg[512];
    int64_t n = sqlite3_column_int64(q, 4);
    check_finding f = {CHECK_SCRIPT_FAILED,   report_col_text(q, 0), report_col_text(q, 1),
                       report_col_text(q, 2), report_col_text(q, 3), "",
                       "",                    "",
                       0,                     0,
                       msg};
    snprintf(msg, sizeof msg,
             "sale %s (store %s, terminal %s, %s) was decided while a store script "
             "failed %lld time%s (first: %s at %s, in %s), ignored under fail_open: "
             "check its purposes and tax-treatment hints (posintent sale show)",
             f.sale, f.store, f.terminal, f.day, (long long)n, n == 1 ? "" : "s",
             report_col_text(q, 5), report_col_text(q, 6), report_col_text(q, 7));
    if (emit(r, &f, err)) fail = 1;
  }
  if (!fail && rc != SQLITE_DONE)
    fail = report_db_fail(db, err, "reading script failures") != 0;
  sqlite3_finalize(q);
  return fail ? -1 : 0;
}

/* ---- the EC Sales List rules ---------------------------------------------- */

/* Per customer and currency, as report_ecsl.c totals the list. */
static const char totals_sql[] =
    "SELECT country, vat, currency, count(*), sum(net)"
    " FROM (" REPORT_ECSL_ROWS ") GROUP BY country, vat, currency ORDER BY 1, 2, 3";

/* The sales (and returns) behind one total: ?4 country, ?5 vat, ?6
 * currency. */
static const char refs_sql[] =
    "SELECT ref, min(day), store, terminal FROM (" REPORT_ECSL_ROWS ")"
    " WHERE country = ?4 AND vat = ?5 AND currency = ?6"
    " GROUP BY store, terminal, ref ORDER BY 2, 1";

/* The sales behind a total, "S1 S2 return R1", at most REFS_NAMED of them
 * then "and N more": a sentence, not a listing (the sales' own rows are
 * in `report resellers --detail`). */
enum { REFS_NAMED = 10 };

static int refs_of(sqlite3_stmt *refs, const char *country, const char *vat,
                   const char *cur, char *out, size_t cap, sqlite3 *db, pi_error *err) {
  sqlite3_reset(refs);
  sqlite3_bind_text(refs, 4, country, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(refs, 5, vat, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(refs, 6, cur, -1, SQLITE_TRANSIENT);
  size_t n = 0, named = 0, o = 0;
  out[0] = '\0';
  int rc;
  while ((rc = sqlite3_step(refs)) == SQLITE_ROW) {
    n++;
    if (named < REFS_NAMED && named + 1 == n) { /* stop at the first that does not fit */
      const char *ref = report_col_text(refs, 0);
      size_t k = strlen(ref) + (o ? 1 : 0);
      if (o + k + 24 < cap) { /* room left for " and N more" */
        snprintf(out + o, cap - o, "%s%s", o ? " " : "", ref);
        o += k;
        named++;
      }
    }
  }
  if (rc != SQLITE_DONE) return report_db_fail(db, err, "reading sales");
  if (n > named) snprintf(out + o, cap - o, "%sand %zu more", o ? " " : "", n - named);
  return 0;
}

/* One sale in the wrong currency per finding: ?4 country, ?5 vat, ?6
 * currency name the total; each of its sales is named. */
static int mixed_currency(sqlite3 *db, sqlite3_stmt *refs, const check_scope *s,
                          const char *want, const char *country, const char *vat,
                          const char *cur, run *r, pi_error *err) {
  sqlite3_reset(refs);
  sqlite3_bind_text(refs, 4, country, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(refs, 5, vat, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(refs, 6, cur, -1, SQLITE_TRANSIENT);
  int rc;
  while ((rc = sqlite3_step(refs)) == SQLITE_ROW) {
    char msg[512];
    check_finding f = {CHECK_MIXED_CURRENCY,     report_col_text(refs, 1),
                       report_col_text(refs, 2), report_col_text(refs, 3),
                       report_col_text(refs, 0), "",
                       vat,                      cur,
                       0,                        0,
                       msg};
    snprintf(msg, sizeof msg,
             "%s (store %s, %s) to %s is in %s, but the %s EC Sales List of %s is "
             "declared in %s only: %s",
             f.sale, f.store, f.day, vat, cur, s->format == ECSL_HMRC ? "HMRC" : "ZM",
             s->period->from, want,
             s->format == ECSL_HMRC
                 ? "convert it with --rates FILE (HMRC's monthly rates), or file with "
                   "--format csv"
                 : "convert it by hand, or file with --format csv");
    if (emit(r, &f, err)) return -1;
  }
  return rc == SQLITE_DONE ? 0 : report_db_fail(db, err, "reading sales");
}

/* The value a filing declares for the exact total `v`, in whole units. */
static int64_t declared(ecsl_format fmt, int64_t v) {
  if (fmt == ECSL_HMRC) return report_hmrc_pounds(v);
  if (fmt == ECSL_ZM) return report_zm_euros(v);
  return v; /* csv: exact */
}

/* Judge one total of the list: rounding to 0, under one unit. */
static int judge_total(sqlite3 *db, sqlite3_stmt *refs, const check_scope *s,
                       const char *country, const char *vat, const char *cur, int64_t v,
                       run *r, pi_error *err) {
  int e = money_exponent(cur);
  int64_t unit = 1;
  for (int i = 0; i < (e < 0 ? 2 : e); i++) unit *= 10;
  int64_t whole = declared(s->format, v);
  check_rule rule;
  /* HMRC: 0 is refused, and a total that nets to exactly 0 is a 0 too.
   * ZM: a net of exactly 0 is declared as 0 by the rule (UStAE 18a.4
   * (2)), so only a value that rounds to 0 is flagged. */
  if (s->format == ECSL_HMRC && whole == 0)
    rule = CHECK_ESL_ROUNDS_TO_ZERO;
  else if (s->format == ECSL_ZM && v != 0 && whole == 0)
    rule = CHECK_ESL_ROUNDS_TO_ZERO;
  else if (v != 0 && v < unit && v > -unit)
    rule = CHECK_ESL_UNDER_ONE;
  else
    return 0;
  char sales[320], amount[48], msg[768];
  if (refs_of(refs, country, vat, cur, sales, sizeof sales, db, err)) return -1;
  amount_text(v, cur, amount, sizeof amount);
  if (rule == CHECK_ESL_UNDER_ONE)
    snprintf(msg, sizeof msg,
             "%s: the %s total %s %s (sales %s) is under one unit; it is declared as "
             "%lld: review it",
             vat, s->period->from, amount, cur, sales, (long long)whole);
  else if (s->format == ECSL_HMRC)
    snprintf(msg, sizeof msg,
             "%s: the %s total %s GBP (sales %s) is 0 in whole pounds; HMRC wants every "
             "supply listed but refuses a 0 value, so the line is left out of the file: "
             "review it and declare it by hand if it must be",
             vat, s->period->from, amount, sales);
  else
    snprintf(msg, sizeof msg,
             "%s: the %s total %s %s (sales %s) rounds to 0 and is declared as 0: review "
             "it",
             vat, s->period->from, amount, cur, sales);
  check_finding f = {rule, "", "", "", sales, "", vat, cur, v, 1, msg};
  return emit(r, &f, err);
}

static int esl_rules(store *st, sqlite3 *db, const check_scope *s, run *r,
                     pi_error *err) {
  const report_period *p = s->period;
  char home[3];
  taxid_home_prefix(s->id->vat, s->id->country, home);
  if (home[0] == '\0')
    return pi_fail(err, PI_E_ECSL, "store_country",
                   "the store's country is unknown: give --manifest, or open "
                   "the database once with the plugin");
  if (report_check_store(st, s->id, err)) return -1;
  const char *want = s->format == ECSL_HMRC ? "GBP" : s->format == ECSL_ZM ? "EUR" : NULL;
  sqlite3_stmt *q, *refs;
  if (report_prepare(db, totals_sql, &q, err)) return -1;
  if (report_prepare(db, refs_sql, &refs, err)) {
    sqlite3_finalize(q);
    return -1;
  }
  report_bind_range(q, p->from, p->to, s->store_id);
  report_bind_range(refs, p->from, p->to, s->store_id);
  int rc, fail = 0;
  size_t lines = 0;
  while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *country = report_col_text(q, 0), *vat = report_col_text(q, 1),
               *cur = report_col_text(q, 2);
    if (!taxid_other_eu_state(home, country)) continue;
    lines++;
    if (want && strcmp(cur, want) != 0 && s->converts && s->format == ECSL_HMRC)
      continue; /* converted by the filing, which judges the sterling total */
    if (want && strcmp(cur, want) != 0)
      fail = mixed_currency(db, refs, s, want, country, vat, cur, r, err) != 0;
    else
      fail = judge_total(db, refs, s, country, vat, cur, sqlite3_column_int64(q, 4), r,
                         err) != 0;
  }
  if (!fail && rc != SQLITE_DONE) fail = report_db_fail(db, err, "reading sales") != 0;
  sqlite3_finalize(q);
  sqlite3_finalize(refs);
  if (fail) return -1;
  char msg[512];
  if (lines == 0) {
    snprintf(msg, sizeof msg,
             "the EC Sales List of %s to %s has no supply and no credit to declare%s",
             p->from, p->to,
             s->format == ECSL_HMRC
                 ? ": HMRC accepts no nil declaration, so there is no file to submit"
                 : "; an empty list is not filed");
    check_finding f = {CHECK_ESL_EMPTY, "", "", "", "", "", "", "", 0, 0, msg};
    return emit(r, &f, err);
  }
  if (s->format == ECSL_ZM && lines > CHECK_ZM_LINES_MAX) {
    snprintf(msg, sizeof msg,
             "the ZM of %s to %s has %zu lines; the ELSTER import takes at most %d: "
             "split the list before importing it",
             p->from, p->to, lines, CHECK_ZM_LINES_MAX);
    check_finding f = {CHECK_ZM_TOO_MANY_LINES, "", "", "", "", "", "", "", 0, 0, msg};
    return emit(r, &f, err);
  }
  return 0;
}

/* ---- running them --------------------------------------------------------- */

int check_run(store *st, const check_scope *s, unsigned which, check_fn fn, void *ctx,
              size_t *found, pi_error *err) {
  sqlite3 *db = store_db(st);
  run r = {fn, ctx, 0};
  /* In the caller's read transaction when it has one (a report checks
   * what it reads); else one of its own, so that every rule sees the same
   * snapshot. */
  int own = sqlite3_get_autocommit(db);
  if (own && report_begin_read(db, err)) return -1;
  int rc = 0;
  if (which & CHECK_SALE_RULES) {
    rc = tax_rule(db, s, &r, err);
    if (rc == 0) rc = own_vat_rule(db, s, &r, err);
  }
  /* After the EC Sales List rules, in the order of check_rule. */
  if (rc == 0 && (which & CHECK_ESL_RULES) && s->period) rc = esl_rules(st, db, s, &r, err);
  if (rc == 0 && (which & CHECK_SALE_RULES)) rc = evidence_rule(db, s, 1, &r, err);
  if (rc == 0 && (which & CHECK_SALE_RULES)) rc = evidence_rule(db, s, 0, &r, err);
  if (rc == 0 && (which & CHECK_SALE_RULES)) rc = script_rule(db, s, &r, err);
  if (own) report_end_read(db);
  if (found) *found = r.found;
  return rc;
}

/* check_warn's state: the report's output and the count per rule. */
typedef struct warner {
  const report_out *out;
  size_t n[CHECK_RULES];
} warner;

static int warn_one(void *ctx, const check_finding *f, pi_error *err) {
  (void)err;
  warner *w = ctx;
  if (++w->n[f->rule] <= CHECK_WARN_MAX)
    report_warn(w->out, "%s: %s", check_rule_name(f->rule), f->message);
  return 0;
}

int check_warn(store *st, const check_scope *s, unsigned which, const report_out *out,
               pi_error *err) {
  if (out->warn == NULL) return 0;
  warner w;
  memset(&w, 0, sizeof w);
  w.out = out;
  if (check_run(st, s, which, warn_one, &w, NULL, err)) return -1;
  for (int i = 0; i < CHECK_RULES; i++)
    if (w.n[i] > CHECK_WARN_MAX)
      report_warn(out, "%s: %zu more findings not shown; `posintent check` lists them all",
                  check_rule_name((check_rule)i), w.n[i] - CHECK_WARN_MAX);
  return 0;
}
