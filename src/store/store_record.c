/* SPDX-License-Identifier: MIT */
/* store_record.c - recording a sale or a void: one transaction each with
 * its rows and journal entry, and a database file deleted while open
 * written anew first.  Contracts in store.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"
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
    if (step_done(st, q, err, "recording a line")) return -1;
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
  if (rc == 0) rc = journal_append_sale(st->jr, *rowid, at, err);
  return rc;
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
