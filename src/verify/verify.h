/* SPDX-License-Identifier: MIT */
/*
 * verify.h - online verification of the VAT numbers on file, away from
 * the till (`posintent evidence verify`).
 *
 * A pass asks the register of each number that is due
 * (store_vcheck_due(): never checked, or unavailable and its retry time
 * come): VIES's REST API for EU and XI numbers (check-vat-number, with the
 * store's own number as requester, which returns a consultation number,
 * requestIdentifier), HMRC's "Check a UK VAT number" API v2 for GB numbers
 * (OAuth client credentials, scope read:vat; with the store's own GB
 * number as requester it returns a consultationNumber).  Each answer is
 * one of four outcomes (store/verifications.h), recorded with its journal
 * entry: valid, invalid, unavailable (retried later with exponential
 * backoff, never taken as invalid), input error.  An answer that cannot be
 * read -- not JSON, a wrong content type, a TLS failure, a redirect loop,
 * a timeout -- is "unavailable" with code BAD_ANSWER or NO_ANSWER and a
 * log line that says what came.
 *
 * Requests to one service are spaced by at least 1/rate seconds (HMRC
 * allows 3 requests a second).  The till never calls any of this: it
 * reads the recorded outcomes only.  docs/verification.md has the
 * services' request and answer shapes and their sources.
 */
#ifndef POSINTENT_VERIFY_H
#define POSINTENT_VERIFY_H

#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "base/log.h"
#include "store/store.h"
#include "store/verifications.h"

#define VERIFY_URL_MAX 512
#define VERIFY_SECRET_MAX 256
#define VERIFY_TOKEN_MAX 4096

#define VERIFY_VIES_URL                                                        \
  "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"
#define VERIFY_HMRC_URL "https://api.service.hmrc.gov.uk"

typedef struct verify_config {
  char vies_url[VERIFY_URL_MAX];       /* the check-vat-number endpoint         */
  char hmrc_url[VERIFY_URL_MAX];       /* the API's base (no trailing /)        */
  char hmrc_token_url[VERIFY_URL_MAX]; /* "" : hmrc_url + "/oauth/token"         */
  char hmrc_client_id[VERIFY_SECRET_MAX];
  char hmrc_client_secret[VERIFY_SECRET_MAX]; /* never printed                 */
  char vies_requester[TAXID_COMPACT_MAX];     /* EU/XI number, "" for none     */
  char hmrc_requester[TAXID_COMPACT_MAX];     /* GB number, "" for none        */
  int64_t timeout_ms;                  /* per request, all of it; 20000         */
  int64_t vies_per_second;             /* at most this many requests; 1         */
  int64_t hmrc_per_second;             /* 3, HMRC's limit                       */
  int64_t retry_base_s;                /* first wait after unavailable; 60     */
  int64_t retry_max_s;                 /* the longest wait; 86400               */
} verify_config;

/* The defaults: the real endpoints, no credentials, no requesters. */
void verify_config_default(verify_config *c);

/* Read a JSON settings file over *c: members vies_url, hmrc_url,
 * hmrc_token_url, hmrc_client_id, hmrc_client_secret, vies_requester,
 * hmrc_requester, timeout_ms, vies_per_second, hmrc_per_second,
 * retry_base_s, retry_max_s.  An unknown member, a wrong type or value, a
 * requester that is not a valid number of its register's countries, and
 * a file holding a client secret that its group or others may read, are
 * refused naming the member.  Returns 0 or -1 with err. */
int verify_config_load(verify_config *c, const char *path, pi_error *err);

/* Check a requester number for `service` ("vies": an EU or XI VAT number;
 * "hmrc": a GB one); on success the compact form replaces it.  Returns 0
 * or -1 with err naming `field`. */
int verify_requester_check(char num[TAXID_COMPACT_MAX], const char *service,
                           const char *field, pi_error *err);

/* What lasts from one pass to the next (--follow): HMRC's access token and
 * when each service was last asked.  Zero it before the first pass. */
typedef struct verify_session {
  char token[VERIFY_TOKEN_MAX];
  time_t token_expires;            /* 0: no token                        */
  struct timespec last[2];         /* [0] VIES, [1] HMRC; 0: never        */
  int token_refused;               /* this pass: HMRC gave no token; the
                                      pass's other GB numbers are not sent */
  char token_problem[VCHECK_DETAIL_MAX];
} verify_session;

typedef struct verify_stats {
  int64_t due, valid, invalid, unavailable, input_error;
} verify_stats;

/* One pass over the numbers due now (with `retry_now`, the unavailable
 * ones too, whatever their wait).  Each result is recorded
 * (store_vcheck_add) and logged through log/logctx (one line a number;
 * warnings for unavailable and input errors).  Returns 0 when every due
 * number was asked and its outcome recorded (whatever the outcomes), or
 * -1 with err when the database failed (what was recorded stays). */
int verify_pass(store *st, const verify_config *c, verify_session *s, int retry_now,
                pi_log_fn log, void *logctx, verify_stats *stats, pi_error *err);

/* Set up and tear down the HTTP library: once per process. */
int verify_global_init(pi_error *err);
void verify_global_cleanup(void);

#endif
