/* SPDX-License-Identifier: MIT */
/* store_record.c - recording a sale, a void or a return: one transaction each with
 * its rows and journal entry, and a database file deleted while open
 * written anew first.  Contracts in store.h. */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"
#include "base/money.h"
#include <unistd.h>

/* Bind a string, NULL when empty. */
static void bind_opt(sqlite3_stmt *q, int i, const char *s) {
  if (s && *s)
    sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(q, i);
}

static int step_done(store *st, sqlite3_stmt *q, pi_error *err, const char *what) {
  int rc = sqlite3_step(q);
  sqlite3_reset(q);
  sqlite3_clear_bindings(q);
  if (rc == SQLITE_DONE) return 0;
  return store_db_fail(st, err, what);
}

/* The sale's day: the date part of its RFC 3339 timestamp, as the till
 * saw it (local business day, not UTC). */
static void day_of(const char *at, char day[11]) {
  memcpy(day, at, 10);
  day[10] = '\0';
}

static int insert_sale_row(store *st, const sale *s, const decision *d,
                           purpose dflt, int64_t total, const char *tenders,
                           const char *meta, const char *completed_at,
                           const char *reply, const char *status,
                           sqlite3_int64 *rowid, pi_error *err) {
  sqlite3_stmt *q = st->ins_sale;
  int64_t net, tax;
  sale_totals(s, &net, &tax);
  char day[11];
  day_of(s->at, day);
  purpose sp = s->purpose != PURPOSE_NONE ? s->purpose : dflt;
  const evidence *ev = sale_best_evidence(s);
  sqlite3_bind_text(q, 1, s->store, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, s->terminal, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, s->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 4, s->cashier, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 5, s->at, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 6, day, -1, SQLITE_TRANSIENT);
  bind_opt(q, 7, completed_at);
  sqlite3_bind_text(q, 8, s->currency, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 9, sp == PURPOSE_NONE ? "none" : purpose_name(sp), -1,
                    SQLITE_STATIC);
  sqlite3_bind_int64(q, 10, net);
  sqlite3_bind_int64(q, 11, tax);
  sqlite3_bind_int64(q, 12, total);
  if (s->customer.present) {
    bind_opt(q, 13, s->customer.id);
    bind_opt(q, 14, s->customer.name);
    sqlite3_bind_int(q, 15, s->customer.org);
  } else {
    sqlite3_bind_null(q, 13);
    sqlite3_bind_null(q, 14);
    sqlite3_bind_int(q, 15, 0);
  }
  /* The reseller identity is the best evidence, recorded only when some
   * line of the sale was sold for resale. */
  int resale = d && d->resale_lines > 0;
  if (resale && ev) {
    sqlite3_bind_text(q, 16, taxid_kind_name(ev->kind), -1, SQLITE_STATIC);
    bind_opt(q, 17, ev->verdict.compact[0] ? ev->verdict.compact : ev->input);
    bind_opt(q, 18, ev->verdict.country);
    sqlite3_bind_int(q, 19, ev->verdict.valid);
    sqlite3_bind_text(q, 20, taxid_reason_code(ev->verdict.reason), -1,
                      SQLITE_STATIC);
  } else if (resale) {
    sqlite3_bind_null(q, 16);
    sqlite3_bind_null(q, 17);
    sqlite3_bind_null(q, 18);
    sqlite3_bind_int(q, 19, 0);
    sqlite3_bind_text(q, 20, "missing", -1, SQLITE_STATIC);
  } else {
    for (int i = 16; i <= 20; i++) sqlite3_bind_null(q, i);
  }
  sqlite3_bind_text(q, 21,
                    treatment_name(resale && d ? d->treatment : TREAT_STANDARD),
                    -1, SQLITE_STATIC);
  sqlite3_bind_int(q, 22, s->gift.gift_receipt > 0);
  bind_opt(q, 23, s->gift.message);
  bind_opt(q, 24, s->gift.recipient_name);
  bind_opt(q, 25, s->gift.recipient_contact);
  bind_opt(q, 26, tenders);
  bind_opt(q, 27, meta);
  sqlite3_bind_text(q, 28, reply, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 29, status, -1, SQLITE_STATIC);
  bind_opt(q, 30, s->attempt);
  if (step_done(st, q, err, "recording the sale")) return -1;
  *rowid = sqlite3_last_insert_rowid(st->db);
  return 0;
}

static int insert_lines(store *st, const sale *s, const decision *d,
                        purpose dflt, sqlite3_int64 rowid, pi_error *err) {
  sqlite3_stmt *q = st->ins_line;
  for (size_t i = 0; i < s->nlines; i++) {
    const sale_line *l = &s->lines[i];
    purpose p = sale_line_purpose(s, l, dflt);
    buyer_status bs = sale_line_status(s, l, dflt);
    const gift_info *g = sale_line_gift(s, l);
    tax_treatment tt = d ? decision_line_treatment(d, bs) : TREAT_STANDARD;
    sqlite3_bind_int64(q, 1, rowid);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)i + 1);
    sqlite3_bind_text(q, 3, l->line, -1, SQLITE_STATIC);
    bind_opt(q, 4, l->sku);
    bind_opt(q, 5, l->name);
    sqlite3_bind_int64(q, 6, l->qty_milli);
    sqlite3_bind_int64(q, 7, l->unit_price);
    sqlite3_bind_int64(q, 8, l->net);
    sqlite3_bind_int64(q, 9, l->tax);
    sqlite3_bind_text(q, 10, p == PURPOSE_NONE ? "none" : purpose_name(p), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(q, 11, bs == STATUS_NONE ? "none" : status_name(bs), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(q, 12, treatment_name(tt), -1, SQLITE_STATIC);
    int gift = p == PURPOSE_GIFT && g;
    sqlite3_bind_int(q, 13, gift && g->gift_receipt > 0);
    bind_opt(q, 14, gift ? g->message : NULL);
    bind_opt(q, 15, gift ? g->recipient_name : NULL);
    bind_opt(q, 16, gift ? g->recipient_contact : NULL);
    assert(!l->has_tax_rate || (l->tax_rate_bp >= 0 && l->tax_rate_bp <= SALE_TAX_RATE_BP_MAX));
    if (l->has_tax_rate)
      sqlite3_bind_int(q, 17, l->tax_rate_bp);
    else
      sqlite3_bind_null(q, 17);
    bind_opt(q, 18, l->tax_code);
    if (step_done(st, q, err, "recording a line")) return -1;
  }
  return 0;
}

/* The sale's ignored script failures (sale.h): one row each, and one
 * more (hook '') counting those past the kept ones. */
static int insert_script_errors(store *st, const sale *s, sqlite3_int64 rowid,
                                pi_error *err) {
  sqlite3_stmt *q = st->ins_script_error;
  size_t n = s->nscript_errors;
  for (size_t i = 0; i <= n; i++) {
    const sale_script_error *x = i < n ? &s->script_errors[i] : NULL;
    if (x == NULL && s->script_errors_more == 0) break;
    sqlite3_bind_int64(q, 1, rowid);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)i + 1);
    sqlite3_bind_text(q, 3, x ? x->event : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, x ? x->hook : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, x ? x->where : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, x ? x->count : s->script_errors_more);
    sqlite3_bind_int(q, 7, x ? x->truncated : 0);
    bind_opt(q, 8, x ? x->message : NULL);
    if (step_done(st, q, err, "recording a script failure")) return -1;
  }
  return 0;
}

static int insert_evidence(store *st, const sale *s, sqlite3_int64 rowid,
                           pi_error *err) {
  if (!s->customer.present) return 0;
  const evidence *best = sale_best_evidence(s);
  sqlite3_stmt *q = st->ins_ev;
  for (size_t i = 0; i < s->customer.nev; i++) {
    const evidence *e = &s->customer.ev[i];
    sqlite3_bind_int64(q, 1, rowid);
    sqlite3_bind_text(q, 2, taxid_kind_name(e->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, e->input, -1, SQLITE_STATIC);
    bind_opt(q, 4, e->state);
    bind_opt(q, 5, e->expires);
    sqlite3_bind_text(q, 6, e->verdict.compact, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, e->verdict.country, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 8, e->verdict.valid);
    sqlite3_bind_text(q, 9, taxid_reason_code(e->verdict.reason), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int(q, 10, e == best);
    if (step_done(st, q, err, "recording evidence")) return -1;
  }
  return 0;
}

/* The database file was deleted while open (a cleanup script, a careless
 * rm): SQLite would go on writing into the unlinked file, and every sale
 * "recorded" there would vanish when the plugin closes.  Instead the file
 * is written anew from the open connection (VACUUM INTO copies every
 * committed row, the WAL's included), owner-only as before, and the store
 * reopens on it: nothing recorded before or after is lost.  A file put in
 * its place by someone else is not overwritten: that is refused. */
static int rebuild(store *st, pi_error *err) {
  char path[MANIFEST_PATH_MAX];
  snprintf(path, sizeof path, "%s", sqlite3_db_filename(st->db, "main"));
  if (access(path, F_OK) == 0)
    return pi_fail(err, PI_E_STORAGE, "database",
                   "the database file %s was replaced by another file while open; "
                   "nothing was recorded: put the original back, or restart the "
                   "plugin to use the file now there",
                   path);
  sqlite3_stmt *q;
  char created[PATH_MAX];
  if (store_precreate(path, created, err)) return -1;
  if (sqlite3_prepare_v2(st->db, "VACUUM INTO ?1", -1, &q, NULL) != SQLITE_OK) {
    unlink(path);
    return store_db_fail(st, err, "rebuilding the deleted database file");
  }
  sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) {
    pi_fail(err, PI_E_STORAGE, "database",
            "the database file %s was deleted while open and could not be written "
            "anew (%s); nothing was recorded",
            path, sqlite3_errmsg(st->db));
    unlink(path);
    return -1;
  }
  store *fresh;
  if (store_open(path, STORE_READWRITE, st->cfg, &fresh, err)) return -1;
  /* Swap: the caller's handle now points at the new file.  The old
   * connection must not checkpoint or delete "its" -wal and -shm on close:
   * those names are the new file's now. */
  store old = *st;
  *st = *fresh;
  *fresh = old;
  int persist = 1;
  sqlite3_file_control(fresh->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  sqlite3_db_config(fresh->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
  store_close(fresh);
  return 0;
}

/* Is the database file still the one we opened?  Each write first asks
 * the VFS (one stat()) and, when it was deleted, rebuilds it. */
static int check_file(store *st, pi_error *err) {
  int moved = 0;
  if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) !=
      SQLITE_OK)
    return 0; /* an in-memory database, or a VFS that cannot tell */
  return moved ? rebuild(st, err) : 0;
}

/* Transactions for recording: prepared once, since every sale runs them.
 * finish() commits when ok == 0 and rolls back otherwise, so that nothing
 * is half-recorded. */
static int begin(store *st, pi_error *err) {
  return step_done(st, st->begin, err, "starting a transaction");
}

static int finish(store *st, int ok, pi_error *err) {
  if (ok == 0 && step_done(st, st->commit, err, "committing") == 0) return 0;
  if (!sqlite3_get_autocommit(st->db)) {
    sqlite3_step(st->rollback);
    sqlite3_reset(st->rollback);
  }
  return -1;
}

/* Commits rc == 0, else rolls back; the result a recorder returns. */
static store_rec finish_rec(store *st, int rc, pi_error *err) {
  return finish(st, rc, err) == 0 ? STORE_REC_DONE : STORE_REC_FAILED;
}

store_rec store_record_sale(store *st, const sale *s, const decision *d,
                            purpose dflt, int64_t total, const char *tenders_json,
                            const char *meta_json, const char *completed_at,
                            const char *reply, pi_error *err) {
  if (st->readonly) {
    pi_fail(err, PI_E_STORAGE, "database", "the database is read-only");
    return STORE_REC_FAILED;
  }
  if (check_file(st, err) || begin(st, err)) return STORE_REC_FAILED;
  /* Inside the write transaction: another till (process) may have
   * recorded the same store, terminal and sale id since this one began. */
  store_sale found;
  store_lookup seen = store_find(st, s->store, s->terminal, s->id, &found, err);
  store_sale_free(&found);
  if (seen != STORE_NOT_FOUND) {
    finish(st, -1, err);
    return seen == STORE_FOUND ? STORE_REC_ALREADY : STORE_REC_FAILED;
  }
  sqlite3_int64 rowid = 0;
  int rc = insert_sale_row(st, s, d, dflt, total, tenders_json, meta_json, completed_at,
                           reply, "completed", &rowid, err);
  if (rc == 0) rc = insert_lines(st, s, d, dflt, rowid, err);
  if (rc == 0) rc = insert_evidence(st, s, rowid, err);
  if (rc == 0) rc = insert_script_errors(st, s, rowid, err);
  if (rc == 0) rc = journal_append_sale(st->jr, rowid, completed_at, err);
  return finish_rec(st, rc, err);
}

/* The rows of a sale voided while open, with status 'voided', unless
 * another till recorded that store, terminal and sale id meanwhile
 * ("conflict").  *rowid gets the new row.  0, or -1 with err. */
static int record_open_void(store *st, const sale *open_sale, purpose dflt, const char *at,
                            const char *reply, sqlite3_int64 *rowid, pi_error *err) {
  store_sale found;
  int rc = 0;
  store_lookup seen = store_find(st, open_sale->store, open_sale->terminal, open_sale->id,
                                 &found, err);
  if (seen == STORE_LOOKUP_FAILED) {
    rc = -1;
  } else if (seen == STORE_FOUND) {
    char what[256];
    store_sale_describe(&found, what, sizeof what);
    rc = pi_fail(err, PI_E_CONFLICT, "sale",
                 "sale %s is already recorded by another till (%s); this till's "
                 "sale was not recorded",
                 open_sale->id, what);
  }
  store_sale_free(&found);
  decision d;
  memset(&d, 0, sizeof d);
  if (rc == 0)
    rc = insert_sale_row(st, open_sale, &d, dflt, 0, NULL, NULL, NULL, reply, "voided",
                         rowid, err);
  if (rc == 0) rc = insert_lines(st, open_sale, &d, dflt, *rowid, err);
  if (rc == 0) rc = insert_evidence(st, open_sale, *rowid, err);
  if (rc == 0) rc = insert_script_errors(st, open_sale, *rowid, err);
  if (rc == 0) rc = journal_append_sale(st->jr, *rowid, at, err);
  return rc;
}

static int prep_once(store *st, sqlite3_stmt **q, const char *sql, pi_error *err);
static const char *col_text(sqlite3_stmt *q, int i);

/* A sale with returns: they credit part of it already, and a void would
 * credit it whole once more (the EC Sales List's credit).  Returns 0, or
 * -1 with err ("sale_returned"). */
static int refuse_if_returned(store *st, sqlite3_int64 rowid, const char *sale_id,
                              pi_error *err) {
  char first[SALE_ID_MAX] = "";
  sqlite3_stmt *q;
  if (prep_once(st, &q, "SELECT ret FROM returns WHERE sale_id=?1 ORDER BY id LIMIT 1",
                err))
    return -1;
  sqlite3_bind_int64(q, 1, rowid);
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) snprintf(first, sizeof first, "%s", col_text(q, 0));
  sqlite3_finalize(q);
  if (step != SQLITE_ROW && step != SQLITE_DONE)
    return store_db_fail(st, err, "looking up returns");
  if (first[0])
    return pi_fail(err, PI_E_SALE_RETURNED, "sale",
                   "sale %s has returns (the first: %s); it cannot be voided: return "
                   "what remains of it instead",
                   sale_id, first);
  return 0;
}

store_rec store_record_void(store *st, const sale *open_sale, purpose dflt,
                            const char *store_id,
                            const char *terminal, const char *sale_id,
                            const char *reason, const char *at, const char *reply,
                            pi_error *err) {
  if (st->readonly) {
    pi_fail(err, PI_E_STORAGE, "database", "the database is read-only");
    return STORE_REC_FAILED;
  }
  if (check_file(st, err) || begin(st, err)) return STORE_REC_FAILED;
  sqlite3_int64 rowid = 0;
  int rc = 0;
  if (open_sale) {
    rc = record_open_void(st, open_sale, dflt, at, reply, &rowid, err);
  } else {
    /* Exactly one recorded sale, or a refusal that says what to add. */
    store_sale found;
    store_lookup seen = store_find(st, store_id, terminal, sale_id, &found, err);
    if (seen == STORE_LOOKUP_FAILED) {
      rc = -1;
    } else if (seen == STORE_NOT_FOUND) {
      rc = pi_fail(err, PI_E_UNKNOWN_SALE, "sale",
                   "sale %s is neither open on this till nor recorded%s%s", sale_id,
                   store_id ? " in store " : "", store_id ? store_id : "");
    } else if (found.voided) {
      store_sale_free(&found);
      finish(st, -1, err);
      return STORE_REC_ALREADY;
    } else {
      rowid = found.rowid;
      rc = refuse_if_returned(st, rowid, sale_id, err);
    }
    store_sale_free(&found);
  }
  if (rc == 0) {
    sqlite3_stmt *q = st->ins_void;
    sqlite3_bind_int64(q, 1, rowid);
    sqlite3_bind_text(q, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, reason, -1, SQLITE_STATIC);
    rc = step_done(st, q, err, "recording the void");
    if (rc == 0) rc = journal_append_void(st->jr, rowid, at, err);
  }
  return finish_rec(st, rc, err);
}

/* ------------------------------------------------------------------------ */
/* Returns                                                                   */

/* One prepared statement for a rare write path (a return), finalized by
 * the caller. */
static int prep_once(store *st, sqlite3_stmt **q, const char *sql, pi_error *err) {
  if (sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
    return store_db_fail(st, err, "preparing a statement");
  return 0;
}

static const char *col_text(sqlite3_stmt *q, int i) {
  const char *t = (const char *)sqlite3_column_text(q, i);
  return t ? t : "";
}

/* A quantity in thousandths as a person reads it ("1.5"). */
static void qty_text(int64_t milli, char out[32]) {
  if (qty_format(milli, out, 32) < 0) snprintf(out, 32, "%lld/1000", (long long)milli);
}

/* The return `r` asks for is recorded already under row `id`: a replay when
 * it asks the same, else "conflict" naming what is recorded.  Returns 1
 * with *replay, or -1 with err. */
static int replay_return(store *st, int64_t id, int64_t sale_rowid, const store_return *r,
                         char **replay, pi_error *err) {
  sqlite3_stmt *q;
  if (prep_once(st, &q,
                "SELECT sale_id, at, reason, reason_text, refund, reply, day, total,"
                " currency FROM returns WHERE id=?1",
                err))
    return -1;
  sqlite3_bind_int64(q, 1, id);
  if (sqlite3_step(q) != SQLITE_ROW) {
    sqlite3_finalize(q);
    return store_db_fail(st, err, "reading the recorded return");
  }
  char what[200];
  snprintf(what, sizeof what, "return %s of store %s: day %s, total %lld %s", r->ret_id,
           r->store, col_text(q, 6), (long long)sqlite3_column_int64(q, 7),
           col_text(q, 8));
  const char *differs = NULL;
  const char *text = (const char *)sqlite3_column_text(q, 3);
  if (sqlite3_column_int64(q, 0) != sale_rowid) differs = "sale";
  else if (strcmp(col_text(q, 1), r->at) != 0) differs = "at";
  else if (strcmp(col_text(q, 2), r->reason) != 0) differs = "reason";
  /* An erased text is not compared: the resend cannot know it is gone. */
  else if (text && strcmp(text, r->reason_text) != 0) differs = "reason_text";
  int refund_differs = strcmp(col_text(q, 4), r->refund_json) != 0;
  char *reply = differs ? NULL : strdup(col_text(q, 5));
  sqlite3_finalize(q);
  if (differs == NULL && reply == NULL) return pi_fail(err, PI_E_NOMEM, "", "out of memory");
  if (differs == NULL) {
    /* The lines, in the order they were asked. */
    if (prep_once(st, &q, "SELECT line, qty_milli FROM return_lines WHERE return_id=?1"
                          " ORDER BY seq", err)) {
      free(reply);
      return -1;
    }
    sqlite3_bind_int64(q, 1, id);
    size_t n = 0;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW && differs == NULL) {
      if (n >= r->nlines || strcmp(col_text(q, 0), r->lines[n].line) != 0 ||
          sqlite3_column_int64(q, 1) != r->lines[n].qty_milli)
        differs = "lines";
      n++;
    }
    sqlite3_finalize(q);
    if (differs == NULL && (step != SQLITE_DONE || n != r->nlines))
      differs = step == SQLITE_DONE ? "lines" : NULL;
    if (differs == NULL && step != SQLITE_DONE) {
      free(reply);
      return store_db_fail(st, err, "reading the recorded return");
    }
  }
  if (differs == NULL && refund_differs) differs = "refund";
  if (differs) {
    free(reply);
    return pi_fail(err, PI_E_CONFLICT, differs,
                   "%s is recorded with another %s; resend exactly the event that was "
                   "sent, or give the new return its own id",
                   what, differs);
  }
  *replay = reply;
  return 1;
}

/* Check and price each asked line against the original sale `sale_rowid`
 * and what earlier returns took of it.  Returns 0 or -1 with err. */
static int price_return_lines(store *st, int64_t sale_rowid, store_return *r,
                              pi_error *err) {
  sqlite3_stmt *q;
  if (prep_once(st, &q,
                "SELECT l.seq, l.qty_milli, l.net, l.tax, l.purpose, l.status,"
                " l.treatment, (SELECT COALESCE(sum(rl.qty_milli), 0) FROM returns x"
                "  JOIN return_lines rl ON rl.return_id = x.id"
                "  WHERE x.sale_id = l.sale_id AND rl.line_seq = l.seq)"
                " FROM lines l WHERE l.sale_id = ?1 AND l.line = ?2",
                err))
    return -1;
  int rc = 0;
  r->net = r->tax = 0;
  for (size_t i = 0; i < r->nlines && rc == 0; i++) {
    store_return_line *l = &r->lines[i];
    char field[48];
    sqlite3_bind_int64(q, 1, sale_rowid);
    sqlite3_bind_text(q, 2, l->line, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_DONE) {
      snprintf(field, sizeof field, "lines[%zu].line", i);
      rc = pi_fail(err, PI_E_UNKNOWN_LINE, field,
                   "sale %s (store %s, terminal %s) has no line %s; nothing was returned",
                   r->sale, r->store, r->terminal_found, l->line);
    } else if (step != SQLITE_ROW) {
      rc = store_db_fail(st, err, "reading the sale's lines");
    } else {
      int64_t sold = sqlite3_column_int64(q, 1), before = sqlite3_column_int64(q, 7);
      int64_t net = sqlite3_column_int64(q, 2), tax = sqlite3_column_int64(q, 3);
      assert(sold > 0 && before >= 0 && before <= sold);
      if (l->qty_milli > sold - before) {
        char s1[32], s2[32], s3[32], s4[32];
        qty_text(sold, s1);
        qty_text(before, s2);
        qty_text(sold - before, s3);
        qty_text(l->qty_milli, s4);
        snprintf(field, sizeof field, "lines[%zu].qty", i);
        rc = pi_fail(err, PI_E_RETURN_EXCEEDS, field,
                     "line %s of sale %s: %s sold, %s returned before, so %s remains; "
                     "this return asks for %s",
                     l->line, r->sale, s1, s2, s3, s4);
      } else {
        int64_t after = before + l->qty_milli;
        l->seq = sqlite3_column_int64(q, 0);
        l->net = money_prorate(net, after, sold) - money_prorate(net, before, sold);
        l->tax = money_prorate(tax, after, sold) - money_prorate(tax, before, sold);
        l->remaining_milli = sold - after;
        snprintf(l->purpose, sizeof l->purpose, "%s", col_text(q, 4));
        snprintf(l->status, sizeof l->status, "%s", col_text(q, 5));
        snprintf(l->treatment, sizeof l->treatment, "%s", col_text(q, 6));
        /* Shares of at most the sale's amounts, whose total is <= 2^53. */
        r->net += l->net;
        r->tax += l->tax;
      }
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
  }
  sqlite3_finalize(q);
  return rc;
}

/* Insert the priced return and its lines, copying the sale's reseller
 * identity; *id receives the return's row id. */
static int insert_return(store *st, int64_t sale_rowid, const store_return *r,
                         const char *recorded_at, const char *reply, int64_t *id,
                         pi_error *err) {
  sqlite3_stmt *q;
  if (prep_once(st, &q,
                "INSERT INTO returns(sale_id, store, ret, at, day, recorded_at, reason,"
                " reason_text, currency, net, tax, total, reseller_kind, reseller_id,"
                " reseller_country, reseller_valid, reseller_reason, customer_id,"
                " refund, reply)"
                " SELECT id, store, ?2, ?3, ?4, ?5, ?6, ?7, currency, ?8, ?9, ?10,"
                " reseller_kind, reseller_id, reseller_country, reseller_valid,"
                " reseller_reason, customer_id, ?11, ?12 FROM sales WHERE id = ?1",
                err))
    return -1;
  sqlite3_bind_int64(q, 1, sale_rowid);
  sqlite3_bind_text(q, 2, r->ret_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, r->at, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 4, r->day, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 5, recorded_at, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 6, r->reason, -1, SQLITE_STATIC);
  bind_opt(q, 7, r->reason_text);
  sqlite3_bind_int64(q, 8, r->net);
  sqlite3_bind_int64(q, 9, r->tax);
  sqlite3_bind_int64(q, 10, r->net + r->tax);
  sqlite3_bind_text(q, 11, r->refund_json, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 12, reply, -1, SQLITE_STATIC);
  int step = sqlite3_step(q);
  sqlite3_finalize(q);
  if (step != SQLITE_DONE || sqlite3_changes(st->db) != 1)
    return store_db_fail(st, err, "recording the return");
  *id = sqlite3_last_insert_rowid(st->db);
  if (prep_once(st, &q,
                "INSERT INTO return_lines(return_id, seq, line_seq, line, qty_milli,"
                " net, tax, purpose, status, treatment)"
                " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                err))
    return -1;
  int rc = 0;
  for (size_t i = 0; i < r->nlines && rc == 0; i++) {
    const store_return_line *l = &r->lines[i];
    sqlite3_bind_int64(q, 1, *id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)i + 1);
    sqlite3_bind_int64(q, 3, l->seq);
    sqlite3_bind_text(q, 4, l->line, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, l->qty_milli);
    sqlite3_bind_int64(q, 6, l->net);
    sqlite3_bind_int64(q, 7, l->tax);
    sqlite3_bind_text(q, 8, l->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, l->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, l->treatment, -1, SQLITE_STATIC);
    rc = step_done(st, q, err, "recording a returned line");
  }
  sqlite3_finalize(q);
  return rc;
}

/* The row id of the return `ret` in store `store_id`: 1 with *id, 0 none, -1. */
static int find_return(store *st, const char *store_id, const char *ret, int64_t *id,
                       pi_error *err) {
  sqlite3_stmt *q;
  if (prep_once(st, &q, "SELECT id FROM returns WHERE store=?1 AND ret=?2", err)) return -1;
  sqlite3_bind_text(q, 1, store_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, ret, -1, SQLITE_STATIC);
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) *id = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  if (step == SQLITE_ROW) return 1;
  return step == SQLITE_DONE ? 0 : store_db_fail(st, err, "looking up the return");
}

int store_record_return(store *st, store_return *r, const char *recorded_at,
                        store_return_reply_fn reply_fn, void *ctx, char **replay,
                        pi_error *err) {
  *replay = NULL;
  if (st->readonly)
    return pi_fail(err, PI_E_STORAGE, "database", "the database is read-only");
  if (check_file(st, err) || begin(st, err)) return -1;
  /* Everything below is read inside the write transaction: two tills
   * returning the same line at once see each other's returns. */
  store_sale found;
  store_lookup seen = store_find(st, r->store_id, r->terminal, r->sale_id, &found, err);
  int rc = seen == STORE_FOUND ? 1 : seen == STORE_NOT_FOUND ? 0 : -1;
  if (rc == 0)
    rc = pi_fail(err, PI_E_UNKNOWN_SALE, "sale",
                 "sale %s is not recorded%s%s; a return needs the recorded sale it "
                 "returns",
                 r->sale_id, r->store_id ? " in store " : "", r->store_id ? r->store_id : "");
  int64_t sale_rowid = found.rowid, ret_rowid = 0;
  if (rc == 1) {
    snprintf(r->sale, sizeof r->sale, "%s", found.sale);
    snprintf(r->store, sizeof r->store, "%s", found.store);
    snprintf(r->terminal_found, sizeof r->terminal_found, "%s", found.terminal);
    snprintf(r->currency, sizeof r->currency, "%s", found.currency);
    day_of(r->at, r->day);
    rc = find_return(st, found.store, r->ret_id, &ret_rowid, err);
    if (rc == 1)
      rc = replay_return(st, ret_rowid, sale_rowid, r, replay, err);
    else if (rc == 0 && found.voided)
      rc = pi_fail(err, PI_E_SALE_VOIDED, "sale",
                   "sale %s (store %s, terminal %s) was voided: nothing of it can be "
                   "returned",
                   found.sale, found.store, found.terminal);
  }
  store_sale_free(&found);
  if (rc != 0) {
    finish(st, -1, err); /* nothing written: a read, or a refusal */
    return rc;
  }
  /* Not before the sale's business day. */
  sqlite3_stmt *q;
  if (prep_once(st, &q, "SELECT day FROM sales WHERE id=?1", err)) return finish(st, -1, err);
  sqlite3_bind_int64(q, 1, sale_rowid);
  char sale_day[11] = "";
  /* Every step's failure ends the return: after SQLITE_NOMEM (or FULL,
   * IOERR) SQLite may roll the transaction back by itself, and the writes
   * below would then commit one by one while the reply says it failed. */
  int step = sqlite3_step(q);
  if (step == SQLITE_ROW) snprintf(sale_day, sizeof sale_day, "%s", col_text(q, 0));
  sqlite3_finalize(q);
  if (step != SQLITE_ROW)
    return finish(st, store_db_fail(st, err, "reading the sale's business day"), err);
  if (strcmp(r->day, sale_day) < 0)
    rc = pi_fail(err, PI_E_BAD_VALUE, "at",
                 "the return is dated %s, before sale %s's business day %s", r->day,
                 r->sale, sale_day);
  if (rc == 0) rc = price_return_lines(st, sale_rowid, r, err);
  const char *reply = NULL;
  if (rc == 0) rc = reply_fn(ctx, r, &reply, err);
  if (rc == 0) rc = insert_return(st, sale_rowid, r, recorded_at, reply, &ret_rowid, err);
  if (rc == 0) rc = journal_append_return(st->jr, ret_rowid, recorded_at, err);
  return finish(st, rc, err);
}
