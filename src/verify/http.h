/* SPDX-License-Identifier: MIT */
/*
 * http.h - one HTTP request through libcurl, bounded in time and size.
 *
 * The online checks (vies.c, hmrc.c) need a request and its answer, never
 * more: no connection state survives a call.  A call waits at most
 * `timeout_ms` in all (connecting included), follows at most
 * HTTP_MAX_REDIRECTS redirects within the configured URL's scheme (a
 * loop therefore ends as an error), and keeps at most HTTP_BODY_MAX bytes
 * of the answer: a longer one is an error, never cut short.
 *
 * libcurl's global state is set up once per process: http_global_init()
 * before the first request, http_global_cleanup() at exit.
 */
#ifndef POSINTENT_VERIFY_HTTP_H
#define POSINTENT_VERIFY_HTTP_H

#include <stddef.h>

#include "base/error.h"

#define HTTP_MAX_REDIRECTS 3
#define HTTP_BODY_MAX (64 * 1024)

typedef struct http_answer {
  long status;               /* HTTP status; 0 when no answer came         */
  char content_type[128];    /* "" when none                               */
  long retry_after_s;        /* Retry-After in seconds, -1 when none       */
  char *body;                /* NUL-terminated, owned (http_answer_free)   */
  size_t len;
  char error[256];           /* when no answer came: what went wrong       */
} http_answer;

/* Set up libcurl (curl_global_init).  Returns 0 or -1 with err. */
int http_global_init(pi_error *err);
void http_global_cleanup(void);

/* Whether a request follows redirects (at most HTTP_MAX_REDIRECTS, in the
 * URL's scheme).  A request whose body carries a secret must not: curl
 * sends a POST's body again to wherever a 307 or 308 points, another host
 * included. */
typedef enum http_redirects { HTTP_NO_REDIRECTS = 0, HTTP_FOLLOW_REDIRECTS = 1 } http_redirects;

/* One request: `method` "GET" or "POST"; `headers` NULL-terminated
 * ("Accept: application/json"); `body` (NULL for none) sent as is.
 * Returns 0 when an answer came (any status; a redirect not followed is
 * its 3xx answer), with *a filled; 1 when none did (timeout, TLS,
 * connection, a redirect loop, an answer larger than HTTP_BODY_MAX), with
 * a->status 0 and a->error saying why; -1 with err when out of memory.
 * Free *a with http_answer_free() in every case. */
int http_request(const char *method, const char *url, const char *const *headers,
                 const char *body, http_redirects redirects, long timeout_ms,
                 http_answer *a, pi_error *err);

void http_answer_free(http_answer *a);

/* 1 when `ctype` is JSON: application/json or a type ending in "+json"
 * (HMRC's application/vnd.hmrc.2.0+json), parameters ignored. */
int http_is_json(const char *ctype);

#endif
