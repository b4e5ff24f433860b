/* SPDX-License-Identifier: MIT */
/*
 * chain_int.h - what the chain's files share: the till tables' columns,
 * as the central tables repeat them (central.c creates them, sync.c
 * ships into them, cverify.c reads them back into a till database).
 */
#ifndef POSINTENT_CHAIN_INT_H
#define POSINTENT_CHAIN_INT_H

/* The till's columns of each table (store.c's schema 9), in the order the
 * central table holds them after its prefix.  A till schema that adds a
 * column adds it here and in a central migration (central.c);
 * tests/chain_returns_test.py fails while a till column is missing on the
 * server. */
#define CHAIN_SALES_COLS                                                       \
  "id,store,terminal,sale,cashier,began_at,day,completed_at,currency,"         \
  "purpose,net,tax,total,customer_id,customer_name,customer_org,"              \
  "reseller_kind,reseller_id,reseller_country,reseller_valid,"                 \
  "reseller_reason,treatment,gift_receipt,gift_message,recipient_name,"        \
  "recipient_contact,tenders,meta,reply,status,attempt"
#define CHAIN_LINES_COLS                                                       \
  "sale_id,seq,line,sku,name,qty_milli,unit_price,net,tax,purpose,status,"     \
  "treatment,gift_receipt,gift_message,recipient_name,recipient_contact,"     \
  "tax_rate_bp,tax_code"
#define CHAIN_EVIDENCE_COLS                                                    \
  "id,sale_id,kind,input,state,expires,compact,country,valid,reason,chosen"
#define CHAIN_VOIDS_COLS "sale_id,at,reason"
#define CHAIN_SALTS_COLS "sale_id,field,salt"
/* Returns (till schema 6): the returns row carries its own store (the
 * original sale's), so its central table is prefixed by chain alone, as
 * sales are; return_lines by store and chain. */
#define CHAIN_RETURNS_COLS                                                     \
  "id,sale_id,store,ret,at,day,recorded_at,reason,reason_text,currency,"       \
  "net,tax,total,reseller_kind,reseller_id,reseller_country,reseller_valid,"   \
  "reseller_reason,customer_id,refund,reply"
#define CHAIN_RETURN_LINES_COLS                                                \
  "return_id,seq,line_seq,line,qty_milli,net,tax,purpose,status,treatment"
/* Accounts (till schema 7): the accounts row carries its own store, so
 * its central table is prefixed by chain alone, as sales are;
 * account_evidence by store and chain. */
#define CHAIN_ACCOUNTS_COLS                                                    \
  "id,store,account,version,name,kind,purpose,status,created_at,updated_at"
#define CHAIN_ACCOUNT_EVIDENCE_COLS                                            \
  "account_id,seq,kind,input,state,signed,expires,compact,country"
/* Online verifications of VAT numbers (till schema 9): the till's rows
 * hold no store; the central table is prefixed by the till's home store
 * and chain, as the journal is. */
#define CHAIN_VERIFICATIONS_COLS                                               \
  "id,number,country,service,requester,outcome,code,detail,checked_at,"        \
  "request_date,consultation,retry_after,name,address"
/* A sale's store-script failures (till schema 11), by store and chain. */
#define CHAIN_SCRIPT_ERRORS_COLS                                               \
  "sale_id,seq,event,hook,location,count,truncated,message"
#define CHAIN_JOURNAL_COLS "seq,at,kind,sale_id,body,pii,prev,hash"

#include <libpq-fe.h>
#include <sqlite3.h>

#include "base/error.h"
#include "store/store.h"

/* Run `select` (parameters $1..$n, text) on the server, row by row, and
 * insert each row into the SQLite database `db` with `insert`, an
 * "INSERT INTO t(cols)" to which the VALUES(?, ...) for as many columns
 * as the query returns is appended.  NULL stays NULL; column `blob_col`
 * (-1: none) is bytea as hex (encode(x, 'hex')) and goes in as a blob;
 * the rest go in as text, which the till's column affinities turn back
 * into integers.  Returns 0, or -1 with err. */
int chain_load_rows(PGconn *pg, sqlite3 *db, const char *select, int nparams,
                    const char *const *params, const char *insert, int blob_col,
                    pi_error *err);

/* An in-memory till database (store.c's schema), for rows read back from
 * the server; the caller store_close()s it. */
int chain_scratch_store(store **out, pi_error *err);

#endif
