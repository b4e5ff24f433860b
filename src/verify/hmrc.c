/* SPDX-License-Identifier: MIT */
/*
 * hmrc.c - HMRC's "Check a UK VAT number" API, version 2.0.
 *
 * Token (POST {token_url}, form): grant_type=client_credentials,
 * client_id, client_secret, scope=read:vat; the answer's access_token is
 * sent as "Authorization: Bearer ..." until expires_in (seconds) runs out.
 * Lookup (GET, "Accept: application/vnd.hmrc.2.0+json"):
 *   {base}/organisations/vat/check-vat-number/lookup/{targetVrn}
 *   {base}/organisations/vat/check-vat-number/lookup/{targetVrn}/{requesterVrn}
 * 200: {"target":{"name","vatNumber","address":{"line1".."line4",
 * "postcode","countryCode"}},"processingDate","consultationNumber"} (the
 * consultation number only with a requester).  404 with code NOT_FOUND:
 * the number is not registered (invalid); any other 404 (HMRC's platform
 * answers MATCHING_RESOURCE_NOT_FOUND to a wrong URL) is not about the
 * number.  400 (INVALID_REQUEST, ...): input error.  401/403 (credentials,
 * subscription), 429 (HMRC allows 3 requests a second), 5xx: unavailable.
 * Errors carry {"code","message"}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "verify/verify_int.h"

/* HMRC wants the 9 (or 12, with a branch) digits without "GB". */
static const char *vrn(const char *number) {
  return strncmp(number, "GB", 2) == 0 ? number + 2 : number;
}

static void http_code(char *code, size_t cap, long status) {
  snprintf(code, cap, "HTTP_%ld", status);
}

void hmrc_classify(const http_answer *a, const char *number, vcheck *v) {
  cJSON *root = NULL;
  if (http_is_json(a->content_type)) root = cJSON_ParseWithLength(a->body, a->len);
  char code[VCHECK_CODE_MAX] = "", message[160] = "";
  if (cJSON_IsObject(root)) {
    verify_json_text(root, "code", code, sizeof code, NULL);
    verify_json_text(root, "message", message, sizeof message, NULL);
  }
  char hc[32];
  http_code(hc, sizeof hc, a->status);
  if (a->status == 429 || a->status >= 500) {
    verify_set(v, VCHECK_UNAVAILABLE, code[0] ? code : hc, "HMRC: HTTP %ld%s%s", a->status,
               message[0] ? ": " : "", message);
  } else if (!cJSON_IsObject(root)) {
    verify_bad_answer(v, a, http_is_json(a->content_type) ? "its JSON cannot be read"
                                                         : "it is not JSON");
  } else if (a->status == 404 && strcmp(code, "NOT_FOUND") == 0) {
    verify_set(v, VCHECK_INVALID, code, "HMRC: %s", message[0] ? message : "not registered");
  } else if (a->status == 400) {
    verify_set(v, VCHECK_INPUT_ERROR, code[0] ? code : hc, "HMRC: %s%s(HTTP 400)",
               message, message[0] ? " " : "");
  } else if (a->status != 200) {
    verify_set(v, VCHECK_UNAVAILABLE, code[0] ? code : hc, "HMRC: HTTP %ld%s%s%s",
               a->status, message[0] ? ": " : "", message,
               a->status == 401 || a->status == 403
                   ? " (check hmrc_client_id, hmrc_client_secret and the application's "
                     "subscription)"
                   : "");
  } else {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "target");
    char vn[TAXID_COMPACT_MAX] = "";
    if (cJSON_IsObject(t)) verify_json_text(t, "vatNumber", vn, sizeof vn, NULL);
    if (!cJSON_IsObject(t)) {
      verify_bad_answer(v, a, "it has no \"target\"");
    } else if (strcmp(vn, vrn(number)) != 0) {
      verify_bad_answer(v, a, "it is about another number");
    } else {
      int cut = 0;
      verify_set(v, VCHECK_VALID, "", "HMRC: registered");
      verify_json_text(t, "name", v->name, sizeof v->name, &cut);
      verify_json_text(root, "processingDate", v->request_date, sizeof v->request_date,
                       &cut);
      verify_json_text(root, "consultationNumber", v->consultation,
                       sizeof v->consultation, &cut);
      const cJSON *ad = cJSON_GetObjectItemCaseSensitive(t, "address");
      static const char *const parts[] = {"line1", "line2", "line3", "line4",
                                          "line5", "postcode", "countryCode", NULL};
      size_t used = 0;
      for (const char *const *p = parts; cJSON_IsObject(ad) && *p; p++) {
        char part[256];
        verify_json_text(ad, *p, part, sizeof part, &cut);
        if (part[0] == '\0') continue;
        int n = snprintf(v->address + used, sizeof v->address - used, "%s%s",
                         used ? ", " : "", part);
        if (n < 0 || (size_t)n >= sizeof v->address - used) {
          cut = 1;
          break;
        }
        used += (size_t)n;
      }
      if (cut) verify_bad_answer(v, a, "a member is longer than posintent keeps");
    }
  }
  cJSON_Delete(root);
}

/* Percent-encode s into out[cap] (RFC 3986 unreserved kept).  Returns 0,
 * or -1 when it does not fit. */
static int form_escape(const char *s, char *out, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
               (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
               *p == '~';
    if (o + (keep ? 1 : 3) >= cap) return -1;
    if (keep) out[o++] = (char)*p;
    else {
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  out[o] = '\0';
  return 0;
}

/* Get an access token into s unless a current one is there.  Returns 0
 * with one; 1 with v filled (unavailable, HMRC_TOKEN) when none was
 * given; -1 with err when out of memory.  The secret is never logged. */
static int token(const verify_config *c, verify_session *s, vcheck *v, pi_error *err) {
  time_t now = time(NULL);
  if (s->token[0] && now + 60 < s->token_expires) return 0;
  s->token[0] = '\0';
  if (s->token_refused) { /* asked once this pass: not again for each number */
    verify_set(v, VCHECK_UNAVAILABLE, "HMRC_TOKEN", "%s", s->token_problem);
    return 1;
  }
  if (c->hmrc_client_id[0] == '\0' || c->hmrc_client_secret[0] == '\0') {
    verify_set(v, VCHECK_UNAVAILABLE, "HMRC_TOKEN",
               "HMRC: no credentials (hmrc_client_id, hmrc_client_secret in the "
               "--config file)");
    return 1;
  }
  char id[3 * VERIFY_SECRET_MAX], secret[3 * VERIFY_SECRET_MAX];
  if (form_escape(c->hmrc_client_id, id, sizeof id) ||
      form_escape(c->hmrc_client_secret, secret, sizeof secret))
    return pi_fail(err, PI_E_TOO_LONG, "hmrc_client_secret", "a credential is too long");
  size_t cap = strlen(id) + strlen(secret) + 128;
  char *body = malloc(cap);
  if (body == NULL) return pi_fail(err, PI_E_NOMEM, "hmrc", "out of memory");
  snprintf(body, cap,
           "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=read%%3Avat",
           id, secret);
  char url[VERIFY_URL_MAX + 16];
  if (c->hmrc_token_url[0]) snprintf(url, sizeof url, "%s", c->hmrc_token_url);
  else snprintf(url, sizeof url, "%s/oauth/token", c->hmrc_url);
  static const char *const headers[] = {
      "Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL};
  http_answer a;
  /* The body holds the client secret: a redirect is an answer, never
   * followed (http.h). */
  int rc = http_request("POST", url, headers, body, HTTP_NO_REDIRECTS, (long)c->timeout_ms,
                        &a, err);
  memset(body, 0, cap); /* the secret does not outlive the request */
  free(body);
  if (rc < 0) {
    http_answer_free(&a);
    return -1;
  }
  int got = 0;
  if (rc == 1) {
    verify_set(v, VCHECK_UNAVAILABLE, "HMRC_TOKEN", "HMRC: no answer from %s: %s", url,
               a.error);
  } else {
    cJSON *root = http_is_json(a.content_type) ? cJSON_ParseWithLength(a.body, a.len)
                                               : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "access_token");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
    if (a.status == 200 && cJSON_IsString(t) && strlen(t->valuestring) > 0 &&
        strlen(t->valuestring) < sizeof s->token && cJSON_IsNumber(e) &&
        e->valuedouble > 0) {
      snprintf(s->token, sizeof s->token, "%s", t->valuestring);
      s->token_expires = now + (time_t)(e->valuedouble < 86400 ? e->valuedouble : 86400);
      got = 1;
    } else {
      char code[VCHECK_CODE_MAX] = "";
      if (cJSON_IsObject(root)) verify_json_text(root, "error", code, sizeof code, NULL);
      verify_set(v, VCHECK_UNAVAILABLE, "HMRC_TOKEN",
                 "HMRC: no access token from %s (HTTP %ld%s%s)", url, a.status,
                 code[0] ? ", " : "", code);
    }
    cJSON_Delete(root);
  }
  http_answer_free(&a);
  if (!got) {
    s->token_refused = 1;
    snprintf(s->token_problem, sizeof s->token_problem, "%s", v->detail);
  }
  return got ? 0 : 1;
}

int hmrc_check(const verify_config *c, verify_session *s, const char *number, vcheck *v,
               long *retry_after_s, pi_error *err) {
  *retry_after_s = -1;
  int t = token(c, s, v, err);
  if (t) return t < 0 ? -1 : 0;
  char url[VERIFY_URL_MAX + 128];
  int n = snprintf(url, sizeof url, "%s/organisations/vat/check-vat-number/lookup/%s%s%s",
                   c->hmrc_url, vrn(number), c->hmrc_requester[0] ? "/" : "",
                   c->hmrc_requester[0] ? vrn(c->hmrc_requester) : "");
  if (n < 0 || (size_t)n >= sizeof url)
    return pi_fail(err, PI_E_TOO_LONG, "hmrc_url", "hmrc_url is too long");
  char auth[VERIFY_TOKEN_MAX + 32];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->token);
  const char *const headers[] = {"Accept: application/vnd.hmrc.2.0+json", auth, NULL};
  http_answer a;
  int rc = http_request("GET", url, headers, NULL, HTTP_FOLLOW_REDIRECTS,
                        (long)c->timeout_ms, &a, err);
  if (rc == 1)
    verify_set(v, VCHECK_UNAVAILABLE, "NO_ANSWER", "HMRC: no answer from %s: %s",
               c->hmrc_url, a.error);
  else if (rc == 0) {
    hmrc_classify(&a, number, v);
    *retry_after_s = a.retry_after_s;
    /* A refused token is not kept: the next request asks for another. */
    if (a.status == 401) s->token[0] = '\0';
  }
  http_answer_free(&a);
  return rc < 0 ? -1 : 0;
}
