/* SPDX-License-Identifier: MIT */
/* test_accounts.c - customer accounts (issue 15, part 1): the rules of
 * domain/account.c, the versions of store/accounts.c with their journal
 * entries, and sale.customer {"account": ID} through the engine: the
 * freeze, refusals that change nothing, expired certificates, tampering
 * caught by verify and erasure that leaves no copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/account.h"
#include "store/accounts.h"
#include "store/erase.h"
#include "store/store.h"
#include "testutil.h"

typedef struct fixture {
  char dir[512];
  char db[600];
  engine *e;
} fixture;

static int setup(void **state) {
  static fixture f;
  memset(&f, 0, sizeof f);
  tu_tempdir(f.dir, sizeof f.dir);
  snprintf(f.db, sizeof f.db, "%s/t.db", f.dir);
  f.e = tu_engine(f.db, NULL);
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  engine_close(f->e);
  tu_rmtree(f->dir);
  return 0;
}

static int64_t count(fixture *f, const char *sql) { return tu_sql_int(f->db, sql); }

/* A second connection, as the admin CLI has while the till runs. */
static store *admin(fixture *f) {
  store *st;
  pi_error err;
  pi_error_clear(&err);
  if (store_open(f->db, STORE_EXISTING, NULL, &st, &err)) fail_msg("%s", err.message);
  return st;
}

/* Put account `id` of shop-1 on file: a business with `vat` (or none) and
 * a Texas certificate expiring `cert_expires` (NULL: none), judged on
 * 2026-01-10. */
static void add_account(fixture *f, const char *id, account_kind kind, purpose p,
                        const char *vat, const char *cert_expires) {
  account a;
  memset(&a, 0, sizeof a);
  pi_error err;
  pi_error_clear(&err);
  snprintf(a.store, sizeof a.store, "shop-1");
  snprintf(a.id, sizeof a.id, "%s", id);
  snprintf(a.name, sizeof a.name, "Name of %s", id);
  a.kind = kind;
  a.purpose = p;
  a.status = ACCOUNT_OPEN;
  if (vat && account_evidence_number(&a.ev[a.nev++], TAXID_VAT, vat, &err))
    fail_msg("%s", err.message);
  if (cert_expires && account_evidence_cert(&a.ev[a.nev++], "TX", "1-23-4567890",
                                            "2026-01-02", cert_expires, "2026-01-10", &err))
    fail_msg("%s", err.message);
  store *st = admin(f);
  if (store_account_add(st, &a, "2026-01-10T09:00:00Z", &err)) fail_msg("%s", err.message);
  assert_int_equal(a.version, 1);
  store_close(st);
}

/* Read account `id` of shop-1, let `change` alter it, write the next
 * version.  Returns 0, or -1 with *err. */
static int change_account(fixture *f, const char *id, void (*change)(account *),
                          pi_error *err) {
  account a;
  store *st = admin(f);
  assert_int_equal(store_account_find(st, "shop-1", id, &a, err), STORE_FOUND);
  change(&a);
  int rc = store_account_update(st, &a, "2026-11-25T18:00:00Z", err);
  store_close(st);
  return rc;
}

static void new_vat(account *a) {
  pi_error err;
  pi_error_clear(&err);
  for (size_t i = 0; i < a->nev; i++)
    if (a->ev[i].kind == TAXID_VAT &&
        account_evidence_number(&a->ev[i], TAXID_VAT, "ATU13585627", &err))
      fail_msg("%s", err.message);
  snprintf(a->name, sizeof a->name, "Renamed Ltd");
  a->purpose = PURPOSE_OWN_USE;
}

static void close_it(account *a) { a->status = ACCOUNT_CLOSED; }

/* An open sale S of 2026-11-26 with one line. */
static void begin(fixture *f, const char *id) {
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.begin\",\"sale\":\"%s\",\"store\":\"shop-1\","
                     "\"terminal\":\"T1\",\"at\":\"2026-11-26T10:00:00+01:00\"}",
                     id));
  cJSON_Delete(tu_ok(f->e,
                     "{\"type\":\"sale.line\",\"sale\":\"%s\",\"line\":\"L1\",\"qty\":1,"
                     "\"unit_price\":1000,\"net\":1000,\"tax\":0}",
                     id));
}

#define CUSTOMER_FMT "{\"type\":\"sale.customer\",\"sale\":\"%s\",\"customer\":{\"account\":\"%s\"}}"

/* ---- the domain ------------------------------------------------------------ */

static void evidence_is_checked_with_the_field(void **state) {
  (void)state;
  account_evidence e;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(account_evidence_number(&e, TAXID_VAT, "DE 136 695 976", &err), 0);
  assert_string_equal(e.compact, "DE136695976");
  assert_string_equal(e.input, "DE 136 695 976");
  assert_int_equal(account_evidence_number(&e, TAXID_VAT, "DE136695977", &err), -1);
  assert_string_equal(err.field, "vat");
  assert_non_null(strstr(err.message, "bad_check_digit"));
  assert_int_equal(account_evidence_number(&e, TAXID_EORI, "XX1", &err), -1);
  assert_string_equal(err.field, "eori");
  struct {
    const char *state, *number, *signed_on, *expires, *field;
  } bad[] = {
      {"T", "1-23", "2026-01-01", "", "cert.state"},
      {"ZZ", "1-23", "2026-01-01", "", "cert.state"},
      {"TX", "", "2026-01-01", "", "cert.number"},
      {"TX", "1 2 3 !", "2026-01-01", "", "cert.number"},
      {"TX", "1-23", "", "", "cert.signed"},
      {"TX", "1-23", "2026-02-30", "", "cert.signed"},
      {"TX", "1-23", "2026-03-01", "", "cert.signed"},      /* after today */
      {"TX", "1-23", "2026-01-01", "2026-13-01", "cert.expires"},
      {"TX", "1-23", "2025-01-01", "2026-01-31", "cert.expires"}, /* expired */
      {"TX", "1-23", "2026-01-15", "2026-01-10", "cert.expires"}, /* before signed */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pi_error_clear(&err);
    if (account_evidence_cert(&e, bad[i].state, bad[i].number, bad[i].signed_on,
                              bad[i].expires, "2026-02-01", &err) == 0)
      fail_msg("case %zu accepted", i);
    if (strcmp(err.field, bad[i].field) != 0)
      fail_msg("case %zu: field %s, want %s (%s)", i, err.field, bad[i].field, err.message);
  }
  assert_int_equal(account_evidence_cert(&e, "tx", "1-23-4567890", "2026-01-01",
                                         "2027-01-01", "2026-02-01", &err),
                   0);
  assert_string_equal(e.state, "TX");
  assert_string_equal(e.compact, "TX:1-23-4567890");
  assert_string_equal(e.signed_on, "2026-01-01");
}

static void account_rules(void **state) {
  (void)state;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(account_id_check("ACME-01", "account", &err), 0);
  assert_int_equal(account_id_check("", "account", &err), -1);
  assert_int_equal(account_id_check("two words", "customer.account", &err), -1);
  assert_string_equal(err.field, "customer.account");
  char longid[80];
  memset(longid, 'x', 65);
  longid[65] = '\0';
  assert_int_equal(account_id_check(longid, "account", &err), -1);
  account a;
  memset(&a, 0, sizeof a);
  snprintf(a.id, sizeof a.id, "A");
  snprintf(a.name, sizeof a.name, "A Ltd");
  a.kind = ACCOUNT_BUSINESS;
  a.status = ACCOUNT_OPEN;
  assert_int_equal(account_check(&a, &err), 0);
  assert_int_equal(account_evidence_number(&a.ev[0], TAXID_VAT, "DE136695976", &err), 0);
  a.ev[1] = a.ev[0];
  a.nev = 2;
  assert_int_equal(account_check(&a, &err), -1);
  assert_string_equal(err.field, "vat");
  a.name[0] = '\0';
  a.nev = 0;
  assert_int_equal(account_check(&a, &err), -1);
  assert_string_equal(err.field, "name");
  /* The freeze copies what a sale needs; the verdicts are the engine's. */
  snprintf(a.name, sizeof a.name, "A Ltd");
  a.nev = 1;
  party p;
  account_to_party(&a, &p);
  assert_true(p.present);
  assert_string_equal(p.account, "A");
  assert_string_equal(p.id, "A");
  assert_string_equal(p.name, "A Ltd");
  assert_int_equal(p.org, 1);
  assert_int_equal(p.nev, 1);
  assert_string_equal(p.ev[0].input, "DE136695976");
}

/* ---- versions and the store ------------------------------------------------- */

static void versions_are_added_never_changed(void **state) {
  fixture *f = *state;
  add_account(f, "ACME", ACCOUNT_BUSINESS, PURPOSE_RESALE, "DE136695976", "2027-01-01");
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(change_account(f, "ACME", new_vat, &err), 0);
  assert_int_equal(count(f, "SELECT count(*) FROM accounts WHERE account='ACME'"), 2);
  assert_int_equal(count(f, "SELECT count(*) FROM journal WHERE kind='account'"), 2);
  char buf[128];
  tu_sql_text(f->db, "SELECT name||'|'||purpose FROM accounts WHERE version=1", buf,
              sizeof buf);
  assert_string_equal(buf, "Name of ACME|resale");
  store *st = admin(f);
  account a;
  assert_int_equal(store_account_find(st, "shop-1", "ACME", &a, &err), STORE_FOUND);
  assert_int_equal(a.version, 2);
  assert_string_equal(a.name, "Renamed Ltd");
  assert_string_equal(a.created_at, "2026-01-10T09:00:00Z");
  assert_string_equal(a.updated_at, "2026-11-25T18:00:00Z");
  assert_int_equal(a.nev, 2);
  /* Written from a stale read: refused, nothing written. */
  a.version = 1;
  assert_int_equal(store_account_update(st, &a, "2026-11-25T19:00:00Z", &err), -1);
  assert_int_equal(err.kind, PI_E_CONFLICT);
  /* The same id again: refused. */
  a.version = 0;
  assert_int_equal(store_account_add(st, &a, "2026-11-25T19:00:00Z", &err), -1);
  assert_int_equal(err.kind, PI_E_CONFLICT);
  assert_string_equal(err.field, "account");
  /* Another store may have an account of that id. */
  snprintf(a.store, sizeof a.store, "shop-2");
  assert_int_equal(store_account_add(st, &a, "2026-11-25T19:00:00Z", &err), 0);
  store_close(st);
  assert_int_equal(count(f, "SELECT count(*) FROM accounts"), 3);
  /* Closed stays closed. */
  assert_int_equal(change_account(f, "ACME", close_it, &err), 0);
  assert_int_equal(change_account(f, "ACME", new_vat, &err), -1);
  assert_int_equal(err.kind, PI_E_ACCOUNT_CLOSED);
  assert_int_equal(count(f, "SELECT count(*) FROM accounts"), 4);
}

/* ---- sale.customer {"account"} --------------------------------------------- */

/* The sale copies the account as it stands when it is named; an update
 * after that, before or after the completion, never rewrites it. */
static void the_sale_keeps_the_account_as_it_was(void **state) {
  fixture *f = *state;
  add_account(f, "ACME", ACCOUNT_BUSINESS, PURPOSE_RESALE, "DE136695976", NULL);
  begin(f, "S1");
  cJSON *r = tu_ok(f->e, CUSTOMER_FMT, "S1", "ACME");
  assert_string_equal(tu_str(r, "account"), "ACME");
  assert_int_equal(tu_num(r, "account_version"), 1);
  assert_string_equal(tu_str(r, "purpose"), "resale");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "reseller_evidence")));
  cJSON_Delete(r);
  /* Changed while the sale is open: the open sale keeps its copy. */
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(change_account(f, "ACME", new_vat, &err), 0);
  r = tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"S1\",\"total\":1000}");
  assert_string_equal(tu_str(r, "lines.0.purpose"), "resale");
  assert_string_equal(tu_str(r, "receipt.0"), "Purchased for resale - VAT DE136695976");
  cJSON_Delete(r);
  char buf[256];
  tu_sql_text(f->db,
              "SELECT customer_id||'|'||customer_name||'|'||customer_org||'|'||purpose"
              "||'|'||reseller_id FROM sales WHERE sale='S1'",
              buf, sizeof buf);
  assert_string_equal(buf, "ACME|Name of ACME|1|resale|DE136695976");
  /* Changed again and closed after the record: the sale is as it was. */
  assert_int_equal(change_account(f, "ACME", close_it, &err), 0);
  tu_sql_text(f->db, "SELECT group_concat(compact) FROM evidence", buf, sizeof buf);
  assert_string_equal(buf, "DE136695976");
  tu_sql_text(f->db, "SELECT customer_name FROM sales WHERE sale='S1'", buf, sizeof buf);
  assert_string_equal(buf, "Name of ACME");
  /* A new sale gets the new version -- refused now, since it is closed. */
  begin(f, "S2");
  cJSON_Delete(tu_err(f->e, "account_closed", "customer.account", CUSTOMER_FMT, "S2",
                      "ACME"));
}

/* Unknown and closed accounts are refused naming customer.account, and the
 * open sale is left as it was: no customer, no purpose. */
static void unknown_and_closed_accounts_change_nothing(void **state) {
  fixture *f = *state;
  add_account(f, "GONE", ACCOUNT_BUSINESS, PURPOSE_RESALE, "DE136695976", NULL);
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(change_account(f, "GONE", close_it, &err), 0);
  begin(f, "S1");
  cJSON *r = tu_err(f->e, "unknown_account", "customer.account", CUSTOMER_FMT, "S1",
                    "NOBODY");
  assert_non_null(strstr(tu_str(r, "error.message"), "NOBODY"));
  cJSON_Delete(r);
  r = tu_err(f->e, "account_closed", "customer.account", CUSTOMER_FMT, "S1", "GONE");
  assert_non_null(strstr(tu_str(r, "error.message"), "closed"));
  cJSON_Delete(r);
  /* An account of another store is unknown here. */
  account a;
  store *st = admin(f);
  assert_int_equal(store_account_find(st, "shop-1", "GONE", &a, &err), STORE_FOUND);
  snprintf(a.store, sizeof a.store, "shop-2");
  snprintf(a.id, sizeof a.id, "ELSEWHERE");
  a.status = ACCOUNT_OPEN;
  assert_int_equal(store_account_add(st, &a, "2026-11-25T19:00:00Z", &err), 0);
  store_close(st);
  cJSON_Delete(tu_err(f->e, "unknown_account", "customer.account", CUSTOMER_FMT, "S1",
                      "ELSEWHERE"));
  /* Malformed: an id that is not one, or members beside the account. */
  cJSON_Delete(tu_err(f->e, "bad_value", "customer.account", CUSTOMER_FMT, "S1", "a b"));
  cJSON_Delete(tu_err(f->e, "bad_value", "customer.vat",
                      "{\"type\":\"sale.customer\",\"sale\":\"S1\",\"customer\":"
                      "{\"account\":\"GONE\",\"vat\":\"DE136695976\"}}"));
  r = tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"S1\",\"total\":1000}");
  assert_string_equal(tu_str(r, "lines.0.purpose"), "own_use");
  cJSON_Delete(r);
  assert_int_equal(count(f, "SELECT count(*) FROM sales WHERE customer_id IS NULL AND "
                            "customer_name IS NULL AND sale='S1'"),
                   1);
  assert_int_equal(count(f, "SELECT count(*) FROM evidence"), 0);
}

/* A certificate on file that has expired by the sale's date is copied
 * with its verdict (expired) and backs no resale: the tag is refused, and
 * an account whose default purpose is resale is refused outright. */
static void an_expired_certificate_is_no_evidence(void **state) {
  fixture *f = *state;
  add_account(f, "TEX", ACCOUNT_BUSINESS, PURPOSE_NONE, NULL, "2026-06-30");
  add_account(f, "TEXR", ACCOUNT_BUSINESS, PURPOSE_RESALE, NULL, "2026-06-30");
  begin(f, "S1");
  cJSON *r = tu_ok(f->e, CUSTOMER_FMT, "S1", "TEX");
  assert_string_equal(tu_str(r, "evidence.0.reason"), "expired");
  assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r, "reseller_evidence")));
  assert_null(cJSON_GetObjectItem(r, "purpose"));
  cJSON_Delete(r);
  r = tu_err(f->e, "reseller_evidence", NULL,
             "{\"type\":\"sale.tag\",\"sale\":\"S1\",\"purpose\":\"resale\"}");
  assert_non_null(strstr(tu_str(r, "error.message"), "2026-06-30"));
  cJSON_Delete(r);
  begin(f, "S2");
  r = tu_err(f->e, "reseller_evidence", "customer.account", CUSTOMER_FMT, "S2", "TEXR");
  assert_non_null(strstr(tu_str(r, "error.message"), "expired"));
  cJSON_Delete(r);
  /* The way out the message names: the cashier's own tag first. */
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.tag\",\"sale\":\"S2\",\"purpose\":\"own_use\"}"));
  r = tu_ok(f->e, CUSTOMER_FMT, "S2", "TEXR");
  assert_null(cJSON_GetObjectItem(r, "purpose"));
  cJSON_Delete(r);
  r = tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"S2\",\"total\":1000}");
  assert_string_equal(tu_str(r, "lines.0.purpose"), "own_use");
  cJSON_Delete(r);
  char buf[128];
  tu_sql_text(f->db, "SELECT kind||'|'||compact||'|'||valid||'|'||reason FROM evidence",
              buf, sizeof buf);
  assert_string_equal(buf, "resale_cert|TX:1-23-4567890|0|expired");
}

/* A gift-by-default account tags the sale a gift; a person's account
 * records the customer as a person. */
static void the_default_purpose_and_the_kind(void **state) {
  fixture *f = *state;
  add_account(f, "ANNA", ACCOUNT_PERSON, PURPOSE_GIFT, NULL, NULL);
  begin(f, "S1");
  cJSON *r = tu_ok(f->e, CUSTOMER_FMT, "S1", "ANNA");
  assert_string_equal(tu_str(r, "purpose"), "gift");
  cJSON_Delete(r);
  r = tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"S1\",\"total\":1000}");
  assert_string_equal(tu_str(r, "lines.0.purpose"), "gift");
  cJSON_Delete(r);
  assert_int_equal(count(f, "SELECT customer_org FROM sales WHERE sale='S1'"), 0);
}

/* ---- the journal and erasure -------------------------------------------------- */

static void verify(fixture *f, journal_report *rep) {
  store *st;
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(store_open(f->db, STORE_READONLY, NULL, &st, &err), 0);
  assert_int_equal(store_verify(st, rep, &err), 0);
  store_close(st);
}

static void tamper(fixture *f, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_changes(db) > 0, 1);
  sqlite3_close(db);
}

/* Every account row is chained: an edited row or piece of evidence, a
 * deleted or inserted version, and evidence added behind the journal's
 * back are each reported. */
static void verify_catches_an_edited_account(void **state) {
  fixture *f = *state;
  add_account(f, "ACME", ACCOUNT_BUSINESS, PURPOSE_RESALE, "DE136695976", "2027-01-01");
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(change_account(f, "ACME", new_vat, &err), 0);
  engine_close(f->e);
  f->e = NULL;
  journal_report rep;
  verify(f, &rep);
  if (!rep.ok) fail_msg("%s", rep.problem);
  char copy[700];
  snprintf(copy, sizeof copy, "%s/copy.db", f->dir);
  const char *edits[] = {
      "UPDATE accounts SET name='Someone Else' WHERE version=2",
      "UPDATE accounts SET purpose='own_use' WHERE version=1",
      "UPDATE accounts SET status='closed' WHERE version=2",
      "UPDATE account_evidence SET input='DE999999999' WHERE seq=1",
      "UPDATE account_evidence SET expires='2099-12-31' WHERE kind='resale_cert'",
      "DELETE FROM account_evidence WHERE kind='resale_cert' AND account_id=2",
      "DELETE FROM accounts WHERE version=2",
      "INSERT INTO accounts(store,account,version,name,kind,purpose,status,created_at,"
      "updated_at) VALUES('shop-1','ACME',3,'x','business','resale','open','x','x')",
      "INSERT INTO account_evidence(account_id,seq,kind,input,compact,country)"
      " VALUES(1,9,'vat','DE136695976','DE136695976','DE')",
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", f->db, copy);
    assert_int_equal(system(cmd), 0);
    tamper(f, edits[i]);
    verify(f, &rep);
    if (rep.ok) fail_msg("verify missed: %s", edits[i]);
    assert_non_null(strstr(rep.problem, "account"));
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", copy, f->db);
    assert_int_equal(system(cmd), 0);
  }
  f->e = tu_engine(f->db, NULL);
}

/* 1 when the bytes of `needle` are anywhere in file `path`. */
static int file_has(const char *path, const char *needle) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) return 0;
  size_t n = strlen(needle), cap = 1 << 20, len = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  int found = 0;
  size_t got;
  while ((got = fread(buf + len, 1, cap - len, fp)) > 0) {
    len += got;
    for (size_t i = 0; !found && i + n <= len; i++) found = memcmp(buf + i, needle, n) == 0;
    if (len > n) {
      memmove(buf, buf + len - n, n);
      len = n;
    }
  }
  fclose(fp);
  free(buf);
  return found;
}

/* erase --account: the name goes from every version of the account and
 * from the sales recorded under it, from every file, and verify passes. */
static void erasing_an_account_leaves_no_name(void **state) {
  fixture *f = *state;
  add_account(f, "ANNA", ACCOUNT_PERSON, PURPOSE_NONE, NULL, NULL);
  pi_error err;
  pi_error_clear(&err);
  assert_int_equal(change_account(f, "ANNA", new_vat, &err), 0); /* "Renamed Ltd" */
  begin(f, "S1");
  cJSON_Delete(tu_ok(f->e, CUSTOMER_FMT, "S1", "ANNA"));
  cJSON_Delete(tu_ok(f->e, "{\"type\":\"sale.complete\",\"sale\":\"S1\",\"total\":1000}"));
  engine_close(f->e);
  f->e = NULL;
  char wal[700];
  snprintf(wal, sizeof wal, "%s-wal", f->db);
  assert_true(file_has(f->db, "Name of ANNA") || file_has(wal, "Name of ANNA"));
  store *st = admin(f);
  erase_request rq = {ERASE_ACCOUNT, "ANNA", NULL, NULL, NULL};
  erase_result res;
  if (erase_personal_data(st, &rq, "2026-12-05T00:00:00Z", &res, &err))
    fail_msg("%s", err.message);
  assert_int_equal(res.names, 2);
  assert_int_equal(res.sales, 1);
  /* Again: nothing left, nothing written. */
  int64_t entries = count(f, "SELECT count(*) FROM journal");
  assert_int_equal(erase_personal_data(st, &rq, "2026-12-05T00:00:01Z", &res, &err), 0);
  assert_int_equal(res.names, 0);
  assert_int_equal(count(f, "SELECT count(*) FROM journal"), entries);
  /* An account nobody has. */
  erase_request none = {ERASE_ACCOUNT, "NOBODY", NULL, NULL, NULL};
  assert_int_equal(erase_personal_data(st, &none, "2026-12-05T00:00:02Z", &res, &err), -1);
  assert_int_equal(err.kind, PI_E_UNKNOWN_ACCOUNT);
  store_close(st);
  assert_int_equal(count(f, "SELECT count(*) FROM accounts WHERE name IS NOT NULL"), 0);
  assert_int_equal(count(f, "SELECT count(*) FROM salts WHERE sale_id < 0"), 0);
  assert_int_equal(count(f, "SELECT count(*) FROM sales WHERE customer_name IS NOT NULL"), 0);
  assert_false(file_has(f->db, "Name of ANNA"));
  assert_false(file_has(f->db, "Renamed Ltd"));
  assert_false(file_has(wal, "Name of ANNA"));
  assert_false(file_has(wal, "Renamed Ltd"));
  journal_report rep;
  verify(f, &rep);
  if (!rep.ok) fail_msg("%s", rep.problem);
  /* The account stays on file, without a name, and still works. */
  f->e = tu_engine(f->db, NULL);
  begin(f, "S2");
  cJSON *r = tu_ok(f->e, CUSTOMER_FMT, "S2", "ANNA");
  assert_string_equal(tu_str(r, "account"), "ANNA");
  cJSON_Delete(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(evidence_is_checked_with_the_field),
      cmocka_unit_test(account_rules),
      cmocka_unit_test_setup_teardown(versions_are_added_never_changed, setup, teardown),
      cmocka_unit_test_setup_teardown(the_sale_keeps_the_account_as_it_was, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(unknown_and_closed_accounts_change_nothing, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(an_expired_certificate_is_no_evidence, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(the_default_purpose_and_the_kind, setup, teardown),
      cmocka_unit_test_setup_teardown(verify_catches_an_edited_account, setup, teardown),
      cmocka_unit_test_setup_teardown(erasing_an_account_leaves_no_name, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
