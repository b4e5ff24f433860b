/* SPDX-License-Identifier: MIT */
/* test_period.c - filed periods (period.h) and the EC Sales List's rule for
 * voids (report.h): a sale voided on a later day stays in its own period
 * and is a credit in the void's period.
 *
 * Sales go in through the engine (tests/data/test.manifest: a DE store,
 * EUR); voids are recorded through store_record_void with a chosen time,
 * so that every date is fixed and nothing depends on today's date.  Every
 * expected figure is written here by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "base/calendar.h"
#include "store/journal.h"
#include "report/period.h"
#include "report/report.h"
#include "store/store.h"
#include "testutil.h"

typedef struct fixture {
  char dir[512];
  char path[600];
  store *st; /* STORE_EXISTING: the CLI's way in for closing */
} fixture;

static void put_sale(engine *e, const char *id, const char *day, const char *vat, int net) {
  cJSON_Delete(tu_ok(e,
                     "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"%sT10:00:00+01:00\"}",
                     id, day));
  cJSON_Delete(tu_ok(e,
                     "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L1\",\"qty\":1,"
                     "\"unit_price\":%d,\"net\":%d,\"tax\":0}",
                     id, net, net));
  cJSON_Delete(tu_ok(e,
                     "{\"type\":\"sale.customer\",\"sale\":\"%s\",\"customer\":{\"name\":"
                     "\"B\",\"org\":true,\"vat\":\"%s\"}}",
                     id, vat));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.tag\",\"sale\":\"%s\",\"purpose\":\"resale\"}", id));
  cJSON_Delete(tu_ok(e, "{\"type\":\"sale.complete\",\"sale\":\"%s\",\"total\":%d}", id, net));
}

static void void_at(store *st, const char *id, const char *at) {
  pi_error err;
  pi_error_clear(&err);
  if (store_record_void(st, NULL, PURPOSE_OWN_USE, "shop-1", "T1", id, "returned", at,
                        "{}", &err) != STORE_REC_DONE)
    fail_msg("voiding %s: %s", id, err.message);
}

/* March 2024 in Berlin (+01:00):
 *   A  AT 100.00  4 March   kept
 *   B  NL 200.00  5 March   voided the same day: never declared
 *   C  FR 300.00  6 March   voided 2024-03-31T23:30Z, 00:30 on 1 April in
 *                           Berlin: declared in March, credited in April
 *   D  AT  50.00  7 March   voided 20 March: +50 and -50 in March */
static int setup(void **state) {
  static fixture f;
  tu_tempdir(f.dir, sizeof f.dir);
  snprintf(f.path, sizeof f.path, "%s/p.db", f.dir);
  engine *e = tu_engine(f.path, NULL);
  put_sale(e, "A", "2024-03-04", "ATU13585627", 10000);
  put_sale(e, "B", "2024-03-05", "NL004495445B01", 20000);
  put_sale(e, "C", "2024-03-06", "FR40303265045", 30000);
  put_sale(e, "D", "2024-03-07", "ATU13585627", 5000);
  engine_close(e);
  pi_error err;
  pi_error_clear(&err);
  if (store_open(f.path, STORE_EXISTING, NULL, &f.st, &err)) fail_msg("%s", err.message);
  void_at(f.st, "B", "2024-03-05T15:00:00.000Z");
  void_at(f.st, "C", "2024-03-31T23:30:00.000Z");
  void_at(f.st, "D", "2024-03-20T09:00:00.000Z");
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  store_close(f->st);
  tu_rmtree(f->dir);
  return 0;
}

/* Run the ZM (or, with corrections, the CSV of corrections) into a
 * malloc'd string. */
static char *run(fixture *f, const char *period, int corrections) {
  report_identity id;
  report_period p;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(report_identity_load(f->st, &id, &err), 0);
  assert_int_equal(report_period_parse(period, &p, &err), 0);
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = m;
  o.format = SINK_CSV;
  int rc = corrections ? report_ecsl_corrections(f->st, &p, NULL, &id, &o, &err)
                       : report_ec_sales_list(f->st, &p, NULL, &id, ECSL_ZM, &o, &err);
  fclose(m);
  if (rc) fail_msg("%s", err.message);
  return text;
}

static void voids_after_the_day_are_credits_in_their_period(void **state) {
  fixture *f = *state;
  char *t = run(f, "2024-03", 0);
  assert_string_equal(t, "#v3.0\r\nUSt-IdNr.,Betrag(EUR),Art der Leistung\r\n"
                         "ATU13585627,100,L\r\n"
                         "FR40303265045,300,L\r\n");
  free(t);
  t = run(f, "2024-04", 0);
  assert_string_equal(t, "#v3.0\r\nUSt-IdNr.,Betrag(EUR),Art der Leistung\r\n"
                         "FR40303265045,-300,L\r\n");
  free(t);
  /* The quarter holds both: the supply and its return. */
  t = run(f, "2024-Q2", 0);
  assert_non_null(strstr(t, "FR40303265045,-300,L\r\n"));
  free(t);
  t = run(f, "2024-03", 1);
  assert_string_equal(t, "void_day,country,vat_number,currency,store,terminal,sale,"
                         "sale_day,lines,net\r\n"
                         "2024-04-01,FR,40303265045,EUR,shop-1,T1,C,2024-03-06,1,"
                         "-300.00\r\n");
  free(t);
  t = run(f, "2024-04", 1); /* nothing of April was voided later */
  assert_string_equal(t, "void_day,country,vat_number,currency,store,terminal,sale,"
                         "sale_day,lines,net\r\n");
  free(t);
}

/* Seconds since the epoch of day y-m-d, hh:00 UTC. */
static int64_t at(int y, int m, int d, int hh) {
  return (int64_t)cal_days_from_civil(y, m, d) * 86400 + hh * 3600;
}

static void sha256_hex(const char *data, size_t len, char out[65]) {
  unsigned char md[32];
  unsigned int n = 0;
  assert_int_equal(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL), 1);
  for (unsigned i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int close_period(fixture *f, const char *period, int64_t now, char **bytes,
                        size_t *len, period_closing *c, pi_error *err) {
  report_identity id;
  pi_error_clear(err);
  assert_int_equal(report_identity_load(f->st, &id, err), 0);
  period_filing pf = {ECSL_ZM, NULL, &id};
  report_out o;
  memset(&o, 0, sizeof o);
  return period_close(f->st, period, &pf, now, &o, bytes, len, c, err);
}

static void verify(fixture *f, journal_report *rep) {
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_verify(f->st, rep, &err), 0);
}

static void closing_records_the_filed_bytes_in_the_chain(void **state) {
  fixture *f = *state;
  char *bytes = NULL;
  size_t len = 0;
  period_closing c;
  pi_error err;
  journal_report before;
  verify(f, &before);
  assert_true(before.ok);

  /* Not over in every time zone until 2 April (UTC). */
  assert_int_equal(close_period(f, "2024-03", at(2024, 4, 1, 23), &bytes, &len, &c, &err),
                   -1);
  assert_string_equal(err.code, "period_open");
  assert_non_null(strstr(err.message, "2024-04-02"));
  assert_null(bytes);
  assert_int_equal(close_period(f, "2024-3", at(2024, 5, 1, 0), &bytes, &len, &c, &err),
                   -1);
  assert_string_equal(err.code, "usage");

  assert_int_equal(close_period(f, "2024-03", at(2024, 4, 2, 0), &bytes, &len, &c, &err),
                   0);
  /* The bytes are the report's, and the recorded hash is theirs. */
  char *report = run(f, "2024-03", 0);
  assert_int_equal(len, strlen(report));
  assert_memory_equal(bytes, report, len);
  char h[65];
  sha256_hex(report, strlen(report), h);
  assert_string_equal(c.sha256, h);
  assert_int_equal(c.bytes, (int64_t)len);
  assert_string_equal(c.period, "2024-03");
  assert_string_equal(c.format, "zm");
  assert_string_equal(c.closed_at, "2024-04-02T00:00:00Z");
  /* The head it was made from, and the entry it became. */
  assert_int_equal(c.head_seq, before.head_seq);
  assert_string_equal(c.head, before.head);
  assert_int_equal(c.seq, before.head_seq + 1);
  free(bytes);
  free(report);
  journal_report after;
  verify(f, &after);
  assert_true(after.ok);
  assert_int_equal(after.head_seq, c.seq);

  /* Closed once: again, or a quarter around it, is refused. */
  bytes = NULL;
  assert_int_equal(close_period(f, "2024-03", at(2024, 6, 1, 0), &bytes, &len, &c, &err),
                   -1);
  assert_string_equal(err.code, "period_closed");
  assert_non_null(strstr(err.message, h));
  assert_int_equal(close_period(f, "2024-Q1", at(2024, 6, 1, 0), &bytes, &len, &c, &err),
                   -1);
  assert_string_equal(err.code, "period_closed");
  assert_null(bytes);
  /* Another period is not. */
  assert_int_equal(close_period(f, "2024-04", at(2024, 6, 1, 0), &bytes, &len, &c, &err),
                   0);
  assert_non_null(strstr(bytes, "FR40303265045,-300,L\r\n"));
  free(bytes);

  /* The listing. */
  char *text = NULL;
  size_t tlen = 0;
  FILE *m = open_memstream(&text, &tlen);
  report_out o;
  memset(&o, 0, sizeof o);
  o.file = m;
  o.format = SINK_JSON;
  pi_error_clear(&err);
  assert_int_equal(period_list(f->st, &o, &err), 0);
  fclose(m);
  cJSON *list = cJSON_Parse(text);
  free(text);
  assert_int_equal(cJSON_GetArraySize(list), 2);
  cJSON *first = cJSON_GetArrayItem(list, 0);
  assert_string_equal(tu_str(first, "period"), "2024-03");
  assert_string_equal(tu_str(first, "sha256"), h);
  assert_string_equal(tu_str(first, "head"), before.head);
  assert_true(tu_num(first, "head_seq") == (double)before.head_seq);
  assert_string_equal(tu_str(cJSON_GetArrayItem(list, 1), "period"), "2024-04");
  cJSON_Delete(list);
}

/* Recompute an entry's hash as journal.c does: SHA-256 over prev, seq,
 * kind, sale_id, at, body and pii, each followed by a newline. */
static void rehash(sqlite3 *db, int64_t seq) {
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT prev || char(10) || seq || char(10) || kind"
                                      " || char(10) || sale_id || char(10) || at ||"
                                      " char(10) || body || char(10) || pii || char(10)"
                                      " FROM journal WHERE seq = ?1",
                                      -1, &q, NULL),
                   SQLITE_OK);
  sqlite3_bind_int64(q, 1, seq);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  char h[65];
  sha256_hex((const char *)sqlite3_column_text(q, 0), (size_t)sqlite3_column_bytes(q, 0),
             h);
  sqlite3_finalize(q);
  char sql[200];
  snprintf(sql, sizeof sql, "UPDATE journal SET hash = '%s' WHERE seq = %lld", h,
           (long long)seq);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static void verify_catches_an_edited_closing(void **state) {
  fixture *f = *state;
  char *bytes = NULL;
  size_t len = 0;
  period_closing c;
  pi_error err;
  assert_int_equal(close_period(f, "2024-03", at(2024, 4, 2, 0), &bytes, &len, &c, &err),
                   0);
  free(bytes);
  sqlite3 *db = store_db(f->st);
  char sql[300];
  /* A different hash of the filed bytes: the entry no longer hashes. */
  snprintf(sql, sizeof sql,
           "UPDATE journal SET body = replace(body, '%s', '%064d') WHERE seq = %lld",
           c.sha256, 0, (long long)c.seq);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  journal_report rep;
  verify(f, &rep);
  assert_false(rep.ok);
  assert_int_equal(rep.bad_seq, c.seq);
  /* Rehashed, so the chain holds, but naming another head than its
   * predecessor: still caught. */
  snprintf(sql, sizeof sql,
           "UPDATE journal SET body = replace(body, '\"head_seq\":%lld', "
           "'\"head_seq\":%lld') WHERE seq = %lld",
           (long long)c.head_seq, (long long)c.head_seq - 1, (long long)c.seq);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  rehash(db, c.seq);
  verify(f, &rep);
  assert_false(rep.ok);
  assert_int_equal(rep.bad_seq, c.seq);
  assert_non_null(strstr(rep.problem, "period closing"));
}

/* A read-only way in cannot close: the closing is a write. */
static void read_only_store_cannot_close(void **state) {
  fixture *f = *state;
  store *ro;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->path, STORE_READONLY, NULL, &ro, &err), 0);
  report_identity id;
  assert_int_equal(report_identity_load(ro, &id, &err), 0);
  period_filing pf = {ECSL_ZM, NULL, &id};
  report_out o;
  memset(&o, 0, sizeof o);
  char *bytes = NULL;
  size_t len = 0;
  period_closing c;
  assert_int_equal(period_close(ro, "2024-03", &pf, at(2024, 4, 2, 0), &o, &bytes, &len,
                                &c, &err),
                   -1);
  assert_string_equal(err.code, "storage");
  assert_null(bytes);
  store_close(ro);
  journal_report rep;
  verify(f, &rep);
  assert_true(rep.ok);
  assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM journal WHERE kind='period'"),
                   0);
}

/* The store's three-way results say what happened: found or not, recorded
 * now or before (a second void writes nothing), refused. */
static void store_results_name_what_happened(void **state) {
  fixture *f = *state;
  pi_error err;
  pi_error_clear(&err);
  store_sale found;
  assert_int_equal(store_find(f->st, "shop-1", "T1", "A", &found, &err), STORE_FOUND);
  assert_false(found.voided);
  store_sale_free(&found);
  assert_int_equal(store_find(f->st, "shop-1", "T1", "B", &found, &err), STORE_FOUND);
  assert_true(found.voided);
  store_sale_free(&found);
  assert_int_equal(store_find(f->st, "shop-1", "T1", "Z", &found, &err), STORE_NOT_FOUND);
  assert_int_equal(store_find(f->st, NULL, NULL, "A", &found, &err), STORE_FOUND);
  store_sale_free(&found);

  int64_t entries = tu_sql_int(f->path, "SELECT count(*) FROM journal");
  assert_int_equal(store_record_void(f->st, NULL, PURPOSE_OWN_USE, "shop-1", "T1", "B",
                                     "again", "2024-03-21T09:00:00.000Z", "{}", &err),
                   STORE_REC_ALREADY);
  assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM journal"), entries);
  assert_int_equal(store_record_void(f->st, NULL, PURPOSE_OWN_USE, "shop-1", "T1", "Z",
                                     "none", "2024-03-21T09:00:00.000Z", "{}", &err),
                   STORE_REC_FAILED);
  assert_int_equal(err.kind, PI_E_UNKNOWN_SALE);
  pi_error_clear(&err);
  assert_int_equal(store_record_void(f->st, NULL, PURPOSE_OWN_USE, "shop-1", "T1", "A",
                                     "returned", "2024-03-21T09:00:00.000Z", "{}", &err),
                   STORE_REC_DONE);
  assert_int_equal(tu_sql_int(f->path, "SELECT count(*) FROM journal"), entries + 1);
  journal_report rep;
  verify(f, &rep);
  assert_true(rep.ok);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(store_results_name_what_happened, setup, teardown),
      cmocka_unit_test_setup_teardown(voids_after_the_day_are_credits_in_their_period,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(closing_records_the_filed_bytes_in_the_chain, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(verify_catches_an_edited_closing, setup, teardown),
      cmocka_unit_test_setup_teardown(read_only_store_cannot_close, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
