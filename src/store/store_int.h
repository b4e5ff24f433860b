/* SPDX-License-Identifier: MIT */
/*
 * store_int.h - what the files of the store share and nothing else sees:
 * the store's state, the lookup query, and the helpers of more than one
 * file.  store.c opens, migrates and closes; store_find.c looks sales up;
 * store_record.c records sales, voids and returns; accounts.c keeps
 * customer accounts.  The public contracts are store.h and accounts.h.
 */
#ifndef POSINTENT_STORE_INT_H
#define POSINTENT_STORE_INT_H

#include <limits.h>
#include <sqlite3.h>

#include "base/error.h"
#include "config/manifest.h"
#include "store/journal.h"
#include "store/store.h"

struct store {
  sqlite3 *db;
  int readonly;
  int busy; /* the last setup step failed on another connection's lock */
  const plugin_config *cfg; /* borrowed from the caller; may be NULL */
  /* Prepared once: the till records every sale through these. */
  sqlite3_stmt *find_store, *find_any, *ins_sale, *ins_line, *ins_ev, *ins_void,
      *ins_script_error;
  sqlite3_stmt *begin, *commit, *rollback;
  journal *jr;
};

/* What store_find reads of a sale.  At most FIND_LIMIT rows are read: one
 * is the answer, more are listed in the "ambiguous" sentence. */
#define FIND_COLS                                                              \
  "SELECT id, store, terminal, sale, currency, completed_at, total, status,"   \
  " EXISTS(SELECT 1 FROM voids v WHERE v.sale_id=s.id), tenders, reply,"       \
  " attempt FROM sales s "
#define FIND_LIMIT 4
#define FIND_LIMIT_SQL "4"

/* pi_fail with code "storage", field "database": "<what>: <SQLite's
 * message>".  Returns -1. */
int store_db_fail(store *st, pi_error *err, const char *what);

/* Creates the database file at `path` 0600 before SQLite opens it (a
 * dangling symlink: its target); `created` gets the path of the file this
 * call created, or "".  Returns 0, or -1 with err.  (store.c) */
int store_precreate(const char *path, char created[PATH_MAX], pi_error *err);

#endif
