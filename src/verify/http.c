/* SPDX-License-Identifier: MIT */
/* http.c - one bounded HTTP request through libcurl (http.h). */
#include "verify/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

int http_global_init(pi_error *err) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return pi_fail(err, PI_E_STORAGE, "http", "libcurl could not be initialised");
  return 0;
}

void http_global_cleanup(void) { curl_global_cleanup(); }

typedef struct sink {
  char *buf;
  size_t len, cap;
  int too_big, no_memory;
} sink;

static size_t on_data(char *data, size_t size, size_t n, void *ctx) {
  sink *s = ctx;
  size_t add = size * n;
  if (add > HTTP_BODY_MAX - s->len) {
    s->too_big = 1;
    return 0; /* curl stops with CURLE_WRITE_ERROR */
  }
  if (s->len + add + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->len + add + 1) cap *= 2;
    char *b = realloc(s->buf, cap);
    if (b == NULL) {
      s->no_memory = 1;
      return 0;
    }
    s->buf = b;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, data, add);
  s->len += add;
  s->buf[s->len] = '\0';
  return add;
}

int http_is_json(const char *ctype) {
  size_t n = strcspn(ctype, ";");
  while (n > 0 && ctype[n - 1] == ' ') n--;
  if (n == 16 && strncasecmp(ctype, "application/json", 16) == 0) return 1;
  return n > 5 && strncasecmp(ctype, "application/", 12) == 0 &&
         strncasecmp(ctype + n - 5, "+json", 5) == 0;
}

int http_request(const char *method, const char *url, const char *const *headers,
                 const char *body, http_redirects redirects, long timeout_ms,
                 http_answer *a, pi_error *err) {
  memset(a, 0, sizeof *a);
  a->retry_after_s = -1;
  CURL *c = curl_easy_init();
  if (c == NULL) return pi_fail(err, PI_E_NOMEM, "http", "out of memory");
  struct curl_slist *hl = NULL;
  for (const char *const *h = headers; h && *h; h++) {
    struct curl_slist *n = curl_slist_append(hl, *h);
    if (n == NULL) {
      curl_slist_free_all(hl);
      curl_easy_cleanup(c);
      return pi_fail(err, PI_E_NOMEM, "http", "out of memory");
    }
    hl = n;
  }
  sink s = {0};
  char errbuf[CURL_ERROR_SIZE] = "";
  /* Redirects stay within the configured scheme: an https:// service is
   * never followed to plain http. */
  const char *protos = strncasecmp(url, "https://", 8) == 0 ? "https" : "http,https";
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, redirects == HTTP_FOLLOW_REDIRECTS ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "posintent-evidence-verify");
  if (strcmp(method, "POST") == 0) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
  }
  CURLcode rc = curl_easy_perform(c);
  int out = 0;
  if (s.no_memory) {
    out = pi_fail(err, PI_E_NOMEM, "http", "out of memory");
  } else if (rc != CURLE_OK) {
    out = 1;
    if (s.too_big)
      snprintf(a->error, sizeof a->error, "the answer is longer than %d bytes",
               HTTP_BODY_MAX);
    else if (rc == CURLE_TOO_MANY_REDIRECTS)
      snprintf(a->error, sizeof a->error, "more than %d redirects (a redirect loop?)",
               HTTP_MAX_REDIRECTS);
    else if (rc == CURLE_OPERATION_TIMEDOUT)
      snprintf(a->error, sizeof a->error, "no answer within %ld ms", timeout_ms);
    else
      snprintf(a->error, sizeof a->error, "%s%s%s", curl_easy_strerror(rc),
               errbuf[0] ? ": " : "", errbuf);
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    char *ct = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
      snprintf(a->content_type, sizeof a->content_type, "%s", ct);
    curl_off_t ra = -1;
    if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
      a->retry_after_s = (long)ra;
    if (s.buf == NULL) s.buf = calloc(1, 1);
    if (s.buf == NULL) out = pi_fail(err, PI_E_NOMEM, "http", "out of memory");
    a->body = s.buf;
    a->len = s.len;
    s.buf = NULL;
  }
  free(s.buf);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return out;
}

void http_answer_free(http_answer *a) {
  free(a->body);
  a->body = NULL;
  a->len = 0;
}
