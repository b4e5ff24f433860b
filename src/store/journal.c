/* SPDX-License-Identifier: MIT */
/* journal.c - the hash-chained journal: append, erase, verify. */
#include "store/journal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/jsonw.h"

/* Format 2 chains the script meta as a salted digest (a personal field)
 * instead of in plain in the body, so that erasure can remove it.  Format 3
 * does the same for a void's reason, free text that cashiers fill with
 * names ("refund: Anna K., returned it").  Format 4 adds the sale's
 * attempt key (sales.attempt, schema 5) to the sale's array in the body:
 * a resend is acknowledged or refused by it, so an edited key must show.
 * Format 5 adds each line's tax rate and tax code (lines.tax_rate_bp and
 * tax_code, schema 10) to the line arrays: the VAT return is totalled by
 * them, so an edited rate must show.
 * Entries of earlier formats are still verified as they were written; a
 * sale of theirs must have no attempt and its lines no rate or code (it
 * was recorded before there were any), so one set behind the journal's
 * back shows too.  Format 6 adds the store scripts' failures the sale
 * was decided with (script_errors, schema 11) as "script_errors":[[row],
 * ...] after the evidence, each sentence as a salted digest
 * "error<seq>.message" among the personal fields; an entry of an earlier
 * format lists them only when there are rows (there can be none: nothing
 * was kept then), so rows added behind the journal's back show there
 * too. */
#define FORMAT_VERSION 6
#define VOID_PII_SINCE 3
#define ATTEMPT_SINCE 4
#define LINE_TAX_SINCE 5
#define SCRIPT_ERRORS_SINCE 6
#define SALT_BYTES 16
static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* The columns each fact is made of, in the order they are hashed.  Adding
 * a column to the schema does not change old bodies; a new journal format
 * version would list it.
 *
 * sales.reply, the answer the host got and gets again for a resent
 * completion, is covered too, but as a salted digest among the personal
 * fields (see REPLY_FIELD), not in the body.  Why chain the stored reply
 * instead of rebuilding it from the chained rows on each resend: the
 * reply holds what no row does (receipt lines and prompts that store
 * scripts wrote at that moment, a decision made by that day's rules and
 * code), and a resend must get the very same bytes; a rebuilt reply would
 * silently change whenever scripts or posintent change.  Why a salted
 * digest rather than the text in the body: the reply can carry personal
 * data (a script's "Gift message: ..." receipt line), which erasure must
 * be able to remove without breaking the chain.  meta is in the body of
 * format 1 entries only; format 2 chains it as a personal field (below). */
static const char sale_cols[] =
    "store, terminal, sale, cashier, began_at, day, completed_at, currency, "
    "purpose, net, tax, total, customer_id, customer_org, reseller_kind, "
    "reseller_id, reseller_country, reseller_valid, reseller_reason, treatment, "
    "gift_receipt, tenders, meta, status, attempt";
static const char line_cols[] =
    "seq, line, sku, name, qty_milli, unit_price, net, tax, purpose, status, "
    "treatment, gift_receipt, tax_rate_bp, tax_code";
static const char evidence_cols[] =
    "kind, input, state, expires, compact, country, valid, reason, chosen";
/* A store script's failure the sale was decided with (format 6 on); its
 * sentence, personal data, is ERROR_TEXT_FIELD. */
static const char script_error_cols[] = "seq, event, hook, location, count, truncated";
#define ERROR_TEXT_FIELD "message" /* "error<seq>.message" in salts */

/* A return (format JOURNAL_RETURN_FORMAT): the returns row without its
 * personal text and reply, and its lines.  The original sale's id comes
 * first: the personal text is salted under it. */
static const char return_cols[] =
    "sale_id, store, ret, at, day, recorded_at, reason, currency, net, tax, total, "
    "reseller_kind, reseller_id, reseller_country, reseller_valid, reseller_reason, "
    "customer_id, refund";
static const char return_line_cols[] =
    "seq, line_seq, line, qty_milli, net, tax, purpose, status, treatment";
#define RETURN_TEXT_FIELD "reason_text" /* "return<id>.reason_text" in salts */

/* An account version (format JOURNAL_ACCOUNT_FORMAT): the accounts row
 * without its name, and its evidence.  The name is a salted digest under
 * the negative row id (journal.h). */
static const char account_cols[] =
    "store, account, version, kind, purpose, status, created_at, updated_at";
static const char account_evidence_cols[] =
    "seq, kind, input, state, signed, expires, compact, country";
#define ACCOUNT_NAME_FIELD "name"

/* An online verification of a VAT number (format
 * JOURNAL_VERIFICATION_FORMAT): the verifications row, and the name and
 * address the register returned as digests: plain ones in the body in
 * format 1, salted ones in pii from format 2 on (journal.h says why).
 * Their salts are kept under sale id VERIFICATION_SALTS (no sale has id
 * 0; accounts' are negative), fields "verification<row>.name" and
 * "verification<row>.address", and erasure drops them as a sale's. */
static const char verification_cols[] =
    "number, country, service, requester, outcome, code, detail, checked_at,"
    " request_date, consultation, retry_after";
#define VERIFICATION_SALTS 0
#define VERIFICATION_SALTED_SINCE 2

/* Personal data: kept in plain in the rows, in the journal only as salted
 * digests. */
static const char *const sale_pii[] = {"customer_name",     "gift_message",
                                       "recipient_name",    "recipient_contact",
                                       "meta",              NULL};
#define SALE_PII_V1 4 /* format 1 chained meta in plain in the body */
#define SALE_PII 5
static const char *const line_pii[] = {"gift_message", "recipient_name",
                                       "recipient_contact", NULL};

/* The stored reply's name among the digests ("pii") and in salts.  Entries
 * written before replies were chained have no such key, and verification
 * then checks the reply of that sale against nothing (the key's presence
 * is itself hashed, so it cannot be stripped from a newer entry). */
#define REPLY_FIELD "reply"

/* A void's reason among the digests and in salts (format 3 on).  The
 * voids.reason column is NOT NULL (schema version 1), so an erased reason
 * is set to '', and an empty reason counts as no personal value. */
#define VOID_REASON_FIELD "void_reason"

/* Statements and digest state prepared once per connection: recording a
 * sale runs all of them, and preparing SQL or fetching SHA-256 each time
 * cost more than the rest of the sale together. */
struct journal {
  sqlite3 *db;
  int meta_col;    /* meta's index in sale_cols: in format 1 bodies only */
  int attempt_col; /* attempt's index in sale_cols: from format 4 on      */
  int rate_col;    /* tax_rate_bp's and tax_code's in line_cols: from     */
  int code_col;    /* format 5 on                                         */
  sqlite3_stmt *sel_sale, *sel_lines, *sel_evidence, *sel_void, *head, *insert,
      *get_salt, *put_salt, *salted_fields, *del_salt, *sel_return, *sel_return_lines,
      *sel_account, *sel_account_evidence, *sel_script_errors;
  EVP_MD *sha256;
  EVP_MD_CTX *ctx;
  jsonw body, pii;
};

static int db_fail(sqlite3 *db, pi_error *err, const char *what) {
  return pi_fail(err, PI_E_STORAGE, "journal", "%s: %s", what, sqlite3_errmsg(db));
}

static void hex(const unsigned char *d, size_t n, char *out) {
  static const char h[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = h[d[i] >> 4];
    out[2 * i + 1] = h[d[i] & 15];
  }
  out[2 * n] = '\0';
}

/* SHA-256 over the given parts, each followed by a newline, as hex. */
static int sha256_parts(journal *j, const char *const *parts, const size_t *lens,
                        size_t n, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  int ok = EVP_DigestInit_ex(j->ctx, j->sha256, NULL);
  for (size_t i = 0; ok && i < n; i++)
    ok = EVP_DigestUpdate(j->ctx, parts[i], lens[i]) && EVP_DigestUpdate(j->ctx, "\n", 1);
  ok = ok && EVP_DigestFinal_ex(j->ctx, md, &mdlen) && mdlen == 32;
  if (ok) hex(md, 32, out);
  return ok ? 0 : -1;
}

static int salted_digest(journal *j, const void *salt, size_t saltlen, const char *value,
                         char out[65]) {
  const char *parts[2] = {salt, value};
  size_t lens[2] = {saltlen, strlen(value)};
  return sha256_parts(j, parts, lens, 2, out);
}

/* The hash of an entry. */
static int entry_hash(journal *j, const char *prev, int64_t seq, const char *kind,
                      int64_t sale_id, const char *at, const char *body, const char *pii,
                      char out[65]) {
  char s[24], id[24];
  snprintf(s, sizeof s, "%lld", (long long)seq);
  snprintf(id, sizeof id, "%lld", (long long)sale_id);
  const char *parts[] = {prev, s, kind, id, at, body, pii};
  size_t lens[7];
  for (int i = 0; i < 7; i++) lens[i] = strlen(parts[i]);
  return sha256_parts(j, parts, lens, 7, out);
}

/* Append the current row's columns from..from+n-1 as a JSON array,
 * leaving out columns `skip` and `skip2` (-1: none). */
static void row_array(jsonw *w, sqlite3_stmt *q, int from, int n, int skip, int skip2) {
  jw_array(w);
  for (int i = from; i < from + n; i++) {
    if (i == skip || i == skip2) continue;
    switch (sqlite3_column_type(q, i)) {
    case SQLITE_NULL: jw_raw(w, "null"); break;
    case SQLITE_INTEGER: jw_int(w, sqlite3_column_int64(q, i)); break;
    default: jw_str(w, (const char *)sqlite3_column_text(q, i));
    }
  }
  jw_end_array(w);
}

static int count_cols(const char *cols) {
  int n = 1;
  for (const char *p = cols; *p; p++) n += *p == ',';
  return n;
}

/* The index of column `name` in the list `cols`, or -1. */
static int col_index(const char *cols, const char *name) {
  size_t n = strlen(name);
  int i = 0;
  for (const char *p = cols; *p; i++) {
    while (*p == ' ') p++;
    if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0')) return i;
    p = strchr(p, ',');
    if (p == NULL) break;
    p++;
  }
  return -1;
}

static int prep(journal *j, sqlite3_stmt **q, const char *sql, pi_error *err) {
  if (sqlite3_prepare_v3(j->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) !=
      SQLITE_OK)
    return db_fail(j->db, err, "preparing the journal");
  return 0;
}

int journal_open(sqlite3 *db, journal **out, pi_error *err) {
  char sql[8][512];
  *out = NULL;
  journal *j = calloc(1, sizeof *j);
  if (j == NULL) return pi_fail(err, PI_E_NOMEM, "journal", "out of memory");
  j->db = db;
  j->meta_col = col_index(sale_cols, "meta");
  j->attempt_col = col_index(sale_cols, "attempt");
  j->rate_col = col_index(line_cols, "tax_rate_bp");
  j->code_col = col_index(line_cols, "tax_code");
  assert(j->meta_col >= 0 && j->attempt_col >= 0 && j->rate_col >= 0 && j->code_col >= 0);
  snprintf(sql[0], sizeof sql[0],
           "SELECT %s, customer_name, gift_message, recipient_name, recipient_contact,"
           " meta, reply FROM sales WHERE id=?1",
           sale_cols);
  snprintf(sql[1], sizeof sql[1],
           "SELECT %s, gift_message, recipient_name, recipient_contact FROM lines"
           " WHERE sale_id=?1 ORDER BY seq",
           line_cols);
  snprintf(sql[2], sizeof sql[2], "SELECT %s FROM evidence WHERE sale_id=?1 ORDER BY id",
           evidence_cols);
  snprintf(sql[3], sizeof sql[3],
           "SELECT %s, reason_text, reply FROM returns WHERE id=?1", return_cols);
  snprintf(sql[4], sizeof sql[4],
           "SELECT %s FROM return_lines WHERE return_id=?1 ORDER BY seq",
           return_line_cols);
  snprintf(sql[5], sizeof sql[5], "SELECT %s, name FROM accounts WHERE id=?1",
           account_cols);
  snprintf(sql[6], sizeof sql[6],
           "SELECT %s FROM account_evidence WHERE account_id=?1 ORDER BY seq",
           account_evidence_cols);
  snprintf(sql[7], sizeof sql[7],
           "SELECT %s, message FROM script_errors WHERE sale_id=?1 ORDER BY seq",
           script_error_cols);
  j->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  j->ctx = EVP_MD_CTX_new();
  if (j->sha256 == NULL || j->ctx == NULL) {
    journal_close(j);
    return pi_fail(err, PI_E_STORAGE, "journal", "SHA-256 is not available from libcrypto");
  }
  if (prep(j, &j->sel_sale, sql[0], err) || prep(j, &j->sel_lines, sql[1], err) ||
      prep(j, &j->sel_evidence, sql[2], err) ||
      prep(j, &j->sel_return, sql[3], err) || prep(j, &j->sel_return_lines, sql[4], err) ||
      prep(j, &j->sel_account, sql[5], err) ||
      prep(j, &j->sel_account_evidence, sql[6], err) ||
      prep(j, &j->sel_script_errors, sql[7], err) ||
      prep(j, &j->sel_void,
           "SELECT s.store, s.terminal, s.sale, v.at, v.reason FROM voids v"
           " JOIN sales s ON s.id=v.sale_id WHERE v.sale_id=?1",
           err) ||
      prep(j, &j->head, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1", err) ||
      prep(j, &j->insert,
           "INSERT INTO journal(seq,at,kind,sale_id,body,pii,prev,hash)"
           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
           err) ||
      prep(j, &j->get_salt, "SELECT salt FROM salts WHERE sale_id=?1 AND field=?2", err) ||
      prep(j, &j->put_salt, "INSERT INTO salts(sale_id, field, salt) VALUES(?1,?2,?3)",
           err) ||
      prep(j, &j->salted_fields,
           "SELECT field FROM salts WHERE sale_id=?1 ORDER BY field", err) ||
      prep(j, &j->del_salt, "DELETE FROM salts WHERE sale_id=?1 AND field=?2", err)) {
    journal_close(j);
    return -1;
  }
  *out = j;
  return 0;
}

void journal_close(journal *j) {
  if (j == NULL) return;
  sqlite3_stmt *all[] = {j->sel_sale, j->sel_lines, j->sel_evidence, j->sel_void,
                         j->head,     j->insert,    j->get_salt,     j->put_salt,
                         j->salted_fields, j->del_salt, j->sel_return,
                         j->sel_return_lines, j->sel_account, j->sel_account_evidence,
                         j->sel_script_errors};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
  EVP_MD_free(j->sha256);
  EVP_MD_CTX_free(j->ctx);
  jw_free(&j->body);
  jw_free(&j->pii);
  free(j);
}

void journal_set_max(journal *j, size_t max) {
  jw_set_max(&j->body, max);
  jw_set_max(&j->pii, max);
}

/* Reset a cached statement after use, whatever happened. */
static void done(sqlite3_stmt *q) {
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
}

/* How the personal fields are turned into digests: when recording, a fresh
 * salt per non-empty field (stored in salts); when verifying, the stored
 * salt, or "unsalted" when there is none (which matches no digest). */
enum pii_mode { PII_RECORD, PII_CHECK };

/* What building the facts of a sale or a void from its rows gave. */
typedef enum fact_result {
  FACT_FAILED = -1, /* *err set                                   */
  FACT_BUILT = 0,   /* j->body and j->pii hold the facts          */
  FACT_ABSENT = 1   /* no such sale, or the sale is not voided    */
} fact_result;

static int pii_field(journal *j, int64_t sale_id, enum pii_mode mode, const char *field,
                     const char *value, pi_error *err) {
  jsonw *w = &j->pii;
  /* Empty fields are left out: most lines carry no personal data. */
  if (value == NULL) return 0;
  jw_key(w, field);
  unsigned char salt[SALT_BYTES];
  char digest[65];
  if (mode == PII_RECORD) {
    if (RAND_bytes(salt, sizeof salt) != 1)
      return pi_fail(err, PI_E_STORAGE, "journal", "no random bytes for a salt");
    sqlite3_stmt *q = j->put_salt;
    sqlite3_bind_int64(q, 1, sale_id);
    sqlite3_bind_text(q, 2, field, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(q, 3, salt, sizeof salt, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    done(q);
    if (rc != SQLITE_DONE) return db_fail(j->db, err, "storing a salt");
  } else {
    sqlite3_stmt *q = j->get_salt;
    sqlite3_bind_int64(q, 1, sale_id);
    sqlite3_bind_text(q, 2, field, -1, SQLITE_TRANSIENT);
    /* A failed read is a failure, never "unsalted": under memory
     * pressure it would chain a wrong digest (and SQLite may have rolled
     * the transaction back already). */
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      done(q);
      return db_fail(j->db, err, "reading a salt");
    }
    int found = rc == SQLITE_ROW && sqlite3_column_bytes(q, 0) == SALT_BYTES;
    if (found) memcpy(salt, sqlite3_column_blob(q, 0), SALT_BYTES);
    done(q);
    if (!found) {
      jw_str(w, "unsalted");
      return 0;
    }
  }
  if (salted_digest(j, salt, sizeof salt, value, digest))
    return pi_fail(err, PI_E_STORAGE, "journal", "SHA-256 failed");
  jw_str(w, digest);
  return 0;
}

/* Start a fact: j->body as {"v":version, ... and j->pii as { ... */
static void fact_begin(journal *j, int version) {
  jw_reset(&j->body);
  jw_reset(&j->pii);
  jw_object(&j->body);
  jw_kint(&j->body, "v", version);
  jw_object(&j->pii);
}

/* The opening of a fact built from one row: bind `id` to `q` and step to
 * its row.  FACT_BUILT when the row is there to read (q is left on it; the
 * caller calls done(q)); FACT_ABSENT when there is none, and FACT_FAILED
 * with err ("reading <what>"), q reset in both. */
static fact_result fact_row(journal *j, sqlite3_stmt *q, int64_t id, const char *what,
                            pi_error *err) {
  sqlite3_bind_int64(q, 1, id);
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) return FACT_BUILT;
  done(q);
  if (step == SQLITE_DONE) return FACT_ABSENT;
  db_fail(j->db, err, what);
  return FACT_FAILED;
}

/* Append "key":[[row],...] to j->body: every row of `q` bound to `id`,
 * its first ncols columns each.  Returns 0, or -1 with err ("<what>"). */
static int child_rows(journal *j, sqlite3_stmt *q, int64_t id, const char *key, int ncols,
                      const char *what, pi_error *err) {
  int step;
  sqlite3_bind_int64(q, 1, id);
  jw_key(&j->body, key);
  jw_array(&j->body);
  while ((step = sqlite3_step(q)) == SQLITE_ROW) row_array(&j->body, q, 0, ncols, -1, -1);
  done(q);
  if (step != SQLITE_DONE) return db_fail(j->db, err, what);
  jw_end_array(&j->body);
  return 0;
}

/* The writers' own error when j->body or j->pii could not be built (nomem,
 * or too_long naming the limit), field "journal".  Returns 0 when both are
 * whole values, else -1 with err. */
static int facts_fail(const journal *j, pi_error *err) {
  if (jw_fail(&j->body, err, "journal")) return -1;
  return jw_fail(&j->pii, err, "journal");
}

/* Append the script failures of sale `sale_id` to j->body
 * ("script_errors":[[seq, event, hook, location, count, truncated],...])
 * and their sentences to j->pii; before format 6 only when there are
 * rows.  Returns 0, or -1 with err. */
static int script_errors_fact(journal *j, int64_t sale_id, enum pii_mode mode,
                              int version, pi_error *err) {
  int ncols = count_cols(script_error_cols), rc = 0;
  sqlite3_stmt *q = j->sel_script_errors;
  sqlite3_bind_int64(q, 1, sale_id);
  int step = sqlite3_step(q);
  if (step == SQLITE_DONE && version < SCRIPT_ERRORS_SINCE) {
    done(q);
    return 0;
  }
  jw_key(&j->body, "script_errors");
  jw_array(&j->body);
  for (; rc == 0 && step == SQLITE_ROW; step = sqlite3_step(q)) {
    row_array(&j->body, q, 0, ncols, -1, -1);
    const char *value = (const char *)sqlite3_column_text(q, ncols);
    if (value == NULL) continue;
    char field[64];
    snprintf(field, sizeof field, "error%lld.%s", (long long)sqlite3_column_int64(q, 0),
             ERROR_TEXT_FIELD);
    rc = pii_field(j, sale_id, mode, field, value, err);
  }
  done(q);
  if (rc) return -1;
  if (step != SQLITE_DONE) return db_fail(j->db, err, "reading the script failures");
  jw_end_array(&j->body);
  return 0;
}

/* Build j->body and j->pii of sale `sale_id` from its rows; the stored
 * reply's digest goes into j->pii when `with_reply` (always when
 * recording).  FACT_BUILT, FACT_ABSENT when there is no such sale, or
 * FACT_FAILED. */
static fact_result sale_fact(journal *j, int64_t sale_id, enum pii_mode mode, int with_reply,
                     int version, pi_error *err) {
  jsonw *body = &j->body;
  int ncols = count_cols(sale_cols), rc = 0, step;
  fact_begin(j, version);
  sqlite3_stmt *q = j->sel_sale;
  fact_result row = fact_row(j, q, sale_id, "reading the sale", err);
  if (row != FACT_BUILT) return row;
  jw_key(body, "sale");
  /* Before format 4 the body has no attempt; left out only when the row
   * has none, so that one added later makes the body differ. */
  int no_attempt = version < ATTEMPT_SINCE &&
                   sqlite3_column_type(q, j->attempt_col) == SQLITE_NULL;
  row_array(body, q, 0, ncols, version == 1 ? -1 : j->meta_col,
            no_attempt ? j->attempt_col : -1);
  for (int i = 0; i < (version == 1 ? SALE_PII_V1 : SALE_PII) && rc == 0; i++)
    rc = pii_field(j, sale_id, mode, sale_pii[i],
                   (const char *)sqlite3_column_text(q, ncols + i), err);
  if (rc == 0 && with_reply) /* the column after the personal ones */
    rc = pii_field(j, sale_id, mode, REPLY_FIELD,
                   (const char *)sqlite3_column_text(q, ncols + SALE_PII), err);
  done(q);
  if (rc) return FACT_FAILED;

  ncols = count_cols(line_cols);
  q = j->sel_lines;
  sqlite3_bind_int64(q, 1, sale_id);
  jw_key(body, "lines");
  jw_array(body);
  while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
    /* Before format 5 the lines have no rate or code; left out only when
     * the row has neither, so that one added later makes the body
     * differ. */
    int no_tax = version < LINE_TAX_SINCE &&
                 sqlite3_column_type(q, j->rate_col) == SQLITE_NULL &&
                 sqlite3_column_type(q, j->code_col) == SQLITE_NULL;
    row_array(body, q, 0, ncols, no_tax ? j->rate_col : -1, no_tax ? j->code_col : -1);
    for (int i = 0; line_pii[i] && rc == 0; i++) {
      const char *value = (const char *)sqlite3_column_text(q, ncols + i);
      if (value == NULL) continue;
      char field[64];
      snprintf(field, sizeof field, "line%lld.%s", (long long)sqlite3_column_int64(q, 0),
               line_pii[i]);
      rc = pii_field(j, sale_id, mode, field, value, err);
    }
  }
  done(q);
  if (rc) return FACT_FAILED;
  if (step != SQLITE_DONE) {
    db_fail(j->db, err, "reading the lines");
    return FACT_FAILED;
  }
  jw_end_array(body);

  if (child_rows(j, j->sel_evidence, sale_id, "evidence", count_cols(evidence_cols),
                 "reading the evidence", err))
    return FACT_FAILED;
  if (script_errors_fact(j, sale_id, mode, version, err)) return FACT_FAILED;
  jw_end_object(body);
  jw_end_object(&j->pii);
  if (facts_fail(j, err)) return FACT_FAILED;
  return FACT_BUILT;
}

/* Build j->body (and j->pii) of the void of `sale_id`: store, terminal,
 * sale and time in the body; the reason in the body up to format 2, as a
 * salted digest in j->pii from format 3 on.  FACT_BUILT, FACT_ABSENT when
 * the sale is not voided, or FACT_FAILED. */
static fact_result void_fact(journal *j, int64_t sale_id, enum pii_mode mode, int version,
                     pi_error *err) {
  jsonw *body = &j->body;
  sqlite3_stmt *q = j->sel_void;
  int rc = 0;
  jw_reset(body);
  jw_reset(&j->pii);
  jw_object(&j->pii);
  sqlite3_bind_int64(q, 1, sale_id);
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    int chained = version >= VOID_PII_SINCE;
    jw_object(body);
    jw_kint(body, "v", version);
    jw_key(body, "void");
    row_array(body, q, 0, 5, chained ? 4 : -1, -1);
    jw_end_object(body);
    const char *reason = (const char *)sqlite3_column_text(q, 4);
    if (chained && reason != NULL && reason[0] != '\0')
      rc = pii_field(j, sale_id, mode, VOID_REASON_FIELD, reason, err);
  }
  done(q);
  jw_end_object(&j->pii);
  if (rc) return FACT_FAILED;
  if (step == SQLITE_DONE) return FACT_ABSENT;
  if (step != SQLITE_ROW) {
    db_fail(j->db, err, "reading the void");
    return FACT_FAILED;
  }
  if (facts_fail(j, err)) return FACT_FAILED;
  return FACT_BUILT;
}

/* Build j->body and j->pii of return `return_id` from its rows; *sale_id
 * receives the original sale's row id (its personal text is salted under
 * it).  FACT_BUILT, FACT_ABSENT when there is no such return, or
 * FACT_FAILED. */
static fact_result return_fact(journal *j, int64_t return_id, enum pii_mode mode,
                               int64_t *sale_id, pi_error *err) {
  jsonw *body = &j->body;
  int ncols = count_cols(return_cols), rc = 0;
  fact_begin(j, JOURNAL_RETURN_FORMAT);
  sqlite3_stmt *q = j->sel_return;
  fact_result row = fact_row(j, q, return_id, "reading the return", err);
  if (row != FACT_BUILT) return row;
  *sale_id = sqlite3_column_int64(q, 0);
  jw_key(body, "return");
  row_array(body, q, 0, ncols, -1, -1);
  const char *text = (const char *)sqlite3_column_text(q, ncols);
  if (text != NULL && text[0] != '\0') {
    char field[64];
    snprintf(field, sizeof field, "return%lld." RETURN_TEXT_FIELD, (long long)return_id);
    rc = pii_field(j, *sale_id, mode, field, text, err);
  }
  /* The reply holds no personal data (engine/reply.c): a plain digest. */
  const char *reply = (const char *)sqlite3_column_text(q, ncols + 1);
  char digest[65] = "";
  const char *parts[1] = {reply ? reply : ""};
  size_t lens[1] = {strlen(parts[0])};
  if (rc == 0 && sha256_parts(j, parts, lens, 1, digest))
    rc = pi_fail(err, PI_E_STORAGE, "journal", "SHA-256 failed");
  done(q);
  if (rc) return FACT_FAILED;
  if (child_rows(j, j->sel_return_lines, return_id, "lines", count_cols(return_line_cols),
                 "reading the return's lines", err))
    return FACT_FAILED;
  jw_kstr(body, "reply", digest);
  jw_end_object(body);
  jw_end_object(&j->pii);
  if (facts_fail(j, err)) return FACT_FAILED;
  return FACT_BUILT;
}

/* Build j->body and j->pii of accounts row `row` (one version of an
 * account) from the row and its evidence; the name is a salted digest
 * under -row.  FACT_BUILT, FACT_ABSENT when there is no such row, or
 * FACT_FAILED. */
static fact_result account_fact(journal *j, int64_t row, enum pii_mode mode,
                                pi_error *err) {
  int ncols = count_cols(account_cols);
  fact_begin(j, JOURNAL_ACCOUNT_FORMAT);
  sqlite3_stmt *q = j->sel_account;
  fact_result found = fact_row(j, q, row, "reading the account", err);
  if (found != FACT_BUILT) return found;
  jw_key(&j->body, "account");
  row_array(&j->body, q, 0, ncols, -1, -1);
  int rc = pii_field(j, -row, mode, ACCOUNT_NAME_FIELD,
                     (const char *)sqlite3_column_text(q, ncols), err);
  done(q);
  if (rc || child_rows(j, j->sel_account_evidence, row, "evidence",
                       count_cols(account_evidence_cols), "reading the account's evidence",
                       err))
    return FACT_FAILED;
  jw_end_object(&j->body);
  jw_end_object(&j->pii);
  if (facts_fail(j, err)) return FACT_FAILED;
  return FACT_BUILT;
}

/* Append "key":"<SHA-256 of the column's text>" (null when NULL) to the
 * body.  Returns 0 or -1 with err. */
static int digest_col(journal *j, sqlite3_stmt *q, int col, const char *key,
                      pi_error *err) {
  jw_key(&j->body, key);
  const char *v = (const char *)sqlite3_column_text(q, col);
  if (v == NULL) {
    jw_raw(&j->body, "null");
    return 0;
  }
  char digest[65];
  const char *parts[1] = {v};
  size_t lens[1] = {strlen(v)};
  if (sha256_parts(j, parts, lens, 1, digest))
    return pi_fail(err, PI_E_STORAGE, "journal", "SHA-256 failed");
  jw_str(&j->body, digest);
  return 0;
}

/* The salt field of verifications row `row`'s `col` ("name", "address"). */
static void verification_field(int64_t row, const char *col, char out[64]) {
  snprintf(out, 64, "verification%lld.%s", (long long)row, col);
}

/* Build j->body and j->pii of verifications row `row` in format `version`:
 * the name and address as plain digests in the body (format 1, pii {}), or
 * as salted digests in j->pii (from VERIFICATION_SALTED_SINCE).
 * FACT_BUILT, FACT_ABSENT when there is no such row, or FACT_FAILED. */
static fact_result verification_fact(journal *j, int64_t row, enum pii_mode mode,
                                     int version, pi_error *err) {
  char sql[320];
  snprintf(sql, sizeof sql, "SELECT %s, name, address FROM verifications WHERE id=?1",
           verification_cols);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(j->db, sql, -1, &q, NULL) != SQLITE_OK) {
    db_fail(j->db, err, "reading the verification");
    return FACT_FAILED;
  }
  int ncols = count_cols(verification_cols);
  fact_begin(j, version);
  fact_result found = fact_row(j, q, row, "reading the verification", err);
  if (found != FACT_BUILT) {
    sqlite3_finalize(q);
    return found;
  }
  jw_key(&j->body, "verification");
  row_array(&j->body, q, 0, ncols, -1, -1);
  int rc;
  if (version < VERIFICATION_SALTED_SINCE) {
    rc = digest_col(j, q, ncols, "name", err) ||
         digest_col(j, q, ncols + 1, "address", err);
  } else {
    char name[64], address[64];
    verification_field(row, "name", name);
    verification_field(row, "address", address);
    rc = pii_field(j, VERIFICATION_SALTS, mode, name,
                   (const char *)sqlite3_column_text(q, ncols), err) ||
         pii_field(j, VERIFICATION_SALTS, mode, address,
                   (const char *)sqlite3_column_text(q, ncols + 1), err);
  }
  sqlite3_finalize(q);
  if (rc) return FACT_FAILED;
  jw_end_object(&j->body);
  jw_end_object(&j->pii);
  if (facts_fail(j, err)) return FACT_FAILED;
  return FACT_BUILT;
}

static int append(journal *j, const char *at, const char *kind, int64_t sale_id,
                  const char *body, const char *pii, pi_error *err) {
  int64_t seq = 1;
  char prev[65], hash[65];
  memcpy(prev, zero_hash, sizeof prev);
  sqlite3_stmt *q = j->head;
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    seq = sqlite3_column_int64(q, 0) + 1;
    snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(q, 1));
  }
  done(q);
  if (step != SQLITE_ROW && step != SQLITE_DONE)
    return db_fail(j->db, err, "reading the journal head");
  if (entry_hash(j, prev, seq, kind, sale_id, at, body, pii, hash))
    return pi_fail(err, PI_E_STORAGE, "journal", "SHA-256 failed");
  q = j->insert;
  sqlite3_bind_int64(q, 1, seq);
  sqlite3_bind_text(q, 2, at, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64(q, 4, sale_id);
  sqlite3_bind_text(q, 5, body, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 6, pii, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 7, prev, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 8, hash, -1, SQLITE_STATIC);
  step = sqlite3_step(q);
  done(q);
  return step == SQLITE_DONE ? 0 : db_fail(j->db, err, "appending to the journal");
}

int journal_append_sale(journal *j, int64_t sale_id, const char *at, pi_error *err) {
  fact_result f = sale_fact(j, sale_id, PII_RECORD, 1, FORMAT_VERSION, err);
  if (f == FACT_ABSENT)
    return pi_fail(err, PI_E_STORAGE, "journal", "sale %lld is not recorded",
                   (long long)sale_id);
  if (f == FACT_FAILED) return -1;
  return append(j, at, "sale", sale_id, j->body.buf, j->pii.buf, err);
}

int journal_append_void(journal *j, int64_t sale_id, const char *at, pi_error *err) {
  fact_result f = void_fact(j, sale_id, PII_RECORD, FORMAT_VERSION, err);
  if (f == FACT_ABSENT)
    return pi_fail(err, PI_E_STORAGE, "journal", "sale %lld has no void", (long long)sale_id);
  if (f == FACT_FAILED) return -1;
  return append(j, at, "void", sale_id, j->body.buf, j->pii.buf, err);
}

int journal_append_return(journal *j, int64_t return_id, const char *at, pi_error *err) {
  int64_t sale_id = 0;
  fact_result f = return_fact(j, return_id, PII_RECORD, &sale_id, err);
  if (f == FACT_ABSENT)
    return pi_fail(err, PI_E_STORAGE, "journal", "return %lld is not recorded",
                   (long long)return_id);
  if (f == FACT_FAILED) return -1;
  return append(j, at, "return", return_id, j->body.buf, j->pii.buf, err);
}

int journal_append_account(journal *j, int64_t account_row, const char *at,
                           pi_error *err) {
  fact_result f = account_fact(j, account_row, PII_RECORD, err);
  if (f == FACT_ABSENT)
    return pi_fail(err, PI_E_STORAGE, "journal", "account row %lld is not recorded",
                   (long long)account_row);
  if (f == FACT_FAILED) return -1;
  return append(j, at, "account", account_row, j->body.buf, j->pii.buf, err);
}

int journal_append_verification(journal *j, int64_t row, const char *at,
                                pi_error *err) {
  fact_result f = verification_fact(j, row, PII_RECORD, JOURNAL_VERIFICATION_FORMAT, err);
  if (f == FACT_ABSENT)
    return pi_fail(err, PI_E_STORAGE, "journal", "verification row %lld is not recorded",
                   (long long)row);
  if (f == FACT_FAILED) return -1;
  return append(j, at, "verification", row, j->body.buf, j->pii.buf, err);
}

int journal_erase_verification(journal *j, int64_t row, const char *at, int *erased,
                               pi_error *err) {
  *erased = 0;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(j->db,
                         "SELECT name IS NOT NULL, address IS NOT NULL FROM verifications"
                         " WHERE id=?1",
                         -1, &q, NULL) != SQLITE_OK)
    return db_fail(j->db, err, "erasing a verification's name and address");
  sqlite3_bind_int64(q, 1, row);
  int s = sqlite3_step(q);
  int held[2] = {0, 0};
  if (s == SQLITE_ROW) {
    held[0] = sqlite3_column_int(q, 0);
    held[1] = sqlite3_column_int(q, 1);
  }
  sqlite3_finalize(q);
  if (s != SQLITE_ROW && s != SQLITE_DONE)
    return db_fail(j->db, err, "erasing a verification's name and address");
  if (!held[0] && !held[1]) return 0; /* none returned, or erased before */
  /* The one update the table's trigger lets through (store.c, 11 -> 12). */
  if (sqlite3_prepare_v2(j->db, "UPDATE verifications SET name=NULL, address=NULL WHERE id=?1",
                         -1, &q, NULL) != SQLITE_OK)
    return db_fail(j->db, err, "erasing a verification's name and address");
  sqlite3_bind_int64(q, 1, row);
  s = sqlite3_step(q);
  sqlite3_finalize(q);
  if (s != SQLITE_DONE) return db_fail(j->db, err, "erasing a verification's name and address");
  static const char *const cols[2] = {"name", "address"};
  jsonw *body = &j->body;
  jw_reset(body);
  jw_object(body);
  jw_kint(body, "v", FORMAT_VERSION);
  jw_key(body, "erased");
  jw_array(body);
  for (int i = 0; i < 2; i++) {
    if (!held[i]) continue;
    char field[64];
    verification_field(row, cols[i], field);
    /* A format-1 row has no salt: nothing is deleted. */
    sqlite3_bind_int64(j->del_salt, 1, VERIFICATION_SALTS);
    sqlite3_bind_text(j->del_salt, 2, field, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(j->del_salt);
    done(j->del_salt);
    if (s != SQLITE_DONE) return db_fail(j->db, err, "erasing a verification's salts");
    jw_str(body, field);
  }
  jw_end_array(body);
  jw_end_object(body);
  if (jw_fail(body, err, "journal")) return -1;
  *erased = 1;
  return append(j, at, "erase", VERIFICATION_SALTS, body->buf, "{}", err);
}

int journal_erase_account(journal *j, int64_t account_row, const char *at, int *erased,
                          pi_error *err) {
  *erased = 0;
  sqlite3_stmt *u;
  if (sqlite3_prepare_v2(j->db,
                         "UPDATE accounts SET name=NULL WHERE id=?1 AND name IS NOT NULL",
                         -1, &u, NULL) != SQLITE_OK)
    return db_fail(j->db, err, "erasing the account's name");
  sqlite3_bind_int64(u, 1, account_row);
  int s = sqlite3_step(u);
  sqlite3_finalize(u);
  if (s != SQLITE_DONE) return db_fail(j->db, err, "erasing the account's name");
  int changed = sqlite3_changes(j->db);
  sqlite3_bind_int64(j->del_salt, 1, -account_row);
  sqlite3_bind_text(j->del_salt, 2, ACCOUNT_NAME_FIELD, -1, SQLITE_STATIC);
  s = sqlite3_step(j->del_salt);
  done(j->del_salt);
  if (s != SQLITE_DONE) return db_fail(j->db, err, "erasing the account's name");
  if (changed == 0) return 0; /* erased before */
  jsonw *body = &j->body;
  jw_reset(body);
  jw_object(body);
  jw_kint(body, "v", FORMAT_VERSION);
  jw_key(body, "erased");
  jw_array(body);
  jw_str(body, ACCOUNT_NAME_FIELD);
  jw_end_array(body);
  jw_end_object(body);
  if (jw_fail(body, err, "journal")) return -1;
  *erased = 1;
  return append(j, at, "erase", -account_row, body->buf, "{}", err);
}

int journal_head(journal *j, int64_t *seq, char hash[65], pi_error *err) {
  sqlite3_stmt *q = j->head;
  *seq = 0;
  memcpy(hash, zero_hash, 65);
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    *seq = sqlite3_column_int64(q, 0);
    snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(q, 1));
  }
  done(q);
  if (step != SQLITE_ROW && step != SQLITE_DONE)
    return db_fail(j->db, err, "reading the journal head");
  return 0;
}

/* 1 when `body` is a period entry's body of a known format that names
 * entry `seq`'s predecessor, seq - 1 with hash `prev`, as the head it was
 * closed at; 0 otherwise. */
static int period_body_ok(const char *body, int64_t seq, const char *prev) {
  int version = 0;
  if (sscanf(body, "{\"v\":%d,", &version) != 1 || version != JOURNAL_PERIOD_FORMAT)
    return 0;
  cJSON *b = cJSON_Parse(body);
  const cJSON *hs = cJSON_GetObjectItemCaseSensitive(b, "head_seq");
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(b, "head");
  int ok = cJSON_IsNumber(hs) && (double)(seq - 1) == hs->valuedouble &&
           cJSON_IsString(h) && strcmp(h->valuestring, prev) == 0;
  cJSON_Delete(b);
  return ok;
}

int journal_append_period(journal *j, const char *at, const char *body, pi_error *err) {
  int64_t seq;
  char head[65];
  if (journal_head(j, &seq, head, err)) return -1;
  if (!period_body_ok(body, seq + 1, head))
    return pi_fail(err, PI_E_STORAGE, "journal",
                   "the period entry does not name the journal's head (entry %lld): "
                   "the journal moved since it was read",
                   (long long)seq);
  return append(j, at, "period", 0, body, "{}", err);
}

/* 1 when `field` is named in `which` (NULL: every field); "recipient_name"
 * also matches "line3.recipient_name". */
static int wanted(const char *const *which, const char *field) {
  if (which == NULL) return 1;
  const char *dot = strchr(field, '.');
  for (; *which; which++)
    if (strcmp(*which, field) == 0 || (dot && strcmp(*which, dot + 1) == 0)) return 1;
  return 0;
}

/* Null the column behind a salted field name.  The names come from the
 * salts table, which only we write; they are checked against the lists of
 * personal columns all the same, since they end up in SQL text. */
static int null_field(journal *j, int64_t sale_id, const char *field, pi_error *err) {
  char sql[160], col[32];
  long long seq;
  int is_line = sscanf(field, "line%lld.%31s", &seq, col) == 2;
  int is_return = !is_line && sscanf(field, "return%lld.%31s", &seq, col) == 2;
  int is_error = !is_line && !is_return && sscanf(field, "error%lld.%31s", &seq, col) == 2;
  if (is_error && strcmp(col, ERROR_TEXT_FIELD) != 0)
    return pi_fail(err, PI_E_STORAGE, "journal", "cannot erase field %s", field);
  const char *base = is_line ? col : field;
  int is_void = strcmp(field, VOID_REASON_FIELD) == 0;
  if (is_return && strcmp(col, RETURN_TEXT_FIELD) != 0)
    return pi_fail(err, PI_E_STORAGE, "journal", "cannot erase field %s", field);
  const char *const *list = is_line ? line_pii : sale_pii;
  int known = 0;
  for (int i = 0; list[i]; i++) known |= strcmp(base, list[i]) == 0;
  if (!known && !is_void && !is_return && !is_error)
    return pi_fail(err, PI_E_STORAGE, "journal", "cannot erase field %s", field);
  if (is_error)
    snprintf(sql, sizeof sql,
             "UPDATE script_errors SET message=NULL WHERE sale_id=?1 AND seq=%lld", seq);
  else if (is_return)
    snprintf(sql, sizeof sql,
             "UPDATE returns SET reason_text=NULL WHERE id=%lld AND sale_id=?1", seq);
  else if (is_void) /* NOT NULL in the schema: '' is "no reason" */
    snprintf(sql, sizeof sql, "UPDATE voids SET reason='' WHERE sale_id=?1");
  else if (is_line)
    snprintf(sql, sizeof sql, "UPDATE lines SET %s=NULL WHERE sale_id=?1 AND seq=%lld",
             base, seq);
  else
    snprintf(sql, sizeof sql, "UPDATE sales SET %s=NULL WHERE id=?1", base);
  sqlite3_stmt *u;
  if (sqlite3_prepare_v2(j->db, sql, -1, &u, NULL) != SQLITE_OK)
    return db_fail(j->db, err, "erasing");
  sqlite3_bind_int64(u, 1, sale_id);
  int s = sqlite3_step(u);
  sqlite3_finalize(u);
  sqlite3_bind_int64(j->del_salt, 1, sale_id);
  sqlite3_bind_text(j->del_salt, 2, field, -1, SQLITE_TRANSIENT);
  int d = sqlite3_step(j->del_salt);
  done(j->del_salt);
  return s == SQLITE_DONE && d == SQLITE_DONE ? 0 : db_fail(j->db, err, "erasing");
}

/* The salted fields of a sale that `which` selects, collected before any
 * is erased (erasing deletes from the table being read).  A growable list:
 * a sale has as many personal fields as its lines allow (a whole-sale gift
 * of 30 lines has 95), and none may be left behind. */
typedef struct field_list {
  char **v;
  size_t n, cap;
} field_list;

static void fields_free(field_list *f) {
  for (size_t i = 0; i < f->n; i++) free(f->v[i]);
  free(f->v);
}

static int fields_add(field_list *f, const char *name) {
  if (f->n == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 16;
    char **v = realloc(f->v, cap * sizeof *v);
    if (v == NULL) return -1;
    f->v = v;
    f->cap = cap;
  }
  if ((f->v[f->n] = strdup(name)) == NULL) return -1;
  f->n++;
  return 0;
}

int journal_erase(journal *j, int64_t sale_id, const char *const *which, const char *at,
                  int *erased, pi_error *err) {
  field_list fields = {NULL, 0, 0};
  int step, rc = 0;
  *erased = 0;
  sqlite3_stmt *q = j->salted_fields;
  sqlite3_bind_int64(q, 1, sale_id);
  while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
    const char *f = (const char *)sqlite3_column_text(q, 0);
    /* The reply is not nulled: it is rewritten (journal_rewrite_reply). */
    if (f == NULL || strcmp(f, REPLY_FIELD) == 0 || !wanted(which, f)) continue;
    if (fields_add(&fields, f))
      rc = pi_fail(err, PI_E_NOMEM, "journal", "out of memory listing the fields to erase");
  }
  done(q);
  if (rc == 0 && step != SQLITE_DONE) rc = db_fail(j->db, err, "reading salts");
  if (rc || fields.n == 0) {
    fields_free(&fields);
    return rc;
  }
  jsonw *body = &j->body;
  jw_reset(body);
  jw_object(body);
  jw_kint(body, "v", FORMAT_VERSION);
  jw_key(body, "erased");
  jw_array(body);
  for (size_t i = 0; i < fields.n && rc == 0; i++) {
    rc = null_field(j, sale_id, fields.v[i], err);
    jw_str(body, fields.v[i]);
  }
  jw_end_array(body);
  jw_end_object(body);
  size_t n = fields.n;
  fields_free(&fields);
  if (rc) return rc;
  if (jw_fail(body, err, "journal")) return -1;
  assert(n <= (size_t)INT32_MAX);
  *erased = (int)n;
  return append(j, at, "erase", sale_id, body->buf, "{}", err);
}

int journal_rewrite_reply(journal *j, int64_t sale_id, const char *reply,
                          const char *at, pi_error *err) {
  unsigned char salt[SALT_BYTES];
  char digest[65];
  if (RAND_bytes(salt, sizeof salt) != 1)
    return pi_fail(err, PI_E_STORAGE, "journal", "no random bytes for a salt");
  sqlite3_stmt *u;
  if (sqlite3_prepare_v2(j->db, "UPDATE sales SET reply=?2 WHERE id=?1", -1, &u, NULL) !=
      SQLITE_OK)
    return db_fail(j->db, err, "rewriting the reply");
  sqlite3_bind_int64(u, 1, sale_id);
  sqlite3_bind_text(u, 2, reply, -1, SQLITE_STATIC);
  int s = sqlite3_step(u);
  sqlite3_finalize(u);
  if (s != SQLITE_DONE) return db_fail(j->db, err, "rewriting the reply");
  if (sqlite3_changes(j->db) != 1)
    return pi_fail(err, PI_E_STORAGE, "journal", "sale %lld is not recorded",
                   (long long)sale_id);
  /* The old salt goes: without it the old digest links to nothing. */
  sqlite3_bind_int64(j->del_salt, 1, sale_id);
  sqlite3_bind_text(j->del_salt, 2, REPLY_FIELD, -1, SQLITE_STATIC);
  s = sqlite3_step(j->del_salt);
  done(j->del_salt);
  if (s != SQLITE_DONE) return db_fail(j->db, err, "rewriting the reply");
  sqlite3_bind_int64(j->put_salt, 1, sale_id);
  sqlite3_bind_text(j->put_salt, 2, REPLY_FIELD, -1, SQLITE_STATIC);
  sqlite3_bind_blob(j->put_salt, 3, salt, sizeof salt, SQLITE_STATIC);
  s = sqlite3_step(j->put_salt);
  done(j->put_salt);
  if (s != SQLITE_DONE) return db_fail(j->db, err, "storing a salt");
  if (salted_digest(j, salt, sizeof salt, reply, digest))
    return pi_fail(err, PI_E_STORAGE, "journal", "SHA-256 failed");
  jsonw *body = &j->body;
  jw_reset(body);
  jw_object(body);
  jw_kint(body, "v", FORMAT_VERSION);
  jw_key(body, "erased");
  jw_array(body);
  jw_str(body, REPLY_FIELD);
  jw_end_array(body);
  jw_kstr(body, REPLY_FIELD, digest);
  jw_end_object(body);
  if (jw_fail(body, err, "journal")) return -1;
  return append(j, at, "erase", sale_id, body->buf, "{}", err);
}

/* ------------------------------------------------------------------------ */
/* Verification                                                              */

static int problem(journal_report *rep, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int problem(journal_report *rep, int64_t seq, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rep->ok = 0;
  rep->bad_seq = seq;
  vsnprintf(rep->problem, sizeof rep->problem, fmt, ap);
  va_end(ap);
  return 0;
}

/* Fields erased by "erase" entries, as "saleid:field" keys; for a rewritten
 * reply also "saleid:reply=" with the digest of its latest version. */
static int load_erasures(sqlite3 *db, cJSON **out, pi_error *err) {
  sqlite3_stmt *q;
  *out = cJSON_CreateObject();
  if (*out == NULL) return pi_fail(err, PI_E_NOMEM, "journal", "out of memory");
  if (sqlite3_prepare_v2(db,
                         "SELECT sale_id, body FROM journal WHERE kind='erase'"
                         " ORDER BY seq",
                         -1, &q, NULL) != SQLITE_OK)
    return db_fail(db, err, "reading erasures");
  int step;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    cJSON *b = cJSON_Parse((const char *)sqlite3_column_text(q, 1));
    cJSON *list = cJSON_GetObjectItemCaseSensitive(b, "erased");
    cJSON *f;
    cJSON_ArrayForEach(f, list) {
      char key[96];
      if (!cJSON_IsString(f)) continue;
      snprintf(key, sizeof key, "%lld:%s", (long long)sqlite3_column_int64(q, 0),
               f->valuestring);
      cJSON_DeleteItemFromObjectCaseSensitive(*out, key);
      cJSON_AddTrueToObject(*out, key);
    }
    cJSON *rd = cJSON_GetObjectItemCaseSensitive(b, REPLY_FIELD);
    if (cJSON_IsString(rd)) {
      char key[96];
      snprintf(key, sizeof key, "%lld:" REPLY_FIELD "=",
               (long long)sqlite3_column_int64(q, 0));
      cJSON_DeleteItemFromObjectCaseSensitive(*out, key); /* the latest wins */
      cJSON_AddStringToObject(*out, key, rd->valuestring);
    }
    cJSON_Delete(b);
  }
  sqlite3_finalize(q);
  return step == SQLITE_DONE ? 0 : db_fail(db, err, "reading erasures");
}

/* Compare the stored pii with the rows: a field may differ only where the
 * stored digest was erased (value gone, salt gone, erase entry present).
 * Both sides list only the fields that held a value. */
static int check_pii(const char *stored, const char *now, int64_t sale_id,
                     const cJSON *erasures, char *why, size_t cap) {
  if (strcmp(stored, now) == 0) return 1;
  cJSON *a = cJSON_Parse(stored), *b = cJSON_Parse(now);
  int ok = cJSON_IsObject(a) && cJSON_IsObject(b);
  if (!ok) snprintf(why, cap, "its personal-data digests cannot be read");
  /* The stored reply matches the digest of its latest version: the sale
   * entry's, or that of the last erase entry that rewrote it. */
  cJSON *x = ok ? cJSON_DetachItemFromObjectCaseSensitive(a, REPLY_FIELD) : NULL;
  cJSON *y = ok ? cJSON_DetachItemFromObjectCaseSensitive(b, REPLY_FIELD) : NULL;
  if (x) {
    char key[96];
    snprintf(key, sizeof key, "%lld:" REPLY_FIELD "=", (long long)sale_id);
    const cJSON *rw = cJSON_GetObjectItemCaseSensitive(erasures, key);
    const char *want = cJSON_IsString(rw) ? rw->valuestring : cJSON_GetStringValue(x);
    if (!cJSON_IsString(y) || want == NULL || strcmp(want, y->valuestring) != 0) {
      snprintf(why, cap, "the stored reply of the sale differs from its digest");
      ok = 0;
    }
  }
  cJSON_Delete(x);
  cJSON_Delete(y);
  for (x = ok ? a->child : NULL; ok && x; x = x->next) {
    y = cJSON_GetObjectItemCaseSensitive(b, x->string);
    if (y && cJSON_Compare(x, y, 1)) continue;
    char key[96];
    snprintf(key, sizeof key, "%lld:%s", (long long)sale_id, x->string);
    /* Erased: gone now, and an erase entry says so. */
    if (y == NULL && cJSON_GetObjectItemCaseSensitive(erasures, key)) continue;
    snprintf(why, cap, "field %s of the sale differs from its digest%s", x->string,
             y == NULL ? " (removed without an erase entry)" : "");
    ok = 0;
  }
  /* A personal value that was not there when the sale was recorded. */
  for (y = ok ? b->child : NULL; ok && y; y = y->next)
    if (cJSON_GetObjectItemCaseSensitive(a, y->string) == NULL) {
      snprintf(why, cap, "field %s of the sale was added after it was recorded",
               y->string);
      ok = 0;
    }
  cJSON_Delete(a);
  cJSON_Delete(b);
  return ok;
}

/* First row of `sql` (one integer column), or 0 when none. */
static int64_t first_id(sqlite3 *db, const char *sql, int *failed) {
  sqlite3_stmt *q;
  int64_t v = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
    *failed = 1;
    return 0;
  }
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) v = sqlite3_column_int64(q, 0);
  else if (step != SQLITE_DONE) *failed = 1;
  sqlite3_finalize(q);
  return v;
}

/* One journal row as journal_verify reads it; the strings belong to the
 * statement and live until its next step. */
typedef struct entry_row {
  int64_t seq;
  const char *at, *kind;
  int64_t sale_id;
  const char *body, *pii, *prev, *hash;
} entry_row;

static void read_entry(sqlite3_stmt *q, entry_row *e) {
  e->seq = sqlite3_column_int64(q, 0);
  e->at = (const char *)sqlite3_column_text(q, 1);
  e->kind = (const char *)sqlite3_column_text(q, 2);
  e->sale_id = sqlite3_column_int64(q, 3);
  e->body = (const char *)sqlite3_column_text(q, 4);
  e->pii = (const char *)sqlite3_column_text(q, 5);
  e->prev = (const char *)sqlite3_column_text(q, 6);
  e->hash = (const char *)sqlite3_column_text(q, 7);
}

/* The chain itself: every member present, the expected sequence number,
 * chained to the head so far, its hash over its content, and a known
 * format for sales and voids.  Returns the entry's format (0 for kinds
 * without one), or -1 after problem() (the walk stops there). */
static int check_link(journal *j, journal_report *rep, const entry_row *e, int64_t expect) {
  int64_t seq = e->seq;
  char h[65];
  if (!e->at || !e->kind || !e->body || !e->pii || !e->prev || !e->hash) {
    problem(rep, seq, "entry %lld has an empty member", (long long)seq);
    return -1;
  }
  if (seq != expect) {
    problem(rep, seq, "entry %lld follows entry %lld: %s", (long long)seq,
            (long long)expect - 1,
            seq > expect ? "entries are missing" : "entries are out of order");
    return -1;
  }
  if (strcmp(e->prev, rep->head) != 0) {
    problem(rep, seq, "entry %lld does not chain to entry %lld (reordered, inserted "
                      "or altered)",
            (long long)seq, (long long)seq - 1);
    return -1;
  }
  if (entry_hash(j, e->prev, seq, e->kind, e->sale_id, e->at, e->body, e->pii, h) ||
      strcmp(h, e->hash) != 0) {
    problem(rep, seq, "entry %lld was altered: its hash does not match its content",
            (long long)seq);
    return -1;
  }
  int version = 0;
  if ((strcmp(e->kind, "sale") == 0 || strcmp(e->kind, "void") == 0) &&
      (sscanf(e->body, "{\"v\":%d,", &version) != 1 || version < 1 ||
       version > FORMAT_VERSION)) {
    problem(rep, seq, "entry %lld has an unknown format", (long long)seq);
    return -1;
  }
  return version;
}

/* A sale entry against the rows it recorded: the rows are there, build the
 * same body, and their personal fields the same digests (or were erased).
 * 0 (problem() records a mismatch) or -1 with *err set. */
static int check_sale_entry(journal *j, journal_report *rep, const entry_row *e, int version,
                            const cJSON *erasures, pi_error *err) {
  char why[200];
  fact_result f = sale_fact(j, e->sale_id, PII_CHECK,
                            strstr(e->pii, "\"" REPLY_FIELD "\":") != NULL, version, err);
  if (f == FACT_FAILED) return -1;
  if (f == FACT_ABSENT)
    problem(rep, e->seq, "entry %lld records sale row %lld, which is missing",
            (long long)e->seq, (long long)e->sale_id);
  else if (strcmp(j->body.buf, e->body) != 0)
    problem(rep, e->seq, "sale row %lld (or its lines or evidence) differs from "
                         "entry %lld",
            (long long)e->sale_id, (long long)e->seq);
  else if (!check_pii(e->pii, j->pii.buf, e->sale_id, erasures, why, sizeof why))
    problem(rep, e->seq, "entry %lld: %s", (long long)e->seq, why);
  else
    rep->sales++;
  return 0;
}

/* A void entry against the void row (and, from VOID_PII_SINCE, its reason's
 * digest).  0 (problem() records a mismatch) or -1 with *err set. */
static int check_void_entry(journal *j, journal_report *rep, const entry_row *e, int version,
                            const cJSON *erasures, pi_error *err) {
  char why[200];
  fact_result f = void_fact(j, e->sale_id, PII_CHECK, version, err);
  if (f == FACT_FAILED) return -1;
  if (f == FACT_ABSENT || strcmp(j->body.buf, e->body) != 0)
    problem(rep, e->seq, "the void of sale row %lld differs from entry %lld",
            (long long)e->sale_id, (long long)e->seq);
  else if (version >= VOID_PII_SINCE &&
           !check_pii(e->pii, j->pii.buf, e->sale_id, erasures, why, sizeof why))
    problem(rep, e->seq, "entry %lld: %s", (long long)e->seq, why);
  return 0;
}

/* A return entry against its returns row and lines (format
 * JOURNAL_RETURN_FORMAT), and its free text's digest, salted under the
 * original sale.  0 (problem() records a mismatch) or -1 with *err set. */
static int check_return_entry(journal *j, journal_report *rep, const entry_row *e,
                              const cJSON *erasures, pi_error *err) {
  char why[200];
  int version = 0;
  if (sscanf(e->body, "{\"v\":%d,", &version) != 1 || version != JOURNAL_RETURN_FORMAT) {
    problem(rep, e->seq, "entry %lld has an unknown format", (long long)e->seq);
    return 0;
  }
  int64_t orig = 0;
  fact_result f = return_fact(j, e->sale_id, PII_CHECK, &orig, err);
  if (f == FACT_FAILED) return -1;
  if (f == FACT_ABSENT)
    problem(rep, e->seq, "entry %lld records return row %lld, which is missing",
            (long long)e->seq, (long long)e->sale_id);
  else if (strcmp(j->body.buf, e->body) != 0)
    problem(rep, e->seq, "return row %lld (or its lines or stored reply) differs from "
                         "entry %lld",
            (long long)e->sale_id, (long long)e->seq);
  else if (!check_pii(e->pii, j->pii.buf, orig, erasures, why, sizeof why))
    problem(rep, e->seq, "entry %lld (a return): %s", (long long)e->seq, why);
  return 0;
}

/* An account entry against its accounts row and evidence (format
 * JOURNAL_ACCOUNT_FORMAT), and its name's digest, salted under the
 * negative row id.  0 (problem() records a mismatch) or -1 with *err. */
static int check_account_entry(journal *j, journal_report *rep, const entry_row *e,
                               const cJSON *erasures, pi_error *err) {
  char why[200];
  int version = 0;
  if (sscanf(e->body, "{\"v\":%d,", &version) != 1 || version != JOURNAL_ACCOUNT_FORMAT) {
    problem(rep, e->seq, "entry %lld has an unknown format", (long long)e->seq);
    return 0;
  }
  fact_result f = account_fact(j, e->sale_id, PII_CHECK, err);
  if (f == FACT_FAILED) return -1;
  if (f == FACT_ABSENT)
    problem(rep, e->seq, "entry %lld records account row %lld, which is missing",
            (long long)e->seq, (long long)e->sale_id);
  else if (strcmp(j->body.buf, e->body) != 0)
    problem(rep, e->seq, "account row %lld (or its evidence) differs from entry %lld",
            (long long)e->sale_id, (long long)e->seq);
  else if (!check_pii(e->pii, j->pii.buf, -e->sale_id, erasures, why, sizeof why))
    problem(rep, e->seq, "entry %lld (an account): %s", (long long)e->seq, why);
  return 0;
}

/* A format-1 verification body `stored` against the one rebuilt from the
 * row, `now`: equal but for a name or address digest whose column is
 * NULL now and whose erasure an "erase" entry records (the plain digest
 * stays in the entry; the value is gone from the row).  1 when they
 * match so. */
static int v1_erased_match(const char *stored, const char *now, int64_t row,
                           const cJSON *erasures) {
  cJSON *a = cJSON_Parse(stored), *b = cJSON_Parse(now);
  int ok = cJSON_IsObject(a) && cJSON_IsObject(b);
  static const char *const cols[2] = {"name", "address"};
  for (int i = 0; ok && i < 2; i++) {
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, cols[i]);
    char key[96];
    snprintf(key, sizeof key, "%d:verification%lld.%s", VERIFICATION_SALTS, (long long)row,
             cols[i]);
    if (cJSON_IsNull(y) && cJSON_GetObjectItemCaseSensitive(erasures, key)) {
      cJSON_DeleteItemFromObjectCaseSensitive(a, cols[i]);
      cJSON_DeleteItemFromObjectCaseSensitive(b, cols[i]);
    }
  }
  ok = ok && cJSON_Compare(a, b, 1);
  cJSON_Delete(a);
  cJSON_Delete(b);
  return ok;
}

/* A verification entry against its verifications row (formats 1 to
 * JOURNAL_VERIFICATION_FORMAT), and from format 2 the digests of the name
 * and address returned, salted under VERIFICATION_SALTS; an erased name
 * or address passes where an "erase" entry records it.  0 (problem()
 * records a mismatch) or -1 with *err. */
static int check_verification_entry(journal *j, journal_report *rep, const entry_row *e,
                                    const cJSON *erasures, pi_error *err) {
  char why[200];
  int version = 0;
  if (sscanf(e->body, "{\"v\":%d,", &version) != 1 || version < 1 ||
      version > JOURNAL_VERIFICATION_FORMAT) {
    problem(rep, e->seq, "entry %lld has an unknown format", (long long)e->seq);
    return 0;
  }
  fact_result f = verification_fact(j, e->sale_id, PII_CHECK, version, err);
  if (f == FACT_FAILED) return -1;
  if (f == FACT_ABSENT)
    problem(rep, e->seq, "entry %lld records verification row %lld, which is missing",
            (long long)e->seq, (long long)e->sale_id);
  else if ((strcmp(j->body.buf, e->body) != 0 &&
            (version >= VERIFICATION_SALTED_SINCE ||
             !v1_erased_match(e->body, j->body.buf, e->sale_id, erasures))) ||
           (version < VERIFICATION_SALTED_SINCE && strcmp(e->pii, "{}") != 0))
    problem(rep, e->seq, "verification row %lld differs from entry %lld",
            (long long)e->sale_id, (long long)e->seq);
  else if (version >= VERIFICATION_SALTED_SINCE &&
           !check_pii(e->pii, j->pii.buf, VERIFICATION_SALTS, erasures, why, sizeof why))
    problem(rep, e->seq, "entry %lld (verification row %lld): %s", (long long)e->seq,
            (long long)e->sale_id, why);
  return 0;
}

/* A period closing: the hash covers the body; what is left to check is
 * that the closing names the head it was made at, its own predecessor. */
static void check_period_entry(journal_report *rep, const entry_row *e) {
  if (e->sale_id != 0 || !period_body_ok(e->body, e->seq, e->prev))
    problem(rep, e->seq, "entry %lld, a period closing, does not name the journal "
                         "head it was closed at (entry %lld)",
            (long long)e->seq, (long long)e->seq - 1);
}

/* Phase 1 of journal_verify: the entries in order, each linked to the one
 * before and matching the rows it recorded.  0 (rep tells the verdict) or
 * -1 with *err set. */
static int walk_chain(journal *j, journal_report *rep, const cJSON *erasures, pi_error *err) {
  sqlite3 *db = j->db;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db,
                         "SELECT seq, at, kind, sale_id, body, pii, prev, hash FROM"
                         " journal ORDER BY seq",
                         -1, &q, NULL) != SQLITE_OK)
    return db_fail(db, err, "reading the journal");
  int rc = 0, step = SQLITE_DONE;
  int64_t expect = 1;
  while (rc == 0 && rep->ok && (step = sqlite3_step(q)) == SQLITE_ROW) {
    entry_row e;
    read_entry(q, &e);
    rep->entries++;
    int version = check_link(j, rep, &e, expect);
    if (version < 0) break;
    if (strcmp(e.kind, "sale") == 0)
      rc = check_sale_entry(j, rep, &e, version, erasures, err);
    else if (strcmp(e.kind, "period") == 0)
      check_period_entry(rep, &e);
    else if (strcmp(e.kind, "void") == 0)
      rc = check_void_entry(j, rep, &e, version, erasures, err);
    else if (strcmp(e.kind, "return") == 0)
      rc = check_return_entry(j, rep, &e, erasures, err);
    else if (strcmp(e.kind, "account") == 0)
      rc = check_account_entry(j, rep, &e, erasures, err);
    else if (strcmp(e.kind, "verification") == 0)
      rc = check_verification_entry(j, rep, &e, erasures, err);
    memcpy(rep->head, e.hash, sizeof rep->head);
    rep->head_seq = e.seq;
    expect = e.seq + 1;
  }
  if (rc == 0 && step != SQLITE_DONE && step != SQLITE_ROW)
    rc = db_fail(db, err, "reading the journal");
  sqlite3_finalize(q);
  return rc;
}

/* Phase 2 of journal_verify: rows the journal does not know, inserted
 * behind its back, or recorded twice.  0 (rep tells the verdict) or -1
 * with *err set. */
static int cross_check(sqlite3 *db, journal_report *rep, pi_error *err) {
  int failed = 0;
  int64_t id = first_id(db,
                        "SELECT id FROM sales WHERE id NOT IN (SELECT sale_id FROM journal"
                        " WHERE kind='sale') ORDER BY id LIMIT 1",
                        &failed);
  if (id) return problem(rep, 0, "sale row %lld has no journal entry", (long long)id);
  id = first_id(db,
                "SELECT sale_id FROM journal WHERE kind='sale' GROUP BY sale_id"
                " HAVING count(*) > 1 LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "sale row %lld has two journal entries", (long long)id);
  id = first_id(db,
                "SELECT sale_id FROM voids WHERE sale_id NOT IN (SELECT sale_id FROM"
                " journal WHERE kind='void') LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "the void of sale row %lld has no journal entry",
                         (long long)id);
  id = first_id(db,
                "SELECT id FROM returns WHERE id NOT IN (SELECT sale_id FROM journal"
                " WHERE kind='return') ORDER BY id LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "return row %lld has no journal entry", (long long)id);
  id = first_id(db,
                "SELECT sale_id FROM journal WHERE kind='return' GROUP BY sale_id"
                " HAVING count(*) > 1 LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "return row %lld has two journal entries", (long long)id);
  id = first_id(db,
                "SELECT return_id FROM return_lines WHERE return_id NOT IN"
                " (SELECT id FROM returns) LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "return lines belong to return row %lld, which does not "
                                 "exist",
                         (long long)id);
  id = first_id(db,
                "SELECT id FROM accounts WHERE id NOT IN (SELECT sale_id FROM journal"
                " WHERE kind='account') ORDER BY id LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "account row %lld has no journal entry", (long long)id);
  id = first_id(db,
                "SELECT sale_id FROM journal WHERE kind='account' GROUP BY sale_id"
                " HAVING count(*) > 1 LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "account row %lld has two journal entries", (long long)id);
  id = first_id(db,
                "SELECT account_id FROM account_evidence WHERE account_id NOT IN"
                " (SELECT id FROM accounts) LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "account evidence belongs to account row %lld, which does "
                                 "not exist",
                         (long long)id);
  id = first_id(db,
                "SELECT id FROM verifications WHERE id NOT IN (SELECT sale_id FROM"
                " journal WHERE kind='verification') ORDER BY id LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "verification row %lld has no journal entry",
                         (long long)id);
  id = first_id(db,
                "SELECT sale_id FROM journal WHERE kind='verification' GROUP BY sale_id"
                " HAVING count(*) > 1 LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "verification row %lld has two journal entries",
                         (long long)id);
  id = first_id(db,
                "SELECT sale_id FROM lines WHERE sale_id NOT IN (SELECT id FROM sales)"
                " UNION ALL SELECT sale_id FROM evidence WHERE sale_id NOT IN"
                " (SELECT id FROM sales) LIMIT 1",
                &failed);
  if (id) return problem(rep, 0, "rows belong to sale row %lld, which does not exist",
                         (long long)id);
  if (failed) return db_fail(db, err, "cross-checking the journal");
  return 0;
}

int journal_verify(journal *j, journal_report *rep, pi_error *err) {
  memset(rep, 0, sizeof *rep);
  rep->ok = 1;
  memcpy(rep->head, zero_hash, sizeof rep->head);
  cJSON *erasures = NULL;
  int rc = load_erasures(j->db, &erasures, err);
  if (rc == 0) rc = walk_chain(j, rep, erasures, err);
  cJSON_Delete(erasures);
  if (rc || !rep->ok) return rc;
  return cross_check(j->db, rep, err);
}
